"""SiteConfig + entries -> Site: urls, listing, pagination, tags, archive, prev/next, comment threads."""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from functools import lru_cache, partial
from typing import Callable

from slugify import slugify

from . import search, timeline
from .config import SiteConfig
from .model import Comment, CommentNode, Entry, Page, Pager, Site, StoryView, Tag


_ABSOLUTE = re.compile(r"^[a-z][a-z0-9+.-]*:|^//|^#", re.I)


def url_for(config: SiteConfig, path: str) -> str:
    """A site path ('tags/x/') as a URL under base_url's path ('/repo/tags/x/'); other URLs unchanged."""
    if _ABSOLUTE.match(path):
        return path
    return config.base_path + path.lstrip("/")


def is_listed(entry: Entry, now: datetime, drafts: bool) -> bool:
    """Drafts and future-dated entries are left out unless --drafts."""
    return drafts or (not entry.draft and entry.date <= now)


def assemble(config: SiteConfig, entries: list[Entry], now: datetime, drafts: bool = False,
             full: Callable[[Entry], Entry] = lambda entry: entry) -> Site:
    """The site's pages. entries may be light (model.light): full(entry) gives an entry page its whole entry."""
    listed = [e if e.url else replace(e, out_dir=f"{e.slug}/", url=url_for(config, f"{e.slug}/"))
              for e in entries if is_listed(e, now, drafts)]  # processed entries have their URL already
    listed.sort(key=lambda e: (e.date, e.slug), reverse=True)
    tags = _tags(config, listed)
    stories = _stories(config, listed)
    pages = [*_listing(config, listed), *_entry_pages(config, listed, stories, full), *_tag_pages(config, tags),
             _archive(config, listed), *_annotations(config, listed), *_story_pages(config, stories),
             *_timeline_pages(config, listed, "timeline/", "Timeline", url_for(config, "timeline.json")),
             Page("search/index.html", url_for(config, "search/"), "search.html", "Search", "search",
                  {"indexes": tuple(url_for(config, b) for b in search.bundles(len(listed)))}),
             Page("404.html", url_for(config, "404.html"), "404.html", "Page not found", "404")]
    return Site(entries=tuple(listed), tags=tuple(tags), pages=tuple(pages), stories=tuple(stories))


def paginate(config: SiteConfig, items: list, first: str, kind: str, template: str, title: str,
             data: dict | None = None) -> list[Page]:
    """Split items into pages of per_page: first is the folder of page 1, later pages go under first/page/N/."""
    size = config.per_page
    chunks = [items[i:i + size] for i in range(0, len(items), size)] or [[]]
    dirs = [first] + [f"{first}page/{n}/" for n in range(2, len(chunks) + 1)]
    pages = []
    for n, chunk in enumerate(chunks, start=1):
        pager = Pager(n, len(chunks), prev_url=url_for(config, dirs[n - 2]) if n > 1 else "",
                      next_url=url_for(config, dirs[n]) if n < len(chunks) else "")
        page_title = title if n == 1 else f"{title} (page {n})"
        pages.append(Page(f"{dirs[n - 1]}index.html", url_for(config, dirs[n - 1]), template, page_title, kind,
                          {**(data or {}), "entries": tuple(chunk), "pager": pager}))
    return pages


def thread(entry: Entry) -> tuple[CommentNode, ...]:
    """The comment tree of an entry. A hidden comment is left out; if it has replies that are shown,
    it stays as a stub (the template says it was hidden) so the replies keep their place."""
    children: dict[str | None, list[Comment]] = defaultdict(list)
    for comment in entry.comments:
        children[comment.parent].append(comment)

    def build(comment: Comment) -> CommentNode | None:
        replies = tuple(node for node in map(build, children[comment.id]) if node is not None)
        if comment.hidden and not replies:
            return None
        return CommentNode(comment, comment_anchor(comment.id), replies)

    return tuple(node for node in map(build, children[None]) if node is not None)


def comment_anchor(comment_id: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "-", comment_id).strip("-") or "x"
    return safe if safe.startswith("comment") else f"comment-{safe}"


def _listing(config: SiteConfig, entries: list[Entry]) -> list[Page]:
    return paginate(config, entries, "", "home", "index.html", config.title)


