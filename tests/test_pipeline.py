"""The whole build: output tree, sub-path links, atomicity, determinism."""

import fcntl
import filecmp
import re
import shutil
import threading
from pathlib import Path

import pytest

from conftest import build
from digest import search, write
from digest.errors import SiteError, problem
from linkcheck import check_links


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_basic_site_pages(fixture_site):
    root = fixture_site("basic")
    result = build(root)
    files = tree(root / "output")
    assert sorted(p for p in files if p.endswith(".html")) == [
        "404.html", "annotations/index.html", "archive/index.html", "first-story/index.html", "index.html",
        "page/2/index.html", "search/index.html", "second/index.html", "stories/index.html", "stories/talks/index.html",
        "tags/diplomacy/index.html", "tags/index.html", "tags/ukraine/index.html", "third/index.html",
        "timeline/index.html"]
    assert result.pages == 15 and result.warnings == ()
    assert files["first-story/photo.svg"].startswith(b"<svg")
    assert ".nojekyll" in files and "static/style.css" in files
    home = files["index.html"].decode()
    # newest first, two per page, drafts and future entries left out
    assert home.index("Second story") < home.index("First story")
    assert "Third story" not in home and "A draft" not in home and "From the future" not in home
    assert "Third story" in files["page/2/index.html"].decode()


def test_entry_page_shows_digest_source_and_thread(fixture_site):
    root = fixture_site("basic")
    build(root)
    html = (root / "output/first-story/index.html").read_text()
    assert "The editor’s digest of the “first story”." in html  # typographic quotes
    assert '<h2 id="what-happened">What happened</h2>' in html
    assert '<h3 id="source-questions-about-manpower">Questions about manpower</h3>' in html
    for text in ("Example News", "World", "Ann Author, Ben Byline", "editor-bob",
                 'datetime="2023-11-05"', 'datetime="2024-10-06T12:00:00+00:00"', "https://news.example.com/officials-meet"):
        assert text in html
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    # the thread: nested, anchored, hidden comment left out
    assert re.search(r'id="comment-1".*?<ol class="replies">.*?id="comment-1\.1".*?<ol class="replies">.*?id="comment-1\.1\.1"', html, re.S)
    assert "Hidden comment." not in html
    assert 'datetime="2023-11"' in html and "November 2023" in html
    assert 'datetime="2023-11-08T10:15:00+01:00"' in html
    assert 'rel="nofollow ugc noopener"' in html
    assert "First comment</p></blockquote>" in html.replace("\n", "")


def test_drafts_option_includes_drafts_and_future(fixture_site):
    root = fixture_site("basic")
    build(root, drafts=True)
    assert (root / "output/draft/index.html").is_file() and (root / "output/future/index.html").is_file()


def test_every_link_resolves_under_a_sub_path(sample_site, serve):
    build(sample_site, base_url="https://user.github.io/digest/")
    html = (sample_site / "output/index.html").read_text()
    assert 'href="/digest/static/style.css?v=' in html
    assert not re.search(r'(href|src)="/(?!digest/)', html)
    start = serve(sample_site / "output", "/digest/")
    pages, broken = check_links(start, [start + "404.html"])
    assert broken == []
    assert pages >= 20


