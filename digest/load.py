"""content/ -> [Entry] (+ Problems): the only stage that reads content files."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from .config import SiteConfig, is_safe_link
from .errors import Problem, SiteError, problem, warning
from .model import Acknowledgement, Comment, Entry, PartialDate, Source, TimelineEvent
from .yamlio import Marks, key_position, load_yaml, position

BUNDLE_FILES = {"index.md", "source.md", "comments.yaml"}
RESERVED = {"page", "tags", "archive", "stories", "timeline", "annotations", "search", "static",
            "feed.xml", "feed.json", "sitemap.xml", "robots.txt", "404.html", "index.html"}
_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)(?:\r?\n)?^(?:---|\.\.\.)[ \t]*(?:\r?\n|\Z)", re.S | re.M)
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")
_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")

# front matter key -> (accepted types, description for messages)
_ENTRY_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "title": ((str,), "text"), "date": ((date, str), "a date such as 2023-11-06"),
    "updated": ((date, str), "a date such as 2023-11-06"), "slug": ((str,), "text"),
    "draft": ((bool,), "true or false"), "summary": ((str,), "text"), "tags": ((list,), "a list of tags"),
    "story": ((str,), "a story key from site.yaml"), "timeline": ((list,), "a list of events"),
    "params": ((dict,), "a mapping"),
    "checked": ((list, dict), "a list of claims, or a mapping of claim: reason"),  # verify.py
}
_SOURCE_KEYS: dict[str, tuple[tuple[type, ...], str]] = {
    "title": ((str,), "text"), "url": ((str,), "text"), "site_name": ((str,), "text"),
    "section": ((str,), "text"), "via": ((str,), "text"), "authors": ((list, str), "a list of names"),
    "published": ((date, str, int), "a date"), "scraped_at": ((date, str), "a date and time"),
}


def load_entries(root: Path, config: SiteConfig) -> tuple[list[Entry], list[Problem]]:
    """Read every entry under root/content; return them sorted by slug with every warning.

    Raises SiteError carrying every problem of the run when any is an error.
    """
    problems: list[Problem] = []
    entries = []
    for path in entry_sources(root):
        entry, found = load_one(root, path, config)
        problems += found
        if entry is not None:
            entries.append(entry)
    check_unique_slugs(entries, problems)
    if any(p.is_error for p in problems):
        raise SiteError(problems)
    return sorted(entries, key=lambda e: e.slug), problems


def entry_sources(root: Path, listing: dict[str, list] | None = None) -> list[Path]:
    """Every entry of content/: bundle folders (with an index.md) and plain .md files, sorted.
    listing: content/ as cache.content_listing found it (else it is listed here)."""
    content = root / "content"
    if not content.is_dir():
        raise SiteError([problem(root / "content", 1, 1, "content/ folder not found",
                                 "Create it, or scaffold a first entry with: python build.py new \"Title\"")])
    if listing is None:
        from .cache import content_listing

        listing = content_listing(root)
    return [content / name for name, files in sorted(listing.items()) if not name.startswith((".", "_"))
            and _listed_source(name, [rel for rel, _ in files])]


def _listed_source(name: str, files: list[str]) -> bool:
    return f"content/{name}/index.md" in files or (name.endswith(".md") and files == [f"content/{name}"])


def load_one(root: Path, path: Path, config: SiteConfig) -> tuple[Entry | None, list[Problem]]:
    """One entry (a bundle folder or a plain .md file) and its problems; None when it has errors."""
    problems: list[Problem] = []
    entry = (_load_bundle(root, path, config, problems) if path.is_dir()
             else _load_entry_file(root, path, path.stem, config, problems))
    return (None if any(p.is_error for p in problems) else entry), problems


def split_front_matter(text: str, path: Path | str) -> tuple[str, str, int, list[Problem]]:
    """Split '---' YAML front matter from the body: (yaml, body, body's 1-based first line, problems)."""
    if text.startswith("\ufeff"):
        text = text[1:]
    match = _FRONT.match(text)
    if not match:
        hint = ("Close the front matter with a line holding only '---'" if text.startswith("---")
                else "Start the file with a '---' line, then 'title: ...' and 'date: YYYY-MM-DD', then '---'")
        what = "front matter is not closed" if text.startswith("---") else "no front matter"
        return "", text, 1, [problem(path, 1, 1, what, hint)]
    body_line = text.count("\n", 0, match.end()) + 1
    return match.group(1), text[match.end():], body_line, []


def _read(path: Path, rel: Path, problems: list[Problem]) -> str | None:
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[: exc.start].count(b"\n") + 1
        problems.append(problem(rel, line, 1, f"not valid UTF-8 (byte {exc.object[exc.start]:#x})",
                                "Save the file as UTF-8"))
    except OSError as exc:
        problems.append(problem(rel, 1, 1, f"cannot read file: {exc.strerror}"))
    return None


def _front_matter(path: Path, rel: Path, problems: list[Problem]) -> tuple[dict, Marks, str, int] | None:
    text = _read(path, rel, problems)
    if text is None:
        return None
    raw, body, body_line, found = split_front_matter(text, rel)
    problems.extend(found)
    if found:
        return None
    data, marks, found = load_yaml(raw, rel, line_offset=1)
    problems.extend(found)
    if found:
        return None
    if not isinstance(data, dict):
        problems.append(problem(rel, 2, 1, "front matter must be a mapping of keys to values",
                                "Write it as 'key: value' lines"))
        return None
    return data, marks, body, body_line


def _check_keys(data: dict, marks: Marks, rel: Path, known: dict, problems: list[Problem],
                unknown_is_error: bool = True) -> None:
    for key, value in data.items():
        if key not in known:
            line, col = key_position(marks, key)
            report = problem if unknown_is_error else warning
            problems.append(report(rel, line, col, f"unknown front matter key '{key}'",
                                   f"Known keys: {', '.join(known)}; put your own keys under 'params:'"))
        elif value is not None and not isinstance(value, known[key][0]) or isinstance(value, bool) and bool not in known[key][0]:
            line, col = position(marks, key)
            problems.append(problem(rel, line, col, f"'{key}' must be {known[key][1]}, not {_describe(value)}",
                                    "Quote text values" if str in known[key][0] else ""))


def _load_bundle(root: Path, folder: Path, config: SiteConfig, problems: list[Problem]) -> Entry | None:
    entry = _load_entry_file(root, folder / "index.md", folder.name, config, problems)
    if entry is None:
        return None
    source = _load_source(root, folder / "source.md", config, problems) if (folder / "source.md").is_file() else None
    comments_path = folder / "comments.yaml"
    comments = _load_comments(root, comments_path, config, problems) if comments_path.is_file() else ()
    resources = tuple(sorted(p.relative_to(root) for p in folder.rglob("*")
                             if p.is_file() and p.name not in BUNDLE_FILES
                             and not any(part.startswith(".") for part in p.relative_to(folder).parts)))
    return replace(entry, source=source, comments=comments, comment_count=len(comments),
                   comments_path=comments_path.relative_to(root) if comments_path.is_file() else None,
                   resources=resources)


def _load_entry_file(root: Path, path: Path, slug: str, config: SiteConfig, problems: list[Problem]) -> Entry | None:
    rel = path.relative_to(root)
    loaded = _front_matter(path, rel, problems)
    if loaded is None:
        return None
    data, marks, body, body_line = loaded
    before = len(problems)
    _check_keys(data, marks, rel, _ENTRY_KEYS, problems)
    for key in ("title", "date"):
        if data.get(key) in (None, ""):
            problems.append(problem(rel, 2, 1, f"front matter has no '{key}'",
                                    f"Add a line such as '{key}: {'My headline' if key == 'title' else '2023-11-06'}'"))
    when = _datetime(data.get("date"), config, rel, marks, "date", problems)
    updated = _datetime(data.get("updated"), config, rel, marks, "updated", problems) if data.get("updated") else None
    tags = _text_list(data.get("tags"), rel, marks, "tags", problems)
    slug = data.get("slug") if isinstance(data.get("slug"), str) else slug
    if not _SLUG.match(slug) or slug in RESERVED:
        line, col = position(marks, "slug") if "slug" in data else (1, 1)
        problems.append(problem(rel, line, col, f"'{slug}' cannot be used as a slug" + (" (the site uses that path)" if slug in RESERVED else ""),
                                "Use lowercase letters, digits and hyphens, e.g. 'slug: peace-talks'"))
    story = data.get("story") if isinstance(data.get("story"), str) else ""
    if story and config.story(story) is None:
        line, col = position(marks, "story")
        known = ", ".join(s.key for s in config.stories) or "none declared yet"
        problems.append(problem(rel, line, col, f"unknown story '{story}'",
                                f"Declare it in site.yaml under 'stories:' with a title (known: {known})"))
    timeline = _timeline(data.get("timeline"), config, rel, marks, problems)
    checked = _checked(data.get("checked"), rel, marks, problems)
    if len(problems) > before and any(p.is_error for p in problems[before:]):
        return None
    return Entry(slug=slug, src_path=rel, title=data["title"], date=when, body=body, body_line=body_line,
                 summary=data.get("summary") or "", tags=tuple(tags), story=story,
                 draft=bool(data.get("draft", False)), updated=updated,
                 timeline=timeline, checked=checked, extra=dict(data.get("params") or {}))


def _checked(value: Any, rel: Path, marks: Marks, problems: list[Problem]) -> tuple[Acknowledgement, ...]:
    """checked: ["$6.2 billion", ...] or {"$6.2 billion": "why", ...}: findings of verify.py the editors accept."""
    items = list(value.items()) if isinstance(value, dict) else [(v, "") for v in value or []] if isinstance(value, list) else []
    acks = []
    for i, (claim, reason) in enumerate(items):
        where = (str(claim),) if isinstance(value, dict) else (i,)
        text = claim if isinstance(claim, str) else str(claim) if isinstance(claim, (int, float)) and not isinstance(claim, bool) else ""
        if not text.strip():
            line, col = position(marks, "checked", *where)
            problems.append(problem(rel, line, col, f"'checked' item {i + 1} must be a claim as text, not {_describe(claim)}",
                                    "Quote the claim as the check reports it, e.g. - \"$6.2 billion\""))
        elif reason is not None and not isinstance(reason, str):
            line, col = position(marks, "checked", *where)
            problems.append(problem(rel, line, col, f"'checked': the reason for {text!r} must be text, not {_describe(reason)}",
                                    "Write it as '\"claim\": \"why it is fine\"'"))
        else:
            acks.append(Acknowledgement(text.strip(), (reason or "").strip(), position(marks, "checked", *where)[0]))
    return tuple(acks)


_EVENT_KEYS = ("date", "text", "link", "source")


def _timeline(value: Any, config: SiteConfig, rel: Path, marks: Marks, problems: list[Problem]) -> tuple[TimelineEvent, ...]:
    """timeline: [{date: 2022 | 2023-10 | 2023-10-07, text, link?, source?}] -> events, every problem reported."""
    if not isinstance(value, list):
        return ()
    events = []
    for i, item in enumerate(value):
        line, col = position(marks, "timeline", i)
        if not isinstance(item, dict):
            problems.append(problem(rel, line, col, f"timeline event {i + 1} must be a mapping with 'date' and 'text'",
                                    "Write it as '- {date: 2023-10-07, text: What happened}'"))
            continue
        ok = True
        for key in item:
            if key not in _EVENT_KEYS:
                kl, kc = key_position(marks, "timeline", i, key)
                problems.append(problem(rel, kl, kc, f"unknown key '{key}' in timeline event {i + 1}",
                                        f"Known keys: {', '.join(_EVENT_KEYS)}"))
                ok = False
        for key in ("date", "text"):
            if item.get(key) in (None, ""):
                problems.append(problem(rel, line, col, f"timeline event {i + 1} has no '{key}'",
                                        "Give every event a date (YYYY, YYYY-MM or YYYY-MM-DD) and a text"))
                ok = False
        for key in ("text", "link", "source"):
            if item.get(key) is not None and not isinstance(item[key], str):
                kl, kc = position(marks, "timeline", i, key)
                problems.append(problem(rel, kl, kc, f"timeline event {i + 1}: '{key}' must be text, not {_describe(item[key])}",
                                        "Quote it"))
                ok = False
        link = item.get("link")
        if isinstance(link, str) and not is_safe_link(link):
            kl, kc = position(marks, "timeline", i, "link")
            problems.append(problem(rel, kl, kc, f"timeline event {i + 1}: 'link' {link!r} is not a link a page may carry",
                                    "Use an http(s) URL or a site path such as /archive/"))
            ok = False
        when = None
        if item.get("date") not in (None, ""):
            when = parse_partial(item["date"], config.tz)
            if when is None:
                kl, kc = position(marks, "timeline", i, "date")
                problems.append(problem(rel, kl, kc, f"timeline event {i + 1}: {item['date']!r} is not a date",
                                        "Write YYYY, YYYY-MM or YYYY-MM-DD, e.g. 2023-10-07"))
                ok = False
        if ok:
            events.append(TimelineEvent(date=when, text=item["text"].strip(), line=line,
                                        link=item.get("link") or "", source=item.get("source") or ""))
    return tuple(events)


def _load_source(root: Path, path: Path, config: SiteConfig, problems: list[Problem]) -> Source | None:
    rel = path.relative_to(root)
    loaded = _front_matter(path, rel, problems)
    if loaded is None:
        return None
    data, marks, body, body_line = loaded
    _check_keys(data, marks, rel, _SOURCE_KEYS, problems, unknown_is_error=False)
    authors = data.get("authors") or []
    if isinstance(authors, str):
        authors = [a for a in re.split(r"\s*(?:,|\band\b|&)\s*", authors) if a]
    published = _partial(data.get("published"), config, rel, marks, "published", problems)
    scraped = _partial(data.get("scraped_at"), config, rel, marks, "scraped_at", problems)
    text = {k: data.get(k) if isinstance(data.get(k), str) else "" for k in ("title", "url", "site_name", "via", "section")}
    if text["url"] and not is_safe_link(text["url"]):
        line, col = position(marks, "url")
        problems.append(warning(rel, line, col, f"'url' {text['url']!r} is not a link a page may carry; the article is shown without it",
                                "Give the article's http(s) address"))
        text["url"] = ""
    return Source(src_path=rel, authors=tuple(str(a) for a in authors), published=published,
                  scraped_at=scraped, body=body, body_line=body_line, **text)


def _load_comments(root: Path, path: Path, config: SiteConfig, problems: list[Problem]) -> tuple[Comment, ...]:
    rel = path.relative_to(root)
    text = _read(path, rel, problems)
    if text is None:
        return ()
    data, marks, found = load_yaml(text, rel)
    problems.extend(found)
    if found or data is None:
        return ()
    if isinstance(data, dict) and "comments" in data:
        data, marks = data["comments"], marks.within("comments")
    if not isinstance(data, list):
        problems.append(problem(rel, 1, 1, "comments.yaml must be a list of comments",
                                "Start each comment with '- id: ...'"))
        return ()
    comments: list[Comment] = []
    depth: dict[str, int] = {}
    for i, item in enumerate(data):
        line, col = position(marks, i)
        if not isinstance(item, dict):
            problems.append(problem(rel, line, col, f"comment {i + 1} must be a mapping", "Give it 'id', 'author' and 'text'"))
            continue
        cid = item.get("id")
        if cid is None or isinstance(cid, (bool, dict, list)):
            problems.append(problem(rel, line, col, f"comment {i + 1} has no 'id'", "Give every comment a unique id"))
            continue
        cid = str(cid)
        if cid in depth:
            problems.append(problem(rel, line, col, f"comment id '{cid}' is used twice", "Give every comment a unique id"))
            continue
        parent = item.get("parent")
        parent = None if parent in (None, "") else str(parent)
        if parent is not None and parent not in depth:
            pl, pc = position(marks, i, "parent")
            problems.append(problem(rel, pl, pc, f"comment '{cid}' replies to '{parent}', which is not an earlier comment",
                                    "Fix 'parent', or list the parent comment before its replies"))
            parent = None
        fields = {k: item.get(k) for k in ("author", "author_rank", "quote", "text")}
        for key, value in fields.items():
            if value is not None and not isinstance(value, str):
                kl, kc = position(marks, i, key)
                problems.append(problem(rel, kl, kc, f"comment '{cid}': '{key}' must be text, not {_describe(value)}", "Quote it"))
        flags = {k: item.get(k, False) for k in ("hidden", "pick")}
        for key, value in flags.items():
            if not isinstance(value, bool):
                kl, kc = position(marks, i, key)
                problems.append(problem(rel, kl, kc, f"comment '{cid}': '{key}' must be true or false"))
        posted = _partial(item.get("posted"), config, rel, marks, (i, "posted"), problems)
        depth[cid] = depth[parent] + 1 if parent is not None else 0
        comments.append(Comment(
            id=cid, parent=parent, line=line, depth=depth[cid], posted=posted,
            author=_text(fields["author"]) or "anonymous", author_rank=_text(fields["author_rank"]),
            quote=_text(fields["quote"]), text=_text(fields["text"]),
            hidden=flags["hidden"] is True, pick=flags["pick"] is True))
    return tuple(comments)


def parse_partial(value: Any, tz) -> PartialDate | None:
    """YYYY, YYYY-MM, YYYY-MM-DD, a date or a datetime -> PartialDate (naive times get tz); None if invalid."""
    if isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _full(value if value.tzinfo else value.replace(tzinfo=tz))
    if isinstance(value, date):
        return PartialDate(value.year, value.month, value.day)
    if isinstance(value, int):
        return PartialDate(value) if 1 <= value <= 9999 else None
    if not isinstance(value, str):
        return None
    value = value.strip()
    match = _PARTIAL.match(value)
    if match:
        year, month, day = (int(g) if g else None for g in match.groups())
        try:
            date(year, month or 1, day or 1)
        except ValueError:
            return None
        return PartialDate(year, month, day)
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return _full(moment if moment.tzinfo else moment.replace(tzinfo=tz))


def _full(moment: datetime) -> PartialDate:
    return PartialDate(moment.year, moment.month, moment.day, moment)


def _partial(value: Any, config: SiteConfig, rel: Path, marks: Marks, key: Any, problems: list[Problem]) -> PartialDate | None:
    if value in (None, ""):
        return None
    parsed = parse_partial(value, config.tz)
    if parsed is None:
        keys = key if isinstance(key, tuple) else (key,)
        line, col = position(marks, *keys)
        problems.append(problem(rel, line, col, f"'{keys[-1]}' is not a date: {value!r}",
                                "Write YYYY, YYYY-MM, YYYY-MM-DD or an ISO date and time such as 2023-11-06T09:30:00+01:00"))
    return parsed


def _datetime(value: Any, config: SiteConfig, rel: Path, marks: Marks, key: str, problems: list[Problem]) -> datetime:
    """A full date for an entry: a day at least; midnight in the site's time zone when no time is given."""
    fallback = datetime(1970, 1, 1, tzinfo=config.tz)
    if value in (None, ""):
        return fallback
    parsed = parse_partial(value, config.tz)
    if parsed is None or parsed.day is None:
        line, col = position(marks, key)
        problems.append(problem(rel, line, col, f"'{key}' is not a full date: {value!r}",
                                "Write it as YYYY-MM-DD, optionally with a time: 2023-11-06T09:30:00"))
        return fallback
    return parsed.time or datetime.combine(date(parsed.year, parsed.month, parsed.day), time(), tzinfo=config.tz)


def _text_list(value: Any, rel: Path, marks: Marks, key: str, problems: list[Problem]) -> list[str]:
    if not isinstance(value, list):
        return []
    out = []
    for i, item in enumerate(value):
        if isinstance(item, (str, int, float)) and not isinstance(item, bool) and str(item).strip():
            out.append(str(item).strip())
        else:
            line, col = position(marks, key, i)
            what = "is blank" if isinstance(item, str) else f"must be text, not {_describe(item)}"
            problems.append(problem(rel, line, col, f"'{key}' item {i + 1} {what}",
                                    "Remove it" if isinstance(item, str) else "Quote it"))
    return list(dict.fromkeys(out))


def check_unique_slugs(entries: list[Entry], problems: list[Problem]) -> None:
    seen: dict[str, Entry] = {}
    for entry in entries:
        if entry.slug in seen:
            problems.append(problem(entry.src_path, 1, 1, f"slug '{entry.slug}' is also used by {seen[entry.slug].src_path}",
                                    "Give one of them another 'slug:' in its front matter"))
        seen.setdefault(entry.slug, entry)


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _describe(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "true or false"
    if isinstance(value, datetime):
        return "a date and time"
    if isinstance(value, date):
        return "a date"
    return {str: "text", int: "a number", float: "a number", list: "a list", dict: "a mapping"}.get(type(value), type(value).__name__)