def _entry_pages(config: SiteConfig, entries: list[Entry], stories: list[StoryView],
                 full: Callable[[Entry], Entry]) -> list[Page]:
    # an entry page shows only its story's title and link: it gets the story without its entries and
    # timeline, so it does not depend on every entry of the story
    by_key = {s.key: replace(s, entries=()) for s in stories}
    refs: dict[str, Tag] = {}  # a site has few tags, each on many pages
    pages = []
    for i, entry in enumerate(entries):
        newer = entries[i - 1] if i > 0 else None
        older = entries[i + 1] if i + 1 < len(entries) else None
        pages.append(Page(f"{entry.out_dir}index.html", entry.url, "entry.html", entry.title, "entry",
                          {"entry": entry, "newer": newer, "older": older, "description": entry.summary,
                           "story": by_key.get(entry.story),
                           "tags": tuple(refs.get(t) or refs.setdefault(t, _tag_ref(config, t)) for t in entry.tags)},
                          shows=entry.slug, derived=partial(_entry_context, full, entry)))
    return pages


def _entry_context(full: Callable[[Entry], Entry], entry: Entry) -> dict:
    """What an entry page needs of its whole entry, and its own timeline (the page's cache key has the
    whole entry's key: Page.shows)."""
    events = timeline.group(timeline.merge([entry])) if entry.timeline else ()
    entry = full(entry)
    return {"entry": entry, "thread": thread(entry), "comments_by_id": {c.id: c for c in entry.comments},
            "timeline": events}


def tag_url(config: SiteConfig, name: str) -> str:
    return _tag_ref(config, name).url


def _tag_ref(config: SiteConfig, name: str) -> Tag:
    slug = tag_slug(name)
    return Tag(name, slug, url_for(config, f"tags/{slug}/"), ())


@lru_cache(maxsize=4096)
def tag_slug(name: str) -> str:
    """A tag's slug (slugify is slow, and a site has few tags used many times)."""
    return slugify(name) or "tag"


def _tags(config: SiteConfig, entries: list[Entry]) -> list[Tag]:
    by_slug: dict[str, list[Entry]] = defaultdict(list)
    names: dict[str, str] = {}
    for entry in entries:
        for name in entry.tags:
            slug = tag_slug(name)
            by_slug[slug].append(entry)
            names.setdefault(slug, name)
    return [Tag(names[s], s, url_for(config, f"tags/{s}/"), tuple(by_slug[s])) for s in sorted(by_slug)]


def _tag_pages(config: SiteConfig, tags: list[Tag]) -> list[Page]:
    pages = [Page("tags/index.html", url_for(config, "tags/"), "tags.html", "Tags", "tags", {"tags": tuple(tags)})]
    for tag in tags:
        # each page gets the tag without its entries (and their count), so it depends only on its own entries
        pages += paginate(config, list(tag.entries), f"tags/{tag.slug}/", "tag", "tag.html",
                          f"Tagged “{tag.name}”", {"tag": replace(tag, entries=()), "count": len(tag.entries)})
    return pages


def _archive(config: SiteConfig, entries: list[Entry]) -> Page:
    years: dict[int, dict[int, list[Entry]]] = defaultdict(lambda: defaultdict(list))
    for entry in entries:
        years[entry.date.year][entry.date.month].append(entry)
    grouped = tuple((year, tuple((month, tuple(items)) for month, items in sorted(months.items(), reverse=True)))
                    for year, months in sorted(years.items(), reverse=True))
    return Page("archive/index.html", url_for(config, "archive/"), "archive.html", "Archive", "archive",
                {"years": grouped, "count": len(entries)}, facet="timeline")  # (titles, dates and URLs only)


# The pages that show every entry have the entries as their data (a cache key of entry views) and
# what they show of them as derived context (Page.derived), made only when the page is rendered.

TIMELINE_SPAN = 500  # events on one timeline page at most (a year with more has a page of its own)


