from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from digest.config import load_config
from digest.errors import SiteError
from digest.load import load_entries, parse_partial
from digest.model import PartialDate


def load(root: Path):
    return load_entries(root, load_config(root / "site.yaml"))


def errors_of(root: Path) -> list[str]:
    with pytest.raises(SiteError) as caught:
        load(root)
    return [str(p) for p in caught.value.problems]


def put(root: Path, rel: str, text: str) -> None:
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_bundle_and_plain_files_load(fixture_site):
    root = fixture_site("basic")
    entries, warnings = load(root)
    assert warnings == []
    by_slug = {e.slug: e for e in entries}
    assert sorted(by_slug) == ["draft", "first-story", "future", "second", "third"]
    first = by_slug["first-story"]
    assert first.date == datetime(2023, 11, 6, tzinfo=ZoneInfo("Europe/Berlin"))
    assert first.tags == ("ukraine", "diplomacy") and first.story == "talks"
    assert first.body_line == 8 and first.body.startswith("\nThe editor's digest")
    assert first.source.authors == ("Ann Author", "Ben Byline")
    assert first.source.published == PartialDate(2023, 11, 5)
    assert first.source.scraped_at.time.isoformat() == "2024-10-06T12:00:00+00:00"
    assert [(c.id, c.parent, c.depth) for c in first.comments] == [
        ("1", None, 0), ("1.1", "1", 1), ("1.1.1", "1.1", 2), ("2", None, 0)]
    assert first.comments[0].posted.precision == "month"
    assert first.comments[1].pick and first.comments[3].hidden
    assert first.resources == (Path("content/first-story/photo.svg"),)
    assert by_slug["second"].date.hour == 8 and by_slug["second"].date.tzinfo == ZoneInfo("Europe/Berlin")


def test_missing_title(fixture_site):
    root = fixture_site("basic")
    put(root, "content/bad.md", "---\ndate: 2023-02-03\n---\nbody\n")
    assert errors_of(root) == [
        "content/bad.md:2:1: error: front matter has no 'title'. Add a line such as 'title: My headline'",
    ]


def test_impossible_calendar_date(fixture_site):
    root = fixture_site("basic")
    put(root, "content/bad.md", "---\ntitle: B\ndate: 2023-02-30\n---\nbody\n")
    assert errors_of(root) == [
        "content/bad.md:3:7: error: invalid value: day is out of range for month. "
        "Write dates as real calendar dates (YYYY-MM-DD), or quote the value"]


def test_date_without_a_day(fixture_site):
    root = fixture_site("basic")
    put(root, "content/bad.md", "---\ntitle: B\ndate: 2023-02\n---\nbody\n")
    assert errors_of(root) == [
        "content/bad.md:3:7: error: 'date' is not a full date: '2023-02'. "
        "Write it as YYYY-MM-DD, optionally with a time: 2023-11-06T09:30:00"]


def test_wrong_types_and_unknown_keys(fixture_site):
    root = fixture_site("basic")
    put(root, "content/bad/index.md", "---\ntitle: 2023\ndate: 2023-01-01\ntags: ukraine\ncolour: red\n---\n")
    assert errors_of(root) == [
        "content/bad/index.md:2:8: error: 'title' must be text, not a number. Quote text values",
        "content/bad/index.md:4:7: error: 'tags' must be a list of tags, not text",
        "content/bad/index.md:5:1: error: unknown front matter key 'colour'. Known keys: title, date, updated, "
        "slug, draft, summary, tags, story, timeline, params, checked; put your own keys under 'params:'",
    ]


def test_broken_yaml_and_missing_front_matter(fixture_site):
    root = fixture_site("basic")
    put(root, "content/a.md", "---\ntitle: \"unclosed\ndate: 2023-01-01\n---\n")
    put(root, "content/b.md", "no front matter here\n")
    put(root, "content/c.md", "---\ntitle: x\n")
    found = errors_of(root)
    assert found[0].startswith("content/a.md:2:8: error: invalid YAML: while scanning a quoted scalar")
    assert found[1:] == [
        "content/b.md:1:1: error: no front matter. Start the file with a '---' line, then 'title: ...' "
        "and 'date: YYYY-MM-DD', then '---'",
        "content/c.md:1:1: error: front matter is not closed. Close the front matter with a line holding only '---'",
    ]


