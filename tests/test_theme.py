"""The built-in theme, looked at in a real browser.

The sample site is built under base_url "/digest/" and served under /digest/ (as GitHub Pages serves a
project site). Every page kind is opened at phone (390px) and desktop (1280px) widths, in light and
dark mode; a full-page screenshot of each goes to tests/screenshots/ (git-ignored) for a human to look
at, and the checks below assert what a reader would notice: the stylesheet applies, nothing overflows
sideways on a phone, text is legible (WCAG AA contrast), deep comment threads keep a readable width,
the original article is set apart from the digest, keyboard focus is visible, and print drops the chrome.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import build, copy_site

SCREENSHOTS = Path(__file__).parent / "screenshots"
ENTRY = "ukraine-peace-talks/"
PAGES = {"front": "", "entry": ENTRY, "tags": "tags/", "archive": "archive/", "404": "404.html",
         "stories": "stories/", "story": "stories/ukraine-war/", "timeline": "timeline/", "notes": "annotations/"}
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
SCHEMES = ("light", "dark")

# WCAG 2 relative luminance and contrast, with the colour read from the computed style and the
# background found by walking up to the first ancestor with an opaque-enough background.
CONTRAST_JS = """
(selector) => {
  const el = document.querySelector(selector);
  if (!el) return null;
  const parse = (c) => { const m = c.match(/[\\d.]+/g).map(Number); return {r: m[0], g: m[1], b: m[2], a: m.length > 3 ? m[3] : 1}; };
  const lum = ({r, g, b}) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                              return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const over = (top, bottom) => ({r: top.r * top.a + bottom.r * (1 - top.a), g: top.g * top.a + bottom.g * (1 - top.a),
                                  b: top.b * top.a + bottom.b * (1 - top.a), a: 1});
  const layers = [];
  for (let node = el; node; node = node.parentElement) {
    const bg = parse(getComputedStyle(node).backgroundColor);
    if (bg.a > 0) layers.push(bg);
    if (bg.a >= 1) break;
  }
  let bg = {r: 255, g: 255, b: 255, a: 1};
  for (const layer of layers.reverse()) bg = over(layer, bg);
  const fg = over(parse(getComputedStyle(el).color), bg);
  const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a);
  return {ratio: (hi + 0.05) / (lo + 0.05), bgLum: lum(bg), fg: getComputedStyle(el).color};
}
"""

# Text a reader must be able to read on each page (selector -> what it is).
READABLE = {
    "front": [".card-title a", ".card .summary", ".card-meta", ".tag"],
    "entry": [".digest p", ".standfirst", ".entry-meta", ".kicker", ".provenance dd", ".article p",
              ".comment-body p", ".rank", ".reply-to", ".comment-quote p", ".comment.pick .comment-body p",
              ".source-label", ".badge-pick"],
    "tags": [".page-title", ".tag-cloud a", ".tag-cloud .count"],
    "archive": [".archive-list a", ".archive-list time", ".archive-month-title"],
    "404": [".lede", ".button", ".button-quiet"],
    "stories": [".story-item-title a", ".story-item .summary", ".story-item .meta"],
    "story": [".page-title", ".card-title a", ".tl-date", ".tl-text"],
    "timeline": [".tl-year-title", ".tl-month-title", ".tl-date", ".tl-text"],
    "notes": [".page-title", ".page-note"],
}


@pytest.fixture
def site_url(sample_site, tmp_path, serve):
    """The sample site built for and served under /digest/.

    DIGEST_THEME_SITE=<folder> designs against another site folder of the same shape (e.g. while the
    importer's source.md and comments.yaml are not in content/ yet)."""
    root = sample_site
    if os.environ.get("DIGEST_THEME_SITE"):
        shutil.rmtree(root)
        root = copy_site(Path(os.environ["DIGEST_THEME_SITE"]), tmp_path / "theme-site")
    out = tmp_path / "out"
    build(root, out, base_url="http://127.0.0.1/digest/")
    return serve(out, "/digest/")


def has_thread(page) -> bool:
    return page.locator(".comment").count() > 0


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_pages_look_right(browser, site_url, viewport, scheme):
    SCREENSHOTS.mkdir(exist_ok=True)
    size = VIEWPORTS[viewport]
    context = browser.new_context(viewport=size, color_scheme=scheme, device_scale_factor=1)
    page = context.new_page()
    failures: list[str] = []
    page.on("pageerror", lambda exc: failures.append(f"script error: {exc}"))
    page.on("requestfailed", lambda req: failures.append(f"request failed: {req.url}"))
    page.on("response", lambda r: r.status >= 400 and not r.url.endswith("/404.html")
            and failures.append(f"{r.status} {r.url}"))
    try:
        for name, path in PAGES.items():
            response = page.goto(site_url + path)
            assert response is not None and response.ok, f"{name}: {path} did not load"
            page.screenshot(path=str(SCREENSHOTS / f"{name}-{viewport}-{scheme}.png"), full_page=True)
            check_page(page, name, viewport, scheme, size["width"])
    finally:
        context.close()
    assert failures == []


def check_page(page, name: str, viewport: str, scheme: str, width: int) -> None:
    where = f"{name} ({viewport}, {scheme})"

    # The stylesheet is there (under the sub-path) and applies: not the browser's defaults.
    sheet = page.eval_on_selector("link[rel=stylesheet]", "l => l.getAttribute('href')")
    assert sheet.startswith("/digest/static/style.css"), where
    styles = page.evaluate("""() => {
      const body = getComputedStyle(document.body), mast = getComputedStyle(document.querySelector('.masthead'));
      return {margin: body.margin, font: body.fontFamily, rule: mast.borderTopWidth,
              rules: [...document.styleSheets].reduce((n, s) => n + s.cssRules.length, 0)};
    }""")
    assert styles["rules"] > 50, f"{where}: the stylesheet did not load"
    assert styles["margin"] == "0px" and styles["rule"] == "5px", f"{where}: the theme's styles do not apply"
    assert "Charter" in styles["font"], f"{where}: body text is not in the theme's serif stack"

    # Every site link stays under the sub-path.
    stray = page.eval_on_selector_all("a[href^='/'], link[href^='/']",
                                      "els => els.map(e => e.getAttribute('href')).filter(h => !h.startsWith('/digest/'))")
    assert stray == [], f"{where}: links outside /digest/: {stray}"

    # One h1, and headings never skip a level.
    levels = page.eval_on_selector_all("h1,h2,h3,h4,h5,h6", "els => els.map(e => +e.tagName[1])")
    assert levels.count(1) == 1 and levels[0] == 1, f"{where}: headings {levels}"
    assert all(b - a <= 1 for a, b in zip(levels, levels[1:])), f"{where}: a heading level is skipped: {levels}"

    # Light or dark as the reader's system asks, and legible text in both.
    body = page.evaluate(CONTRAST_JS, "main")
    assert (body["bgLum"] < 0.05) if scheme == "dark" else (body["bgLum"] > 0.85), f"{where}: not a {scheme} page"
    for selector in READABLE[name]:
        if name == "entry" and not page.locator(selector).count():
            # the parts of an entry that depend on its content: a source, a thread, an editor's pick
            assert selector.startswith((".comment", ".rank", ".reply", ".badge-pick", ".provenance", ".article",
                                        ".source")), f"{where}: nothing matches {selector}"
            continue
        result = page.evaluate(CONTRAST_JS, selector)
        assert result is not None, f"{where}: nothing matches {selector}"
        assert result["ratio"] >= 4.5, f"{where}: {selector} has contrast {result['ratio']:.2f} (< 4.5)"

    # Nothing scrolls sideways on a phone.
    if viewport == "phone":
        scroll = page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")
        assert scroll[0] <= scroll[1], f"{where}: page is {scroll[0]}px wide in a {scroll[1]}px viewport"

    if name == "entry":
        check_entry(page, where, viewport, width)


def check_entry(page, where: str, viewport: str, width: int) -> None:
    # The body text keeps a reading measure on a wide screen, leaving the margin column free.
    prose = page.eval_on_selector(".digest", "e => e.getBoundingClientRect().toJSON()")
    if viewport == "desktop":
        chars = page.eval_on_selector(".digest > p", """p => {
          const r = document.createRange(); r.selectNodeContents(p);
          const lines = [...r.getClientRects()].reduce((s, x) => s.add(Math.round(x.top)), new Set()).size;
          return p.textContent.length / lines; }""")
        assert 55 <= chars <= 85, f"{where}: {chars:.0f} characters a line"
        assert width - prose["right"] >= 240, f"{where}: no room for the margin column ({prose})"

    if page.locator("#source").count():
        # The original article is set apart: its panel is not the page's background.
        panel, main = page.evaluate("""() => [getComputedStyle(document.querySelector('#source')).backgroundColor,
                                            getComputedStyle(document.body).backgroundColor]""")
        assert panel != main, f"{where}: the original article is not set apart"
        label = page.inner_text("#source .source-label")
        assert label.strip().lower() == "the original article"

    if has_thread(page):
        # Deep replies stay readable on a phone: the deepest comment keeps a usable width.
        deepest = page.evaluate("""() => {
          let best = null, depth = -1;
          for (const c of document.querySelectorAll('.comment')) {
            let d = 0; for (let n = c.parentElement; n; n = n.parentElement) if (n.classList.contains('comment')) d++;
            if (d > depth) { depth = d; best = c; }
          }
          return {depth, width: best.querySelector('.comment-card').getBoundingClientRect().width};
        }""")
        if viewport == "phone":
            assert deepest["width"] >= 240, f"{where}: the deepest comment (depth {deepest['depth']}) is {deepest['width']}px"
        # Every comment is a permalink target, and replies name who they answer.
        anchors = page.eval_on_selector_all(".comment", "els => els.map(e => e.id)")
        assert all(a.startswith("comment-") for a in anchors)
        replies = page.locator(".replies > .comment").count()
        assert page.locator(".replies > .comment > .comment-card > .reply-to").count() == replies
        if page.locator(".comment.pick").count():
            pick = page.eval_on_selector(".comment.pick > .comment-card", "e => getComputedStyle(e).backgroundColor")
            assert pick not in ("rgba(0, 0, 0, 0)", "transparent"), f"{where}: the editor's pick is not highlighted"


def test_keyboard_and_print(browser, site_url):
    context = browser.new_context(viewport=VIEWPORTS["phone"])
    page = context.new_page()
    try:
        page.goto(site_url + ENTRY)
        # The skip link comes first, shows itself on focus, and its focus ring is visible.
        page.keyboard.press("Tab")
        focused = page.evaluate("""() => { const a = document.activeElement, r = a.getBoundingClientRect(), s = getComputedStyle(a);
          return {cls: a.className, top: r.top, bottom: r.bottom, outline: s.outlineStyle, width: parseFloat(s.outlineWidth)}; }""")
        assert focused["cls"] == "skip" and focused["top"] >= 0 and focused["bottom"] > 0, focused
        page.keyboard.press("Tab")
        ring = page.evaluate("() => { const s = getComputedStyle(document.activeElement); return [s.outlineStyle, parseFloat(s.outlineWidth)]; }")
        assert ring[0] != "none" and ring[1] >= 2, f"keyboard focus is not visible: {ring}"

        # Print: no site chrome, and external links in the article print their address.
        page.emulate_media(media="print")
        hidden = page.evaluate("() => ['.nav', '.footer', '.prevnext', '.skip'].map(s => document.querySelector(s))"
                               ".filter(Boolean).map(e => getComputedStyle(e).display)")
        assert hidden and set(hidden) == {"none"}, hidden
        if page.locator("#source .source-end a[href^='http']").count():
            after = page.eval_on_selector("#source .source-end a[href^='http']", "a => getComputedStyle(a, '::after').content")
            assert "http" in after, after
        page.pdf(path=str(SCREENSHOTS / "entry-print.pdf")) if SCREENSHOTS.is_dir() else None
    finally:
        context.close()
