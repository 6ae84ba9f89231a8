"""Saved HTML pages -> ScrapedPage.

Metadata from where publishers put it: JSON-LD (NewsArticle, Article, BlogPosting, also inside
@graph), OpenGraph and other meta tags, the canonical link, <time datetime>, and by-line markup
(rel=author, itemprop=author, class names with byline/author). The article body comes from
trafilatura (measured better than our own heuristics on the corpus: see bench/score_import.py),
passed through nh3 and turned into inert markdown by html_markdown; when trafilatura finds nothing,
the page's <article> (or its densest block of paragraphs) is used. Comments: html_comments.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from urllib.parse import urlsplit

import nh3
import trafilatura
from bs4 import BeautifulSoup, Tag

from .html_comments import parse_comments
from .html_markdown import DROP, safe_url, to_markdown
from .scrape_common import ScrapedPage, clean_text, loose, parse_date, split_authors, squash

_ARTICLE_TYPES = {"newsarticle", "article", "blogposting", "reportagenewsarticle", "analysisnewsarticle",
                  "opinionnewsarticle", "reviewnewsarticle", "backgroundnewsarticle", "techarticle", "scholarlyarticle",
                  "liveblogposting", "report", "posting", "socialmediaposting", "discussionforumposting", "recipe",
                  "review", "creativework"}
_DATE_META = ("article:published_time", "og:published_time", "og:article:published_time", "datepublished",
              "published_time", "publishdate", "publish-date", "pubdate", "date", "dc.date.issued", "dc.date",
              "dcterms.created", "sailthru.date", "parsely-pub-date", "article.published", "originalpublicationdate",
              "displaydate", "cxenseparse:recs:publishtime", "dc.date.created")
_AUTHOR_META = ("author", "article:author", "og:article:author", "parsely-author", "sailthru.author", "dc.creator",
                "dcterms.creator", "byl", "cxenseparse:author", "twitter:creator:name")
_SAFE_TAGS = {"a", "abbr", "b", "blockquote", "br", "caption", "cite", "code", "dd", "div", "dl", "dt", "em",
              "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p",
              "pre", "q", "s", "samp", "small", "span", "strong", "sub", "sup", "table", "tbody", "td", "tfoot",
              "th", "thead", "tr", "u", "ul"}


def parse_html_scrape(html: str, scraped_at: datetime) -> ScrapedPage:
    """A saved page -> ScrapedPage. Raises ValueError when it holds no article (no title and no text)."""
    soup = BeautifulSoup(html, "lxml")
    ld = _json_ld(soup)
    meta = _meta(soup)
    url = _url(soup, meta, ld)
    title = _title(soup, meta, ld)
    body = _body(html, soup, url, title)
    if not title and len(body.split()) < 30:
        raise ValueError("this HTML page holds no article (no headline and almost no text)")
    warnings: list[str] = []
    if not body.strip():
        warnings.append("no article text found in the page")
    comments, found = parse_comments(soup, scraped_at, url)
    warnings.extend(found)
    return ScrapedPage(title=title or "Untitled", body=body, url=url, site_name=_site_name(soup, meta, ld, url),
                       section=_first_text(meta.get("article:section"), _ld_text(ld, "articleSection")),
                       authors=tuple(_authors(soup, meta, ld)), published=_published(soup, meta, ld, url),
                       summary=squash(clean_text(meta.get("og:description") or meta.get("description") or "")),
                       comments=tuple(comments), warnings=tuple(warnings))


# ------------------------------------------------------------------------------------ sources

def _json_ld(soup: BeautifulSoup) -> dict:
    """The first JSON-LD object of an article type (searching lists and @graph), or {}."""
    found: list[dict] = []
    nodes: dict[str, dict] = {}
    for script in soup.find_all("script", type=re.compile(r"ld\+json", re.I)):
        raw = (script.string or script.get_text() or "").strip()
        raw = re.sub(r"^\s*(?://\s*)?<!\[CDATA\[|(?://\s*)?\]\]>\s*$", "", raw).strip().rstrip(";")
        try:
            data = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        stack = [data]
        while stack:
            item = stack.pop(0)
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                if isinstance(item.get("@id"), str) and len(item) > 1:
                    nodes.setdefault(item["@id"], item)
                types = item.get("@type") or []
                types = {str(t).casefold() for t in (types if isinstance(types, list) else [types])}
                if types & _ARTICLE_TYPES:
                    found.append(item)
                stack.extend(v for k, v in item.items() if k in ("@graph", "mainEntity", "itemListElement", "author"))
    found = [_resolve(item, nodes) for item in found]
    ranked = sorted(found, key=lambda d: (not ({str(t).casefold() for t in _as_list(d.get("@type"))} - {"creativework"}),
                                          not d.get("headline")))
    return ranked[0] if ranked else {}


def _resolve(item: dict, nodes: dict[str, dict]) -> dict:
    """Replace {"@id": ...} references (author, publisher) by the @graph node they point at."""
    def one(value):
        if isinstance(value, dict) and set(value) == {"@id"}:
            return nodes.get(value["@id"], value)
        return [one(v) for v in value] if isinstance(value, list) else value
    return {k: one(v) if k in ("author", "creator", "publisher") else v for k, v in item.items()}


def _meta(soup: BeautifulSoup) -> dict[str, str]:
    out: dict[str, str] = {}
    for tag in soup.find_all("meta"):
        key = tag.get("property") or tag.get("name") or tag.get("itemprop") or ""
        value = tag.get("content")
        if key and value and str(value).strip():
            out.setdefault(str(key).strip().casefold(), squash(clean_text(str(value))))
    return out


def _as_list(value) -> list:
    return value if isinstance(value, list) else [] if value is None else [value]


def _ld_text(ld: dict, key: str) -> str:
    value = ld.get(key)
    value = value[0] if isinstance(value, list) and value else value
    if isinstance(value, dict):
        value = value.get("name") or value.get("@id") or ""
    return squash(clean_text(str(value))) if isinstance(value, (str, int, float)) else ""


def _first_text(*values: str | None) -> str:
    return next((squash(clean_text(v)) for v in values if v and squash(v)), "")


# ------------------------------------------------------------------------------------ fields

def _url(soup: BeautifulSoup, meta: dict, ld: dict) -> str:
    link = soup.find("link", rel=lambda r: r and "canonical" in [x.casefold() for x in _as_list(r)])
    entity = ld.get("mainEntityOfPage")
    candidates = [link.get("href") if link else "", meta.get("og:url"), _ld_text(ld, "url"),
                  entity.get("@id") if isinstance(entity, dict) else entity if isinstance(entity, str) else ""]
    return next((u for u in (safe_url(str(c or "")) for c in candidates) if u.startswith("http")), "")


def _title(soup: BeautifulSoup, meta: dict, ld: dict) -> str:
    named = [t for t in (_ld_text(ld, "headline"), meta.get("og:title"), meta.get("twitter:title"),
                         _ld_text(ld, "name")) if t]
    page_title = squash(clean_text(soup.title.get_text())) if soup.title else ""
    h1s = [squash(clean_text(h.get_text(" "))) for h in soup.find_all("h1", limit=10)]
    h1s = [h for h in h1s if 2 <= len(h.split()) <= 40]
    wanted = {loose(t).casefold() for t in named}
    for h1 in h1s:  # the headline as the page shows it, when the metadata agrees it is the headline
        if loose(h1).casefold() in wanted or (page_title and loose(page_title).casefold().startswith(loose(h1).casefold())):
            return h1
    if named:
        return _strip_site(named[0], meta)
    if page_title:
        return _strip_site(page_title, meta)
    return h1s[0] if h1s else ""


def _strip_site(title: str, meta: dict) -> str:
    """'Headline | Site' or 'Headline - Site' -> 'Headline'."""
    parts = re.split(r"\s+[|–—·•:-]{1,2}\s+", title)
    if len(parts) < 2:
        return title
    site = loose(meta.get("og:site_name", "")).casefold()
    rest = [p for p in parts if loose(p).casefold() != site] or parts
    return max(rest, key=len) if len(parts) > 2 or site else rest[0]


def _published(soup: BeautifulSoup, meta: dict, ld: dict, url: str) -> str:
    """The publication date at the precision the page gives; the URL's date wins when within a day of it."""
    candidates = [_ld_text(ld, "datePublished")] + [meta.get(k, "") for k in _DATE_META]
    for el in soup.select("[itemprop~=datePublished]"):
        candidates.append(el.get("content") or el.get("datetime") or el.get_text(" "))
    times = soup.find_all("time", attrs={"datetime": True})
    candidates += [t["datetime"] for t in times if t.has_attr("pubdate") or "publish" in " ".join(_as_list(t.get("class")))]
    article = soup.find("article")
    candidates += [t["datetime"] for t in (article.find_all("time", attrs={"datetime": True}) if article else [])]
    candidates += [str(el["data-published"]) for el in soup.find_all(attrs={"data-published": True}, limit=3)]
    found = next((d for d in (parse_date(str(v)) for v in candidates if v) if len(d) >= 10), "")
    found = found or _visible_date(soup)
    in_url = _url_date(url)
    if in_url and (not found or abs((date.fromisoformat(in_url) - date.fromisoformat(found[:10])).days) == 1):
        return in_url
    if found:
        return found
    late = [_ld_text(ld, "dateCreated")] + [t["datetime"] for t in times]
    return next((d for d in (parse_date(str(v)) for v in late if v) if len(d) >= 10), "")


