"""Timelines and stories: events, merging, partial dates, pages, TimelineJS JSON, errors."""

import json
import re
from datetime import datetime, timezone
from pathlib import Path

import pytest

from conftest import build
from digest.errors import SiteError
from digest.model import Entry, PartialDate, TimelineEvent
from digest.timeline import group, merge, spans, timelinejs


def entry(slug, day, events=(), **fields):
    return Entry(slug=slug, src_path=Path(f"content/{slug}.md"), title=slug.title(), url=f"/{slug}/",
                 date=datetime(2023, 11, day, tzinfo=timezone.utc), body="", body_line=1,
                 timeline=tuple(TimelineEvent(PartialDate(*d), t) for d, t in events), **fields)


def test_merge_dedupes_sorts_partial_dates_and_adds_entries():
    a = entry("a", 6, [((2022, 2, 24), "Invasion"), ((2023, 10), "A month"), ((2023,), "The year")])
    b = entry("b", 7, [((2022, 2, 24), "invasion "), ((2023, 10, 7), "Attack"), ((2023, 10, 1), "First of October")])
    events = merge([b, a])
    assert [(e.date.iso, e.text, [x.slug for x in e.entries], e.own) for e in events] == [
        ("2022-02-24", "Invasion", ["a", "b"], False),  # same date, same text (case and spaces aside): once
        ("2023", "The year", ["a"], False),              # a year-only event before the months of its year
        ("2023-10", "A month", ["a"], False),            # a month-only event before the days of its month
        ("2023-10-01", "First of October", ["b"], False),
        ("2023-10-07", "Attack", ["b"], False),
        ("2023-11-06", "A", ["a"], True),                # each entry on its own date
        ("2023-11-07", "B", ["b"], True),
    ]
    years = group(events)
    assert [(y, [m for m, _ in months]) for y, months in years] == [(2022, [2]), (2023, [0, 10, 11])]


def test_timelinejs_shape():
    events = merge([entry("a", 6, [((2023, 10), "A *month*")])])
    data = timelinejs(events, "T", "D", lambda url: "https://x.org" + url)
    assert data["title"]["text"] == {"headline": "T", "text": "D"}
    first, own = data["events"]
    assert first["start_date"] == {"year": 2023, "month": 10}
    assert own["start_date"] == {"year": 2023, "month": 11, "day": 6}
    assert own["text"]["headline"] == '<a href="https://x.org/a/">A</a>'
    assert first["group"] == "Background" and own["group"] == "Our coverage"


def test_sample_site_timeline_pages_and_json(sample_site):
    build(sample_site, base_url="https://user.github.io/digest/")
    out = sample_site / "output"
    html = (out / "timeline/index.html").read_text()
    # partial dates at their precision, as <time datetime>
    assert '<time class="tl-date" datetime="2014">2014</time>' in html
    assert '<time class="tl-date" datetime="2023-06">June 2023</time>' in html
    assert '<time class="tl-date" datetime="2022-02-24">24 February 2022</time>' in html
    # the invasion is given by two entries and appears once, linking to both
    assert html.count("Russia launches its full-scale invasion of Ukraine") == 1
    invasion = html[html.index("Russia launches its full-scale"):]
    invasion = invasion[: invasion.index("</li>")]
    assert 'href="/digest/ukraine-peace-talks/"' in invasion and 'href="/digest/gallup-ukraine-aid-poll/"' in invasion
    years = re.findall(r'class="tl-year-title" id="tl-(\d+)"', html)
    assert years == sorted(years) and years[0] == "2014"
    story = (out / "stories/ukraine-war/index.html").read_text()
    assert "The war in Ukraine" in story and "tl-own" in story
    assert "Israel formally declares war" not in story  # another story's event
    data = json.loads((out / "stories/ukraine-war/timeline.json").read_text())
    assert data["events"][0]["start_date"] == {"year": 2014}
    assert all(e["text"]["headline"] for e in data["events"])
    assert any('href="https://user.github.io/digest/ukraine-peace-talks/"' in e["text"]["headline"] for e in data["events"])
    entry_page = (out / "ukraine-peace-talks/index.html").read_text()
    assert "Ukraine begins its summer counteroffensive" in entry_page
    assert (out / "stories/index.html").is_file() and (out / "timeline.json").is_file()


