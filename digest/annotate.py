"""Anchor editors' notes to passages of the rendered digest, article and comments (lxml trees).

A note's quote is found in the text of its target across inline markup ("foo bar" matches
"foo <em>bar</em>"), ignoring differences of whitespace and of straight and typographic quotes, and
narrowed by prefix, suffix or occurrence as in a W3C TextQuoteSelector. The passage becomes
<mark data-note="note-N">, a numbered link opens the note, and the note (<aside class="note">) is
placed after the block that holds the passage. A note that cannot be anchored is kept (the entry
page lists it as unanchored) and reported as a warning.
"""

from __future__ import annotations

import re
from dataclasses import replace
from html import escape

from . import fragment
from .config import SiteConfig
from .errors import Problem, warning
from .model import Annotation, Entry

_QUOTES = str.maketrans({c: '"' for c in "“”„‟″«»"} | {c: "'" for c in "‘’‚‛′"})
_SPACE = re.compile(r"\s+")
_SKIP = {"script", "style", "sup", "aside"}  # footnote refs and other notes are not the passage's text


def normalize(text: str) -> str:
    return _SPACE.sub(" ", text.translate(_QUOTES))


def annotate(entry: Entry, config: SiteConfig) -> tuple[Entry, list[Problem]]:
    """Anchor every note of entry; return the entry with marked-up html and numbered notes, and warnings."""
    if not entry.annotations:
        return entry, []
    texts = {"digest": entry.html, **({"source": entry.source.html} if entry.source else {}),
             **{f"comment:{c.id}": c.html for c in entry.comments}}
    wanted = {_target_key(n) for n in entry.annotations} | {"digest"}
    trees = {key: fragment.parse(html) for key, html in texts.items() if key in wanted}  # only what notes point at
    placed: list[tuple[tuple, Annotation, list]] = []
    unanchored: list[Annotation] = []
    problems: list[Problem] = []
    order = {key: i for i, key in enumerate(texts)}
    for i, note in enumerate(entry.annotations):
        key = _target_key(note)
        if note.inline:
            digest = trees["digest"]
            marks = [m for m in digest.iter("mark") if m.get("data-note") == f"inline-{note.number}"]
            quote = normalize(" ".join("".join(m.itertext()) for m in marks)).strip()
            if not any(fragment.text(s).strip() and fragment.inside(s, m) for s in _slots(digest) for m in marks):
                # {==![image](x.png)==} or {==[^1]==}: nothing of the prose's own text to mark
                for mark in marks:
                    _unwrap(mark)
                reason = "the marked passage has no text of its own (only an image, a footnote mark or markup)"
                unanchored.append(replace(note, quote=quote, problem=reason))
                problems.append(warning(entry.src_path, note.line, 1, f"note not anchored: {reason}",
                                        "Mark words of the prose: {==the passage==}{>>the note<<}"))
                continue
            placed.append(((order["digest"], _offset(digest, marks[0]), i), replace(note, quote=quote), marks))
            continue
        if key not in trees:
            reason = (f"no comment with id '{note.comment}'" if note.target == "comment"
                      else "the entry has no source.md")
            marks = []
        else:
            marks, reason = _anchor(trees[key], note)
        if marks:
            placed.append(((order[key], _offset(trees[key], marks[0]), i), note, marks))
        else:
            unanchored.append(replace(note, problem=reason))
            problems.append(warning(entry.src_path, note.line, 1, f"note not anchored: {reason}: \"{_short(note.quote)}\"",
                                    "Quote the passage exactly as it reads, or add prefix=, suffix= or occurrence="))
    placed.sort(key=lambda item: item[0])
    notes = []
    for number, (_, note, marks) in enumerate(placed, start=1):
        before, after = _context(marks[0].getroottree().getroot(), marks)
        note = replace(note, number=number, id=f"note-{number}", anchored=True,
                       prefix=note.prefix or before, suffix=note.suffix or after)
        _link(marks, note, config)
        notes.append(note)
    for number, note in enumerate(unanchored, start=len(notes) + 1):
        notes.append(replace(note, number=number, id=f"note-{number}"))
    html = {key: fragment.serialize(tree) for key, tree in trees.items()}
    source = replace(entry.source, html=html["source"]) if "source" in html else entry.source
    comments = tuple(replace(c, html=html[f"comment:{c.id}"]) if f"comment:{c.id}" in html else c
                     for c in entry.comments)
    return replace(entry, html=html["digest"], source=source, comments=comments, annotations=tuple(notes)), problems


def _target_key(note: Annotation) -> str:
    return f"comment:{note.comment}" if note.target == "comment" else note.target


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _slots(root) -> list[fragment.Slot]:
    return fragment.slots(root, _SKIP)


def _unwrap(el) -> None:
    """Replace el by its content."""
    parent, previous, children = el.getparent(), el.getprevious(), list(el)
    text, tail = el.text or "", el.tail or ""
    if children:
        children[-1].tail = (children[-1].tail or "") + tail
    else:
        text += tail
    if previous is not None:
        previous.tail = (previous.tail or "") + text
    else:
        parent.text = (parent.text or "") + text
    for child in reversed(children):
        el.addnext(child)
    el.tail = None
    parent.remove(el)


def _offset(root, mark) -> int:
    """Character offset of mark's first text in root's text, for ordering notes by position."""
    total = 0
    for slot in _slots(root):
        if fragment.inside(slot, mark):
            return total
        total += len(fragment.text(slot))
    return total


