"""import_scrapes end to end on real files: bundles, ownership, re-import safety, pairing, bad input."""

from __future__ import annotations

import shutil
from datetime import datetime, timezone
from pathlib import Path

import pytest
import yaml

from digest.errors import SiteError
from digest.ingest import import_scrapes, pair_digests, similarity
from digest.scrape_input import parse_digest

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
SEED = FIXTURES / "scrape-newstalkers-ukraine-peace-talks.txt"
DIGEST = FIXTURES / "digest-ukraine-peace-talks.txt"
SCRAPED_AT = datetime(2024, 10, 6, tzinfo=timezone.utc)
NOW = datetime(2024, 10, 7, 8, 30, tzinfo=timezone.utc)
SLUG = "ukraine-peace-talks"


def _front(path: Path) -> dict:
    text = path.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    return yaml.safe_load(text.split("---\n", 2)[1])


def _import(site: Path, files: list[Path], **kw):
    kw.setdefault("scraped_at", SCRAPED_AT)
    kw.setdefault("now", NOW)
    return import_scrapes(site, files, **kw)


def test_seed_bundle(tmp_path):
    report = _import(tmp_path, [SEED], digest=DIGEST, slug=SLUG)
    bundle = tmp_path / "content" / SLUG
    assert report.actions == [f"created content/{SLUG}/index.md", f"created content/{SLUG}/source.md",
                              f"created content/{SLUG}/comments.yaml"]
    assert report.problems == []
    index = _front(bundle / "index.md")
    assert index["title"].startswith("U.S., European officials broach topic")
    assert str(index["date"]) == "2023-11-06" and index["tags"] == []
    assert index["summary"].startswith("Amidst the ongoing conflict in Ukraine") and index["summary"].endswith("sources.")
    body = (bundle / "index.md").read_text(encoding="utf-8").split("---\n", 2)[2]
    assert body.strip().startswith("Amidst the ongoing conflict") and "date 2023" not in body
    assert body.count("\n\n") >= 8
    source = _front(bundle / "source.md")
    assert source["authors"] == ["Courtney Kube", "Carol E. Lee", "Kristen Welker"]
    assert source["published"] == "2023-11" and source["via"] == "perrie-halpern"
    assert source["section"] == "News & Politics"
    assert source["scraped_at"] == SCRAPED_AT
    comments = yaml.safe_load((bundle / "comments.yaml").read_text(encoding="utf-8"))
    assert len(comments) == 19
    assert list(comments[1]) == ["id", "parent", "author", "author_rank", "posted", "quote", "text", "hidden", "pick"]
    assert comments[1]["id"] == "1.1" and comments[1]["parent"] == "1" and comments[1]["posted"] == "2023-11"


def test_output_is_deterministic(tmp_path):
    _import(tmp_path / "a", [SEED], digest=DIGEST, slug=SLUG)
    _import(tmp_path / "b", [SEED], digest=DIGEST, slug=SLUG, now=datetime(2030, 1, 1, tzinfo=timezone.utc))
    for name in ("index.md", "source.md", "comments.yaml"):
        assert (tmp_path / "a/content" / SLUG / name).read_bytes() == (tmp_path / "b/content" / SLUG / name).read_bytes()


