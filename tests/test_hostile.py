"""Hostile input, imported and built through the command line, then opened in a real browser.

tests/fixtures/hostile/ is a site whose every value tries to run script (titles, summaries, tags, story
titles, authors, comment authors/ranks/texts/quotes, source URLs, links and images in markdown,
annotations, timeline texts and links, site.yaml values); its scrapes/ hold a forum dump and a blog page
full of payloads, one with a BOM and Latin-1 bytes in UTF-8 text, one wholly in Latin-1. naughty.txt is a
curated list of naughty strings that the tests put into an entry of their own. Every payload tries to
set window.__pwned or open a dialog: neither may happen, no page may carry a script, an event handler
or a javascript: link of the input's, and the payloads must show up as text. Bad files (empty, huge,
wrong encoding, unsafe links) give a clear 'path:line:col' message or build fine, never a traceback.
"""

from __future__ import annotations

import functools
import http.server
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from conftest import FIXTURES, REPO, copy_site  # noqa: F401

HOSTILE = FIXTURES / "hostile"
SCRAPES = HOSTILE / "scrapes"
CLOCK = "2026-01-01T00:00:00+00:00"


_ESCAPE = re.compile(r"\\(n|t|u[0-9a-fA-F]{4})")


def naughty_strings() -> list[str]:
    out = []
    for line in (HOSTILE / "naughty.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            out.append(_ESCAPE.sub(lambda m: {"n": "\n", "t": "\t"}.get(m.group(1)) or chr(int(m.group(1)[1:], 16)), line))
    return out


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """Run build.py as an editor would; a traceback is always a failure."""
    result = subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=cwd, capture_output=True,
                            text=True, timeout=300)
    assert "Traceback" not in result.stderr + result.stdout, result.stderr[-3000:]
    assert result.returncode in (0, 1), f"exit {result.returncode}: {result.stderr[-2000:]}"
    return result


def naughty_entry(root: Path) -> None:
    """content/naughty/: every naughty string as a comment's author and text, a tag, an event and a note quote."""
    strings = naughty_strings()
    folder = root / "content" / "naughty"
    folder.mkdir(parents=True)
    front = {"title": "Naughty strings", "date": "2024-01-03", "summary": strings[-3],
             "tags": [s for s in strings if len(s) < 80 and s.strip()],
             "timeline": [{"date": "2023-0%d" % (1 + i % 9), "text": s} for i, s in enumerate(strings) if s.strip()]}
    body = "\n\n".join(f"Paragraph {i}: {s}" for i, s in enumerate(strings))
    notes = "\n\n".join(f'::: context on=comment:{i} quote="{s.strip()[:30]}"\nA note on a naughty string.\n:::'
                        for i, s in enumerate(strings) if s.strip() and '"' not in s and "\\" not in s and "\n" not in s)
    (folder / "index.md").write_text("---\n" + yaml.safe_dump(front, allow_unicode=True) + "---\n\n" + body
                                     + "\n\n" + notes + "\n", encoding="utf-8")
    comments = [{"id": str(i), "author": s, "author_rank": s[:40], "quote": s, "text": s, "posted": "2024-01-02"}
                for i, s in enumerate(strings)]
    (folder / "comments.yaml").write_text(yaml.safe_dump(comments, allow_unicode=True), encoding="utf-8")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args) -> None:
        pass


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory):
    """The hostile site with its scrapes imported and the naughty entry added, built; (root, out, url)."""
    tmp = tmp_path_factory.mktemp("hostile")
    root = copy_site(HOSTILE, tmp / "site")
    naughty_entry(root)
    imported = cli("import", *map(str, sorted(SCRAPES.iterdir())), "--scraped-at", "2024-03-01", "--site", str(root),
                   cwd=tmp)
    assert imported.returncode == 0, imported.stderr
    assert "latin1-hostile.txt:1:1: warning: the file is not valid UTF-8" in imported.stderr
    built = cli("build", "--site", str(root), "--out", str(tmp / "out"), "--clock", CLOCK, cwd=tmp)
    assert built.returncode == 0, built.stderr
    # the javascript: URL of the source is dropped with a warning naming its line
    assert re.search(r"content/xss/source\.md:3:\d+: warning: 'url' 'javascript:", built.stderr), built.stderr
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Quiet, directory=str(tmp / "out")))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, tmp / "out", f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


