"""Site -> machine-readable files ({path: bytes}, as render): Atom and JSON feeds (site-wide, per tag
and per story), sitemap.xml, robots.txt, the annotations as W3C Web Annotations, TimelineJS data."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime
from functools import partial
from html import escape
from pathlib import Path
from typing import Callable, Mapping
from xml.etree import ElementTree as ET

from . import cache, timeline
from .config import SiteConfig
from .model import Annotation, Entry, Site

FEED_SIZE = 20
NOTES_PAGE = 100  # annotated entries a page of annotations.jsonld holds, when there are more
ANNOTATION_CONTEXT = "http://www.w3.org/ns/anno.jsonld"
ATOM = "http://www.w3.org/2005/Atom"
_ROOT_RELATIVE = re.compile(r'(\b(?:href|src)=")(/[^/"][^"]*|/)"')

MOTIVATIONS = {"fact-check": "assessing", "correction": "editing", "context": "commenting", "analysis": "commenting"}


def absolute(config: SiteConfig, url: str) -> str:
    """A site URL ('/repo/x/') made absolute with base_url's origin (unchanged when base_url is only a path)."""
    return config.origin + url if url.startswith("/") else url


def render_feeds(site: Site, config: SiteConfig, full: Callable[[Entry], Entry] = lambda entry: entry,
                 cache_folder: Path | None = None, salt: str = "", keys: Mapping[str, str] | None = None,
                 memory: dict | None = None) -> dict[str, bytes]:
    """The feeds and data files. site.entries may be light (model.light): full(entry) gives a feed item
    its whole entry (only the newest FEED_SIZE of each feed are asked for).

    With a cache folder, a file whose inputs are unchanged is taken from the cache: its entries by their
    views (cache.fingerprint), the notes and timelines by the parts they read (model.FACETS), and for a
    feed, which shows them whole, by their keys too (keys: {slug: key} of the whole entries, else each
    entry's own), plus salt (code, config, templates). memory, a dict a long-lived caller (serve) keeps,
    holds the inputs' fingerprints and the sitemap while the site is the same object and the salt the same,
    and the files the last call made, by key."""
    made: dict[str, dict[str, bytes]] = {}
    keys = keys or {}
    prune = cache_folder is not None and not memory  # (serve prunes on its first build only)
    if memory is not None and (memory.get("site") is not site or memory.get("salt") != salt):
        memory.clear()
        memory.update(site=site, salt=salt)
    known = memory.setdefault("inputs", {}) if memory is not None else {}

    def facet(name: str, at: tuple, entries: tuple[Entry, ...]) -> tuple[str, ...]:
        """cache.by_facet, remembered while the site is the same (its entries show the same)."""
        return known.get((name, at)) or known.setdefault((name, at), cache.by_facet(entries, name))

    last_made = memory.get("made", {}) if memory is not None else {}

    def cached(inputs: tuple, make: Callable[[], dict[str, bytes]], shown: tuple[Entry, ...] = ()) -> dict[str, bytes]:
        key = known.get(inputs[:2]) or known.setdefault(inputs[:2], cache.fingerprint((salt, config, inputs)))
        if shown:
            key = cache.fingerprint((key, *(keys.get(e.slug, e.key) for e in shown)))
        files = last_made.get(key) or (cache.load(cache_folder, key) if cache_folder else None)
        made[key] = files if files is not None else make()
        if cache_folder and files is None:
            cache.store(cache_folder, key, made[key])
        return made[key]

    files = {}
    if "notes" not in known:
        known["notes"] = (annotation_pages(site.entries), sum(len(e.annotations) for e in site.entries))
    pages, notes = known["notes"]
    for n, chunk in enumerate(pages, start=1):
        files.update(cached(("annotations", str(n), facet("notes", (n,), chunk), len(pages)),
                            partial(annotations_jsonld, config, chunk, n, len(pages))))
    if len(pages) > 1:
        files["annotations.jsonld"] = annotation_collection(config, notes, len(pages))
    if "sitemap" not in known:
        known["sitemap"] = sitemap(site, config)
    files = {**files, "sitemap.xml": known["sitemap"], "robots.txt": robots(config)}
    channels = [("", config.title, config.description, site.entries)]
    channels += [(f"tags/{t.slug}/", f"{config.title}: {t.name}", f"Entries tagged {t.name}", t.entries) for t in site.tags]
    channels += [(f"stories/{s.key}/", f"{config.title}: {s.title}", s.description, s.entries) for s in site.stories]
    loaded: dict[str, Entry] = {}

    def whole(entry: Entry) -> Entry:
        if entry.slug not in loaded:
            loaded[entry.slug] = full(entry)
        return loaded[entry.slug]

    def channel(folder: str, title: str, description: str, entries: tuple[Entry, ...]) -> dict[str, bytes]:
        entries = tuple(whole(e) for e in entries)
        return {f"{folder}feed.xml": atom(config, folder, title, description, entries),
                f"{folder}feed.json": json_feed(config, folder, title, description, entries)}

    for folder, title, description, entries in channels:
        newest = entries[:FEED_SIZE]
        files.update(cached(("feed", folder, title, description, newest),
                            partial(channel, folder, title, description, newest), shown=newest))

    def timeline_data(folder: str, title: str, description: str, entries: tuple[Entry, ...]) -> dict[str, bytes]:
        events = timeline.merge(entries)
        return {f"{folder}timeline.json": _json(timeline.timelinejs(events, title, description, partial(absolute, config)))}

    for folder, title, description, entries in [("", config.title, config.description, site.entries)] + [
            (f"stories/{s.key}/", s.title, s.description, s.entries) for s in site.stories]:
        files.update(cached(("timeline", folder, title, description, facet("timeline", (folder,), entries)),
                            partial(timeline_data, folder, title, description, entries)))
    if prune:
        cache.prune(cache_folder, set(made))
    if memory is not None:
        memory["made"] = made
    return files