def test_failed_build_leaves_old_output_byte_identical(sample_site):
    build(sample_site)
    before = tree(sample_site / "output")
    bad = sample_site / "content/gallup-ukraine-aid-poll/index.md"
    bad.write_text(bad.read_text().replace("date: 2023-11-03", "date: 2023-11-32"), encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        build(sample_site)
    assert [str(p) for p in caught.value.problems] == [
        "content/gallup-ukraine-aid-poll/index.md:3:7: error: invalid value: day is out of range for month. "
        "Write dates as real calendar dates (YYYY-MM-DD), or quote the value"]
    assert tree(sample_site / "output") == before
    assert not any(p.name.startswith(".output") for p in sample_site.iterdir())


def test_a_build_failing_after_its_pages_were_staged_leaves_the_output_as_it_was(sample_site, monkeypatch):
    out = sample_site / "output"
    build(sample_site)
    before = tree(out)
    new = sample_site / "content/a-later-entry"
    shutil.copytree(sample_site / "content/ukraine-peace-talks", new)
    index = new / "index.md"
    index.write_text(index.read_text(encoding="utf-8").replace('title: "', 'title: "Later: ', 1)
                     .replace("date: 2023-11-06", "date: 2023-11-07", 1), encoding="utf-8")
    staged = []
    real_add = write.Staging.add
    monkeypatch.setattr(write.Staging, "add", lambda self, rel, *rest: staged.append(rel) or real_add(self, rel, *rest))

    def broken(folder):
        assert any(p.name.endswith(write.STAGED) for p in out.rglob("*"))  # pages wait beside their places
        raise SiteError([problem("pagefind", 1, 1, "the search indexer failed: for the test")])

    monkeypatch.setattr(search, "_run_pagefind", broken)
    with pytest.raises(SiteError):
        build(sample_site)
    assert "a-later-entry/index.html" in staged
    assert tree(out) == before and not (out / "a-later-entry").exists()  # no staged file, no folder left
    monkeypatch.undo()
    build(sample_site)
    assert (out / "a-later-entry/index.html").is_file()
    assert not [p for p in out.rglob("*") if p.name.endswith(write.STAGED)]


def hold_lock(root: Path):
    """The site's output lock, taken as another build process would take it."""
    (root / write.LOCK).parent.mkdir(parents=True, exist_ok=True)
    stream = open(root / write.LOCK, "a")
    fcntl.flock(stream, fcntl.LOCK_EX)
    return stream


def test_a_build_waits_while_another_build_of_the_site_is_writing(fixture_site):
    root = fixture_site("basic")
    held = hold_lock(root)
    done = threading.Event()
    thread = threading.Thread(target=lambda: (build(root), done.set()), daemon=True)
    thread.start()
    assert not done.wait(1.0) and not (root / "output").exists()  # waiting, nothing written
    held.close()
    assert done.wait(120) and (root / "output/index.html").is_file()


def test_a_build_gives_up_on_a_build_that_does_not_finish_with_a_clear_message(fixture_site, monkeypatch):
    root = fixture_site("basic")
    build(root)
    before = {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()}
    (root / "content/second.md").write_text('---\ntitle: "Changed"\ndate: 2023-11-07\n---\n\nChanged.\n')
    monkeypatch.setattr(write, "LOCK_WAIT", 0.2)
    with hold_lock(root):
        with pytest.raises(SiteError) as failed:
            build(root)
    assert "another build of this site has been writing this folder" in str(failed.value.problems[0])
    assert {p: p.read_bytes() for p in (root / "output").rglob("*") if p.is_file()} == before


def test_two_builds_are_byte_identical(sample_site, tmp_path):
    build(sample_site, tmp_path / "a")
    build(sample_site, tmp_path / "b")
    compare = filecmp.dircmp(tmp_path / "a", tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    assert not compare.diff_files and not compare.left_only and not compare.right_only


def test_template_override_and_error(fixture_site):
    root = fixture_site("basic")
    (root / "templates").mkdir()
    (root / "templates/404.html").write_text("{% extends 'base.html' %}{% block main %}<p>Custom 404 for {{ site.title }}</p>{% endblock %}")
    build(root)
    assert "Custom 404 for Test Digest" in (root / "output/404.html").read_text()
    before = tree(root / "output")
    (root / "templates/404.html").write_text("line one\n{{ site.titel }}\n")
    with pytest.raises(SiteError) as caught:  # the 404 page comes after the entry pages, which search is indexing
        build(root)
    (found,) = caught.value.problems
    assert str(found).startswith("templates/404.html:2:1: error: template error while rendering: "
                                 "'digest.config.SiteConfig object' has no attribute 'titel'")
    assert tree(root / "output") == before and not any(p.name.startswith(".output") for p in root.iterdir())


def test_output_folder_that_holds_a_site_is_refused(fixture_site):
    root = fixture_site("basic")
    with pytest.raises(SiteError) as caught:
        build(root, root)
    assert "refusing to replace it" in str(caught.value)
    assert (root / "site.yaml").is_file()
