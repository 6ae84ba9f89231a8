"""Site -> machine-readable files ({path: bytes}, as render): the annotations as W3C Web Annotations."""

from __future__ import annotations

import json

from functools import partial

from . import timeline
from .config import SiteConfig
from .model import Annotation, Entry, Site

MOTIVATIONS = {"fact-check": "assessing", "correction": "editing", "context": "commenting", "analysis": "commenting"}


def absolute(config: SiteConfig, url: str) -> str:
    """A site URL ('/repo/x/') made absolute with base_url's origin (unchanged when base_url is only a path)."""
    return config.origin + url if url.startswith("/") else url


def render_feeds(site: Site, config: SiteConfig) -> dict[str, bytes]:
    files = {"annotations.jsonld": annotations_jsonld(site, config)}
    to_absolute = partial(absolute, config)
    files["timeline.json"] = _json(timeline.timelinejs(site.timeline, config.title, config.description, to_absolute))
    for story in site.stories:
        files[f"stories/{story.key}/timeline.json"] = _json(
            timeline.timelinejs(story.timeline, story.title, story.description, to_absolute))
    return files


def _json(document: dict) -> bytes:
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def annotations_jsonld(site: Site, config: SiteConfig) -> bytes:
    """Every note of the site as a W3C Web Annotation collection with TextQuoteSelectors (Hypothesis reads them)."""
    items = [_annotation(entry, note, config) for entry in site.entries for note in entry.annotations]
    collection_id = absolute(config, config.base_path + "annotations.jsonld")
    document = {
        "@context": "http://www.w3.org/ns/anno.jsonld",
        "id": collection_id,
        "type": "AnnotationCollection",
        "label": f"{config.title}: editors' notes",
        "total": len(items),
        "first": {"id": collection_id + "#page1", "type": "AnnotationPage", "startIndex": 0, "items": items},
    }
    return _json(document)


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