_DATE_TEXT = re.compile(r"\b(?:\d{4}-\d\d-\d\d|[A-Z][a-zéû]{2,8}\.? \d{1,2},? \d{4}|\d{1,2}\.? [A-Za-zéû]{3,9}\.? \d{4}"
                        r"|\d{1,2}[./]\d{1,2}[./]\d{4})\b")
_DATE_CLASS = re.compile(r"date|time|publish|posted|dateline|byline|meta", re.I)


def _visible_date(soup: BeautifulSoup) -> str:
    """A date written out near the headline or in an element whose class says it is a date."""
    for el in soup.find_all(class_=_DATE_CLASS, limit=200):
        if el.find_parent(class_=re.compile("comment", re.I)):
            continue
        m = _DATE_TEXT.search(squash(el.get_text(" ")))
        if m and len(parse_date(m.group(0))) >= 10:
            return parse_date(m.group(0))
    h1 = soup.find("h1")
    for text in (h1.find_all_next(string=True, limit=80) if h1 else []):
        m = _DATE_TEXT.search(squash(str(text)))
        if m and len(parse_date(m.group(0))) >= 10:
            return parse_date(m.group(0))
    return ""


def _url_date(url: str) -> str:
    m = re.search(r"/(20\d\d|19\d\d)[/-](\d\d)[/-](\d\d)(?:/|-|$)", urlsplit(url).path)
    if not m:
        return ""
    value = "-".join(m.groups())
    return value if len(parse_date(value)) == 10 else ""


