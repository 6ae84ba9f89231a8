"""An HTML fragment (a BeautifulSoup element) -> clean, inert markdown.

Headings, paragraphs, links, emphasis, lists, block quotes, code, images with alt text. Text is
escaped so nothing in it becomes markup; links and images keep only http(s)/mailto URLs (relative
ones are resolved against the page URL, dropped when there is none); script, style, iframes, forms,
media and the like are dropped with their content. No HTML is kept in the output.
"""

from __future__ import annotations

import re
from urllib.parse import quote, urljoin, urlsplit

from bs4 import BeautifulSoup, Comment, NavigableString, Tag

from .scrape_common import clean_text

DROP = {"script", "style", "noscript", "iframe", "frame", "frameset", "object", "embed", "applet", "form", "button",
        "input", "select", "textarea", "option", "svg", "canvas", "video", "audio", "source", "track", "map",
        "template", "link", "meta", "head", "title", "nav", "aside", "dialog", "math"}
_BLOCK = {"p", "div", "section", "article", "main", "header", "footer", "figure", "figcaption", "center", "address",
          "details", "summary", "dl", "dt", "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption",
          "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "li", "blockquote", "pre", "hr", "body", "html", "fieldset",
          "hgroup", "picture"}
_SCHEMES = ("http", "https", "mailto")


def to_markdown(node: Tag | BeautifulSoup, base_url: str = "") -> str:
    """Markdown for an element's content: blocks separated by blank lines, ending with one newline."""
    blocks = _blocks(node, base_url)
    text = "\n\n".join(b for b in blocks if b.strip())
    return (text + "\n") if text else ""


def safe_url(url: str, base_url: str = "") -> str:
    """An http(s)/mailto URL made absolute and safe to put in (...) of markdown, or '' when not allowed."""
    url = clean_text(url or "").strip()
    if not url or url.startswith("#"):
        return ""
    if not urlsplit(url).scheme:
        if not base_url or url.startswith("//") and not base_url:
            return ""
        url = urljoin(base_url, url)
    parts = urlsplit(url)
    if parts.scheme.casefold() not in _SCHEMES or (parts.scheme != "mailto" and not parts.netloc):
        return ""
    return quote(url, safe=":/?#[]@!$&'*+,;=%~-._")


def _blocks(node: Tag, base: str) -> list[str]:
    out: list[str] = []
    inline: list[str] = []

    def flush() -> None:
        text = _tidy("".join(inline))
        inline.clear()
        if text:
            out.append(_lead_escape(text))

    for child in node.children:
        if isinstance(child, Comment) or not isinstance(child, (NavigableString, Tag)):
            continue
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:
                inline.append(_text(str(child)))
            continue
        name = child.name.casefold() if child.name else ""
        if name in DROP or _hidden(child):
            continue
        if name not in _BLOCK:
            inline.append(_inline_node(child, name, base))
            continue
        flush()
        out.extend(_block(child, name, base))
    flush()
    return out


