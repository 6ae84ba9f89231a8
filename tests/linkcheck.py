"""A link checker for a served site: crawl from the start URL over HTTP, fetch every internal link."""

from __future__ import annotations

import urllib.error
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urldefrag, urljoin, urlsplit


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.add(attrs["id"])
        for name in ("href", "src"):
            if attrs.get(name):
                self.links.append(attrs[name])
        if tag == "link" and attrs.get("rel") == "canonical":
            self.links.pop()  # the canonical URL is absolute under base_url's host, not this server


def _fetch(url: str) -> tuple[int, str, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.headers.get_content_type(), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, "", b""


def check_links(start: str, extra: list[str] = ()) -> tuple[int, list[str]]:
    """Crawl every page reachable from start (and extra URLs) on the same server and under the same path.

    Returns (pages crawled, broken links as 'page -> link (status)', fragments that name no id).
    """
    prefix = start if start.endswith("/") else start.rsplit("/", 1)[0] + "/"
    host = urlsplit(start).netloc
    queue, seen, broken = [start, *extra], set(), []
    ids: dict[str, set[str]] = {}
    fragments: list[tuple[str, str, str]] = []
    pages = 0
    while queue:
        url = queue.pop()
        if url in seen:
            continue
        seen.add(url)
        status, ctype, body = _fetch(url)
        if status != 200:
            broken.append(f"{url} ({status})")
            continue
        if ctype != "text/html":
            continue
        pages += 1
        parser = _Links()
        parser.feed(body.decode("utf-8"))
        ids[url] = parser.ids
        for link in parser.links:
            absolute = urljoin(url, link)
            parts = urlsplit(absolute)
            if parts.scheme not in ("http", "https") or parts.netloc != host:
                continue
            target, fragment = urldefrag(absolute)
            if not target.startswith(prefix):
                broken.append(f"{url} -> {link} (outside {prefix})")
                continue
            if fragment:
                fragments.append((url, target, fragment))
            if target not in seen:
                queue.append(target)
    for page, target, fragment in fragments:
        if target in ids and fragment not in ids[target]:
            broken.append(f"{page} -> {target}#{fragment} (no such id)")
    return pages, sorted(set(broken))
