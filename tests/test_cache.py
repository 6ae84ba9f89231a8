"""The build cache and incremental writes: every path gives the same bytes; an edit changes what it should."""

import importlib.util
import pickle
import re
import shutil
from pathlib import Path

from conftest import CLOCK, REPO, build
from digest import pipeline, render


def tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def keyed(folder: Path) -> dict[str, Path]:
    """The files of a cache folder named by a key (64 hex digits, maybe a suffix), wherever they are in it."""
    return {p.name: p for p in folder.rglob("*") if p.is_file() and re.fullmatch(r"[0-9a-f]{64}(\.\w+)?", p.name)}


def assert_as_fresh(root: Path, out: Path, fresh: Path) -> None:
    """out, as an incremental build left it, is what a cold build makes, bar the search index, which
    holds an edit in an index of edits; and all of it once an exact build (deploy's) has run."""
    build(root, fresh, use_cache=False)
    want = tree(fresh)
    assert {p: data for p, data in tree(out).items() if not p.startswith("pagefind/")} == \
        {p: data for p, data in want.items() if not p.startswith("pagefind/")}
    build(root, out, exact_search=True)
    assert tree(out) == want


def generated_site(tmp_path: Path, n: int) -> Path:
    spec = importlib.util.spec_from_file_location("bench_generate", REPO / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    generate.write_ours(tmp_path / "gen", generate.corpus(n))
    return tmp_path / "gen"


def test_cold_cached_parallel_and_one_worker_builds_are_identical(tmp_path):
    root = generated_site(tmp_path, 140)  # enough pages (200) for render.render_site to fork workers too
    one = build(root, tmp_path / "one", jobs=1, use_cache=False)
    parallel = build(root, tmp_path / "parallel", jobs=2, use_cache=False)
    first = build(root, tmp_path / "cached", jobs=2)  # fills the cache
    again = build(root, tmp_path / "cached")  # every entry from the cache
    reference = tree(tmp_path / "one")
    assert one.pages >= 200 and one.warnings == parallel.warnings == first.warnings == again.warnings
    assert tree(tmp_path / "parallel") == reference
    assert tree(tmp_path / "cached") == reference
    assert again.changed == 0


def cache_hits(root: Path, **options) -> tuple[int, int]:
    """(entries taken from the cache, entries) for one run of the stages."""
    seen = []
    pipeline.render_files(root, CLOCK, progress=lambda stage, done, total: seen.append((stage, done, total)), **options)
    return next((done, total) for stage, done, total in seen if stage == "process")


def test_an_edit_invalidates_only_its_entry_and_config_changes_invalidate_all(fixture_site):
    root = fixture_site("basic")
    assert cache_hits(root) == (0, 5)
    assert cache_hits(root) == (5, 5)
    second = root / "content/second.md"
    second.write_text(second.read_text().replace("Short.", "Short, and edited."))
    assert cache_hits(root) == (4, 5)
    (root / "content/first-story/comments.yaml").write_text(
        (root / "content/first-story/comments.yaml").read_text().replace("A reply.", "A changed reply."))
    assert cache_hits(root) == (4, 5)
    (root / "site.yaml").write_text((root / "site.yaml").read_text().replace("per_page: 2", "per_page: 3"))
    assert cache_hits(root) == (0, 5)
    assert cache_hits(root, use_cache=False) == (0, 5)


def test_the_cache_holds_whichever_way_the_site_folder_is_named(fixture_site, monkeypatch, tmp_path):
    root = fixture_site("basic").resolve()
    first = build(root, tmp_path / "absolute")
    monkeypatch.chdir(root.parent)
    assert cache_hits(Path(root.name)) == (5, 5)  # `--site basic` after `--site /abs/basic`
    monkeypatch.chdir(root)
    again = build(Path("."), tmp_path / "absolute")  # `cd basic && build.py build`
    assert again.changed == 0 and again.pages == first.pages


def test_the_page_cache_holds_when_the_site_folder_moves(sample_site, tmp_path, monkeypatch):
    (sample_site / "templates").mkdir()
    (sample_site / "templates/404.html").write_text((REPO / "digest/theme/templates/404.html").read_text())
    build(sample_site)
    moved = shutil.copytree(sample_site, tmp_path / "moved", symlinks=True)
    made = []
    monkeypatch.setattr(render, "render_page", lambda env, template, *rest, _real=render.render_page:
                        made.append(template) or _real(env, template, *rest))
    result = build(moved)
    assert made == [] and result.pages > 0  # templates are known by name, not by where they are


def test_an_edit_rewrites_exactly_the_pages_that_show_it(fixture_site):
    root = fixture_site("basic")
    build(root)
    before = tree(root / "output")
    pages_before = set(keyed(root / ".cache/digest/pages"))
    inode = (root / "output/third/index.html").stat().st_ino
    second = root / "content/second.md"
    second.write_text(second.read_text().replace('title: "Second story"', 'title: "Second story, retitled"'))
    result = build(root)
    after = tree(root / "output")
    changed = sorted(p for p in after if after[p] != before.get(p) and not p.startswith("pagefind/"))
    assert changed == [
        "archive/index.html", "feed.json", "feed.xml",   # lists and feeds that show the title
        "first-story/index.html",                        # its neighbour's "newer" link
        "index.html",                                    # the front page lists it
        "second/index.html",                             # the entry itself
        "tags/diplomacy/feed.json", "tags/diplomacy/feed.xml", "tags/diplomacy/index.html",  # its tag
        "timeline.json", "timeline/index.html",          # its own event on the timeline
    ]
    assert (root / "output/third/index.html").stat().st_ino == inode  # unchanged files are not rewritten
    assert 0 < result.changed < len(after)
    rendered = set(keyed(root / ".cache/digest/pages")) - pages_before
    # only the six HTML pages above were rendered again, and /tags/ (its data holds the tag's entries,
    # though it shows only their count); the other pages came from the cache
    assert len(rendered) == 7


def test_an_edit_of_prose_alone_renders_only_its_entry_page(sample_site):
    root = sample_site
    build(root)
    before = tree(root / "output")
    pages_before = set(keyed(root / ".cache/digest/pages"))
    entry = root / "content/ukraine-peace-talks/index.md"
    text = entry.read_text()  # its notes and their lines come after the new paragraph, which has a new finding
    entry.write_text(text.replace("\n---\n", "\n---\n\nA new first paragraph, with 4,321 tanks.\n", 1))
    result = build(root)
    assert any("4,321" in p.message for p in result.warnings)
    after = tree(root / "output")
    changed = sorted(p for p in after if after[p] != before.get(p) and not p.startswith("pagefind/"))
    # lists show no prose, findings or line numbers: only the page and the feed items with the whole entry
    assert changed == ["feed.json", "feed.xml", "stories/ukraine-war/feed.json", "stories/ukraine-war/feed.xml",
                       *(f"tags/{tag}/feed.{kind}" for tag in ("diplomacy", "russia", "ukraine", "us-politics")
                         for kind in ("json", "xml")),
                       "ukraine-peace-talks/index.html"]
    assert len(set(keyed(root / ".cache/digest/pages")) - pages_before) == 1


def test_a_build_of_the_same_site_does_not_fingerprint_its_pages_again(sample_site, tmp_path, monkeypatch):
    root = sample_site
    build(root)
    keyed = []
    monkeypatch.setattr(render, "_page_key", lambda page, salt, _real=render._page_key:
                        keyed.append(page.out_path) or _real(page, salt))
    entry = root / "content/ukraine-peace-talks/index.md"
    entry.write_text(entry.read_text().replace("\n---\n", "\n---\n\nA new first paragraph.\n", 1))
    build(root)
    assert keyed == []  # lists show no prose: the same site, whose pages' data keys the last build recorded
    assert_as_fresh(root, root / "output", tmp_path / "fresh")
    keyed.clear()
    entry.write_text(entry.read_text().replace("\ntitle: ", "\ntitle: Now ", 1))  # lists show titles
    result = build(root)
    assert len(keyed) == result.pages


def test_a_note_edit_makes_the_pages_that_show_notes_and_not_the_timelines_or_the_archive(sample_site, tmp_path,
                                                                                           monkeypatch):
    root = sample_site
    build(root)
    before = tree(root / "output")
    entry = root / "content/ukraine-peace-talks/index.md"
    entry.write_text(entry.read_text().replace("A coalition of some 50 countries", "A coalition of about 50 countries", 1))
    made = []
    monkeypatch.setattr(render, "render_page", lambda env, template, *rest, _real=render.render_page:
                        made.append(template) or _real(env, template, *rest))
    build(root)
    after = tree(root / "output")
    changed = {p for p in after if after[p] != before.get(p) and not p.startswith("pagefind/")}
    assert {"ukraine-peace-talks/index.html", "annotations/index.html", "annotations.jsonld"} <= changed
    # they show titles, dates and events, not notes: keyed by those (model.FACETS), not made again
    assert "entry.html" in made and "annotations.html" in made and not {"timeline.html", "archive.html"} & set(made)
    assert_as_fresh(root, root / "output", tmp_path / "fresh")


def test_a_file_changed_behind_our_back_is_written_again(fixture_site):
    root = fixture_site("basic")
    build(root)
    page = root / "output/third/index.html"
    good = page.read_bytes()
    page.write_bytes(b"tampered")
    build(root)
    assert page.read_bytes() == good


def test_cached_pages_and_entries_removed_behind_our_back_are_made_again(fixture_site, tmp_path):
    root = fixture_site("basic")
    build(root)
    reference = tree(root / "output")
    pages = list(keyed(root / ".cache/digest/pages").values())
    entries = [p for p in keyed(root / ".cache/digest/entries").values() if p.suffix == ".pickle"]
    assert pages and entries and all(p.parent.name == p.name[:2] for p in pages + entries)  # small folders
    for path in pages[::2] + entries[:1]:
        path.unlink()
    shutil.rmtree(root / "output")
    build(root)
    assert tree(root / "output") == reference
    assert {p.name for p in pages} <= set(keyed(root / ".cache/digest/pages"))


def test_the_output_is_updated_in_place_and_left_exactly_as_a_fresh_build(fixture_site, tmp_path):
    root = fixture_site("basic")
    build(root)
    out = root / "output"
    (out / "third/left-by-hand.txt").write_text("x")  # in a folder the build knows
    (out / "by-hand/deep").mkdir(parents=True)  # a folder it does not
    (out / "by-hand/deep/page.html").write_text("x")
    (root / "content/second.md").unlink()  # an entry removed: its folder goes
    (root / "content/fourth.md").write_text((root / "content/third.md").read_text().replace("Third", "Fourth"))
    result = build(root)
    assert not (out / "second").exists() and (out / "fourth/index.html").is_file()
    assert not (out / "third/left-by-hand.txt").exists() and not (out / "by-hand").exists()
    assert 0 < result.changed < result.files
    assert_as_fresh(root, out, tmp_path / "fresh")


def test_a_file_of_the_last_build_where_a_folder_now_goes_is_replaced(fixture_site, tmp_path):
    root = fixture_site("basic")
    (root / "static").mkdir(exist_ok=True)
    (root / "static/extra").write_text("a file")
    build(root)
    (root / "static/extra").unlink()
    (root / "static/extra").mkdir()
    (root / "static/extra/inner.css").write_text("body {}")
    build(root)
    assert (root / "output/static/extra/inner.css").read_text() == "body {}"
    assert_as_fresh(root, root / "output", tmp_path / "fresh")


def test_an_interrupted_update_is_followed_by_a_whole_new_output(fixture_site):
    root = fixture_site("basic")
    build(root)
    (root / ".cache/digest/output.json").unlink()  # what a build stopped in the middle of its commit leaves
    (root / "output/third/index.html").write_text("half-written")
    (root / "output/stale.txt").write_text("x")
    result = build(root)
    assert result.changed == result.files  # everything written anew, and swapped in whole
    assert b"half-written" not in (root / "output/third/index.html").read_bytes()
    assert not (root / "output/stale.txt").exists()


def test_nothing_to_do_when_nothing_changed(fixture_site):
    root = fixture_site("basic")
    first = build(root)
    again = build(root)
    assert not first.up_to_date and again.up_to_date
    assert (again.pages, again.files, again.warnings) == (first.pages, first.files, first.warnings)
    (root / "content/second.md").touch()  # any input touched: a real build (which changes nothing)
    touched = build(root)
    assert not touched.up_to_date and touched.changed == 0
    (root / "output/extra.txt").write_text("left by hand")  # the output is not as we left it
    assert not build(root).up_to_date and not (root / "output/extra.txt").exists()
    assert not build(root, base_url="https://elsewhere.example.org/").up_to_date  # other options


def test_a_future_entry_coming_due_is_a_change(fixture_site):
    from datetime import datetime, timezone

    root = fixture_site("basic")
    before = build(root)
    assert before.next_change == datetime(2030, 1, 1, tzinfo=before.next_change.tzinfo)
    assert build(root).up_to_date
    later = build(root, now=datetime(2031, 1, 1, tzinfo=timezone.utc))
    assert not later.up_to_date and (root / "output/future/index.html").is_file()


def test_warnings_are_reported_again_when_nothing_changed(fixture_site):
    root = fixture_site("basic")
    source = root / "content/first-story/source.md"
    source.write_text(source.read_text().replace("section:", "desk: x\nsection:"))
    first = build(root)
    again = build(root)
    assert again.up_to_date and again.warnings == first.warnings and len(first.warnings) == 1


def test_entries_and_pages_kept_in_memory_between_builds_give_the_same_site(fixture_site):
    root = fixture_site("basic")
    memory: dict = {}
    first, result = pipeline.render_files(root, CLOCK, memory=memory)
    assert len(memory["entries"]) == 5 and len(memory["pages"]) == result.pages
    kept, pages = dict(memory["entries"]), dict(memory["pages"])
    second = root / "content/second.md"
    second.write_text(second.read_text().replace("Short.", "Short, edited."))
    again, result = pipeline.render_files(root, CLOCK, memory=memory)
    entries = memory["entries"]
    assert len(entries) == 5 and len(set(entries) - set(kept)) == 1  # only the edited entry was processed anew
    assert len(memory["pages"]) == result.pages and 0 < len(set(memory["pages"]) - set(pages)) < result.pages
    fresh, _ = pipeline.render_files(root, CLOCK, use_cache=False)
    assert set(again) == set(fresh) and all(again[p] == fresh[p] for p in fresh if p in again)
    assert b"Short, edited." in again["second/index.html"]


def contents(files: dict) -> dict[str, bytes]:
    return {rel: data.read_bytes() if isinstance(data, Path) else data for rel, data in files.items()}


def test_builds_told_what_changed_give_the_same_site_as_fresh_ones(sample_site, monkeypatch):
    """serve tells each build which files changed: it lists and keys only their entries, keeps the
    assembled site while every entry shows the same in lists, and then walks no other page."""
    root = sample_site
    memory: dict = {}
    walked = []
    monkeypatch.setattr(render, "render_site", lambda *args, _walk=render.render_site, **kw: walked.append(1) or _walk(*args, **kw))
    pipeline.render_files(root, CLOCK, memory=memory)
    talks = root / "content/ukraine-peace-talks/index.md"
    sullivan = root / "content/sullivan-no-stalemate/index.md"
    steps = [
        ("prose", ["content/ukraine-peace-talks/index.md"],
         lambda: talks.write_text(talks.read_text().replace("\n---\n", "\n---\n\nA new first paragraph, on 987 casualties.\n", 1))),
        ("comment", ["content/ukraine-peace-talks/comments.yaml"],
         lambda: (root / "content/ukraine-peace-talks/comments.yaml").write_text(
             (root / "content/ukraine-peace-talks/comments.yaml").read_text().replace("Ukraine", "Kyiv", 1))),
        ("finding fixed", ["content/ukraine-peace-talks/index.md"],
         lambda: talks.write_text(talks.read_text().replace("on 987 casualties", "on the casualties", 1))),
        ("note", ["content/ukraine-peace-talks/index.md"],
         lambda: talks.write_text(talks.read_text().replace("A coalition of some 50", "A coalition of about 50", 1))),
        ("title", ["content/sullivan-no-stalemate/index.md"],
         lambda: sullivan.write_text(sullivan.read_text().replace("title: \"", "title: \"Retitled, ", 1))),
        ("new entry", ["content/added.md"],
         lambda: (root / "content/added.md").write_text('---\ntitle: "Added"\ndate: 2023-11-20\n---\n\nNew.\n')),
        ("removed", ["content/added.md"], lambda: (root / "content/added.md").unlink()),
        ("nothing", [], lambda: None),
    ]
    for name, changed, edit in steps:
        site_before = memory["site"][1]
        edit()
        walked.clear()
        files, result = pipeline.render_files(root, CLOCK, memory=memory, changed=changed)
        short = not walked
        fresh, fresh_result = pipeline.render_files(root, CLOCK, use_cache=False)
        assert contents(files) == contents(fresh), name
        assert (result.warnings, result.indexed, result.pages) == (fresh_result.warnings, fresh_result.indexed,
                                                                   fresh_result.pages), name
        same_site = memory["site"][1] is site_before
        assert same_site == short == (name in ("prose", "comment", "finding fixed", "nothing")), name
        assert any("987" in p.message for p in result.warnings) == (name in ("prose", "comment")), name
    assert b"Retitled, " in files["archive/index.html"] and "added/index.html" not in files


def test_a_note_edit_in_serve_fingerprints_only_the_pages_whose_data_changed(sample_site, monkeypatch):
    root = sample_site
    memory: dict = {}
    pipeline.render_files(root, CLOCK, memory=memory)
    keyed = []
    monkeypatch.setattr(render, "_page_key", lambda page, salt, _real=render._page_key:
                        keyed.append(page.out_path) or _real(page, salt))
    talks = root / "content/ukraine-peace-talks/index.md"
    talks.write_text(talks.read_text().replace("A coalition of some 50", "A coalition of about 50", 1))
    files, result = pipeline.render_files(root, CLOCK, memory=memory, changed=["content/ukraine-peace-talks/index.md"])
    # the pages whose data holds the entry (its own, its neighbour's, the lists it is on); not the others
    assert {"ukraine-peace-talks/index.html", "annotations/index.html", "index.html"} <= set(keyed)
    assert "sullivan-no-stalemate/index.html" not in keyed and len(keyed) < result.pages / 2, (len(keyed), result.pages)
    fresh, _ = pipeline.render_files(root, CLOCK, use_cache=False)
    assert contents(files) == contents(fresh)


def test_the_data_files_are_made_again_only_when_what_they_read_changed(sample_site):
    root = sample_site
    build(root)
    feeds = root / ".cache/digest/feeds"
    entry = root / "content/ukraine-peace-talks/index.md"

    def remade(old: str, new: str) -> set[str]:
        """The files of the feed cache made anew by a build after one edit of the entry."""
        before = set(keyed(feeds))
        entry.write_text(entry.read_text().replace(old, new, 1))
        build(root)
        return {rel for name, p in keyed(feeds).items() if name not in before for rel in pickle.loads(p.read_bytes())}

    note = remade("A coalition of some 50 countries", "A coalition of about 50 countries")
    assert "annotations.jsonld" in note and not any(rel.endswith("timeline.json") for rel in note)
    title = remade('title: "', 'title: "Retitled: ')
    assert {"timeline.json", "stories/ukraine-war/timeline.json"} <= title and "annotations.jsonld" not in title