def _json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")  # the C encoder


def annotation_pages(entries: tuple[Entry, ...]) -> list[tuple[Entry, ...]]:
    """The annotated entries in pages of NOTES_PAGE, oldest first (a new entry changes the last page
    only), each newest first; one page, maybe empty, when they fit in one."""
    annotated = [e for e in entries if e.annotations]
    oldest = annotated[::-1]
    return [tuple(oldest[i:i + NOTES_PAGE][::-1]) for i in range(0, len(oldest), NOTES_PAGE)] or [()]


def annotations_jsonld(config: SiteConfig, entries: tuple[Entry, ...], number: int = 1, count: int = 1
                       ) -> dict[str, bytes]:
    """The notes of entries as W3C Web Annotations with TextQuoteSelectors (Hypothesis reads them):
    annotations.jsonld, the collection with its one page in it, when count is 1; else page `number` of
    `count`, annotations/<number>.jsonld, linked to the previous and next (annotation_collection)."""
    items = [_annotation(entry, note, config) for entry in entries for note in entry.annotations]
    if count == 1:
        page = {"id": _collection_id(config) + "#page1", "type": "AnnotationPage", "startIndex": 0, "items": items}
        return {"annotations.jsonld": _json({**_collection(config), "total": len(items), "first": page})}
    page = {"@context": ANNOTATION_CONTEXT, "id": _page_id(config, number), "type": "AnnotationPage",
            "partOf": _collection_id(config), "items": items}
    page.update({k: _page_id(config, n) for k, n in (("prev", number - 1), ("next", number + 1)) if 1 <= n <= count})
    return {f"annotations/{number}.jsonld": _json(page)}


def annotation_collection(config: SiteConfig, total: int, count: int) -> bytes:
    """annotations.jsonld when the notes are in `count` pages: the collection, its total and its pages."""
    return _json({**_collection(config), "total": total, "first": _page_id(config, 1), "last": _page_id(config, count)})


def _collection(config: SiteConfig) -> dict:
    return {"@context": ANNOTATION_CONTEXT, "id": _collection_id(config), "type": "AnnotationCollection",
            "label": f"{config.title}: editors' notes"}


def _collection_id(config: SiteConfig) -> str:
    return absolute(config, config.base_path + "annotations.jsonld")


def _page_id(config: SiteConfig, number: int) -> str:
    return absolute(config, f"{config.base_path}annotations/{number}.jsonld")


def _annotation(entry: Entry, note: Annotation, config: SiteConfig) -> dict:
    page = absolute(config, entry.url)
    kind = config.kind(note.kind)
    body = [{"type": "TextualBody", "value": note.html.strip(), "format": "text/html",
             "language": config.language, "purpose": MOTIVATIONS.get(note.kind, "commenting")},
            {"type": "TextualBody", "value": kind.label if kind else note.kind, "purpose": "tagging"}]
    if note.verdict:
        body.append({"type": "TextualBody", "value": note.verdict, "purpose": "assessing"})
    selector = {"type": "TextQuoteSelector", "exact": note.quote}
    selector.update({k: v for k, v in (("prefix", note.prefix), ("suffix", note.suffix)) if v})
    target = [{"source": page, "selector": selector}]
    if note.target == "source" and entry.source and entry.source.url:
        target.append({"source": entry.source.url, "selector": selector})
    return {
        "id": f"{page}#{note.id}",
        "type": "Annotation",
        "motivation": MOTIVATIONS.get(note.kind, "commenting"),
        "created": entry.date.isoformat(),
        "creator": {"type": "Person" if note.by else "Organization", "name": note.by or config.author or config.title},
        "body": body,
        "target": target if len(target) > 1 else target[0],
    }


