"""Timelines: events from entries' `timeline:` and the entries' own dates, merged, sorted and grouped."""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import replace
from html import escape

from .model import Entry, PartialDate, TimelineEvent

YearGroup = tuple[int, tuple[tuple[int, tuple[TimelineEvent, ...]], ...]]  # (year, ((month or 0, events), ...))


def own_event(entry: Entry) -> TimelineEvent:
    """The entry itself, as an event on its date."""
    day = entry.date.date()
    return TimelineEvent(date=PartialDate(day.year, day.month, day.day), text=entry.title, own=True,
                         entries=(entry,), html="")


def merge(entries: list[Entry] | tuple[Entry, ...]) -> tuple[TimelineEvent, ...]:
    """Every event of the entries, and each entry on its own date, oldest first.

    The same event given by several entries (same date, same text) appears once, with all of them.
    """
    merged: dict[tuple, TimelineEvent] = {}
    for entry in sorted(entries, key=lambda e: (e.date, e.slug)):
        for event in entry.timeline:
            key = (event.date.iso, _fold(event.text))
            if key in merged:
                merged[key] = replace(merged[key], entries=merged[key].entries + (entry,))
            else:
                merged[key] = replace(event, entries=(entry,))
        own = own_event(entry)
        merged[("own", entry.slug)] = own
    return tuple(sorted(merged.values(), key=sort_key))


def spans(entries: list[Entry] | tuple[Entry, ...], limit: int) -> list[tuple[int, int]]:
    """Runs of whole years, oldest first, each with at most `limit` events (a year with more is a run
    of its own), counting each entry's events and itself. A new event changes the last run only,
    unless it is in an earlier year."""
    counts = Counter([entry.date.year for entry in entries])  # (one list each: a site has tens of thousands)
    counts.update([event.date.year for entry in entries for event in entry.timeline])
    runs: list[tuple[int, int]] = []
    total = 0
    for year in sorted(counts):
        if runs and total + counts[year] <= limit:
            runs[-1] = (runs[-1][0], year)
            total += counts[year]
        else:
            runs.append((year, year))
            total = counts[year]
    return runs


def span_label(span: tuple[int, int] | None) -> str:
    return "" if span is None else str(span[0]) if span[0] == span[1] else f"{span[0]}-{span[1]}"


def by_span(entries: list[Entry] | tuple[Entry, ...], runs: list[tuple[int, int]]) -> list[tuple[Entry, ...]]:
    """For each run of years (spans of the same entries), the entries, in their order, with an event in it
    (an entry's own date is one)."""
    run_of = {year: i for i, (first, last) in enumerate(runs) for year in range(first, last + 1)}
    found: list[list[Entry]] = [[] for _ in runs]
    for entry in entries:
        if not entry.timeline:
            found[run_of[entry.date.year]].append(entry)
            continue
        for i in {run_of[entry.date.year], *[run_of[event.date.year] for event in entry.timeline]}:
            found[i].append(entry)
    return [tuple(members) for members in found]


def sort_key(event: TimelineEvent) -> tuple:
    """Chronological; a year-only event before the months of its year, a month-only one before its days."""
    return (*event.date.sort_key, event.own, _fold(event.text))


def group(events: tuple[TimelineEvent, ...]) -> tuple[YearGroup, ...]:
    """Group sorted events by year, then month (0 holds the events known only to the year)."""
    years: dict[int, dict[int, list[TimelineEvent]]] = defaultdict(lambda: defaultdict(list))
    for event in events:
        years[event.date.year][event.date.month or 0].append(event)
    return tuple((year, tuple((month, tuple(items)) for month, items in sorted(months.items())))
                 for year, months in sorted(years.items()))


def timelinejs(events: tuple[TimelineEvent, ...], headline: str, text: str, absolute) -> dict:
    """TimelineJS's JSON: events with start_date {year, month?, day?} and text {headline, text}."""
    items = []
    for event in events:
        start = {"year": event.date.year}
        if event.date.month:
            start["month"] = event.date.month
        if event.date.day:
            start["day"] = event.date.day
        links = "".join(f'<p><a href="{absolute(e.url)}">{escape(e.title)}</a></p>' for e in event.entries)
        if event.own:
            entry = event.entries[0]
            body = f"<p>{escape(entry.summary)}</p>" if entry.summary else ""
            items.append({"start_date": start, "text": {"headline": f'<a href="{absolute(entry.url)}">{escape(entry.title)}</a>',
                                                        "text": body}, "group": "Our coverage",
                          "unique_id": f"entry-{entry.slug}"})
        else:
            source = f"<p>Source: {escape(event.source)}</p>" if event.source else ""
            link = f'<p><a href="{escape(event.link)}">More</a></p>' if event.link else ""
            items.append({"start_date": start, "text": {"headline": event.html, "text": source + link + links},
                          "group": "Background", "unique_id": event_id(event)})
    return {"title": {"text": {"headline": escape(headline), "text": escape(text)}}, "events": items}


def event_id(event: TimelineEvent) -> str:
    """A stable id for an event: its date and the first words of its text."""
    words = re.sub(r"[^a-z0-9]+", "-", _fold(event.text))[:40].strip("-")
    return f"event-{event.date.iso.replace(':', '')[:10]}-{words}"


def _fold(text: str) -> str:
    return " ".join(text.casefold().split())
