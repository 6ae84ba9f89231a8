"""Plain-text dumps of a forum or news page (what a browser's "save as text" gives) -> ScrapedPage.

The shape this reads (../shared/seeds/scrape-*.txt): a title, meta lines (``Category:``, ``Via: who •
when • N comments``, ``By: A, B and C``), a repeated title and teaser, the article, page chrome
(tag widgets, spaced-out banners, "Who is online", visitor counts), and a comment thread where each
comment is an author line, an optional rank line, and a header ``1.1.2  Author  replied to  Other
@1.1.1  11 months ago`` followed by the reply. Every line of the dump is one paragraph.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from .scrape_common import (ScrapedComment, ScrapedPage, clean_text, escape_markdown, loose,
                            resolve_when, split_authors, squash)

_ID = r"\d+(?:\.\d+)*"
_WHEN = (r"(?:(?:about |around |over |almost )?(?:\d+|an?|one) (?:second|sec|minute|min|hour|hr|day|week|month|year)s? ago"
         r"|just now|yesterday|today|\d{4}-\d\d-\d\d(?:[T ][\d:]+)?|[A-Z][a-z]{2,8}\.? \d{1,2},? \d{4}|\d{1,2} [A-Z][a-z]{2,8}\.? \d{4})")
_HEADER = re.compile(rf"^(?P<id>{_ID}) (?P<author>.+?)(?: replied to (?P<to>.+?) @(?P<parent>{_ID}))? (?P<when>{_WHEN})$")
_META = re.compile(r"^(?P<key>Category|Section|Via|By|Posted by|Author|Source|Published|Date)\s*:\s*(?P<value>.*)$", re.I)
_BULLET = re.compile(r"^\s*[•◦▪‣·●○■□\-*–]\s+(?P<item>.+)$")
_IMAGE = re.compile(r"^(?P<file>[\w.,%()+-]+\.(?:jpe?g|png|gif|webp|avif|svg|bmp|tiff?))(?:\s+(?P<caption>.*))?$", re.I)
_COUNT = re.compile(r"^(\d[\d,]*)\s+comments?$", re.I)
# page chrome that ends the article or the thread, and chrome lines dropped wherever they are
_STOP_BODY = re.compile(r"^(?:tags|tagged|related|related articles|share this|comments|\w+discussion\b.*)$", re.I)
_STOP_PAGE = re.compile(r"^(?:who is online|who's online|users online|members online)$", re.I)
_CHROME = re.compile(r"^(?:\[\]|\d[\d,]* (?:visitors?|views|users online)|(?:\S ){4,}(?:\s*\S)*|[^\w\s]{1,4}.?)$", re.I)


@dataclass(frozen=True)
class _Head:
    line: int  # index of the header line
    start: int  # index of the first line of the comment block (its author line)
    id: str
    author: str
    rank: str
    parent: str | None
    when: str


def looks_like_text_scrape(text: str) -> bool:
    """True when text has the meta lines or comment headers of a page dump."""
    lines = [squash(line) for line in clean_text(text).split("\n")]
    metas = sum(1 for line in lines[:60] if _META.match(line) and _META.match(line).group("value"))
    return metas >= 1 and len([line for line in lines if line]) >= 4 or any(_HEADER.match(line) for line in lines)


def parse_text_scrape(text: str, scraped_at: datetime) -> ScrapedPage:
    """A page dump -> ScrapedPage. Raises ValueError when the text is not a recognizable page dump."""
    lines = clean_text(text).split("\n")
    flat = [squash(line) for line in lines]
    if not looks_like_text_scrape(text):
        raise ValueError("no title, by-line, 'Via:'/'Category:' line or comment thread found")
    warnings: list[str] = []
    heads = _comment_heads(flat)
    end = next((i for i, line in enumerate(flat) if _STOP_PAGE.match(line)), len(flat))
    heads = [h for h in heads if h.line < end]
    title_at = next((i for i, line in enumerate(flat) if len(re.findall(r"\w", line)) >= 3 and not _META.match(line)), None)
    if title_at is None:
        raise ValueError("no title line found")
    title = flat[title_at]
    meta, meta_end = _meta(flat, title_at, heads[0].start if heads else end)
    via, published, expected = _via(meta.get("via", ""), scraped_at)
    published = published or resolve_when(meta.get("published", meta.get("date", "")), scraped_at)
    authors = split_authors(meta.get("by", meta.get("author", meta.get("posted by", ""))))
    body_end = heads[0].start if heads else end
    body_end = next((i for i in range(meta_end, body_end) if _STOP_BODY.match(flat[i])), body_end)
    body, summary = _body(lines, flat, meta_end, body_end, title)
    comments = _comments(lines, flat, heads, end, body, scraped_at, warnings)
    if expected is not None and expected != len(comments):
        warnings.append(f"the page says {expected} comments but {len(comments)} were found")
    return ScrapedPage(title=title, body=body, section=meta.get("category", meta.get("section", "")), via=via,
                       authors=tuple(authors), published=published, summary=summary, url=meta.get("source", "")
                       if meta.get("source", "").startswith(("http://", "https://")) else "",
                       comments=tuple(comments), warnings=tuple(warnings))


def _meta(flat: list[str], title_at: int, limit: int) -> tuple[dict[str, str], int]:
    """The 'Key: value' lines after the title (up to the first paragraph-length line)."""
    meta: dict[str, str] = {}
    last = title_at + 1
    for i in range(title_at + 1, min(limit, title_at + 40)):
        m = _META.match(flat[i])
        if m:
            meta.setdefault(m.group("key").casefold(), squash(m.group("value")))
            last = i + 1
        elif len(flat[i].split()) > 25:
            break
    return meta, last


def _via(value: str, scraped_at: datetime) -> tuple[str, str, int | None]:
    """'perrie-halpern • 11 months ago • 19 comments' -> (who, when, count)."""
    who, when, count = "", "", None
    for part in (squash(p) for p in re.split(r"[•·|]", value)):
        m = _COUNT.match(part)
        if m:
            count = int(m.group(1).replace(",", ""))
        elif not when and resolve_when(part, scraped_at):
            when = resolve_when(part, scraped_at)
        elif part and not who:
            who = part
    return who, when, count


def _body(lines: list[str], flat: list[str], start: int, end: int, title: str) -> tuple[str, str]:
    """The article between the meta lines and the first chrome: (markdown, teaser)."""
    banner = next((i for i in range(start, end) if _is_banner(flat[i])), None)
    later = loose(" ".join(flat[banner + 1:end])) if banner is not None else ""
    teaser, first = "", start
    if banner is not None:  # between the by-line and the banner: the title and teaser again
        first = banner + 1
        kept = [i for i in range(start, banner) if flat[i] and loose(flat[i]) != loose(title)
                and loose(flat[i]) not in later and not _CHROME.match(flat[i])]
        teaser = next((flat[i] for i in range(start, banner) if flat[i] and loose(flat[i]) != loose(title)), "")
        first = kept[0] if kept else first
    blocks = _blocks(flat, first, end)
    out: list[str] = []
    for k, (i, blanks) in enumerate(blocks):
        line = flat[i]
        if _CHROME.match(line) or (banner is not None and i < banner and loose(line) in (loose(title), loose(teaser))):
            continue
        image = _IMAGE.match(line)
        if image:
            if image.group("caption"):
                out.append(f"*{escape_markdown(image.group('caption'))}*")
            continue
        bullet = _BULLET.match(lines[i])
        if bullet:
            item = f"- {escape_markdown(squash(bullet.group('item')))}"
            if out and out[-1].startswith("- ") and k and blocks[k - 1][1] == 0:
                out[-1] += "\n" + item
            else:
                out.append(item)
        elif _is_heading(line, blanks, blocks, k, flat):
            out.append(f"## {escape_markdown(line)}")
        else:
            out.append(escape_markdown(line))
    return "\n\n".join(out) + ("\n" if out else ""), teaser


def _blocks(flat: list[str], start: int, end: int) -> list[tuple[int, int]]:
    """Each non-blank line from start to end with the number of blank lines that follow it."""
    out: list[tuple[int, int]] = []
    for i in range(start, end):
        if flat[i]:
            out.append((i, 0))
        elif out:
            out[-1] = (out[-1][0], out[-1][1] + 1)
    return out


def _is_banner(line: str) -> bool:
    """'S E E D E D   C O N T E N T': letters spaced out."""
    return bool(re.fullmatch(r"(?:\w ){4,}\w(?: +(?:\w ?)+)*", line)) and max(map(len, line.split())) == 1


def _is_heading(line: str, blanks: int, blocks: list[tuple[int, int]], k: int, flat: list[str]) -> bool:
    """A short line without closing punctuation, set off by a double blank line or between long paragraphs."""
    words = line.split()
    if not words or len(words) > 12 or len(line) > 90 or line[-1] in ".,;:\"'”’)" or not line[0].isupper():
        return False
    if blanks >= 2 and k + 1 < len(blocks):
        return True
    around = [blocks[j][0] for j in (k - 1, k + 1) if 0 <= j < len(blocks)]
    return line[-1] not in "?!" and len(around) == 2 and all(len(flat[j].split()) >= 20 for j in around)


def _comment_heads(flat: list[str]) -> list[_Head]:
    heads: list[_Head] = []
    for i, line in enumerate(flat):
        m = _HEADER.match(line)
        if not m:
            continue
        author = m.group("author")
        above = [j for j in range(max(0, i - 3), i) if flat[j]][-2:]
        rank, start = "", i
        if len(above) == 2 and flat[above[0]] == author:
            rank, start = flat[above[1]], above[0]
        elif above and flat[above[-1]] == author:
            start = above[-1]
        heads.append(_Head(i, start, m.group("id"), author, rank, m.group("parent"), m.group("when")))
    return heads


def _comments(lines: list[str], flat: list[str], heads: list[_Head], end: int, article: str,
              scraped_at: datetime, warnings: list[str]) -> list[ScrapedComment]:
    raw: dict[str, str] = {}
    out: list[ScrapedComment] = []
    for n, head in enumerate(heads):
        stop = heads[n + 1].start if n + 1 < len(heads) else end
        paras = [(i, blanks) for i, blanks in _blocks(flat, head.line + 1, stop) if not _CHROME.match(flat[i])]
        parent = head.parent
        if parent is None and "." in head.id:
            parent = head.id.rsplit(".", 1)[0]
        if parent is not None and parent not in raw:
            warnings.append(f"comment {head.id} replies to {parent}, which is not on the page: kept as a top-level comment")
            parent = None
        if head.id in raw:
            warnings.append(f"comment id {head.id} appears twice: the second one is skipped")
            continue
        texts = [flat[i] for i, _ in paras]
        against = raw[parent] if parent is not None else loose(article)
        quoted = _leading_quote(texts, against)
        raw[head.id] = loose(" ".join(texts))
        posted = resolve_when(head.when, scraped_at)
        if not posted:
            warnings.append(f"comment {head.id}: cannot read the time '{head.when}'")
        out.append(ScrapedComment(id=head.id, parent=parent, author=head.author, author_rank=head.rank,
                                  posted=posted, quote="\n\n".join(texts[:quoted]),
                                  text=_paragraphs(lines, paras[quoted:])))
    return out


def _leading_quote(texts: list[str], parent: str) -> int:
    """How many leading paragraphs (of 3+ words) occur verbatim in the parent's text (never all of them)."""
    n = 0
    while n < len(texts) - 1 and len(texts[n].split()) >= 3 and loose(texts[n]) in parent:
        n += 1
    return n


def _paragraphs(lines: list[str], paras: list[tuple[int, int]]) -> str:
    out: list[str] = []
    for k, (i, _) in enumerate(paras):
        bullet = _BULLET.match(lines[i])
        if bullet:
            item = f"- {escape_markdown(squash(bullet.group('item')))}"
            if out and out[-1].startswith("- ") and paras[k - 1][1] == 0:
                out[-1] += "\n" + item
                continue
            out.append(item)
        else:
            out.append(escape_markdown(squash(lines[i])))
    return "\n\n".join(out)