def entry_id(entry: Entry) -> str:
    """An id that never changes: from the slug and the first publication date, not from base_url."""
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, f'annotated-digest:{entry.slug}:{entry.date.date().isoformat()}')}"


def absolute_links(config: SiteConfig, html: str) -> str:
    """Root-relative href/src made absolute, for feed readers that read content out of its page."""
    return _ROOT_RELATIVE.sub(lambda m: f'{m.group(1)}{absolute(config, m.group(2))}"', html)


def feed_content(config: SiteConfig, entry: Entry) -> str:
    html = entry.html
    if entry.source and entry.source.url:
        html += (f'<p><em>Based on <a href="{escape(entry.source.url)}">{escape(entry.source.title or entry.title)}</a>'
                 f'{" (" + escape(entry.source.site_name) + ")" if entry.source.site_name else ""}.</em></p>')
    return absolute_links(config, html)


def atom(config: SiteConfig, folder: str, title: str, description: str, entries: tuple[Entry, ...]) -> bytes:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed", {"{http://www.w3.org/XML/1998/namespace}lang": config.language})
    items = entries[:FEED_SIZE]
    _sub(feed, "id", absolute(config, config.base_path + folder + "feed.xml"))
    _sub(feed, "title", title)
    if description:
        _sub(feed, "subtitle", description)
    _sub(feed, "updated", _updated(items).isoformat() if items else "1970-01-01T00:00:00+00:00")
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "self", "type": "application/atom+xml",
                                             "href": absolute(config, config.base_path + folder + "feed.xml")})
    ET.SubElement(feed, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html",
                                             "href": absolute(config, config.base_path + folder)})
    author = ET.SubElement(feed, f"{{{ATOM}}}author")
    _sub(author, "name", config.author or config.title)
    _sub(feed, "generator", "annotated-digest")
    for entry in items:
        node = ET.SubElement(feed, f"{{{ATOM}}}entry")
        _sub(node, "id", entry_id(entry))
        _sub(node, "title", entry.title)
        ET.SubElement(node, f"{{{ATOM}}}link", {"rel": "alternate", "type": "text/html", "href": absolute(config, entry.url)})
        _sub(node, "published", entry.date.isoformat())
        _sub(node, "updated", (entry.updated or entry.date).isoformat())
        if entry.summary:
            _sub(node, "summary", entry.summary)
        for tag in entry.tags:
            ET.SubElement(node, f"{{{ATOM}}}category", {"term": tag})
        content = _sub(node, "content", feed_content(config, entry))
        content.set("type", "html")
    return b'<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="utf-8", xml_declaration=False) + b"\n"


def json_feed(config: SiteConfig, folder: str, title: str, description: str, entries: tuple[Entry, ...]) -> bytes:
    """JSON Feed 1.1 (https://jsonfeed.org/version/1.1)."""
    author = {"name": config.author or config.title}
    document = {
        "version": "https://jsonfeed.org/version/1.1",
        "title": title,
        "home_page_url": absolute(config, config.base_path + folder),
        "feed_url": absolute(config, config.base_path + folder + "feed.json"),
        "description": description,
        "language": config.language,
        "authors": [author],
        "items": [{
            "id": entry_id(entry),
            "url": absolute(config, entry.url),
            "title": entry.title,
            "content_html": feed_content(config, entry),
            **({"summary": entry.summary} if entry.summary else {}),
            "date_published": entry.date.isoformat(),
            "date_modified": (entry.updated or entry.date).isoformat(),
            **({"tags": list(entry.tags)} if entry.tags else {}),
            **({"external_url": entry.source.url} if entry.source and entry.source.url else {}),
        } for entry in entries[:FEED_SIZE]],
    }
    return _json(document)


def sitemap(site: Site, config: SiteConfig) -> bytes:
    """Every HTML page but the 404, with lastmod for entries."""
    modified = {e.url: (e.updated or e.date) for e in site.entries}
    lines = ['<?xml version="1.0" encoding="utf-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for page in sorted(site.pages, key=lambda p: p.url):
        if page.kind == "404":
            continue
        lastmod = f"<lastmod>{modified[page.url].isoformat()}</lastmod>" if page.url in modified else ""
        lines.append(f"  <url><loc>{escape(absolute(config, page.url))}</loc>{lastmod}</url>")
    lines.append("</urlset>")
    return ("\n".join(lines) + "\n").encode("utf-8")


def robots(config: SiteConfig) -> bytes:
    return f"User-agent: *\nAllow: /\n\nSitemap: {absolute(config, config.base_path + 'sitemap.xml')}\n".encode("utf-8")


def _updated(entries: tuple[Entry, ...]) -> datetime:
    return max(e.updated or e.date for e in entries)


def _sub(parent: ET.Element, name: str, text: str) -> ET.Element:
    node = ET.SubElement(parent, f"{{{ATOM}}}{name}")
    node.text = text
    return node
