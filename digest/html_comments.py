"""Comment threads in saved HTML -> [ScrapedComment] in page order.

A comment is an element that the common markups mark as one: WordPress ``li.comment`` /
``div.comment`` (and ``li#comment-N``), schema.org ``Comment`` microdata, Disqus ``li.post`` under
``#disqus_thread``, forum ``.post``/``.forum-post`` items with a post id. A reply is a comment nested
inside another (``ul.children``, ``ol.children``, nested divs); where the markup is flat but says
``depth-N``, the last comment one level up is the parent. Pingbacks and trackbacks are not comments.
A leading <blockquote> is the passage the reply quotes.
"""

from __future__ import annotations

import re
from datetime import datetime

from bs4 import BeautifulSoup, Tag

from .html_markdown import to_markdown
from .scrape_common import ScrapedComment, clean_text, loose, parse_date, squash

_ITEM_ID = re.compile(r"^(?:li-)?(?:comment|post)-?\d+$", re.I)
_ITEM_CLASS = {"comment", "forum-post", "post-comment", "comment-item", "commentlist-item", "reply-item"}
_SKIP_CLASS = {"pingback", "trackback"}
_CHROME = re.compile(r"comment-author|vcard|comment-meta|commentmetadata|reply|avatar|rating|awaiting|comment-actions"
                     r"|comment-footer|comment-header|post-meta|post-byline|author-name|username|comment-date"
                     r"|like|share|report|permalink", re.I)
_TEXT_CSS = (".comment-content", ".comment-text", ".comment_text", "[itemprop=text]", ".post-message", ".message-body",
             ".post-body", ".postbody", ".comment-body", ".content")
_AUTHOR_CSS = (".comment-author .fn", ".fn", "[itemprop=author] [itemprop=name]", "[itemprop=author]",
               ".comment-author", ".author-name", ".username", ".author", "cite", ".user", ".name")
_SAYS = re.compile(r"\s*(?:says|said|sagt|schreibt|écrit|dice|zegt|wrote)\s*:?\s*$", re.I)


def parse_comments(soup: BeautifulSoup, scraped_at: datetime, base_url: str = "") -> tuple[list[ScrapedComment], list[str]]:
    """(comments, warnings) for every comment of the page, replies after their parents."""
    kinds = [(el, _kind(el)) for el in soup.find_all(True)]
    items = [el for el, kind in kinds if kind == "comment"]
    posts = [el for el, kind in kinds if kind == "post"]
    # forum posts count as a thread only when there are several and none is the article around the comments
    use_posts = len(posts) >= 2 and not any(a is p for c in items for a in c.parents for p in posts)
    items = [el for el, kind in kinds if kind == "comment" or kind == "post" and use_posts]
    chosen = [el for el in items if not _skipped(el)]
    ids: dict[int, str] = {}
    raw: dict[str, str] = {}
    depth_last: dict[int, str] = {}
    out: list[ScrapedComment] = []
    warnings: list[str] = []
    for n, el in enumerate(chosen, start=1):
        body = _content(el, chosen)
        author = _author(el, chosen)
        if body is None or (not body.get_text(strip=True) and not author):
            continue
        cid = _own_id(el, n, set(raw))
        ancestor = next((a for a in el.parents if id(a) in ids), None)
        parent = ids[id(ancestor)] if ancestor is not None else None
        depth = _depth(el)
        if parent is None and depth and depth > 1:
            parent = depth_last.get(depth - 1)
        quote = ""
        first = _first_block(body)
        if first is not None and first.name == "blockquote":
            quote = squash(clean_text(first.get_text(" ")))
            first.decompose()
        text = to_markdown(body, base_url).strip()
        ids[id(el)] = cid
        raw[cid] = loose(f"{quote} {body.get_text(' ')}")
        if depth:
            depth_last[depth] = cid
        out.append(ScrapedComment(id=cid, parent=parent, author=author or "anonymous", text=text,
                                  posted=_posted(el, chosen, scraped_at), quote=quote))
    if len(items) > len(chosen):
        warnings.append(f"{len(items) - len(chosen)} pingbacks/trackbacks left out of the comments")
    return out, warnings


