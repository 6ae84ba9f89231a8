"""Bytes of a file given to `import` -> decoded text and what kind of file it is.

Kinds: "html" (a saved page), "digest" (``date YYYY-MM-DD`` then paragraphs), "text" (a page dump),
or None (not something the importer understands). Decoding never raises: the charset comes from a
BOM, the page's own declaration, UTF-8, or charset-normalizer's guess (with a warning).
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass
from datetime import date

import charset_normalizer

from .scrape_common import clean_text
from .scrape_text import looks_like_text_scrape

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"), (codecs.BOM_UTF8, "utf-8-sig"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
_DECLARED = re.compile(rb"""<meta[^>]*?charset\s*=\s*["']?\s*([\w.:-]+)|<\?xml[^>]*encoding=["']([\w.:-]+)""", re.I)
_HTML = re.compile(r"\A\s*(?:<!--.*?-->\s*|<\?xml[^>]*>\s*)*<(?:!doctype\s+html|html|head|body|meta|title)\b", re.I | re.S)
_DIGEST = re.compile(r"\A\s*date\s*:?\s*(\d{4}-\d\d-\d\d)\b[ \t]*\n?", re.I)


@dataclass(frozen=True)
class Digest:
    date: date
    paragraphs: tuple[str, ...]

    @property
    def text(self) -> str:
        return "\n\n".join(self.paragraphs)


def decode(data: bytes) -> tuple[str, str]:
    """Bytes -> (text, warning or ''). Never raises."""
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return data.decode(codec, errors="replace"), ""
    declared = _DECLARED.search(data[:8192])
    name = (declared.group(1) or declared.group(2)).decode("ascii", "replace") if declared else ""
    codec = _codec(name)
    if codec:
        try:
            return data.decode(codec), ""
        except UnicodeDecodeError:
            pass
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    else:
        return text, (f"the page declares charset '{name}' but is UTF-8: read as UTF-8" if name and codec else "")
    best = charset_normalizer.from_bytes(data).best()
    guess = best.encoding if best is not None else "cp1252"
    why = f"declares charset '{name}' but is not valid {name}" if name else "is not valid UTF-8 and declares no charset"
    return data.decode(guess, errors="replace"), f"the file {why}: read as {guess} (guessed); check accented letters"


def _codec(name: str) -> str:
    try:
        codec = codecs.lookup(name).name if name else ""
    except LookupError:
        return ""
    # browsers read pages labelled latin-1 or ascii as windows-1252, and so do we
    return "cp1252" if codec in ("latin-1", "iso8859-1", "ascii") else codec


def looks_binary(data: bytes) -> bool:
    head = data[:4096]
    if any(head.startswith(bom) for bom, _ in _BOMS):
        return False
    return b"\x00" in head or sum(b < 9 or 13 < b < 32 for b in head) > len(head) // 20


def classify(text: str) -> str | None:
    """'html', 'digest', 'text' or None."""
    if _HTML.match(text) or len(re.findall(r"<(?:p|div|a|span|br)\b", text[:20000], re.I)) >= 10:
        return "html"
    if _DIGEST.match(text):
        return "digest"
    if looks_like_text_scrape(text):
        return "text"
    return None


def parse_digest(text: str) -> Digest:
    """'date YYYY-MM-DD' then paragraphs (the date line may run into the first paragraph)."""
    text = clean_text(text)
    m = _DIGEST.match(text)
    if not m:
        raise ValueError("a digest starts with a line 'date YYYY-MM-DD'")
    when = date.fromisoformat(m.group(1))
    paragraphs = tuple(" ".join(p.split()) for p in re.split(r"\n\s*\n", text[m.end():]) if p.strip())
    return Digest(when, paragraphs)
