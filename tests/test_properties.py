"""Property-based tests (hypothesis): arbitrary input gives a clear error or valid output, never a traceback.

The importer (scrape parsers and `import_scrapes` on arbitrary bytes), the front matter loader
(split_front_matter and entry loading from a real temporary site) and annotation anchoring (arbitrary
quotes over arbitrary rendered text). Examples are kept few (the suite runs on two cores); the
strategies mix free text with the shapes these parsers look for, so hypothesis reaches their branches.
"""

from __future__ import annotations

import shutil
import tempfile
from datetime import datetime, timezone
from pathlib import Path

from hypothesis import HealthCheck, given, settings, strategies as st

from digest import annotate as annotate_mod
from digest.config import SiteConfig
from digest.errors import SiteError
from digest.ingest import import_scrapes
from digest.load import load_entries, split_front_matter
from digest.markup import make_renderers, markup_entry
from digest.model import Annotation, Comment, Entry
from digest.scrape_common import ScrapedPage
from digest.scrape_html import parse_html_scrape
from digest.scrape_text import parse_text_scrape

WHEN = datetime(2024, 3, 1, tzinfo=timezone.utc)
FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
CONFIG = SiteConfig(title="T", path=Path("site.yaml"))

# Pieces of the shapes the parsers recognise, mixed with arbitrary text.
TEXT_LINES = st.one_of(
    st.text(max_size=80),
    st.sampled_from(["Via:  someone  •  11 months ago  •  3 comments", "By:   A, B and C", "Category:  News",
                     "1  Eve    2 months ago", "1.1  Bob  replied to  Eve @1    1 month ago", "Who is online", "",
                     " ", "S E E D E D   C O N T E N T", "Senior Quiet", "401 visitors", "date 2024-01-02",
                     "<script>window.__pwned=1</script>", "café \u200b\ufeff", "---", "title: x"]),
)
TEXT_SCRAPE = st.lists(TEXT_LINES, max_size=40).map("\n".join)
HTML_BITS = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["<html>", "<head>", "<title>T | Site</title>", "<meta property=\"og:title\" content=\"X\">",
                     "<script type=\"application/ld+json\">{\"@type\":\"NewsArticle\",\"headline\":\"H\",\"author\":",
                     "]}</script>", "<article>", "</article>", "<h1>Headline</h1>", "<p>", "</p>",
                     "<ol class=\"commentlist\">", "<li class=\"comment\" id=\"comment-1\">", "</li>", "</ol>",
                     "<cite class=\"fn\">A</cite>", "<time datetime=\"2024-13-45\">x</time>", "<blockquote>",
                     "<div id=\"disqus_thread\"><li class=\"post\">", "<a href=\"javascript:x\">", "<img src=x onerror=y>",
                     "<link rel=\"canonical\" href=\"//x\">", "<p class=\"byline\">By Jane</p>", "&#0;", "<![CDATA[",
                     "The council voted on Monday night to approve the construction of a new bridge. " * 3]),
)
HTML_SCRAPE = st.lists(HTML_BITS, max_size=40).map("".join)


def _page_ok(page: ScrapedPage) -> None:
    assert isinstance(page, ScrapedPage)
    assert isinstance(page.title, str) and page.title.strip()
    ids = [c.id for c in page.comments]
    assert len(ids) == len(set(ids))
    assert all(c.parent is None or c.parent in ids for c in page.comments)


@FAST
@given(TEXT_SCRAPE)
def test_text_scrapes_parse_or_say_why(text):
    try:
        page = parse_text_scrape(text, WHEN)
    except ValueError as exc:
        assert str(exc)
    else:
        _page_ok(page)


@FAST
@given(HTML_SCRAPE)
def test_html_scrapes_parse_or_say_why(html):
    try:
        page = parse_html_scrape(html, WHEN)
    except ValueError as exc:
        assert str(exc)
    else:
        _page_ok(page)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(TEXT_SCRAPE.map(lambda t: t.encode("utf-8")), HTML_SCRAPE.map(lambda t: t.encode("utf-8")),
                 st.binary(max_size=300), TEXT_SCRAPE.map(lambda t: t.encode("latin-1", "replace"))),
       st.sampled_from([".txt", ".html"]))
def test_import_of_any_file_writes_a_bundle_or_reports_problems(data, suffix):
    with tempfile.TemporaryDirectory() as tmp:
        site, scrape = Path(tmp) / "site", Path(tmp) / ("scrape" + suffix)
        (site / "content").mkdir(parents=True)
        scrape.write_bytes(data)
        try:
            report = import_scrapes(site, [scrape], scraped_at=WHEN, now=WHEN)
        except SiteError as exc:
            assert exc.problems and all(str(p) for p in exc.problems)
            assert list((site / "content").iterdir()) == []  # nothing written
        else:
            assert report.actions
            # what import wrote loads back (or is reported with file:line), never a traceback
            try:
                load_entries(site, CONFIG)
            except SiteError as exc:
                assert exc.problems


