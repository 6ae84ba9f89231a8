"""Editors' notes: syntax, anchoring across markup, ambiguity and misses, --strict, rendering."""

from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import build
from digest.annotate import normalize
from digest.config import load_config
from digest.errors import SiteError
from digest.load import load_entries
from digest.markup import make_renderers, markup
from digest.annotate import annotate


def annotated(root: Path):
    config = load_config(root / "site.yaml")
    entries, _ = load_entries(root, config)
    entries, problems = markup(entries, make_renderers(config))
    assert problems == []
    (entry,) = [e for e in entries if e.slug == "story"]
    return annotate(entry, config)


def test_notes_are_anchored_numbered_in_page_order(fixture_site):
    entry, problems = annotated(fixture_site("notes"))
    notes = [(n.number, n.kind, n.target, n.anchored) for n in entry.annotations]
    assert notes == [
        (1, "context", "digest", True),      # 'war has reached a “stalemate”' (first in the digest)
        (2, "analysis", "digest", True),     # the inline note
        (3, "correction", "digest", True),   # 'The war is', second occurrence
        (4, "context", "source", True),
        (5, "fact-check", "comment", True),
        (6, "rumour", "source", False),      # unanchored notes come last, never dropped
    ]
    assert [str(p) for p in problems] == [
        'content/story/index.md:26:1: warning: note not anchored: the quote matches nothing in the source: '
        '"never in the article". Quote the passage exactly as it reads, or add prefix=, suffix= or occurrence=']


def test_anchoring_crosses_markup_whitespace_and_quote_styles(fixture_site):
    entry, _ = annotated(fixture_site("notes"))
    digest = BeautifulSoup(entry.html, "html.parser")
    marks = digest.select('mark[data-note="note-1"]')
    # 'war has reached a “stalemate”' spans <em>war</em> and typographic quotes
    assert [m.get_text() for m in marks] == ["war", " has reached a “stalemate”"]
    assert marks[0]["id"] == "note-1-passage" and marks[0]["data-kind"] == "context"
    source = BeautifulSoup(entry.source.html, "html.parser")
    assert source.select_one('mark[data-note="note-4"]').get_text() == "more than\n50 nations"  # across a line break
    comment = BeautifulSoup(entry.comments[1].html, "html.parser")
    assert [m.get_text() for m in comment.select('mark[data-note="note-5"]')] == ["the ", "whole war", " could have been avoided"]
    third = digest.select_one('mark[data-note="note-3"]')
    assert third.parent.get_text().startswith("The war is long. The war is")
    assert third.previous_sibling == "The war is long. "


def test_note_elements_link_to_their_passage_and_back(fixture_site):
    entry, _ = annotated(fixture_site("notes"))
    digest = BeautifulSoup(entry.html, "html.parser")
    aside = digest.select_one("aside#note-1")
    assert aside["data-kind"] == "context"
    # notes stand before the block of their passage (to float level with it), in number order
    first_block = digest.select_one("#note-1-passage").find_parent("p")
    assert [a["id"] for a in first_block.find_previous_siblings("aside")][::-1] == ["note-1", "note-2"]
    assert first_block.select_one("#note-1-passage") is not None
    assert aside.select_one("a.note-back")["href"] == "#note-1-passage"
    assert digest.select_one('a.note-ref[href="#note-1"]').get_text() == "1"
    inline = digest.select_one("aside#note-2")
    assert "Once in <em>Brussels</em>, once online." in str(inline) and "Analysis" in inline.get_text()
    comment = BeautifulSoup(entry.comments[1].html, "html.parser")
    fact = comment.select_one("aside#note-5")
    assert "disputed" in fact.get_text() and "by Desk" in fact.get_text()
    assert fact.select_one('a[href="https://example.org/record"]') is not None


@pytest.mark.parametrize("extra, reason", [
    ('::: context quote="The war is"\nx\n:::\n', "the quote matches 2 places"),
    ('::: context quote="The war is" prefix="long."\nx\n:::\n', None),
    ('::: context quote="The war is" suffix="long"\nx\n:::\n', None),
    ('::: context quote="The war is" occurrence=3\nx\n:::\n', "occurrence=3 but the quote appears 2 time(s)"),
    ('::: context on=comment:9 quote="First"\nx\n:::\n', "no comment with id '9'"),
])
def test_ambiguity_and_misses(fixture_site, extra, reason):
    root = fixture_site("notes")
    index = root / "content/story/index.md"
    index.write_text(index.read_text() + "\n" + extra)
    entry, problems = annotated(root)
    last = max(entry.annotations, key=lambda n: n.line)
    if reason is None:
        assert last.anchored
    else:
        assert not last.anchored and last.problem == reason
        assert any(reason in str(p) for p in problems)


def test_malformed_notes_are_errors_with_their_line(fixture_site):
    root = fixture_site("notes")
    index = root / "content/story/index.md"
    index.write_text(index.read_text() + '\n::: context on=somewhere quote="x"\nx\n:::\n\n::: analysis\nno quote\n:::\n')
    with pytest.raises(SiteError) as caught:
        build(root)
    assert [str(p) for p in caught.value.problems] == [
        "content/story/index.md:30:1: error: context note: 'on=somewhere' names no target; use on=digest, "
        "on=source or on=comment:<id>. See README, 'Annotations'",
        "content/story/index.md:34:1: error: analysis note: the note has no quote=\"...\": quote the exact "
        "passage it is about. See README, 'Annotations'",
    ]


def test_strict_makes_unanchored_notes_errors(fixture_site):
    root = fixture_site("notes")
    result = build(root)
    assert len(result.warnings) == 1
    with pytest.raises(SiteError) as caught:
        build(root, strict=True)
    (found,) = caught.value.problems
    assert found.is_error and "never in the article" in found.message


def test_normalize():
    assert normalize("a  “b”\n‘c’") == "a \"b\" 'c'"
