from datetime import datetime, timezone
from pathlib import Path

from digest.assemble import assemble, comment_anchor, thread, url_for
from digest.config import SiteConfig
from digest.model import Comment, Entry

NOW = datetime(2024, 1, 1, tzinfo=timezone.utc)


def entry(slug, day, **fields):
    return Entry(slug=slug, src_path=Path(f"content/{slug}.md"), title=slug.title(),
                 date=datetime(2023, 11, day, tzinfo=timezone.utc), body="", body_line=1, **fields)


def config(**fields):
    return SiteConfig(path=Path("site.yaml"), title="T", **fields)


def test_url_for_respects_base_path():
    c = config(base_url="https://user.github.io/repo/")
    assert url_for(c, "tags/x/") == "/repo/tags/x/"
    assert url_for(c, "/archive/") == "/repo/archive/"
    assert url_for(c, "") == "/repo/"
    assert url_for(c, "https://example.com/") == "https://example.com/"
    assert url_for(config(), "/archive/") == "/archive/"


def test_pagination_newest_first_with_prev_next():
    entries = [entry(f"e{day}", day) for day in range(1, 6)]
    site = assemble(config(per_page=2), entries, NOW)
    home = [p for p in site.pages if p.kind == "home"]
    assert [p.out_path for p in home] == ["index.html", "page/2/index.html", "page/3/index.html"]
    assert [e.slug for e in home[0].data["entries"]] == ["e5", "e4"]
    assert home[1].data["pager"].prev_url == "/" and home[1].data["pager"].next_url == "/page/3/"
    pages = {p.url: p for p in site.pages if p.kind == "entry"}
    assert pages["/e3/"].data["newer"].slug == "e4" and pages["/e3/"].data["older"].slug == "e2"
    assert pages["/e5/"].data["newer"] is None and pages["/e1/"].data["older"] is None


def test_drafts_and_future_entries_are_left_out_unless_asked():
    entries = [entry("live", 1), entry("draft", 2, draft=True),
               Entry(slug="future", src_path=Path("f.md"), title="F", date=datetime(2030, 1, 1, tzinfo=timezone.utc),
                     body="", body_line=1)]
    assert [e.slug for e in assemble(config(), entries, NOW).entries] == ["live"]
    assert [e.slug for e in assemble(config(), entries, NOW, drafts=True).entries] == ["future", "draft", "live"]


def test_tags_merge_by_slug_and_archive_groups_by_month():
    entries = [entry("a", 1, tags=("Ukraine",)), entry("b", 2, tags=("ukraine", "NATO"))]
    site = assemble(config(), entries, NOW)
    assert [(t.slug, t.name, [e.slug for e in t.entries]) for t in site.tags] == [
        ("nato", "NATO", ["b"]), ("ukraine", "ukraine", ["b", "a"])]
    archive = next(p for p in site.pages if p.kind == "archive")
    ((year, months),) = archive.data["years"]
    assert year == 2023 and [(m, [e.slug for e in items]) for m, items in months] == [(11, ["b", "a"])]


def test_thread_nests_replies_and_drops_hidden():
    comments = (Comment("1", None, "A", "x", 1), Comment("1.1", "1", "B", "y", 2),
                Comment("1.2", "1", "B", "y", 2, hidden=True),
                Comment("2", None, "C", "z", 3, hidden=True), Comment("2.1", "2", "D", "w", 4))
    top, stub = thread(entry("t", 1, comments=comments))
    assert top.anchor == "comment-1" and [r.anchor for r in top.replies] == ["comment-1.1"]
    assert stub.comment.hidden and [r.comment.id for r in stub.replies] == ["2.1"]
    assert comment_anchor("comment-42") == "comment-42"
    assert comment_anchor("a b/c") == "comment-a-b-c"


def test_the_notes_index_is_paginated_and_only_its_first_page_has_the_totals(tmp_path):
    from conftest import build
    from digest.config import load_config
    from test_cache import generated_site

    root = generated_site(tmp_path, 25)
    build(root)
    config = load_config(root / "site.yaml")
    pages = -(-25 // config.per_page)
    first = (root / "output/annotations/index.html").read_text()
    assert "75 notes on 25 entries" in first and f"Page 1 of {pages}" in first
    last = (root / f"output/annotations/page/{pages}/index.html").read_text()
    assert f"Page {pages} of {pages}:" in last and "75 notes" not in last
    assert sum(page.count('class="notes-item"') for page in [first, last]) <= 2 * 3 * config.per_page
