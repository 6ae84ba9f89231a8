"""The content model: frozen dataclasses only. Later stages return new values (dataclasses.replace)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Callable


@dataclass(frozen=True)
class PartialDate:
    """A date known to year, month or day precision, or a full datetime ("11 months ago" is a month)."""

    year: int
    month: int | None = None
    day: int | None = None
    time: datetime | None = None  # set when the value is a full, timezone-aware datetime

    @property
    def precision(self) -> str:
        if self.time is not None:
            return "time"
        return "day" if self.day else "month" if self.month else "year"

    @property
    def iso(self) -> str:
        """The value at its real precision, as a <time datetime> wants it."""
        if self.time is not None:
            return self.time.isoformat()
        parts = [f"{self.year:04d}"] + [f"{v:02d}" for v in (self.month, self.day) if v]
        return "-".join(parts)

    @property
    def sort_key(self) -> tuple:
        return (self.year, self.month or 0, self.day or 0, self.time.isoformat() if self.time else "")


@dataclass(frozen=True)
class Heading:
    level: int
    text: str
    id: str


@dataclass(frozen=True)
class Source:
    """source.md: the original article, import-owned."""

    src_path: Path
    title: str
    url: str = ""
    site_name: str = ""
    authors: tuple[str, ...] = ()
    published: PartialDate | None = None
    scraped_at: PartialDate | None = None
    via: str = ""
    section: str = ""
    body: str = ""
    body_line: int = 1
    html: str = ""
    headings: tuple[Heading, ...] = ()


@dataclass(frozen=True)
class Comment:
    """One comment of comments.yaml, import-owned but for the editor flags hidden and pick."""

    id: str
    parent: str | None
    author: str
    text: str
    line: int
    author_rank: str = ""
    posted: PartialDate | None = None
    quote: str = ""
    hidden: bool = False
    pick: bool = False
    html: str = ""
    depth: int = 0


@dataclass(frozen=True)
class TimelineEvent:
    """Something that happened, at the precision it is known; from an entry's `timeline:` or its own date."""

    date: PartialDate
    text: str  # markdown (inline)
    line: int = 0
    link: str = ""
    source: str = ""
    html: str = ""
    entries: tuple = ()  # the entries that give this event (Entry values), once assembled
    own: bool = False  # the event is an entry itself, on its date


@dataclass(frozen=True)
class Annotation:
    """An editor's note on a passage of the digest, the article (source) or a comment."""

    kind: str
    target: str  # "digest", "source" or "comment"
    quote: str  # the exact passage (TextQuoteSelector exact)
    body: str  # the note, markdown
    line: int  # where the note is written in src_path
    comment: str = ""  # the comment id when target == "comment"
    prefix: str = ""
    suffix: str = ""
    occurrence: int = 0  # 1-based; 0 = not given
    verdict: str = ""
    by: str = ""
    inline: bool = False  # written inline in the prose: {==passage==}{>>note<<}
    id: str = ""  # "note-3" once numbered
    number: int = 0
    html: str = ""  # the rendered note
    anchored: bool = False
    problem: str = ""  # why it could not be anchored


@dataclass(frozen=True)
class Acknowledgement:
    """A finding of the digest-vs-source check the editors have looked at (front matter `checked:`)."""

    claim: str  # as the check reports it: "$6.2 billion", "Lloyd Austin", a quotation
    reason: str = ""
    line: int = 0  # where it is written in index.md


