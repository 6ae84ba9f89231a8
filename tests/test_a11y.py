"""Accessibility in a real browser: axe-core over every page type, visible keyboard focus, a sensible order.

axe-core comes from the npm registry (tests/setup.sh installs a pinned version into the git-ignored
tests/.node/; it is 560 kB of minified code, too big to vendor for a test) and is injected by Playwright
into Debian's chromium. Every page type of the sample site, and the entry page of the 'notes' fixture
(inline and unanchored notes, a kind of its own), is checked at phone and desktop widths in light and
dark mode; a serious or critical violation fails the test.
"""

from __future__ import annotations

import functools
import http.server
import threading
from pathlib import Path

import pytest

from conftest import FIXTURES, REPO, build, copy_site

AXE = Path(__file__).parent / ".node" / "node_modules" / "axe-core" / "axe.min.js"
ENTRY = "digest/ukraine-peace-talks/"
PAGES = {"front": "digest/", "entry": ENTRY, "tags": "digest/tags/", "tag": "digest/tags/ukraine/",
         "archive": "digest/archive/", "stories": "digest/stories/", "story": "digest/stories/ukraine-war/",
         "timeline": "digest/timeline/", "annotations": "digest/annotations/", "search": "digest/search/?q=stalemate",
         "404": "digest/404.html", "notes-entry": "notes/story/"}
VIEWPORTS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}
FAILING = ("serious", "critical")

RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ['violations']});
  return result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ': ' + n.failureSummary.replace(/\\s+/g, ' '))}));
}"""

FOCUSABLE = ("a[href], button, input, select, textarea, summary, [tabindex]:not([tabindex='-1'])")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def base_url(tmp_path_factory):
    """The sample site built for /digest/ and the notes fixture for /notes/, served from one folder."""
    tmp = tmp_path_factory.mktemp("a11y")
    served = tmp / "www"
    build(copy_site(REPO, tmp / "sample"), served / "digest", base_url="http://127.0.0.1/digest/")
    build(copy_site(FIXTURES / "notes", tmp / "notes"), served / "notes", base_url="http://127.0.0.1/notes/")
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(served)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def open_page(page, url: str, name: str) -> None:
    response = page.goto(url)
    assert response is not None and (response.ok or name == "404"), f"{name}: {url} did not load"
    if name == "search":  # axe looks at the page with Pagefind's results on it
        page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10000)


@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_axe_finds_no_serious_violation_on_any_page_type(browser, base_url, viewport, scheme):
    if not AXE.is_file():
        pytest.fail(f"{AXE} is missing: run tests/setup.sh (it installs axe-core from npm)")
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    page = context.new_page()
    found = []
    try:
        for name, path in PAGES.items():
            open_page(page, base_url + path, name)
            page.add_script_tag(path=str(AXE))
            for violation in page.evaluate(RUN_AXE):
                if violation["impact"] in FAILING:
                    found.append(f"{name} ({viewport}, {scheme}): {violation['impact']} {violation['id']} "
                                 f"({violation['help']}): " + " | ".join(violation["nodes"]))
    finally:
        context.close()
    assert found == [], "axe-core reports:\n" + "\n".join(found)


TAB_STOP = """() => { const a = document.activeElement, r = a.getBoundingClientRect(), s = getComputedStyle(a);
  const bg = (() => { for (let n = a; n; n = n.parentElement) { const c = getComputedStyle(n).backgroundColor;
                        if (c !== 'rgba(0, 0, 0, 0)' && c !== 'transparent') return c; } return 'rgb(255, 255, 255)'; })();
  return {index: [...document.querySelectorAll(arguments_selector)].indexOf(a), tag: a.tagName, cls: a.className,
          text: (a.textContent || '').trim().slice(0, 40), inMain: !!a.closest('main'), inNav: !!a.closest('nav'),
          top: r.top + window.scrollY, left: r.left, height: r.height, outline: s.outlineStyle,
          outlineWidth: parseFloat(s.outlineWidth), outlineColor: s.outlineColor, shadow: s.boxShadow, bg}; }"""


def tab_through(page, limit: int = 400) -> list[dict]:
    """Press Tab from the top of the page until focus leaves the document or comes round again."""
    stops = []
    script = TAB_STOP.replace("arguments_selector", repr(FOCUSABLE))
    for _ in range(limit):
        page.keyboard.press("Tab")
        stop = page.evaluate(script)
        if stop["tag"] == "BODY" or (stops and stop["index"] == stops[0]["index"]):
            break
        stops.append(stop)
    return stops


def visible_focusables(page) -> list[int]:
    """Indexes (among FOCUSABLE in DOM order) of the elements a reader can reach: rendered and not disabled."""
    return page.eval_on_selector_all(FOCUSABLE, """els => els.map((e, i) => [e, i]).filter(([e]) =>
        e.getClientRects().length && getComputedStyle(e).visibility !== 'hidden' && !e.disabled
        && e.tabIndex >= 0).map(([, i]) => i)""")


@pytest.mark.parametrize("scheme", ("light", "dark"))
@pytest.mark.parametrize("viewport", sorted(VIEWPORTS))
def test_keyboard_focus_is_visible_and_follows_the_reading_order(browser, base_url, viewport, scheme):
    context = browser.new_context(viewport=VIEWPORTS[viewport], color_scheme=scheme)
    page = context.new_page()
    problems: list[str] = []
    try:
        for name in ("front", "entry", "timeline", "annotations", "404", "notes-entry"):
            open_page(page, base_url + PAGES[name], name)
            where = f"{name} ({viewport}, {scheme})"
            stops = tab_through(page)
            assert stops, f"{where}: nothing takes the keyboard focus"
            # Every focused element shows a focus ring: an outline of 2px or more, or a box-shadow, in a
            # colour other than the background's.
            for stop in stops:
                ring = ((stop["outline"] != "none" and stop["outlineWidth"] >= 2 and stop["outlineColor"] != stop["bg"])
                        or stop["shadow"] != "none")
                if not ring:
                    problems.append(f"{where}: no visible focus on <{stop['tag'].lower()} class='{stop['cls']}'> "
                                    f"{stop['text']!r} ({stop['outline']} {stop['outlineWidth']}px)")
            # Tab follows the DOM order, and reaches everything a reader can see (no positive tabindex,
            # nothing visible left out).
            order = [s["index"] for s in stops]
            if order != visible_focusables(page):
                problems.append(f"{where}: the tab order is not the document order")
            # The skip link comes first, then the site's name and menu, then the page itself.
            assert stops[0]["cls"] == "skip", f"{where}: the first stop is {stops[0]}"
            first_main = next(i for i, s in enumerate(stops) if s["inMain"])
            assert all(not s["inMain"] for s in stops[1:first_main])
            if page.locator("nav.nav").count():
                assert any(s["inNav"] for s in stops[1:first_main]), f"{where}: the menu does not come before the page"
            # The page reads top to bottom: on a phone (one column) every stop is at or below the last
            # one, or on the same line.
            if viewport == "phone":
                for a, b in zip(stops, stops[1:]):
                    if b["top"] < a["top"] - max(4, a["height"]) and a["cls"] != "skip":
                        problems.append(f"{where}: focus jumps up from {a['text']!r} to {b['text']!r}")
            # The skip link moves the focus to the main content: the next Tab lands inside <main>.
            page.goto(page.url)
            page.keyboard.press("Tab")
            page.keyboard.press("Enter")
            page.keyboard.press("Tab")
            assert page.evaluate("!!document.activeElement.closest('main')"), f"{where}: the skip link skips nothing"
            # The main heading comes before the content's own links (a kicker above the headline aside).
            h1_first = page.evaluate("""() => { const h = document.querySelector('main h1');
              const links = [...document.querySelectorAll('main a[href]')].filter(a => !a.closest('.kicker, .page-head > p:first-child'));
              return !links.length || !!(h.compareDocumentPosition(links[0]) & Node.DOCUMENT_POSITION_FOLLOWING); }""")
            assert h1_first, f"{where}: a link of the page comes before its heading"
    finally:
        context.close()
    assert problems == [], "\n".join(problems)