def _anchor(root, note: Annotation) -> tuple[list, str]:
    """Find note.quote in root's text; wrap it in marks. Returns (marks, '') or ([], why not)."""
    slots = _slots(root)
    raw = "".join(fragment.text(s) for s in slots)
    quote = normalize(note.quote).strip()
    if not quote:
        return [], "the quote is empty"
    hits = [(m.start(), m.end()) for m in _pattern(quote).finditer(raw)]
    prefix, suffix = normalize(note.prefix).strip(), normalize(note.suffix).strip()
    if prefix:
        hits = [h for h in hits if normalize(raw[max(0, h[0] - 2 * len(prefix) - 200):h[0]]).rstrip().endswith(prefix)]
    if suffix:
        hits = [h for h in hits if normalize(raw[h[1]:h[1] + 2 * len(suffix) + 200]).lstrip().startswith(suffix)]
    if note.occurrence:
        if note.occurrence > len(hits):
            return [], f"occurrence={note.occurrence} but the quote appears {len(hits)} time(s)"
        hits = [hits[note.occurrence - 1]]
    if not hits:
        return [], "the quote matches nothing in the " + ("comment" if note.target == "comment" else note.target)
    if len(hits) > 1:
        return [], f"the quote matches {len(hits)} places"
    return _wrap(slots, hits[0][0], hits[0][1]), ""


_CLASSES = {'"': '["“”„‟″«»]', "'": "['‘’‚‛′]", " ": r"\s+"}


def _pattern(quote: str) -> re.Pattern:
    """A regex for a normalized quote that matches the raw text across whitespace and quote styles."""
    return re.compile("".join(_CLASSES.get(c, re.escape(c)) for c in quote))


def _context(root, marks: list, width: int = 32) -> tuple[str, str]:
    """The text just before and after a passage, for TextQuoteSelector prefix and suffix."""
    slots = _slots(root)
    within = [i for i, s in enumerate(slots) if any(fragment.inside(s, m) for m in marks)]
    before = normalize("".join(fragment.text(s) for s in slots[:within[0]]))[-width:].lstrip()
    after = normalize("".join(fragment.text(s) for s in slots[within[-1] + 1:]))[:width].rstrip()
    return before, after


def _wrap(slots: list[fragment.Slot], start: int, end: int) -> list:
    """Wrap raw character range [start, end) of the concatenated text slots in <mark> elements."""
    marks, position = [], 0
    for slot in slots:
        text = fragment.text(slot)
        node_start, node_end = position, position + len(text)
        position = node_end
        lo, hi = max(start, node_start), min(end, node_end)
        if lo >= hi:
            continue
        before, middle, after = text[: lo - node_start], text[lo - node_start: hi - node_start], text[hi - node_start:]
        if not middle.strip():
            continue
        el, tail = slot
        mark = el.makeelement("mark", {})
        mark.text, mark.tail = middle, after or None
        fragment.set_text(slot, before or None)
        if tail:
            el.addnext(mark)
        else:
            el.insert(0, mark)
        marks.append(mark)
    return marks


def _link(marks: list, note: Annotation, config: SiteConfig) -> None:
    """Number the passage, link it to its note and back, and put the note after the passage's block."""
    for i, mark in enumerate(marks):
        mark.attrib.clear()
        for name, value in {"data-note": note.id, "data-kind": note.kind,
                            **({"id": f"{note.id}-passage"} if i == 0 else {})}.items():
            mark.set(name, value)
    last = marks[-1]
    sup = fragment.element(f'<sup class="note-num" data-pagefind-ignore=""><a class="note-ref" href="#{note.id}" '
                           f'aria-describedby="{note.id}">{note.number}</a></sup>')
    link = fragment.ancestor(last, "a")  # a passage inside a link's text: the number goes after the link (no nested <a>)
    fragment.insert_after(link if link is not None else last, sup)
    root = last.getroottree().getroot()
    block = last
    while block.getparent() is not root:
        block = block.getparent()
    # Before its block, after the notes already placed there: in the margin it floats level with the
    # passage's paragraph; on a narrow screen it stays hidden until its number is activated (:target).
    fragment.insert_before(block, fragment.element(note_html(note, config)))


def note_html(note: Annotation, config: SiteConfig) -> str:
    """The note as it sits beside its passage."""
    kind = config.kind(note.kind)
    label = kind.label if kind else note.kind
    verdict = f' <span class="note-verdict">{escape(note.verdict)}</span>' if note.verdict else ""
    by = f' <span class="note-by">by {escape(note.by)}</span>' if note.by else ""
    back = (f'<a class="note-back" href="#{note.id}-passage" aria-label="Back to the passage of note {note.number}">↩</a>'
            if note.anchored else f'<blockquote class="note-quote"><p>{escape(note.quote)}</p></blockquote>')
    body = f'<div class="note-body">{note.html}</div>'
    return (f'<aside class="note" role="note" id="{note.id}" data-kind="{escape(note.kind)}" aria-label="Note {note.number}: {escape(label)}">'
            f'<p class="note-head"><span class="note-num">{note.number}</span> '
            f'<span class="note-kind">{escape(label)}</span>{verdict}{by}</p>'
            + (body + back if note.anchored else back + body) + '</aside>')
