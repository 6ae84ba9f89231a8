"""The search index in shards: oldest first, merged in the browser, re-indexed only where pages changed."""

import urllib.request

import pytest

from conftest import build
from digest import search

BASE = "/digest/"
OLDEST_FIRST = ["sullivan-no-stalemate", "hamas-attack-israel", "ukraine-defense-contact-group-brussels",
                "russia-artillery-shell-production", "house-israel-only-aid-bill", "gallup-ukraine-aid-poll",
                "ukraine-peace-talks"]


@pytest.fixture
def small_shards(monkeypatch):
    """Three entries an index, so the sample's seven entries make three indexes."""
    monkeypatch.setattr(search, "SHARD", 3)
    runs = []
    real = search._run_pagefind

    def counted(folder):
        runs.append(sorted(p.parent.name for p in folder.rglob("index.html")))
        return real(folder)

    monkeypatch.setattr(search, "_run_pagefind", counted)
    return runs


def test_entries_are_indexed_oldest_first_in_shards(sample_site, small_shards):
    result = build(sample_site, base_url="https://user.github.io" + BASE)
    assert [rel for rel, _ in result.indexed] == [f"{slug}/index.html" for slug in OLDEST_FIRST]
    assert sorted(small_shards) == sorted([sorted(OLDEST_FIRST[:3]), sorted(OLDEST_FIRST[3:6]), OLDEST_FIRST[6:]])
    out = sample_site / "output"
    for bundle in ("pagefind", "pagefind/2", "pagefind/3"):
        assert (out / bundle / "pagefind-entry.json").is_file() and (out / bundle / "pagefind.js").is_file()
    assert not (out / "pagefind/4").exists()
    page = (out / "search/index.html").read_text(encoding="utf-8")
    assert 'data-bundle="/digest/pagefind/" data-merge="/digest/pagefind/2/ /digest/pagefind/3/"' in page


def test_an_edit_reindexes_only_the_shard_of_its_entry(sample_site, small_shards):
    build(sample_site)
    small_shards.clear()
    index = sample_site / "content/russia-artillery-shell-production/index.md"
    index.write_text(index.read_text(encoding="utf-8").replace("\n\n", "\n\nA sentence added by an editor.\n\n", 1),
                     encoding="utf-8")
    build(sample_site)
    assert small_shards == [sorted(OLDEST_FIRST[3:6])]  # the other two came from the cache
    small_shards.clear()
    build(sample_site, sample_site / "fresh", use_cache=False)
    assert len(small_shards) == 3

    def tree(top):
        return {p.relative_to(top): p.read_bytes() for p in top.rglob("*") if p.is_file()}

    assert tree(sample_site / "output/pagefind") == tree(sample_site / "fresh/pagefind")  # the cache changed nothing


def test_a_site_without_entries_has_no_index_and_says_so(sample_site):
    for index in (sample_site / "content").glob("*/index.md"):
        text = index.read_text(encoding="utf-8")
        index.write_text(text.replace("\ntitle:", "\ndraft: true\ntitle:", 1), encoding="utf-8")
    build(sample_site)
    assert not (sample_site / "output/pagefind").exists()
    assert "There is nothing to search yet" in (sample_site / "output/search/index.html").read_text(encoding="utf-8")


def test_the_search_page_finds_pages_of_every_shard(sample_site, small_shards, serve, browser):
    build(sample_site, base_url="https://user.github.io" + BASE)
    site_url = serve(sample_site / "output", BASE)
    page = browser.new_page()
    for word, slugs in (("Sullivan", {"sullivan-no-stalemate", "ukraine-peace-talks"}),
                        ("Gallup", {"gallup-ukraine-aid-poll", "ukraine-peace-talks"})):
        page.goto(site_url + f"search/?q={word}")
        page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10000)
        page.wait_for_function(f"document.querySelectorAll('.pagefind-ui__result-link').length >= {len(slugs)}",
                               timeout=10000)
        hrefs = page.eval_on_selector_all(".pagefind-ui__result-link", "els => els.map(e => e.href)")
        found = {href.rstrip("/").rsplit("/", 1)[-1].split("#")[0] for href in hrefs}
        assert slugs <= found, hrefs
        for href in hrefs:
            assert href.startswith(site_url)
            with urllib.request.urlopen(href.split("#")[0]) as response:
                assert response.status == 200
    page.close()