# Anything on a page that could run script: every <script> must be the site's own (the theme's static
# files or Pagefind's), and no element may carry an event handler, a javascript:/data: link, a frame
# or an object.
DANGER_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('*')) {
    for (const attr of el.attributes) {
      const name = attr.name.toLowerCase(), value = attr.value.replace(/[\\x00-\\x20]/g, '').toLowerCase();
      if (el.matches('.pagefind-ui form') && name === 'action' && value === 'javascript:void(0);') continue;  // Pagefind's own
      if (name.startsWith('on')) out.push(`${el.tagName} ${name}=${attr.value}`);
      if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc', 'data'].includes(name)
          && (value.startsWith('javascript:') || value.startsWith('vbscript:') || value.startsWith('data:text')
              || value.startsWith('data:image/svg') || name === 'srcdoc'))
        out.push(`${el.tagName} ${name}=${attr.value}`);
    }
    if (['IFRAME', 'FRAME', 'OBJECT', 'EMBED', 'BASE', 'FORM'].includes(el.tagName) && !el.closest('#search'))
      out.push(`<${el.tagName.toLowerCase()}>`);
    if (el.tagName === 'SCRIPT' && !/\\/(static|pagefind)\\//.test(el.getAttribute('src') || ''))
      out.push('<script>' + el.textContent.slice(0, 60));
    if (el.tagName === 'META' && (el.getAttribute('http-equiv') || '').toLowerCase() === 'refresh')
      out.push('<meta http-equiv=refresh>');
  }
  return out;
}"""


def test_nothing_from_the_input_runs_in_the_browser(browser, hostile_site):
    root, out, url = hostile_site
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("*.html") if "pagefind" not in p.parts)
    assert len(pages) >= 15 and "xss/index.html" in pages and "naughty/index.html" in pages
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    dialogs, errors, problems = [], [], []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        for path in pages + ["search/?q=pwned", "search/?q=script"]:
            page.goto(url + path.removesuffix("index.html"))
            if path.startswith("search/?"):
                page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10000)
                page.wait_for_timeout(300)
            else:  # hover and focus everything: handlers bound to mouse or focus events would fire
                page.evaluate("""() => { for (const el of document.querySelectorAll('body *')) {
                  for (const type of ['mouseover', 'focus', 'click']) if (type !== 'click' || !el.closest('a[href]'))
                    el.dispatchEvent(new Event(type)); } }""")
            if page.evaluate("window.__pwned") is not None:
                problems.append(f"{path}: window.__pwned was set")
            problems += [f"{path}: {what}" for what in page.evaluate(DANGER_JS)]
    finally:
        context.close()
    assert dialogs == [], f"dialogs opened: {dialogs}"
    assert problems == [], "\n".join(problems)
    assert errors == [], errors


def text_of(page) -> str:
    return re.sub(r"\s+", " ", page.evaluate("document.body.textContent"))


def test_every_payload_shows_up_as_text(browser, hostile_site):
    root, out, url = hostile_site
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    try:
        page.goto(url + "xss/")
        assert page.title().startswith('Headline <script>window.__pwned=1</script> "quoted" \'single\' & ampersand')
        text = text_of(page)
        for literal in ['Headline <script>window.__pwned=1</script> "quoted"',  # title
                        "Summary <img src=x onerror=\"window.__pwned=1\">",  # summary, as the standfirst
                        "Digest <script>window.__pwned=1</script> & Co",  # site.yaml title
                        "<svg onload=window.__pwned=1> desk",  # site.yaml author
                        "<b onmouseover=window.__pwned=1>Latest</b>",  # nav title
                        "Story </a><script>window.__pwned=1</script>",  # story title (kicker)
                        "Event <script>window.__pwned=1</script> emphasis",  # timeline text, markdown applied
                        "Source: <b onclick=alert(1)>Source</b>",  # timeline source
                        "Original <script>window.__pwned=1</script> title",  # source.md
                        "<img src=x onerror=window.__pwned=1> Gazette",  # site_name
                        "Digest prose with raw HTML: <script>window.__pwned=1</script>",  # raw HTML in markdown
                        "[javascript](javascript:window.__pwned=1)",  # an unsafe link stays text
                        "Note body <script>window.__pwned=1</script>",  # annotation body
                        "<script>window.__pwned=1</script>",  # verdict
                        "by <img src=x onerror=window.__pwned=1>",  # note by
                        "never there <script>alert(1)</script>",  # unanchored note's quote
                        "Rumour <img src=x onerror=alert(1)>",  # kind label from site.yaml
                        "Comment <script>window.__pwned=1</script> with onerror",  # comment text
                        "</textarea><script>window.__pwned=1</script>",  # comment author
                        "Rank \" onfocus=\"window.__pwned=1\" autofocus=\"",  # author rank
                        "<style>body{display:none}</style> style tag as text"]:
            assert literal in text, f"not shown as text: {literal!r}"
        # the anchored notes found their passages, markup-looking quotes included
        assert page.locator("mark[data-note]").count() >= 4
        for tag in ("<script>alert(1)</script>", "\"><svg onload=window.__pwned=1>", "javascript:alert(1)"):
            assert page.locator("a.tag", has_text=tag).count() == 1
        # the comment with a quote in its id keeps a safe anchor and its reply links to it
        assert page.locator('[id="comment-evil-id"]').count() == 1

        page.goto(url + "naughty/")
        text = text_of(page)
        shown = [s for s in naughty_strings()
                 if s.strip() and not re.search(r"[\x00-\x08\x0b-\x1f\x7f\u200b-\u200f\u2028-\u202e\ufeff\u00a0\u2002\u2003\u3000]", s)]
        missing = [s for s in shown if re.sub(r"\s+", " ", s).strip() not in text]
        assert missing == [], f"naughty strings not shown as text: {missing}"

        for slug, literal in [("hostile-script-window-pwned-1-script-headline-from-a-forum",
                               "Hostile <script>window.__pwned=1</script> headline from a forum"),
                              ("blog-script-window-pwned-1-script-post", "Blog <script>window.__pwned=1</script> post")]:
            page.goto(url + slug + "/")
            assert literal in text_of(page)
        page.goto(url + "hostile-script-window-pwned-1-script-headline-from-a-forum/")
        text = text_of(page)
        assert "café coûte" in text  # Latin-1 bytes inside UTF-8 text, read right
        assert "First comment <script>window.__pwned=1</script> from Eve." in text
    finally:
        page.close()


# ----------------------------------------------------------------------------- bad files, clear messages

def small_site(tmp_path: Path, site_yaml: str = "title: T\nbase_url: https://example.org/\n") -> Path:
    root = tmp_path / "site"
    (root / "content" / "one").mkdir(parents=True)
    (root / "site.yaml").write_text(site_yaml, encoding="utf-8")
    (root / "content" / "one" / "index.md").write_text("---\ntitle: One\ndate: 2024-01-01\n---\n\nText.\n")
    return root


def build_small(root: Path) -> subprocess.CompletedProcess:
    return cli("build", "--site", str(root), "--out", str(root / "output"), "--clock", CLOCK, cwd=root)


BAD = {
    # name: (what to do to the small site, exit status, message the editor sees)
    "empty index.md": (lambda r: (r / "content/one/index.md").write_bytes(b""), 1,
                       r"content/one/index\.md:1:1: error: no front matter"),
    "latin-1 index.md": (lambda r: (r / "content/one/index.md").write_bytes(
        b"---\ntitle: Caf\xe9\ndate: 2024-01-01\n---\n"), 1, r"content/one/index\.md:2:1: error: not valid UTF-8"),
    "BOM index.md": (lambda r: (r / "content/one/index.md").write_bytes(
        b"\xef\xbb\xbf---\ntitle: One\ndate: 2024-01-01\n---\n\nText.\n"), 0, r"built \d+ pages"),
    "BOM site.yaml": (lambda r: (r / "site.yaml").write_bytes(b"\xef\xbb\xbftitle: T\nbase_url: https://example.org/\n"),
                      0, r"built \d+ pages"),
    "empty site.yaml": (lambda r: (r / "site.yaml").write_bytes(b""), 1, r"site\.yaml:1:1: error"),
    "empty comments.yaml": (lambda r: (r / "content/one/comments.yaml").write_bytes(b""), 0, r"built \d+ pages"),
    "empty source.md": (lambda r: (r / "content/one/source.md").write_bytes(b""), 1,
                        r"content/one/source\.md:1:1: error: no front matter"),
    "binary comments.yaml": (lambda r: (r / "content/one/comments.yaml").write_bytes(bytes(range(256)) * 4), 1,
                             r"content/one/comments\.yaml:\d+:\d+: error"),
    "comments.yaml with a NUL": (lambda r: (r / "content/one/comments.yaml").write_text(
        "- id: 1\n  text: \"a\\0b\"\n  author: \"\\x00\"\n"), 0, r"built \d+ pages"),
    "javascript: nav url": (lambda r: (r / "site.yaml").write_text(
        "title: T\nnav:\n  - {title: X, url: \" javascript:alert(1)\"}\n"), 1,
        r"site\.yaml:3:\d+: error: nav item 1: ' javascript:alert\(1\)' is not a link"),
    "javascript: timeline link": (lambda r: (r / "content/one/index.md").write_text(
        "---\ntitle: One\ndate: 2024-01-01\ntimeline:\n  - {date: 2023, text: X, link: \"java\\tscript:alert(1)\"}\n---\n"),
        1, r"content/one/index\.md:5:\d+: error: timeline event 1: 'link'"),
    "unclosed front matter": (lambda r: (r / "content/one/index.md").write_text("---\ntitle: One\n"), 1,
                              r"content/one/index\.md:1:1: error: front matter is not closed"),
    # found by tests/test_properties.py: self-referencing YAML and absurd nesting raised RecursionError
    "self-referencing alias": (lambda r: (r / "content/one/index.md").write_text(
        "---\ntitle: One\ndate: 2024-01-01\ntags: &a [*a]\n---\n"), 1,
        r"content/one/index\.md:4:\d+: error: a YAML alias \(\*name\) refers to the value it is inside of"),
    "deeply nested comments.yaml": (lambda r: (r / "content/one/comments.yaml").write_text("[" * 20000 + "]" * 20000),
                                    1, r"content/one/comments\.yaml:1:\d+: error: the YAML is nested too deeply"),
    "yaml tags in front matter": (lambda r: (r / "content/one/index.md").write_text(
        "---\ntitle: !!python/object/apply:os.system [\"touch pwned\"]\ndate: 2024-01-01\n---\n"), 1,
        r"content/one/index\.md:2:\d+: error"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_files_give_a_clear_message_or_build(tmp_path, case):
    change, status, message = BAD[case]
    root = small_site(tmp_path)
    change(root)
    result = build_small(root)
    assert result.returncode == status, result.stderr
    assert re.search(message, result.stderr + result.stdout), result.stderr
    assert not (root / "pwned").exists() and not (tmp_path / "pwned").exists()


def test_a_huge_comment_builds_and_shows(tmp_path):
    root = small_site(tmp_path)
    words = ("lorem ipsum <b>dolor</b> sit amet, " * 160_000)[: 5 * 1024 * 1024]
    (root / "content/one/comments.yaml").write_text(yaml.safe_dump([{"id": 1, "author": "Verbose", "text": words + " THE END"}]))
    start = time.monotonic()
    result = build_small(root)
    assert result.returncode == 0, result.stderr
    assert time.monotonic() - start < 60
    html = (root / "output/one/index.html").read_text(encoding="utf-8")
    assert "THE END" in html and "&lt;b&gt;dolor&lt;/b&gt;" in html


IMPORT_BAD = {
    "empty scrape": (b"", r"empty\.txt:1:1: error"),
    "binary scrape": (bytes(range(256)) * 64, r"binary\.txt:1:1: error"),
    "scrape of nothing but naughty strings": ("\n".join(naughty_strings()).encode("utf-8"), r"naughty\.txt:1:1: error"),
}


@pytest.mark.parametrize("case", sorted(IMPORT_BAD))
def test_import_of_a_bad_scrape_says_why_and_writes_nothing(tmp_path, case):
    data, message = IMPORT_BAD[case]
    root = small_site(tmp_path)
    scrape = tmp_path / (case.split()[0] if case != "scrape of nothing but naughty strings" else "naughty") 
    scrape = scrape.with_suffix(".txt")
    scrape.write_bytes(data)
    result = cli("import", str(scrape), "--scraped-at", "2024-03-01", "--site", str(root), cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert sorted(p.name for p in (root / "content").iterdir()) == ["one"]


def test_a_huge_scrape_imports_and_builds(tmp_path):
    root = small_site(tmp_path)
    seed = (REPO / "tests/fixtures/ingest/scrape-newstalkers-ukraine-peace-talks.txt").read_text(encoding="utf-8")
    head, sep, tail = seed.partition("The conversations have included")
    scrape = tmp_path / "huge.txt"
    scrape.write_text(head + ("The conversations went on and on. " * 150_000) + "\n\n" + sep + tail, encoding="utf-8")
    start = time.monotonic()
    result = cli("import", str(scrape), "--scraped-at", "2024-03-01", "--site", str(root), "--slug", "huge", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert build_small(root).returncode == 0
    assert time.monotonic() - start < 90
