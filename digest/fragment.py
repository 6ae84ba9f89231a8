"""HTML fragments as lxml trees, so annotate and provenance parse a text once and serialize it once.

Our fragments come from our own markdown renderers (no raw HTML), so they are well formed and
round-trip byte for byte. lxml keeps text in `.text` and `.tail` rather than in nodes: a text slot
is (element, is_tail), and the slots in document order are what a reader reads.
"""

from __future__ import annotations

import re
from html import escape

from lxml import etree
from lxml import html as lxml_html

Slot = tuple[etree._Element, bool]  # (element, True: its tail; False: its text)

_UNFIT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")  # not allowed in HTML text (nor in lxml)


def clean(markup: str) -> str:
    """markup with control characters, lone surrogates and non-characters shown as U+FFFD."""
    return _UNFIT.sub("\ufffd", markup)


def parse(markup: str) -> etree._Element:
    """A <div> holding the fragment."""
    markup = clean(markup)
    return lxml_html.fragment_fromstring(markup, create_parent="div") if markup.strip() else lxml_html.Element("div")


def serialize(root: etree._Element) -> str:
    """The fragment inside root, as HTML."""
    return escape(root.text or "", quote=False) + "".join(
        etree.tostring(child, encoding="unicode", method="html") for child in root)


def element(markup: str) -> etree._Element:
    """The one element that markup is, ready to be placed in a tree."""
    return lxml_html.fragment_fromstring(markup)


def slots(root: etree._Element, skip: frozenset[str] = frozenset()) -> list[Slot]:
    """Every non-empty text of root in document order, leaving out what is inside elements named in skip."""
    found: list[Slot] = []
    walker = etree.iterwalk(root, events=("start", "end"))
    for event, el in walker:
        if event == "start":
            if el.tag in skip or not isinstance(el.tag, str):
                walker.skip_subtree()
            elif el.text:
                found.append((el, False))
        elif el is not root and el.tail:
            found.append((el, True))
    return found


def text(slot: Slot) -> str:
    el, tail = slot
    return el.tail if tail else el.text


def set_text(slot: Slot, value: str | None) -> None:
    el, tail = slot
    if tail:
        el.tail = value
    else:
        el.text = value


def inside(slot: Slot, container: etree._Element) -> bool:
    """Is the slot's text within container?"""
    el, tail = slot
    if not tail and el is container:
        return True
    return any(a is container for a in el.iterancestors())


def insert_after(el: etree._Element, new: etree._Element) -> None:
    """Place new right after el, before the text that follows el."""
    new.tail, el.tail = el.tail, None
    el.addnext(new)


def insert_before(el: etree._Element, new: etree._Element) -> None:
    """Place new right before el, after the text that precedes el."""
    el.addprevious(new)


def ancestor(el: etree._Element, tag: str) -> etree._Element | None:
    return next(el.iterancestors(tag), None)