def test_reimport_keeps_index_and_flags_backs_up_and_reports_broken_quotes(tmp_path):
    _import(tmp_path, [SEED], digest=DIGEST, slug=SLUG)
    bundle = tmp_path / "content" / SLUG
    # the editor edits index.md (an annotation on the article, one on a comment) and flags comments
    index = bundle / "index.md"
    edited = index.read_text(encoding="utf-8") + (
        '\n::: fact-check on=source quote="Russia fired an estimated 10 million rounds"\nA note.\n:::\n'
        '\n::: context on=comment:1.1 quote="the summer counteroffensive was a bust"\nAnother.\n:::\n'
        '\n::: analysis on=comment:2.1 quote="original"\nOn a comment that goes away.\n:::\n'
        '\n::: context on=digest quote="words the editor wrote elsewhere"\nNot import\'s business.\n:::\n')
    index.write_text(edited, encoding="utf-8")
    comments_path = bundle / "comments.yaml"
    comments = yaml.safe_load(comments_path.read_text(encoding="utf-8"))
    comments[0]["pick"] = True
    comments[9]["hidden"] = True  # 2.1 "original"
    comments_path.write_text(yaml.safe_dump(comments, allow_unicode=True, sort_keys=False), encoding="utf-8")
    # a newer scrape of the same page: the article's sentence was edited, the comment 2.1 deleted
    newer = SEED.read_text(encoding="utf-8")
    newer = newer.replace("But Russia fired an estimated 10 million rounds", "But Russia fired some 11 million rounds")
    start = newer.index("JBB\nProfessor Principal")
    newer = newer[:start] + newer[newer.index("MrFrost\nProfessor Guide"):]
    scrape = tmp_path / "newer.txt"
    scrape.write_text(newer, encoding="utf-8")

    report = _import(tmp_path, [scrape], digest=DIGEST)  # no --slug: found by its title
    stamp = "20241007T083000Z"
    assert report.actions == [
        f"kept content/{SLUG}/index.md (editor-owned)",
        f"refreshed content/{SLUG}/source.md (backup: content/{SLUG}/.backup/source.md.{stamp})",
        f"refreshed content/{SLUG}/comments.yaml (backup: content/{SLUG}/.backup/comments.yaml.{stamp})"]
    assert index.read_text(encoding="utf-8") == edited
    assert (bundle / ".backup" / f"source.md.{stamp}").read_text(encoding="utf-8").count("10 million rounds") == 1
    assert "11 million" in (bundle / "source.md").read_text(encoding="utf-8")
    new_comments = {c["id"]: c for c in yaml.safe_load(comments_path.read_text(encoding="utf-8"))}
    assert new_comments["1"]["pick"] is True and "2.1" not in new_comments
    assert all(not c["hidden"] for c in new_comments.values())
    messages = [str(p) for p in report.problems]
    assert any(f"content/{SLUG}/index.md:" in m and "10 million rounds" in m and "no longer" in m for m in messages)
    assert not any("counteroffensive was a bust" in m for m in messages)  # still there: not reported
    assert any("comment '2.1' was flagged (hidden)" in m for m in messages)
    assert any("comment '2.1', which is not in the new scrape" in m for m in messages)
    assert not any("the editor wrote elsewhere" in m for m in messages)
    assert not any("digest was not applied" in m for m in messages)  # index.md already holds it
    # the same scrape again: nothing changes, no new backup
    again = _import(tmp_path, [scrape])
    assert again.actions[1:] == [f"unchanged content/{SLUG}/source.md", f"unchanged content/{SLUG}/comments.yaml"]
    assert len(list((bundle / ".backup").iterdir())) == 2


def test_digest_in_the_batch_pairs_by_similarity(tmp_path):
    other = tmp_path / "other.txt"
    other.write_text("\n".join([
        "Local bakery wins national bread prize", "", "Category:  Food", "", "By:   Sam Baker", "",
        "The bakery on Main Street won the national sourdough prize on Sunday, beating forty other bakers.", "",
        "Its owner said the starter dough was a hundred years old and came from her grandmother's kitchen.",
    ]), encoding="utf-8")
    other_digest = tmp_path / "bread.txt"
    other_digest.write_text("date 2024-05-02\nA bakery on Main Street has won the national sourdough prize with "
                            "a starter dough inherited from the owner's grandmother.\n", encoding="utf-8")
    report = _import(tmp_path, [other_digest, SEED, DIGEST, other])
    assert report.problems == [] or all(p.severity == "warning" for p in report.problems)
    slugs = sorted(p.name for p in (tmp_path / "content").iterdir())
    assert slugs == ["local-bakery-wins-national-bread-prize",
                     "us-european-officials-broach-topic-of-peace-negotiations"]
    bread = _front(tmp_path / "content" / slugs[0] / "index.md")
    ukraine = _front(tmp_path / "content" / slugs[1] / "index.md")
    assert str(bread["date"]) == "2024-05-02" and str(ukraine["date"]) == "2023-11-06"
    assert "sourdough" in (tmp_path / "content" / slugs[0] / "index.md").read_text(encoding="utf-8")