def _timeline_pages(config: SiteConfig, entries: list[Entry] | tuple[Entry, ...], folder: str, title: str,
                    json_url: str, kind: str = "timeline") -> list[Page]:
    """A timeline in pages of whole years (timeline.spans): the latest at folder, earlier ones at
    folder/<years>/. Each page has the entries with an event in its years, and their events."""
    runs = timeline.spans(entries, TIMELINE_SPAN)
    spans = runs[::-1] or [None]
    members_of = timeline.by_span(entries, runs)[::-1] if runs else [tuple(entries)]
    labels = [timeline.span_label(span) for span in spans]
    dirs = [folder] + [f"{folder}{label}/" for label in labels[1:]]
    nav = tuple((label, url_for(config, d)) for label, d in zip(labels, dirs)) if len(spans) > 1 else ()
    pages = []
    for n, (span, label, folder_n, members) in enumerate(zip(spans, labels, dirs, members_of)):
        pager = Pager(n + 1, len(spans), prev_url=url_for(config, dirs[n - 1]) if n else "",
                      next_url=url_for(config, dirs[n + 1]) if n + 1 < len(spans) else "")
        pages.append(Page(f"{folder_n}index.html", url_for(config, folder_n), "timeline.html",
                          title if n == 0 else f"{title}, {label.replace('-', '–')}", kind,
                          {"entries": members, "json_url": json_url, "pager": pager, "spans": nav, "span": label},
                          derived=partial(_timeline_context, members, span), facet="timeline"))
    return pages


def _timeline_context(entries: tuple[Entry, ...], span: tuple[int, int] | None = None) -> dict:
    events = tuple(e for e in timeline.merge(entries) if span is None or span[0] <= e.date.year <= span[1])
    return {"years": timeline.group(events), "count": len(events)}


def _annotations(config: SiteConfig, entries: list[Entry]) -> list[Page]:
    """/annotations/: every note of the site, by kind and by entry, per_page annotated entries a page
    (newest first). The first page gets the site's totals; each page shows its own entries' notes."""
    annotated = [e for e in entries if e.annotations]
    pages = paginate(config, annotated, "annotations/", "annotations", "annotations.html", "Editors’ notes",
                     {"total": None, "count": None})
    pages[0] = replace(pages[0], data={**pages[0].data, "total": sum(len(e.annotations) for e in annotated),
                                       "count": len(annotated)})
    return [replace(page, derived=partial(_annotations_context, config, page.data["entries"])) for page in pages]


def _annotations_context(config: SiteConfig, entries: tuple[Entry, ...]) -> dict:
    by_entry = tuple((e, e.annotations) for e in entries)
    by_kind = tuple((kind, tuple((e, n) for e in entries for n in e.annotations if n.kind == kind.key))
                    for kind in config.annotation_kinds)
    return {"by_entry": by_entry, "by_kind": tuple(k for k in by_kind if k[1]),
            "here": sum(len(notes) for _, notes in by_entry)}


def _stories(config: SiteConfig, entries: list[Entry]) -> list[StoryView]:
    views = []
    for story in config.stories:
        members = tuple(e for e in entries if e.story == story.key)
        views.append(StoryView(story.key, story.title, story.description, url_for(config, f"stories/{story.key}/"),
                               members))
    return views


def _story_pages(config: SiteConfig, stories: list[StoryView]) -> list[Page]:
    # a story's timeline is merged from its entries when its page is rendered
    pages = [Page("stories/index.html", url_for(config, "stories/"), "stories.html", "Stories", "stories",
                  {"stories": tuple(stories)})]
    for story in stories:
        # its entries in pages of per_page; the first page has the timeline of its latest years, and
        # when there are earlier ones, the whole timeline has pages of its own (_timeline_pages)
        json_url = url_for(config, f"stories/{story.key}/timeline.json")
        spans = timeline.spans(story.entries, TIMELINE_SPAN)
        latest = spans[-1] if len(spans) > 1 else None
        shown = timeline.by_span(story.entries, spans)[-1] if latest else story.entries
        cards = paginate(config, list(story.entries), f"stories/{story.key}/", "story", "story.html", story.title,
                         {"story": replace(story, entries=()), "coverage": len(story.entries),
                          "description": story.description, "json_url": json_url,
                          "timeline_url": url_for(config, f"stories/{story.key}/timeline/") if latest else "",
                          "span": timeline.span_label(latest)})
        cards[0] = replace(cards[0], data={**cards[0].data, "timeline_entries": shown},
                           derived=partial(_story_context, shown, latest))
        pages += cards
        if latest:
            pages += _timeline_pages(config, story.entries, f"stories/{story.key}/timeline/",
                                     f"{story.title}: timeline", json_url, kind="story")
    return pages


def _story_context(entries: tuple[Entry, ...], span: tuple[int, int] | None) -> dict:
    return {"years": _timeline_context(entries, span)["years"]}
