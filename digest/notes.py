"""markdown-it-py plugins for editors' notes: block notes anchored by quote, and inline notes.

Block form, one container per kind (context, fact-check, ... from site.yaml):

    ::: fact-check on=comment:2 quote="the whole war could have been avoided" verdict=disputed
    The note in **markdown**.
    :::

Inline form, on the editor's own prose (CriticMarkup's highlight + comment):

    {==the passage==}{>>fact-check: the note in *markdown*<<}

The block notes are taken out of the token stream and collected in env["annotations"] (anchoring
happens later, in annotate.py); the inline ones leave an <mark data-note="inline-N"> in the prose.
"""

from __future__ import annotations

import re
import shlex

from markdown_it import MarkdownIt
from markdown_it.rules_inline import StateInline
from mdit_py_plugins.container import container_plugin

from .model import Annotation

ATTRS = {"on", "quote", "prefix", "suffix", "occurrence", "verdict", "by"}
_ON = re.compile(r"^(digest|source|comment:(\S+))$")


def notes_plugin(md: MarkdownIt, kinds: tuple[str, ...], default_kind: str = "context") -> None:
    for kind in kinds:
        container_plugin(md, name=kind)
    md.core.ruler.push("annotations", lambda state: _collect_blocks(state, set(kinds)))
    md.inline.ruler.before("text", "inline_note", lambda state, silent: _inline_note(state, silent, set(kinds), default_kind))
    md.add_render_rule("inline_note_open", _render_mark)
    md.add_render_rule("inline_note_close", lambda self, tokens, idx, options, env: "</mark>")


def parse_attrs(info: str) -> tuple[dict[str, str], str]:
    """'kind on=x quote="a b"' -> ({'on': 'x', 'quote': 'a b'}, error or '')."""
    try:
        words = shlex.split(info, posix=True)[1:]
    except ValueError as exc:
        return {}, f"cannot read the note's attributes ({exc}): close every quote"
    attrs: dict[str, str] = {}
    for word in words:
        name, eq, value = word.partition("=")
        if not eq or name not in ATTRS:
            return attrs, f"unknown note attribute '{word}'; use {', '.join(sorted(ATTRS))}"
        attrs[name] = value
    return attrs, ""


def _collect_blocks(state, kinds: set[str]) -> None:
    """Take every top-level note container out of the tokens; record an Annotation (or an error) for each."""
    tokens, kept, found = state.tokens, [], state.env.setdefault("annotations", [])
    i = 0
    while i < len(tokens):
        token = tokens[i]
        kind = token.type[len("container_"):-len("_open")] if token.type.startswith("container_") else ""
        if kind in kinds and token.nesting == 1 and token.level == 0:
            close = next(j for j in range(i + 1, len(tokens))
                         if tokens[j].type == f"container_{kind}_close" and tokens[j].level == 0)
            body = state.md.renderer.render(tokens[i + 1:close], state.md.options, state.env)
            found.append(_block_note(kind, token.info, body, (token.map or [0])[0]))
            i = close + 1
            continue
        kept.append(token)
        i += 1
    state.tokens = kept


def _block_note(kind: str, info: str, body_html: str, line: int) -> Annotation | str:
    attrs, error = parse_attrs(info)
    on = attrs.get("on", "digest")
    match = _ON.match(on)
    if not error and not match:
        error = f"'on={on}' names no target; use on=digest, on=source or on=comment:<id>"
    if not error and not attrs.get("quote", "").strip():
        error = "the note has no quote=\"...\": quote the exact passage it is about"
    occurrence = attrs.get("occurrence", "0")
    if not error and not occurrence.isdigit():
        error = f"occurrence={occurrence} must be a whole number (1 for the first place the quote appears)"
    if error:
        return Annotation(kind=kind, target="digest", quote=attrs.get("quote", ""), body="", line=line,
                          html=body_html, problem=error)
    target = "comment" if on.startswith("comment:") else on
    return Annotation(kind=kind, target=target, comment=match.group(2) or "", quote=attrs["quote"],
                      prefix=attrs.get("prefix", ""), suffix=attrs.get("suffix", ""), occurrence=int(occurrence),
                      verdict=attrs.get("verdict", ""), by=attrs.get("by", ""), body="", line=line, html=body_html)


def _inline_note(state: StateInline, silent: bool, kinds: set[str], default_kind: str) -> bool:
    src, start = state.src, state.pos
    if not src.startswith("{==", start):
        return False
    end = src.find("==}", start + 3)
    if end < 0 or not src.startswith("{>>", end + 3):
        return False
    note_end = src.find("<<}", end + 6)
    if note_end < 0 or end == start + 3:
        return False
    if silent:  # e.g. inside a link's text: markdown-it only skips over it, and needs pos moved past it
        state.pos = note_end + 3
        return True
    note = src[end + 6:note_end].strip()
    head, colon, rest = note.partition(":")
    kind = head.strip() if colon and head.strip() in kinds else default_kind
    note = rest.strip() if kind == head.strip() and colon else note
    notes = state.env.setdefault("inline_notes", [])
    opening = state.push("inline_note_open", "mark", 1)
    opening.meta = {"index": len(notes)}
    notes.append({"kind": kind, "body": note, "quote": src[start + 3:end]})
    old_max = state.posMax
    state.pos, state.posMax = start + 3, end
    state.md.inline.tokenize(state)
    state.pos, state.posMax = note_end + 3, old_max
    state.push("inline_note_close", "mark", -1)
    return True


def _render_mark(self, tokens, idx, options, env) -> str:
    return f'<mark data-note="inline-{tokens[idx].meta["index"]}">'