@dataclass(frozen=True)
class Entry:
    """One bundle (content/<slug>/index.md + source.md + comments.yaml) or one plain <slug>.md."""

    slug: str
    src_path: Path  # index.md or <slug>.md, relative to the site root
    title: str
    date: datetime  # timezone-aware
    body: str
    body_line: int  # 1-based line of the first body line in src_path
    summary: str = ""
    tags: tuple[str, ...] = ()
    story: str = ""
    draft: bool = False
    updated: datetime | None = None
    timeline: tuple[TimelineEvent, ...] = ()
    source: Source | None = None
    comments: tuple[Comment, ...] = ()  # empty in a light entry (lists): use comment_count there
    comment_count: int = 0
    comments_path: Path | None = None
    annotations: tuple[Annotation, ...] = ()
    resources: tuple[Path, ...] = ()  # other files of the bundle, copied beside the page
    html: str = ""
    headings: tuple[Heading, ...] = ()
    url: str = ""  # set by assemble
    out_dir: str = ""  # posix folder under output/, set by assemble
    key: str = ""  # the fingerprint of its files, config and code (the build cache's key)
    view: str = ""  # the fingerprint of its light entry (model.light): what lists and indexes show of it
    facets: dict = field(default_factory=dict, compare=False, hash=False)  # {name: fingerprint of FACETS[name]}
    checked: tuple[Acknowledgement, ...] = ()  # front matter `checked:` (verify.py)
    findings: tuple = ()  # open verify.Finding values, set by verify (empty in a light entry)
    extra: dict = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Tag:
    name: str
    slug: str
    url: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class CommentNode:
    """A comment with its replies, for rendering the thread as nested lists."""

    comment: Comment
    anchor: str
    replies: tuple["CommentNode", ...] = ()


@dataclass(frozen=True)
class Pager:
    number: int
    count: int
    prev_url: str = ""
    next_url: str = ""


@dataclass(frozen=True)
class Page:
    """One output page: where it goes, which template renders it, and what that template is given."""

    out_path: str  # posix path under output/, e.g. "tags/ukraine/index.html"
    url: str  # with base_url's path, e.g. "/repo/tags/ukraine/"
    template: str
    title: str
    kind: str
    data: dict = field(default_factory=dict, compare=False, hash=False)
    # the slug of the entry an entry page shows whole: data holds its light form (which stands in the
    # cache key by its view, cache.fingerprint), so render adds the key of the whole entry
    shows: str = ""
    # more of what the template is given, computed only when the page is rendered: a pure function of
    # data (an entry's comment tree from the entry), so it takes no part in the page's cache key
    derived: Callable[[], dict] | None = field(default=None, compare=False, hash=False)
    # what the page shows of its entries, when it is one part of them (a name in FACETS): only that part
    # of each entry stands in its cache key (a note's edit does not make the archive again)
    facet: str = ""


@dataclass(frozen=True)
class StoryView:
    """A running story: its config and its entries (newest first)."""

    key: str
    title: str
    description: str
    url: str
    entries: tuple[Entry, ...]


@dataclass(frozen=True)
class Site:
    entries: tuple[Entry, ...]  # listed entries, newest first
    tags: tuple[Tag, ...]
    pages: tuple[Page, ...]
    stories: tuple[StoryView, ...] = ()


# What the data files made in Python (feeds.py) read of an entry, so that each is made again only when
# that part of an entry changes (a page's template may read any part: pages go by the whole view).
FACETS = {
    "timeline": ("slug", "title", "date", "url", "summary", "timeline"),  # timeline.merge, timeline.timelinejs
    "notes": ("slug", "url", "date", "annotations", "source"),  # feeds.annotations_jsonld
}


def light(entry: Entry) -> Entry:
    """The entry as lists and indexes use it: without its prose, the article's text and the comments
    (the bulk of it; comment_count stays), nor the lines its parts were written on, which only messages
    need, nor the check's findings, which only its page shows (so an edit of its prose changes nothing
    a list shows). Its page and its feed items get the full entry (pipeline.full_entry), which a build
    never holds for every entry at once."""
    source = entry.source and replace(entry.source, body="", html="", body_line=0)
    return replace(entry, body="", html="", body_line=0, source=source, comments=(),
                   annotations=tuple(replace(n, line=0) for n in entry.annotations),
                   timeline=tuple(replace(e, line=0) for e in entry.timeline),
                   checked=tuple(replace(c, line=0) for c in entry.checked), findings=())