@pytest.mark.parametrize("events, message", [
    ("  - {date: 2023-13, text: x}\n", "content/t.md:5:12: error: timeline event 1: '2023-13' is not a date. "
                                       "Write YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2023-10-07"),
    ("  - {date: 2023}\n", "content/t.md:5:5: error: timeline event 1 has no 'text'. "
                           "Give every event a date (YYYY, YYYY-MM or YYYY-MM-DD) and a text"),
    ("  - {date: 2023, text: x, when: now}\n", "content/t.md:5:27: error: unknown key 'when' in timeline event 1. "
                                               "Known keys: date, text, link, source"),
    ("  - just text\n", "content/t.md:5:5: error: timeline event 1 must be a mapping with 'date' and 'text'. "
                        "Write it as '- {date: 2023-10-07, text: What happened}'"),
    ("  - {date: 2023, text: [a]}\n", "content/t.md:5:24: error: timeline event 1: 'text' must be text, not a list. Quote it"),
])
def test_bad_events_are_errors_with_positions(fixture_site, events, message):
    root = fixture_site("basic")
    (root / "content/t.md").write_text(f"---\ntitle: T\ndate: 2023-01-01\ntimeline:\n{events}---\n")
    with pytest.raises(SiteError) as caught:
        build(root)
    assert [str(p) for p in caught.value.problems] == [message]


def test_a_long_timeline_is_split_into_pages_of_whole_years(sample_site, monkeypatch):
    from digest import assemble

    one_page = build(sample_site, sample_site / "whole")
    whole = (sample_site / "whole/timeline/index.html").read_text()
    monkeypatch.setattr(assemble, "TIMELINE_SPAN", 4)  # a handful of events a page
    build(sample_site, sample_site / "split")
    pages = sorted((sample_site / "split/timeline").rglob("index.html"))
    assert len(pages) > 2 and one_page.pages < build(sample_site, sample_site / "split").pages
    texts = [p.read_text() for p in pages]
    events = [re.findall(r'<time class="tl-date" datetime="([^"]+)"', text) for text in texts]
    assert sorted(sum(events, [])) == sorted(re.findall(r'<time class="tl-date" datetime="([^"]+)"', whole))
    for text in texts:  # each page's years are whole: no year is on two pages
        assert '<nav class="tl-spans" aria-label="Years">' in text and 'aria-current="page"' in text
    years = [{d[:4] for d in found} for found in events]
    assert all(not (a & b) for i, a in enumerate(years) for b in years[i + 1:])
    newest = years[pages.index(sample_site / "split/timeline/index.html")]
    assert max(set().union(*years)) in newest  # the first page has the latest years
    # a story's page shows its latest years, and its whole timeline has pages of its own
    story = (sample_site / "split/stories/ukraine-war/index.html").read_text()
    assert 'href="/stories/ukraine-war/timeline/">the story’s timeline</a>' in story
    story_pages = list((sample_site / "split/stories/ukraine-war/timeline").rglob("index.html"))
    assert len(story_pages) > 1 and all("tl-spans" in p.read_text() for p in story_pages)


def test_spans_keep_years_whole_and_start_over_when_full():
    entries = [entry(f"e{i}", 1 + i, events=[((2020 + i % 3,), f"event {i}")]) for i in range(6)]
    runs = spans(entries, 4)
    assert runs[0][0] == 2020 and runs[-1][1] == 2023
    assert all(a[1] < b[0] for a, b in zip(runs, runs[1:]))