def _authors(soup: BeautifulSoup, meta: dict, ld: dict) -> list[str]:
    people, orgs = [], []
    for item in _as_list(ld.get("author")) + _as_list(ld.get("creator")):
        name = item.get("name") if isinstance(item, dict) else item if isinstance(item, str) else ""
        kind = str(item.get("@type", "Person")).casefold() if isinstance(item, dict) else "person"
        for n in split_authors(clean_text(str(name or ""))) if isinstance(name, str) else []:
            (orgs if "organization" in kind else people).append(n)
    site = loose(meta.get("og:site_name", "")).casefold()

    def good(names: list[str]) -> list[str]:
        return [n for n in names if not re.search(r"https?:|www\.|@|\.com\b", n) and len(n.split()) <= 6
                and loose(n).casefold() != site]
    from_meta = [n for k in _AUTHOR_META for n in split_authors(meta.get(k, "")) if k in meta]
    out = good(people) or good(from_meta) or good(_byline(soup)) or good(orgs)
    unique: dict[str, str] = {}
    for name in out:  # 'JEFFREY GETTLEMAN' in the by-line and 'Jeffrey Gettleman' in the meta are one person
        unique.setdefault(loose(name).casefold(), name)
    return list(unique.values())


_BYLINE_CSS = (
    "[itemprop~=author] [itemprop=name]", "[itemprop~=author]", "[class*=byline] .fn", "[class*=byline] a[href]",
    ".author.vcard .fn", "a[rel~=author]", "a[href*='/author/']", "a[href*='/authors/']", "a[href*='/people/']",
    "a[href*='/auteur/']", "a[href*='/autor/']", "a[href*='/profile/']", "a[href*='/staff/']", "[class*=byline]",
    "address", "[class*=author-name]", "[class*=author] .fn", "[class*=author] a", "[class*=author]")
_NOT_BYLINE = re.compile(r"comment|sidebar|widget|related|recirc|promo", re.I)