FRONT_LINES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["---", "...", "--- ", "title: T", "title: ", "date: 2024-01-02", "date: 2024-02-30",
                     "date: 2024", "tags: [a, b]", "tags: [[]]", "tags: {a: 1}", "draft: yes", "slug: Bad Slug",
                     "slug: tags", "story: nope", "timeline:", "  - {date: 2023, text: x}", "  - {date: x}",
                     "  - 3", "params: {a: 1}", "unknown: 1", "title: !!python/object:os.system x", "&a [*a]",
                     "title: [unclosed", "\ufeff---", "\t", "summary: >", "  folded", "checked: [x]"]),
)
FRONT = st.lists(FRONT_LINES, max_size=14).map("\n".join)


@FAST
@given(FRONT)
def test_split_front_matter_always_splits_or_names_the_problem(text):
    raw, body, line, problems = split_front_matter(text, "content/x/index.md")
    assert line >= 1
    if problems:
        assert all(p.line >= 1 and p.message for p in problems)
    else:
        assert body in text and raw in text


_SITE = None


def _site() -> Path:
    global _SITE
    if _SITE is None:
        _SITE = Path(tempfile.mkdtemp(prefix="prop-site-"))
    return _SITE


@FAST
@given(FRONT, st.text(max_size=200), st.binary(max_size=40))
def test_entry_loading_gives_entries_or_file_line_problems(front, body, comments):
    root = _site()
    shutil.rmtree(root / "content", ignore_errors=True)
    (root / "content" / "one").mkdir(parents=True)
    (root / "content" / "one" / "index.md").write_text(front + "\n" + body, encoding="utf-8", errors="surrogatepass")
    (root / "content" / "one" / "comments.yaml").write_bytes(comments)
    try:
        entries, warnings = load_entries(root, CONFIG)
    except SiteError as exc:
        assert exc.problems
        for p in exc.problems:
            assert str(p.path).startswith("content/one/") and p.line >= 1 and p.message
    else:
        assert len(entries) == 1 and entries[0].title


QUOTES = st.one_of(st.text(max_size=30), st.sampled_from(["the", "war", "“stalemate”", '"stalemate"', "  ", "",
                                                          "a\nb", "<b>", "&amp;", "[1]", "x" * 40]))
PROSE = st.one_of(st.text(max_size=300), st.sampled_from([
    "The war is long. The *war* is “costly”.", "A [link](https://e.org) and `code` and **bold** war.",
    "Footnote[^1] war.\n\n[^1]: The note.", "| a | b |\n|---|---|\n| war | x |", "# War\n\nwar",
    "{==war==}{>>context: inline<<} war", "::: note T\nwar\n:::", "> quoted war\n\n- a\n- war",
    # found by these tests: an inline note on a footnote mark or an image, and one inside a link's text
    "War {==[^1]==}{>>x<<}.\n\n[^1]: foot", "War {==![img](x.png)==}{>>x<<}", "[a {==war==}{>>x<<}](https://e.org)"]))


@FAST
@given(PROSE, st.text(max_size=120), QUOTES, QUOTES, QUOTES, st.integers(0, 3),
       st.sampled_from(["digest", "comment", "source"]))
def test_annotation_anchors_or_gives_a_reason(prose, comment_text, quote, prefix, suffix, occurrence, target):
    renderers = make_renderers(CONFIG)
    entry = Entry(slug="x", src_path=Path("content/x/index.md"), title="X", date=WHEN, body=prose, body_line=5,
                  comments=(Comment(id="1", parent=None, line=1, depth=0, posted=None, author="A",
                                    author_rank="", quote="", text=comment_text, hidden=False, pick=False),))
    entry = markup_entry(entry, renderers, [])
    note = Annotation(kind="context", target=target, comment="1" if target == "comment" else "", quote=quote,
                      prefix=prefix, suffix=suffix, occurrence=occurrence, body="", line=7, html="<p>n</p>")
    result, problems = annotate_mod.annotate(Entry(**{**entry.__dict__, "annotations": entry.annotations + (note,)}), CONFIG)
    ours = [n for n in result.annotations if n.line == 7]
    assert len(ours) == 1
    if ours[0].anchored:
        assert f'data-note="{ours[0].id}"' in result.html + (result.source.html if result.source else "") + \
            "".join(c.html for c in result.comments)
    else:
        assert ours[0].problem, "an unanchored note says why"
        assert any(p.line == 7 for p in problems)
