"""What every scrape parser returns, and the small text helpers they share.

A parser turns one decoded page (plain-text dump or saved HTML) into a ScrapedPage: plain data, with
dates already resolved to ISO strings at the precision the page really gives ("2023-11" for
"11 months ago"). ingest.py turns ScrapedPages into content bundles.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone


@dataclass(frozen=True)
class ScrapedComment:
    id: str
    parent: str | None
    author: str
    text: str  # markdown
    author_rank: str = ""
    posted: str = ""  # "2023", "2023-11", "2023-11-05" or an ISO datetime with offset; "" if unknown
    quote: str = ""  # the passage of the parent the reply starts by quoting


@dataclass(frozen=True)
class ScrapedPage:
    title: str
    body: str  # markdown
    url: str = ""
    site_name: str = ""
    section: str = ""
    via: str = ""
    authors: tuple[str, ...] = ()
    published: str = ""  # ISO at its precision, as ScrapedComment.posted
    summary: str = ""
    comments: tuple[ScrapedComment, ...] = ()
    warnings: tuple[str, ...] = ()  # messages for the user; ingest turns them into Problems


# ---------------------------------------------------------------------------------------- text

_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\t\f\v]")
_INVISIBLE = re.compile(r"[\u00ad\u200b-\u200d\u2060\ufeff\u180e]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029]")
_QUOTES = str.maketrans({"\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
                         "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u2033": '"',
                         "\u00ab": '"', "\u00bb": '"', "\u2013": "-", "\u2014": "-", "\u2212": "-"})


def clean_text(text: str) -> str:
    """Untrusted text -> NFC text with '\\n' line ends, plain spaces, no control or invisible characters."""
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    text = _INVISIBLE.sub("", _SPACES.sub(" ", text))
    text = _CONTROL.sub(" ", text.replace("\u2028", "\n"))
    return "\n".join(line.rstrip() for line in text.split("\n"))


def squash(text: str) -> str:
    """One line: runs of whitespace -> one space, trimmed."""
    return " ".join(text.split())


def loose(text: str) -> str:
    """For matching passages: whitespace runs, quote styles and dashes made equal."""
    return squash(text.translate(_QUOTES))


_MD_LEAD = re.compile(r"^(\s*)(#{1,6}(?=\s|$)|>|[-+*](?=\s)|=+\s*$|(\d+)([.)])(?=\s))")


def escape_markdown(text: str) -> str:
    """Plain text -> markdown that renders as that text (no raw HTML, no accidental structure)."""
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([`*\[\]])", r"\\\1", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", r"\\<", text)
    text = re.sub(r"(^|\s)_|_(?=\s|$)", lambda m: m.group(0).replace("_", "\\_"), text)

    def lead(m: re.Match) -> str:
        if m.group(3):
            return f"{m.group(1)}{m.group(3)}\\{m.group(4)}"
        return f"{m.group(1)}\\{m.group(2)}"
    return _MD_LEAD.sub(lead, text)


_AUTHOR_SPLIT = re.compile(r"\s*(?:[,;&]|\s(?:and|And|AND|et|und|y|e)\s)\s*")
_AUTHOR_PREFIX = re.compile(r"^\s*(?:by|par|von|por|di|door|av)[:\s]+", re.I)


def split_authors(line: str) -> list[str]:
    """'By A, B and C' / 'A (avec B et C)' -> ['A', 'B', 'C'] (order kept, duplicates dropped)."""
    line = squash(_AUTHOR_PREFIX.sub("", squash(line)))
    line = re.sub(r"\(\s*(?:with|avec|mit|con|com)?\s*", ", ", line, flags=re.I).replace(")", ",")
    names = [n.strip(" .,:;|-") for n in _AUTHOR_SPLIT.split(line)]
    return list(dict.fromkeys(n for n in names if n and re.search(r"\w", n)))


# ---------------------------------------------------------------------------------------- dates

_UNITS = {"second": "s", "sec": "s", "minute": "min", "min": "min", "hour": "h", "hr": "h", "day": "d",
          "week": "w", "month": "mo", "year": "y"}
_RELATIVE = re.compile(
    r"^(?:about\s+|around\s+|over\s+|almost\s+)?(\d+|an?|one)\s+(second|sec|minute|min|hour|hr|day|week|month|year)s?\s+ago$",
    re.I)
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_MONTHS.update({"mär": 3, "mrz": 3, "mai": 5, "okt": 10, "dez": 12, "janv": 1, "févr": 2, "fev": 2, "mars": 3,
                "avr": 4, "juin": 6, "juil": 7, "août": 8, "aout": 8, "déc": 12, "sept": 9})


def resolve_when(text: str, scraped_at: datetime) -> str:
    """A displayed time ('11 months ago', 'Nov 5, 2023', ISO) -> ISO string at its precision, or ''."""
    text = squash(text).strip(" .,|•·-")
    if not text:
        return ""
    base = scraped_at if scraped_at.tzinfo else scraped_at.replace(tzinfo=timezone.utc)
    low = text.casefold()
    if low in ("just now", "now", "moments ago", "a moment ago"):
        return base.isoformat()
    if low == "today":
        return base.date().isoformat()
    if low == "yesterday":
        return (base.date() - timedelta(days=1)).isoformat()
    m = _RELATIVE.match(text)
    if m:
        n = 1 if m.group(1).casefold() in ("a", "an", "one") else int(m.group(1))
        unit = _UNITS[m.group(2).casefold()]
        if unit in ("s", "min", "h"):
            delta = {"s": timedelta(seconds=n), "min": timedelta(minutes=n), "h": timedelta(hours=n)}[unit]
            return (base - delta).isoformat()
        if unit in ("d", "w"):
            return (base.date() - timedelta(days=n * (7 if unit == "w" else 1))).isoformat()
        if unit == "mo":
            months = base.year * 12 + base.month - 1 - n
            return f"{months // 12:04d}-{months % 12 + 1:02d}"
        return f"{base.year - n:04d}"
    return parse_date(text)


def parse_date(text: str) -> str:
    """An absolute date in a common form -> ISO string at its precision, or ''."""
    text = squash(text)
    iso = re.search(r"\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?", text)
    if iso:
        value = iso.group(0).replace(" ", "T")
        if "T" in value:
            try:
                moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                return value[:10] if _valid(value[:10]) else ""
            return moment.isoformat() if moment.tzinfo else moment.date().isoformat()
        return value if _valid(value) else ""
    if re.fullmatch(r"\d{10}(?:\d{3})?", text):  # epoch seconds or milliseconds
        seconds = int(text[:10])
        return datetime.fromtimestamp(seconds, tz=timezone.utc).isoformat()
    words = re.findall(r"[^\W\d_]+|\d+", text.casefold())
    day = month = year = None
    for i, w in enumerate(words):
        if w.isdigit() and len(w) == 4 and 1900 < int(w) < 2100 and year is None:
            year = int(w)
        elif not w.isdigit() and month is None:
            key = w[:4] if w[:4] in _MONTHS else w[:3]
            month = _MONTHS.get(key) if len(w) >= 3 else None
        elif w.isdigit() and len(w) <= 2 and day is None and 1 <= int(w) <= 31:
            day = int(w)
    if year is None or month is None:
        dotted = re.search(r"\b(\d{1,2})[./](\d{1,2})[./](\d{4})\b", text)
        if dotted:  # 22.12.2019 (day first: the form European pages use)
            day, month, year = int(dotted.group(1)), int(dotted.group(2)), int(dotted.group(3))
        else:
            return f"{year:04d}" if year and not month else ""
    value = f"{year:04d}-{month:02d}" + (f"-{day:02d}" if day else "")
    return value if _valid(value) else ""


def _valid(value: str) -> bool:
    parts = [int(p) for p in value.split("-")]
    try:
        date(parts[0], parts[1] if len(parts) > 1 else 1, parts[2] if len(parts) > 2 else 1)
    except (ValueError, IndexError):
        return False
    return True
