"""Saved HTML pages: metadata, body, comments, hostile markup, encodings; and the whole corpus, scored."""

from __future__ import annotations

import re
import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from digest.ingest import import_scrapes
from digest.scrape_html import parse_html_scrape
from digest.scrape_input import decode

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
HOSTILE = FIXTURES / "hostile.html"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
SCRAPED_AT = datetime(2024, 10, 6, tzinfo=timezone.utc)
CORPUS_FLOOR = 0.95  # measured 0.988 (trafilatura alone: 0.592); see bench/score_import.py


@pytest.fixture(scope="module")
def hostile():
    return parse_html_scrape(HOSTILE.read_text(encoding="utf-8"), SCRAPED_AT)


def test_metadata_from_json_ld_graph_meta_and_canonical(hostile):
    assert hostile.title == "Council approves new bridge over the river"
    assert hostile.authors == ("Jane Marlow", "Omar Haddad")  # the @graph reference resolved
    assert hostile.published == "2024-03-05T09:15:00+01:00"
    assert hostile.url == "https://gazette.example/2024/03/05/council-bridge/"
    assert hostile.site_name == "Riverside Gazette"


def test_body_markdown_without_chrome(hostile):
    assert "## What happens next" in hostile.body
    assert "[full report](https://gazette.example/docs/bridge-report.pdf)" in hostile.body
    assert "![a broken image](https://gazette.example/2024/03/05/council-bridge/x.png)" in hostile.body
    for chrome in ("Home", "Sport", "Share on Twitter", "Privacy", "Finally!", "3 comments", "svg text"):
        assert chrome not in hostile.body


def test_comment_tree_skips_pingbacks_and_splits_quotes(hostile):
    got = [(c.id, c.parent, c.author, c.posted) for c in hostile.comments]
    assert got == [("comment-101", None, "Ann Reader", "2024-03-05T10:00:00+01:00"),
                   ("comment-102", "comment-101", "Bob Critic", "2024-03-05T11:30:00+01:00"),
                   ("comment-104", None, "Carla", "")]
    bob = hostile.comments[1]
    assert bob.quote == "I have waited years for this bridge."
    assert bob.text == "So have the trees that will be cut down.\n\nTwelve million is a lot of money."
    assert hostile.comments[2].text == "- Good for cyclists\n- Good for tourism"
    assert "Reply" not in hostile.comments[0].text and "says" not in hostile.comments[0].text
    assert any("pingback" in w for w in hostile.warnings)


_UNSAFE = re.compile(r"(?<!\\)<|javascript:|onerror|onload|onclick|onmouseover|iframe|evil\.example|document\.cookie",
                     re.I)


def test_hostile_markup_never_reaches_the_bundle(tmp_path):
    import_scrapes(tmp_path, [HOSTILE], scraped_at=SCRAPED_AT, slug="bridge", now=SCRAPED_AT)
    bundle = tmp_path / "content" / "bridge"
    for name in ("index.md", "source.md", "comments.yaml"):
        text = (bundle / name).read_text(encoding="utf-8")
        assert not _UNSAFE.search(text), (name, _UNSAFE.search(text))
    comments = yaml.safe_load((bundle / "comments.yaml").read_text(encoding="utf-8"))
    assert [c["id"] for c in comments] == ["comment-101", "comment-102", "comment-104"]
    source = (bundle / "source.md").read_text(encoding="utf-8")
    assert "\\<script>alert(\"text\")\\</script>" in source  # text that looks like markup stays escaped text


def test_declared_charset_is_used_and_a_wrong_one_is_detected():
    page = '<html><head><meta charset="windows-1252"><title>Café crème</title></head><body><p>Déjà vu</p></body></html>'
    text, why = decode(page.encode("cp1252"))
    assert "Café crème" in text and why == ""
    lying = page.replace("windows-1252", "utf-8").encode("cp1252")
    text, why = decode(lying)
    assert "declares charset 'utf-8'" in why and "Caf" in text


def test_broken_encoding_imports_with_a_warning(tmp_path):
    page = HOSTILE.read_text(encoding="utf-8").replace("Omar Haddad", "Zoë Müller-Lüdenscheidt")
    path = tmp_path / "broken.html"
    path.write_bytes(page.encode("cp1252", errors="replace"))  # declares utf-8, holds cp1252
    report = import_scrapes(tmp_path, [path], scraped_at=SCRAPED_AT, slug="bridge", now=SCRAPED_AT)
    assert any("declares charset 'utf-8'" in p.message for p in report.problems)
    assert (tmp_path / "content" / "bridge" / "source.md").is_file()


def test_page_without_article_is_rejected():
    with pytest.raises(ValueError):
        parse_html_scrape("<html><head></head><body><nav><a href='/'>Home</a></nav></body></html>", SCRAPED_AT)


@pytest.mark.skipif(not (CORPUS / "score.py").is_file(), reason="../shared/corpus is not beside the repository")
def test_corpus_score_stays_above_the_floor(tmp_path):
    pages = sorted((CORPUS / "pages").glob("*.html"))
    assert len(pages) == 33
    entries = tmp_path / "entries"  # score.py finds <page id>/source.md; slugs are lowercase
    entries.mkdir()
    for page in pages:
        import_scrapes(tmp_path, [page], scraped_at=SCRAPED_AT, slug=page.stem.lower(), now=SCRAPED_AT)
        (tmp_path / "content" / page.stem.lower()).rename(entries / page.stem)
    run = subprocess.run([sys.executable, str(CORPUS / "score.py"), str(entries), str(CORPUS)],
                         capture_output=True, text=True, check=True)
    print(run.stdout)
    assert "(no entry)" not in run.stdout
    overall = float(re.search(r"^overall: ([\d.]+)$", run.stdout, re.M).group(1))
    metrics = dict(re.findall(r"^(\w+)\s+([\d.]+)\s+\(\d+ pages\)$", run.stdout, re.M))
    assert overall >= CORPUS_FLOOR, run.stdout
    assert float(metrics["c_parent"]) >= 0.9 and float(metrics["body"]) >= 0.9, run.stdout