def test_similarity_prefers_the_rewritten_scrape():
    from digest.scrape_text import parse_text_scrape
    seed = parse_text_scrape(SEED.read_text(encoding="utf-8"), SCRAPED_AT)
    digest = parse_digest(DIGEST.read_text(encoding="utf-8"))
    assert similarity(digest.text, seed) > 0.5
    unrelated = parse_digest("date 2024-01-01\nA cat was rescued from a tree by the fire brigade of a small town.")
    assert similarity(unrelated.text, seed) < 0.3
    assert pair_digests([seed], [unrelated, digest]) == {0: 1}


def test_unpaired_digest_is_a_warning(tmp_path):
    stray = tmp_path / "stray.txt"
    stray.write_text("date 2024-01-01\nA cat was rescued from a tree by the fire brigade of a small town.\n", encoding="utf-8")
    report = _import(tmp_path, [SEED, stray], slug=SLUG)
    assert any("matches none of the scrapes" in str(p) for p in report.problems)
    assert (tmp_path / "content" / SLUG / "index.md").read_text(encoding="utf-8").rstrip().endswith("---")


@pytest.mark.parametrize("content, message", [
    (b"just some notes\nnothing more\n", "not a recognizable scrape"),
    (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00", "binary file"),
    (b"   \n", "the file is empty"),
])
def test_non_scrape_is_rejected_and_writes_nothing(tmp_path, content, message):
    bad = tmp_path / "notes.txt"
    bad.write_bytes(content)
    with pytest.raises(SiteError) as err:
        _import(tmp_path, [bad])
    assert [p.path for p in err.value.problems] == [str(bad)]
    assert message in err.value.problems[0].message
    assert not (tmp_path / "content").exists()


def test_missing_file_is_an_error_not_a_traceback(tmp_path):
    with pytest.raises(SiteError) as err:
        _import(tmp_path, [tmp_path / "nope.html"])
    assert "cannot read file" in str(err.value)


def test_no_scraped_at_falls_back_to_mtime_with_a_warning(tmp_path):
    seed = tmp_path / "seed.txt"
    shutil.copy(SEED, seed)
    report = import_scrapes(tmp_path, [seed], slug=SLUG, now=NOW)
    assert any("modification time" in p.message and p.severity == "warning" for p in report.problems)


def test_latin1_text_dump_is_decoded_with_a_warning(tmp_path):
    dump = SEED.read_text(encoding="utf-8").replace("Courtney Kube", "Zoë Kube").replace("\u00a0", " ")
    dump = dump.replace("ᵢ", "i").replace("•", "-").replace("—", "-").replace("’", "'").replace("“", '"')
    dump = dump.replace("”", '"').replace("╌", "-")
    path = tmp_path / "latin1.txt"
    path.write_bytes(dump.encode("latin-1"))
    report = _import(tmp_path, [path], slug=SLUG)
    assert any("not valid UTF-8" in p.message for p in report.problems)
    assert "Zoë Kube" in (tmp_path / "content" / SLUG / "source.md").read_text(encoding="utf-8")


def test_a_digest_alone_is_not_a_scrape(tmp_path):
    """Found by the property tests: a digest-looking file with an encoding warning imported nothing, silently."""
    site, scrape = tmp_path / "site", tmp_path / "scrape.txt"
    (site / "content").mkdir(parents=True)
    scrape.write_bytes(b"date0001-01-01\t\x80")
    with pytest.raises(SiteError) as caught:
        import_scrapes(site, [scrape])
    assert any(p.message == "no scrape to import" for p in caught.value.problems)
    assert list((site / "content").iterdir()) == []
