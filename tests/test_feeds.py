"""Feeds, sitemap and robots, read by real parsers."""

import json
from pathlib import Path
from xml.etree import ElementTree as ET

import feedparser

from conftest import build

BASE = "https://user.github.io/digest/"


def built(sample_site: Path, base_url: str = BASE) -> Path:
    build(sample_site, base_url=base_url)
    return sample_site / "output"


def test_atom_feed_parses_with_full_content_and_absolute_urls(sample_site):
    out = built(sample_site)
    feed = feedparser.parse((out / "feed.xml").read_bytes())
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "atom10"
    assert feed.feed.title == "The Annotated Digest"
    assert feed.feed.links[0].href == BASE + "feed.xml"
    first = feed.entries[0]
    assert first.title == "U.S. and European officials broach peace negotiations with Ukraine"
    assert first.link == BASE + "ukraine-peace-talks/"
    assert first.id.startswith("urn:uuid:")
    assert first.published == "2023-11-06T00:00:00-05:00"  # the site's time zone, America/New_York
    assert "Ukraine Defense Contact Group" in first.content[0].value
    assert {t.term for t in first.tags} == {"ukraine", "russia", "diplomacy", "us-politics"}
    dates = [e.published_parsed for e in feed.entries]
    assert dates == sorted(dates, reverse=True)
    assert all(link.href.startswith(BASE) for e in feed.entries for link in e.links)


def test_json_feed_follows_the_spec(sample_site):
    out = built(sample_site)
    data = json.loads((out / "feed.json").read_text())
    assert data["version"] == "https://jsonfeed.org/version/1.1"
    assert data["feed_url"] == BASE + "feed.json" and data["home_page_url"] == BASE
    for item in data["items"]:
        assert set(item) >= {"id", "url", "title", "content_html", "date_published"}
        assert item["url"].startswith(BASE)
        assert 'href="/' not in item["content_html"] and 'src="/' not in item["content_html"]


def test_ids_never_change_with_base_url(sample_site, tmp_path):
    first = feedparser.parse((built(sample_site) / "feed.xml").read_bytes())
    moved = feedparser.parse((built(sample_site, "https://news.example.com/") / "feed.xml").read_bytes())
    assert [e.id for e in first.entries] == [e.id for e in moved.entries]
    assert first.entries[0].link != moved.entries[0].link


def test_tag_and_story_feeds(sample_site):
    out = built(sample_site)
    tag = feedparser.parse((out / "tags/polling/feed.xml").read_bytes())
    assert [e.title for e in tag.entries] == ["Poll: 41% of Americans now say the U.S. does too much for Ukraine"]
    story = json.loads((out / "stories/israel-hamas/feed.json").read_text())
    assert story["title"] == "The Annotated Digest: The Israel–Hamas war"
    assert [i["url"] for i in story["items"]] == [BASE + "house-israel-only-aid-bill/", BASE + "hamas-attack-israel/"]


def test_sitemap_lists_every_page_and_robots_points_to_it(sample_site):
    out = built(sample_site)
    tree = ET.parse(out / "sitemap.xml")
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    assert tree.getroot().tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"
    locs = [u.findtext("s:loc", namespaces=ns) for u in tree.getroot()]
    pages = sorted(p.relative_to(out).as_posix() for p in out.rglob("index.html"))
    assert len(locs) == len(pages)
    for loc in locs:
        assert loc.startswith(BASE)
        assert (out / loc[len(BASE):] / "index.html").is_file()
    assert (out / "robots.txt").read_text() == f"User-agent: *\nAllow: /\n\nSitemap: {BASE}sitemap.xml\n"


def test_relative_base_url_is_a_warning(fixture_site):
    root = fixture_site("basic")
    result = build(root, base_url="/sub/")
    assert [str(w) for w in result.warnings] == [
        f"{root}/site.yaml:1:1: warning: base_url '/sub/' has no scheme and host, so feeds, the sitemap and canonical "
        "links use relative URLs. Set base_url to the site's full URL, e.g. https://user.github.io/repo/, or pass --base-url"]


def test_every_page_has_canonical_and_social_metadata(sample_site):
    from bs4 import BeautifulSoup

    out = built(sample_site)
    pages = sorted(out.rglob("index.html"))
    assert len(pages) > 20
    for path in pages:
        head = BeautifulSoup(path.read_text(), "html.parser").head
        rel = path.parent.relative_to(out).as_posix()
        url = BASE + ("" if rel == "." else rel + "/")
        assert head.find("link", rel="canonical")["href"] == url, path
        assert head.find("meta", property="og:url")["content"] == url
        assert head.find("meta", property="og:title")["content"]
        assert head.find("meta", attrs={"name": "twitter:card"})["content"] == "summary"
        assert head.find("link", rel="alternate", type="application/atom+xml") is not None
    entry = BeautifulSoup((out / "ukraine-peace-talks/index.html").read_text(), "html.parser").head
    assert entry.find("meta", property="og:type")["content"] == "article"
    assert entry.find("meta", property="og:description")["content"].startswith("Quiet talks about")
    assert entry.find("meta", property="article:published_time")["content"] == "2023-11-06T00:00:00-05:00"
    not_found = BeautifulSoup((out / "404.html").read_text(), "html.parser").head
    assert not_found.find("link", rel="canonical") is None


def test_many_notes_make_a_paged_annotation_collection(tmp_path, monkeypatch):
    from digest import feeds
    from test_cache import generated_site

    root = generated_site(tmp_path, 5)  # three notes each
    build(root, root / "one", base_url=BASE)
    whole = json.loads((root / "one/annotations.jsonld").read_text())
    assert whole["total"] == 15 and len(whole["first"]["items"]) == 15
    monkeypatch.setattr(feeds, "NOTES_PAGE", 2)  # two entries' notes a page: three pages
    build(root, root / "paged", base_url=BASE)
    collection = json.loads((root / "paged/annotations.jsonld").read_text())
    assert collection["type"] == "AnnotationCollection" and collection["total"] == 15
    assert collection["first"] == BASE + "annotations/1.jsonld" and collection["last"] == BASE + "annotations/3.jsonld"
    pages, url = [], collection["first"]
    while url:  # follow the pages as a client does
        page = json.loads((root / "paged" / url.removeprefix(BASE)).read_text())
        assert page["type"] == "AnnotationPage" and page["partOf"] == collection["id"] and page["id"] == url
        pages.append(page)
        url = page.get("next")
    assert [len(p["items"]) for p in pages] == [6, 6, 3]  # oldest entries first: a new entry changes the last page
    assert sorted(i["id"] for p in pages for i in p["items"]) == sorted(i["id"] for i in whole["first"]["items"])
