"""The search index in shards: oldest first, merged in the browser, re-indexed only where pages changed."""

import json
import urllib.request
from pathlib import Path

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
    assert 'data-api="/digest/static/search/" data-merge="/digest/pagefind/2/ /digest/pagefind/3/"' in page


def tree(top: Path) -> dict:
    return {p.relative_to(top): p.read_bytes() for p in top.rglob("*") if p.is_file()}


def edit(site: Path, slug: str, old: str, new: str) -> None:
    index = site / "content" / slug / "index.md"
    text = index.read_text(encoding="utf-8")
    assert old in text
    index.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_an_edit_indexes_only_its_page_and_an_exact_build_its_shard(sample_site, small_shards):
    build(sample_site)
    small_shards.clear()
    edit(sample_site, "russia-artillery-shell-production", "\n\n", "\n\nA sentence added by an editor.\n\n")
    build(sample_site)
    assert small_shards == [["russia-artillery-shell-production"]]  # into the index of edits; the shards from the cache
    out = sample_site / "output/pagefind"
    edits = json.loads((out / "edits.json").read_text(encoding="utf-8"))
    assert edits["bundle"] == "edits/" and (out / "edits/pagefind-entry.json").is_file()
    assert [url for _, url in edits["stale"]] == ["/russia-artillery-shell-production/"]
    assert not (out / "edits/fragment" / f"{edits['stale'][0][0]}.pf_fragment").exists()  # a new copy, its own id
    small_shards.clear()
    build(sample_site, exact_search=True)  # as deploy builds
    assert small_shards == [sorted(OLDEST_FIRST[3:6])]
    small_shards.clear()
    build(sample_site, sample_site / "fresh", use_cache=False)
    assert len(small_shards) == 3
    assert tree(out) == tree(sample_site / "fresh/pagefind")  # exact: what a cold build makes
    assert json.loads((out / "edits.json").read_text(encoding="utf-8")) == {"bundle": None, "stale": []}


def test_past_the_edits_an_index_holds_the_shard_with_the_most_is_indexed_again(sample_site, small_shards,
                                                                                monkeypatch):
    monkeypatch.setattr(search, "EDITS", 1)
    build(sample_site)
    edit(sample_site, "sullivan-no-stalemate", "\n\n", "\n\nOne edit.\n\n")
    edit(sample_site, "hamas-attack-israel", "\n\n", "\n\nAnother edit.\n\n")
    edit(sample_site, "ukraine-peace-talks", "\n\n", "\n\nA third edit.\n\n")
    small_shards.clear()
    build(sample_site)
    assert sorted(small_shards) == sorted([sorted(OLDEST_FIRST[:3]), ["ukraine-peace-talks"]])
    stale = json.loads((sample_site / "output/pagefind/edits.json").read_text(encoding="utf-8"))["stale"]
    assert [url for _, url in stale] == ["/ukraine-peace-talks/"]
    build(sample_site, sample_site / "fresh", use_cache=False)
    build(sample_site, exact_search=True)
    assert tree(sample_site / "output/pagefind") == tree(sample_site / "fresh/pagefind")


def test_the_search_page_finds_an_edit_once_and_not_what_it_removed(sample_site, small_shards, serve, browser):
    slug = "russia-artillery-shell-production"
    edit(sample_site, slug, "\n\n", "\n\nThe quixotry of procurement.\n\n")
    build(sample_site, base_url="https://user.github.io" + BASE)
    edit(sample_site, slug, "quixotry", "zanzibarian")
    build(sample_site, base_url="https://user.github.io" + BASE)
    assert small_shards[-1] == [slug]
    site_url = serve(sample_site / "output", BASE)
    page = browser.new_page()

    def found(word: str) -> list[str]:
        page.goto(site_url + f"search/?q={word}")
        page.locator(".pagefind-ui__message").first.wait_for(timeout=10000)
        page.wait_for_function("!/Searching/.test(document.querySelector('.pagefind-ui__message').textContent)",
                               timeout=10000)
        page.wait_for_timeout(300)  # the results' data load after the count
        return page.eval_on_selector_all(  # each result's own link (not its sub-results')
            ".pagefind-ui__result", "els => els.map(e => e.querySelector('.pagefind-ui__result-link').getAttribute('href'))")

    assert found("zanzibarian") == [BASE + slug + "/"]  # from the index of edits
    assert found("quixotry") == []  # its old copy in the shard's index is left out
    assert found("artillery").count(BASE + slug + "/") == 1
    assert found("zanzibarian") and page.locator(".pagefind-ui__message").first.text_content().startswith("1 result")
    assert page.locator(".pagefind-ui__result").first.text_content().count("Edit") == 0  # the mark is not shown
    page.close()


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