def _classes(el: Tag) -> set[str]:
    value = el.get("class") if el.attrs is not None else None
    return {c.casefold() for c in (value if isinstance(value, list) else str(value or "").split())}


def _is_item(el: Tag) -> bool:
    return _kind(el) is not None


def _kind(el: Tag) -> str | None:
    """'comment' for comment markup, 'post' for forum/Disqus posts (weaker evidence), else None."""
    if el.name not in ("li", "div", "article", "section"):
        return None
    classes = _classes(el)
    if classes & (_ITEM_CLASS | _SKIP_CLASS):
        return "comment"
    ident = str(el.get("id") or "")
    itemtype = str(el.get("itemtype") or "")
    if itemtype.rstrip("/").endswith("/Comment") or el.get("itemprop") == "comment":
        return "comment"
    if _ITEM_ID.match(ident) and "comment" in ident.casefold():
        return "comment"
    if "post" in classes and (_ITEM_ID.match(ident) or el.find_parent(id="disqus_thread") is not None):
        return "post"
    return None


def _skipped(el: Tag) -> bool:
    return bool(_classes(el) & _SKIP_CLASS) or str(el.get("type") or "").casefold() in _SKIP_CLASS


def _owned(el: Tag, found: Tag, items: list[Tag]) -> bool:
    """found (inside el) belongs to el, not to a reply nested in el."""
    item_ids = {id(i) for i in items}
    for parent in found.parents:
        if parent is el:
            return True
        if id(parent) in item_ids:
            return False
    return False


def _own(el: Tag, css: str, items: list[Tag]) -> Tag | None:
    return next((f for f in el.select(css) if _owned(el, f, items) and not (id(f) in {id(i) for i in items})), None)


def _own_id(el: Tag, n: int, taken: set[str]) -> str:
    raw = str(el.get("id") or "")
    if not raw:
        inner = el.find(id=_ITEM_ID)
        raw = str(inner.get("id")) if inner is not None else ""
    cid = re.sub(r"^(?:li|div)-", "", raw) or f"c{n}"
    return cid if cid not in taken else f"{cid}-{n}"


def _depth(el: Tag) -> int | None:
    for c in _classes(el):
        m = re.fullmatch(r"depth-(\d+)", c)
        if m:
            return int(m.group(1))
    return None


def _author(el: Tag, items: list[Tag]) -> str:
    for css in _AUTHOR_CSS:
        found = _own(el, css, items)
        if found is not None:
            text = squash(clean_text(found.get("content") or found.get_text(" ")))
            text = _SAYS.sub("", text).strip(" :")
            if text and len(text) <= 80:
                return text
    return ""


def _posted(el: Tag, items: list[Tag], scraped_at: datetime) -> str:
    time = _own(el, "time[datetime]", items)
    if time is not None:
        found = parse_date(str(time["datetime"]))
        if found:
            return found
    for css in (".comment-metadata", ".comment-meta", ".commentmetadata", ".comment-date", ".date", "time"):
        found = _own(el, css, items)
        if found is not None:
            when = parse_date(squash(found.get_text(" ")))
            if when:
                return when
    return ""


def _content(el: Tag, items: list[Tag]) -> Tag | None:
    """A detached copy of the comment's own text, without its replies, author line, meta and buttons."""
    container = next((f for f in (_own(el, css, items) for css in _TEXT_CSS) if f is not None), el)
    copy = BeautifulSoup(str(container), "lxml")
    root = copy.body.contents[0] if copy.body and copy.body.contents else None
    if not isinstance(root, Tag):
        return None
    for tag in root.find_all(True):
        if tag.attrs is None:
            continue
        if _is_item(tag) or tag.name in ("ul", "ol") and _classes(tag) & {"children", "comments", "replies"}:
            tag.decompose()
        elif tag is not root and any(_CHROME.search(c) for c in _classes(tag)):
            tag.decompose()
    return root


def _first_block(root: Tag) -> Tag | None:
    for child in root.children:
        if isinstance(child, Tag):
            return child
        if str(child).strip():
            return None
    return None