def _block(el: Tag, name: str, base: str) -> list[str]:
    if re.fullmatch(r"h[1-6]", name):
        text = _tidy(_inline(el, base))
        return [f"{'#' * max(2, int(name[1]))} {text}"] if text else []
    if name in ("ul", "ol"):
        return [_list(el, name == "ol", base)] if el.find("li") else _blocks(el, base)
    if name == "blockquote":
        inner = "\n\n".join(_blocks(el, base))
        return ["\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))] if inner.strip() else []
    if name == "pre":
        code = clean_text(el.get_text()).strip("\n")
        fence = "`" * max(3, max((len(m) for m in re.findall(r"`+", code)), default=0) + 1)
        return [f"{fence}\n{code}\n{fence}"] if code.strip() else []
    if name == "hr":
        return []
    if name == "tr":
        cells = [_tidy(_inline(c, base)) for c in el.find_all(["td", "th"], recursive=False)]
        row = " · ".join(c for c in cells if c)
        return [_lead_escape(row)] if row else []
    if name == "figcaption":
        text = _tidy(_inline(el, base))
        return [f"*{text}*"] if text else []
    return _blocks(el, base)


def _list(el: Tag, ordered: bool, base: str) -> str:
    items: list[str] = []
    for n, li in enumerate(el.find_all("li", recursive=False), start=1):
        marker = f"{n}." if ordered else "-"
        inner = "\n\n".join(_blocks(li, base)) or ""
        if not inner.strip():
            continue
        pad = " " * (len(marker) + 1)
        lines = inner.split("\n")
        items.append(f"{marker} {lines[0]}" + "".join(f"\n{pad}{line}" if line else "\n" for line in lines[1:]))
    return "\n".join(items)


def _inline(el: Tag, base: str) -> str:
    parts: list[str] = []
    for child in el.children:
        if isinstance(child, Comment):
            continue
        if isinstance(child, NavigableString):
            if type(child) is NavigableString:
                parts.append(_text(str(child)))
        elif isinstance(child, Tag):
            name = child.name.casefold() if child.name else ""
            if name not in DROP and not _hidden(child):
                parts.append(_inline_node(child, name, base))
    return "".join(parts)


def _inline_node(el: Tag, name: str, base: str) -> str:
    if name == "br":
        return "\\\n"
    if name == "img":
        return _image(el, base)
    if name == "a":
        text = _tidy(_inline(el, base))
        url = safe_url(el.get("href", ""), base)
        return f"[{text}]({url})" if url and text and "\n" not in text else text
    if name in ("strong", "b"):
        return _wrap(_inline(el, base), "**")
    if name in ("em", "i", "cite"):
        return _wrap(_inline(el, base), "*")
    if name in ("code", "kbd", "samp", "tt"):
        code = " ".join(clean_text(el.get_text()).split())
        if not code:
            return ""
        tick = "`" * (max((len(m) for m in re.findall(r"`+", code)), default=0) + 1)
        pad = " " if code.startswith("`") or code.endswith("`") else ""
        return f"{tick}{pad}{code}{pad}{tick}"
    inner = _inline(el, base)  # span, sup, sub, u, small, abbr, time, and blocks inside inline elements
    return f" {inner} " if name in _BLOCK else inner


def _image(img: Tag, base: str) -> str:
    src = ""
    for attr in ("src", "data-src", "data-original", "data-lazy-src"):
        src = safe_url(img.get(attr, ""), base)
        if src:
            break
    alt = _text(" ".join(str(img.get("alt", "")).split())).replace("\n", " ")
    return f"![{alt.strip()}]({src})" if src and src.startswith("http") else ""


def _wrap(inner: str, mark: str) -> str:
    text = inner.strip()
    if not text or "\n" in text:
        return inner
    lead = " " if inner[:1].isspace() else ""
    trail = " " if inner[-1:].isspace() else ""
    return f"{lead}{mark}{text}{mark}{trail}"


def _text(raw: str) -> str:
    text = re.sub(r"\s+", " ", clean_text(raw.replace("\n", " ")) + (" " if raw[-1:].isspace() else ""))
    text = text.replace("\\", "\\\\")
    text = re.sub(r"([`*\[\]])", r"\\\1", text)
    text = re.sub(r"<(?=[A-Za-z/!?])", r"\\<", text)
    return re.sub(r"(^|\s)_|_(?=\s|$)", lambda m: m.group(0).replace("_", "\\_"), text)


def _tidy(text: str) -> str:
    lines = [" ".join(line.split()) for line in text.split("\n")]
    return "\n".join(line for line in lines if line).strip().removesuffix("\\").strip()


_LEAD = re.compile(r"^(#{1,6}(?=\s|$)|>|[-+*](?=\s)|=+\s*$|\d+(?=[.)](?:\s|$)))")


def _lead_escape(text: str) -> str:
    """Escape a leading '#', '>', '-', '1.' ... so a paragraph never turns into a heading, quote or list."""
    m = _LEAD.match(text)
    if not m:
        return text
    if m.group(0)[0].isdigit():
        return f"{text[:m.end()]}\\{text[m.end():]}"
    return f"\\{text}"


def _hidden(el: Tag) -> bool:
    style = str(el.get("style", "")).replace(" ", "").casefold()
    return el.has_attr("hidden") or "display:none" in style or "visibility:hidden" in style
