"""Anchor editors' notes to passages of the rendered digest, article and comments (beautifulsoup4).

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

from bs4 import BeautifulSoup, NavigableString, Tag

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
    soups = {key: _soup(html) for key, html in texts.items() if key in wanted}  # only what notes point at
    placed: list[tuple[tuple, Annotation, list[Tag]]] = []
    unanchored: list[Annotation] = []
    problems: list[Problem] = []
    order = {key: i for i, key in enumerate(texts)}
    for i, note in enumerate(entry.annotations):
        key = _target_key(note)
        if note.inline:
            marks = soups["digest"].select(f'mark[data-note="inline-{note.number}"]')
            quote = normalize(" ".join(m.get_text() for m in marks)).strip()
            texts = {id(node) for node in _text_nodes(soups["digest"]) if node.strip()}
            if not any(id(node) in texts for m in marks for node in m.find_all(string=True)):
                # {==![image](x.png)==} or {==[^1]==}: nothing of the prose's own text to mark
                for mark in marks:
                    mark.unwrap()
                reason = "the marked passage has no text of its own (only an image, a footnote mark or markup)"
                unanchored.append(replace(note, quote=quote, problem=reason))
                problems.append(warning(entry.src_path, note.line, 1, f"note not anchored: {reason}",
                                        "Mark words of the prose: {==the passage==}{>>the note<<}"))
                continue
            placed.append(((order["digest"], _offset(soups["digest"], marks[0]), i), replace(note, quote=quote), marks))
            continue
        if key not in soups:
            reason = (f"no comment with id '{note.comment}'" if note.target == "comment"
                      else "the entry has no source.md")
            marks = []
        else:
            marks, reason = _anchor(soups[key], note)
        if marks:
            placed.append(((order[key], _offset(soups[key], marks[0]), i), note, marks))
        else:
            unanchored.append(replace(note, problem=reason))
            problems.append(warning(entry.src_path, note.line, 1, f"note not anchored: {reason}: \"{_short(note.quote)}\"",
                                    "Quote the passage exactly as it reads, or add prefix=, suffix= or occurrence="))
    placed.sort(key=lambda item: item[0])
    notes = []
    for number, (_, note, marks) in enumerate(placed, start=1):
        before, after = _context(next(p for p in marks[0].parents if isinstance(p, BeautifulSoup)), marks)
        note = replace(note, number=number, id=f"note-{number}", anchored=True,
                       prefix=note.prefix or before, suffix=note.suffix or after)
        _link(marks, note, config)
        notes.append(note)
    for number, note in enumerate(unanchored, start=len(notes) + 1):
        notes.append(replace(note, number=number, id=f"note-{number}"))
    source = entry.source and ("source" in soups and replace(entry.source, html=_html(soups["source"])) or entry.source)
    comments = tuple(replace(c, html=_html(soups[f"comment:{c.id}"])) if f"comment:{c.id}" in soups else c
                     for c in entry.comments)
    return replace(entry, html=_html(soups["digest"]), source=source, comments=comments,
                   annotations=tuple(notes)), problems


def _target_key(note: Annotation) -> str:
    return f"comment:{note.comment}" if note.target == "comment" else note.target


def _soup(html: str) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def _html(soup: BeautifulSoup) -> str:
    return soup.decode(formatter="minimal")


def _short(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _text_nodes(root: Tag) -> list[NavigableString]:
    return [node for node in root.find_all(string=True)
            if not any(parent.name in _SKIP for parent in node.parents)
            and type(node) is NavigableString]


def _offset(root: Tag, mark: Tag) -> int:
    """Character offset of mark's first text in root's text, for ordering notes by position."""
    first = mark.find(string=True)
    total = 0
    for node in _text_nodes(root):
        if node is first:
            return total
        total += len(node)
    return total


def _anchor(root: Tag, note: Annotation) -> tuple[list[Tag], str]:
    """Find note.quote in root's text; wrap it in marks. Returns (marks, '') or ([], why not)."""
    nodes = _text_nodes(root)
    raw = "".join(nodes)
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
    return _wrap(nodes, hits[0][0], hits[0][1], root), ""


_CLASSES = {'"': '["“”„‟″«»]', "'": "['‘’‚‛′]", " ": r"\s+"}


def _pattern(quote: str) -> re.Pattern:
    """A regex for a normalized quote that matches the raw text across whitespace and quote styles."""
    return re.compile("".join(_CLASSES.get(c, re.escape(c)) for c in quote))


def _context(root: Tag, marks: list[Tag], width: int = 32) -> tuple[str, str]:
    """The text just before and after a passage, for TextQuoteSelector prefix and suffix."""
    nodes = _text_nodes(root)
    inside = {id(s) for m in marks for s in m.find_all(string=True)}
    first = next(i for i, n in enumerate(nodes) if id(n) in inside)
    last = max(i for i, n in enumerate(nodes) if id(n) in inside)
    before = normalize("".join(nodes[:first]))[-width:].lstrip()
    after = normalize("".join(nodes[last + 1:]))[:width].rstrip()
    return before, after


def _wrap(nodes: list[NavigableString], start: int, end: int, root: Tag) -> list[Tag]:
    """Wrap raw character range [start, end) of the concatenated text nodes in <mark> elements."""
    marks, position = [], 0
    soup = root if isinstance(root, BeautifulSoup) else next(p for p in root.parents if isinstance(p, BeautifulSoup))
    for node in nodes:
        node_start, node_end = position, position + len(node)
        position = node_end
        lo, hi = max(start, node_start), min(end, node_end)
        if lo >= hi:
            continue
        text = str(node)
        before, middle, after = text[: lo - node_start], text[lo - node_start: hi - node_start], text[hi - node_start:]
        if not middle.strip():
            continue
        mark = soup.new_tag("mark")
        mark.string = middle
        pieces = [NavigableString(before)] if before else []
        pieces += [mark] + ([NavigableString(after)] if after else [])
        node.replace_with(*pieces)
        marks.append(mark)
    return marks


def _link(marks: list[Tag], note: Annotation, config: SiteConfig) -> None:
    """Number the passage, link it to its note and back, and put the note after the passage's block."""
    soup = next(p for p in marks[0].parents if isinstance(p, BeautifulSoup))
    for i, mark in enumerate(marks):
        mark.attrs = {"data-note": note.id, "data-kind": note.kind, **({"id": f"{note.id}-passage"} if i == 0 else {})}
    last = marks[-1]
    ref = soup.new_tag("a", attrs={"class": "note-ref", "href": f"#{note.id}", "aria-describedby": note.id})
    ref.string = str(note.number)
    sup = soup.new_tag("sup", attrs={"class": "note-num", "data-pagefind-ignore": ""})
    sup.append(ref)
    link = last.find_parent("a")  # a passage inside a link's text: the number goes after the link (no nested <a>)
    (link or last).insert_after(sup)
    block = last
    while block.parent is not None and not isinstance(block.parent, BeautifulSoup):
        block = block.parent
    # Before its block, after the notes already placed there: in the margin it floats level with the
    # passage's paragraph; on a narrow screen it stays hidden until its number is activated (:target).
    block.insert_before(BeautifulSoup(note_html(note, config), "html.parser"))


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