def test_unknown_story_names_where_to_declare_it(fixture_site):
    root = fixture_site("basic")
    put(root, "content/s.md", "---\ntitle: S\ndate: 2023-01-01\nstory: war\n---\n")
    assert errors_of(root) == [
        "content/s.md:4:8: error: unknown story 'war'. Declare it in site.yaml under 'stories:' with a title (known: talks)"]


def test_comment_errors(fixture_site):
    root = fixture_site("basic")
    put(root, "content/first-story/comments.yaml",
        "- id: a\n  author: X\n  text: hi\n- id: a\n  text: again\n- id: b\n  parent: zz\n  text: orphan\n"
        "- id: c\n  posted: last week\n  pick: maybe\n")
    found = errors_of(root)
    assert found == [
        "content/first-story/comments.yaml:4:3: error: comment id 'a' is used twice. Give every comment a unique id",
        "content/first-story/comments.yaml:7:11: error: comment 'b' replies to 'zz', which is not an earlier comment. "
        "Fix 'parent', or list the parent comment before its replies",
        "content/first-story/comments.yaml:11:9: error: comment 'c': 'pick' must be true or false",
        "content/first-story/comments.yaml:10:11: error: 'posted' is not a date: 'last week'. "
        "Write YYYY, YYYY-MM, YYYY-MM-DD or an ISO date and time such as 2023-11-06T09:30:00+01:00",
    ]


def test_invalid_utf8_and_duplicate_slug(fixture_site):
    root = fixture_site("basic")
    (root / "content/latin1.md").write_bytes(b"---\ntitle: Caf\xe9\ndate: 2023-01-01\n---\n")
    put(root, "content/dup.md", "---\ntitle: D\ndate: 2023-01-01\nslug: second\n---\n")
    found = errors_of(root)
    assert "content/latin1.md:2:1: error: not valid UTF-8 (byte 0xe9). Save the file as UTF-8" in found
    assert "content/second.md:1:1: error: slug 'second' is also used by content/dup.md. " \
           "Give one of them another 'slug:' in its front matter" in found


def test_reserved_slug(fixture_site):
    root = fixture_site("basic")
    put(root, "content/tags.md", "---\ntitle: T\ndate: 2023-01-01\n---\n")
    assert errors_of(root) == [
        "content/tags.md:1:1: error: 'tags' cannot be used as a slug (the site uses that path). "
        "Use lowercase letters, digits and hyphens, e.g. 'slug: peace-talks'"]


def test_unknown_source_key_is_a_warning(fixture_site):
    root = fixture_site("basic")
    path = root / "content/first-story/source.md"
    path.write_text(path.read_text().replace("section:", "desk: x\nsection:"), encoding="utf-8")
    entries, warnings = load(root)
    assert [str(w) for w in warnings] == [
        "content/first-story/source.md:5:1: warning: unknown front matter key 'desk'. Known keys: title, url, "
        "site_name, section, via, authors, published, scraped_at; put your own keys under 'params:'"]


@pytest.mark.parametrize("value, iso", [
    (2022, "2022"), ("2023-10", "2023-10"), ("2023-10-07", "2023-10-07"),
    ("2023-11-08T10:15:00+01:00", "2023-11-08T10:15:00+01:00"), ("2023-11-08T10:15:00", "2023-11-08T10:15:00+00:00"),
])
def test_partial_dates_keep_their_precision(value, iso):
    assert parse_partial(value, ZoneInfo("UTC")).iso == iso


@pytest.mark.parametrize("value", ["2023-13", "yesterday", True, "2023-02-30", 0])
def test_bad_partial_dates(value):
    assert parse_partial(value, ZoneInfo("UTC")) is None