def _byline(soup: BeautifulSoup) -> list[str]:
    """Names from by-line markup, most specific markup first; the first element that holds names wins."""
    for css in _BYLINE_CSS:
        for el in soup.select(css, limit=8):
            if el.name in ("link", "meta", "script") and not el.get("content"):
                continue
            footer = el.find_parent("footer")
            if el.find_parent(["nav", "aside", "form"]) or footer and not footer.find_parent("article") or any(
                    _NOT_BYLINE.search(" ".join(_as_list(p.get("class"))) + " " + str(p.get("id") or ""))
                    for p in el.parents if p.attrs is not None and p.name not in ("body", "html", "[document]")):
                continue
            text = squash(clean_text(el.get("content") or el.get_text(" ")))
            text = re.split(r"\s+(?:[|•·]|Updated|Published|Posted|on\s+\w+\s+\d)", text)[0]
            text = re.sub(r"^(?:(?:published|posted|written|story)\s+by|by|par|von|por|door|di)\b\s*:?\s*", "", text, flags=re.I)
            if not text or len(text.split()) > 10 or re.search(r"https?:|www\.|@", text):
                continue
            names = [n for n in split_authors(text) if 1 <= len(n.split()) <= 4 and not any(c.isdigit() for c in n)]
            if names:
                return names
    return []


def _site_name(soup: BeautifulSoup, meta: dict, ld: dict, url: str) -> str:
    publisher = ld.get("publisher")
    publisher = publisher[0] if isinstance(publisher, list) and publisher else publisher
    name = publisher.get("name") if isinstance(publisher, dict) else ""
    found = _first_text(meta.get("og:site_name"), name if isinstance(name, str) else "", meta.get("application-name"))
    return found or (urlsplit(url).hostname or "").removeprefix("www.")


# ------------------------------------------------------------------------------------ body

def _body(html: str, soup: BeautifulSoup, url: str, title: str) -> str:
    extracted = trafilatura.extract(html, output_format="html", include_links=True, include_images=True,
                                    include_formatting=True, include_tables=True, include_comments=False,
                                    url=url or None)
    if extracted:
        root: Tag = BeautifulSoup(_sanitize(extracted), "lxml").body or BeautifulSoup("", "lxml")
    else:
        root = _densest(soup)
    markdown = to_markdown(root, url) if root is not None else ""
    lines = markdown.split("\n\n")
    if lines and title and loose(lines[0].lstrip("# ")).casefold() == loose(title).casefold():
        markdown = "\n\n".join(lines[1:])
    return markdown


def _sanitize(fragment: str) -> str:
    """Every piece of page HTML we work on after extraction goes through nh3 first."""
    return nh3.clean(fragment, tags=_SAFE_TAGS, attributes={"a": {"href", "title"}, "img": {"src", "alt"}},
                     url_schemes={"http", "https", "mailto"}, link_rel=None)


def _densest(soup: BeautifulSoup) -> Tag | None:
    """Our fallback: [itemprop=articleBody], <article>, else the element whose own <p>s hold the most text."""
    for css in ("[itemprop=articleBody]", "article", "main", "[role=main]"):
        el = soup.select_one(css)
        if el is not None and len(el.get_text(" ", strip=True).split()) > 80:
            return BeautifulSoup(_sanitize(_strip(el)), "lxml").body
    scores: dict[int, tuple[int, Tag]] = {}
    for p in soup.find_all("p"):
        parent = p.parent
        if parent is None or p.find_parent(DROP - {"head"}):
            continue
        words = len(p.get_text(" ", strip=True).split())
        old = scores.get(id(parent), (0, parent))
        scores[id(parent)] = (old[0] + words, parent)
    if not scores:
        return soup.body
    best = max(scores.values(), key=lambda t: t[0])[1]
    return BeautifulSoup(_sanitize(_strip(best)), "lxml").body


def _strip(el: Tag) -> str:
    """Drop share widgets, related links and comments from a block before converting it."""
    copy = BeautifulSoup(str(el), "lxml")
    noise = re.compile(r"share|social|related|comment|newsletter|promo|advert|\bad\b|sidebar|recirc|subscribe", re.I)
    for tag in copy.find_all(True):
        if tag.attrs is None:
            continue
        classes = " ".join(_as_list(tag.get("class"))) + " " + str(tag.get("id") or "")
        if noise.search(classes):
            tag.decompose()
    return str(copy)
