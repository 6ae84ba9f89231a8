"""The digest checked against its source: figures, quotations, names; acknowledgements; provenance; CLI."""

from __future__ import annotations

import subprocess
import sys
from datetime import datetime, timezone
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from conftest import CLOCK, REPO, build
from digest import config as config_stage, load, verify
from digest.errors import SiteError
from digest.model import Acknowledgement, Entry, Source

SEED = "content/ukraine-peace-talks/index.md"
PLANTS = {  # seed text -> planted text, and what the check must report, on which line of index.md
    "figure": ("Approximately $5 billion", "Approximately $6 billion", "$6 billion", 26),
    "name": ("Privately, some U.S. military officials", "Privately, Defense Secretary Lloyd Austin and some U.S. military officials",
             "Lloyd Austin", 18),
    "quotation": ("President Biden has expressed", 'President Biden said "we will never abandon Kyiv" and has expressed',
                  "we will never abandon Kyiv", 20),
}


def entries(root: Path) -> dict[str, Entry]:
    config = config_stage.load_config(root / "site.yaml", None)
    return {e.slug: e for e in load.load_entries(root, config)[0]}


def plant(root: Path, *kinds: str) -> None:
    path = root / SEED
    text = path.read_text(encoding="utf-8")
    for kind in kinds:
        old, new, _, _ = PLANTS[kind]
        assert text.count(old) == 1
        text = text.replace(old, new)
    path.write_text(text, encoding="utf-8")


def pair(digest: str, source: str, checked: tuple = ()) -> Entry:
    return Entry(slug="x", src_path=Path("content/x/index.md"), title="X", date=datetime(2023, 11, 6, tzinfo=timezone.utc),
                 body=digest, body_line=5, checked=checked,
                 source=Source(src_path=Path("content/x/source.md"), title="X", body=source, body_line=3))


def claims(entry: Entry) -> list[tuple[str, str]]:
    return [(f.kind, f.claim) for f in verify.check_entry(entry)]


# ---- the seed pair --------------------------------------------------------------------------------------------

def test_the_seed_digest_as_it_is_has_no_findings(sample_site):
    found = entries(sample_site)
    assert verify.check_entry(found["ukraine-peace-talks"]) == []
    assert all(verify.check_entry(e) == [] for e in found.values() if e.source is None)  # no source: skipped


@pytest.mark.parametrize("kind", sorted(PLANTS))
def test_a_planted_claim_is_caught_on_its_line(sample_site, kind):
    plant(sample_site, kind)
    (finding,) = verify.check_entry(entries(sample_site)["ukraine-peace-talks"])
    _, _, claim, line = PLANTS[kind]
    assert (finding.kind, finding.claim, finding.line) == (kind, claim, line)
    assert finding.passage and finding.passage_line > 13  # the closest passage of source.md, with its line


def test_the_closest_passage_is_the_one_the_claim_rewrites(sample_site):
    plant(sample_site, "figure")
    (finding,) = verify.check_entry(entries(sample_site)["ukraine-peace-talks"])
    assert finding.passage_line == 48 and "billion" in finding.passage


def test_notes_and_front_matter_are_not_checked(sample_site):
    path = sample_site / SEED
    text = path.read_text(encoding="utf-8")
    text = text.replace("summary: \"", "summary: \"Lloyd Austin says 99% ").replace(
        "A coalition of some 50 countries", "A coalition of 51 countries led by Jens Stoltenberg")
    text = text.replace("{>>analysis: In public", '{>>analysis: Olaf Scholz said "nothing of the sort" in 1999. In public')
    path.write_text(text, encoding="utf-8")
    assert verify.check_entry(entries(sample_site)["ukraine-peace-talks"]) == []


# ---- rewordings that are the same claim, and near misses that are not ---------------------------------------

@pytest.mark.parametrize("digest, source", [
    ("Some 41 percent of Americans agree.", "with 41% of Americans saying so"),
    ("About 41% agree.", "forty-one per cent agree"),
    ("Over 50 nations met.", "representatives from more than 50 nations"),
    ("They spent $43.9 billion.", "The administration has spent $43.9 billion on aid."),
    ("Some 5 billion dollars remain.", "about $5 billion left"),
    ("It has $5bn left.", "about $5 billion left"),
    ("The war began nearly a month ago.", "since the war began nearly a month ago"),
    ("Two people spoke.", "according to 2 people"),
    ("Russia may make two million shells a year.", "produce 2 million shells per year"),
    ("A third of Americans are content.", "33% of Americans think it is right"),
    ("Hamas attacked on October 7.", "Once Hamas attacked Israel on Oct. 7, things changed."),
    ("The invasion began in 2022.", "since Russia's invasion in February 2022"),
    ("It spent $43,900,000,000.", "It spent $43.9 billion."),
])
def test_rewordings_of_the_same_figure_are_not_flagged(digest, source):
    assert claims(pair(digest, source)) == []


@pytest.mark.parametrize("digest, source, claim", [
    ("About $44 billion was spent.", "It spent $43.9 billion.", "$44 billion"),
    ("About 41 nations agree.", "with 41% of Americans", "41"),
    ("Some 34% are content.", "A third of Americans are content.", "34%"),
    ("It costs €5 billion.", "It costs $5 billion.", "€5 billion"),
    ("Hamas attacked on 8 October.", "Hamas attacked Israel on Oct. 7.", "8 October"),
    ("Three officials spoke.", "Two officials spoke.", "Three"),
])
def test_a_different_figure_is_flagged(digest, source, claim):
    assert claims(pair(digest, source)) == [("figure", claim)]


def test_figures_are_found_in_any_case_at_their_place_in_the_text():
    # matched in lower-cased text: "İ" lower-cases to two characters, which must not shift the offsets
    for text in ("İSTANBUL: Two-Thirds Of voters and US$5 MILLION, 12 PERCENT on 7 October",
                 "Istanbul: two-thirds of voters and us$5 million, 12 percent on 7 October"):
        found = [(f.kind, f.value, f.text, f.start) for f in verify.figures(text)]
        assert [(kind, value) for kind, value, _, _ in found] == [("percent", 200 / 3), ("money", 5e6), ("percent", 12.0),
                                                                  ("date", 907)]
        assert all(text[start:start + len(shown)] == shown for _, _, shown, start in found)


@pytest.mark.parametrize("digest", [
    "President Biden met President Zelenskyy’s team.",
    "The Biden administration and the Ukrainian, European and Western officials agreed.",
    "The United States and Kyiv agreed on Monday in March.",
    "Zelenskyy's advisers and congressional Republicans met.",
    "Crucially, Republicans and the Israel-Hamas war came up.",
])
def test_names_the_source_mentions_in_another_form_are_not_flagged(digest):
    source = ("President Joe Biden spoke to President Volodymyr Zelenskyy. The U.S. said it. Some Republicans "
              "objected. Ukrainians in Kyiv watched the war between Israel and Hamas. Europe and the West agreed.")
    assert claims(pair(digest, source)) == []


def test_quotations_short_scare_quotes_and_speech():
    source = 'Officials privately used the term "stalemate". Sullivan said, "We do not assess that it is a stalemate."'
    assert claims(pair('Officials called it a “stalemate,” privately.', source)) == []
    assert claims(pair("Sullivan said: “we do not assess that it is a stalemate”.", source)) == []
    assert claims(pair('A "forever war" looms.', source)) == []  # a short scare quote, not speech
    assert claims(pair('A "war of attrition" looms.', source)) == [("quotation", "war of attrition")]
    assert claims(pair('Sullivan called it "genocide".', source)) == [("quotation", "genocide")]
    assert claims(pair('He warned: "they will tire first."', source)) == [("quotation", "they will tire first")]


# ---- acknowledgements -------------------------------------------------------------------------------------------

def test_an_acknowledgement_silences_its_finding_and_a_stale_one_warns():
    entry = pair("Aid reached $6.2 billion, Lloyd Austin said.", "Aid reached $5 billion.",
                 (Acknowledgement("6.2 billion dollars", "from the Pentagon's June 2023 release", line=2),
                  Acknowledgement("Lloyd Austin", line=3), Acknowledgement("Jens Stoltenberg", line=4)))
    kept, stale = verify.open_findings(entry, verify.check_entry(entry))
    assert kept == []
    (problem,) = stale
    assert (problem.path, problem.line, problem.severity) == ("content/x/index.md", 4, "warning")
    assert '"Jens Stoltenberg" acknowledges nothing' in problem.message


def test_acknowledgements_in_front_matter(sample_site):
    plant(sample_site, "figure", "name")
    path = sample_site / SEED
    path.write_text(path.read_text(encoding="utf-8").replace(
        "story: ukraine-war\n", 'story: ukraine-war\nchecked:\n  "$6 billion": "rounded up from the Pentagon figure"\n'
        '  Lloyd Austin: "named in the context note"\n  "99%": ""\n'), encoding="utf-8")
    entry = entries(sample_site)["ukraine-peace-talks"]
    assert [a.claim for a in entry.checked] == ["$6 billion", "Lloyd Austin", "99%"]
    result = build(sample_site, drafts=False)
    assert [(p.line, p.message.split(":")[0]) for p in result.warnings] == [(10, "checked")]
    assert not any(verify.is_finding(p) for p in result.warnings)


@pytest.mark.parametrize("value, line, message", [
    ("checked: 12\n", 7, "'checked' must be a list of claims, or a mapping of claim: reason, not a number"),
    ("checked:\n  - {claim: x}\n", 8, "'checked' item 1 must be a claim as text, not a mapping"),
    ('checked:\n  "$6 billion": [a, b]\n', 8, "'checked': the reason for '$6 billion' must be text, not a list"),
])
def test_malformed_acknowledgements_are_errors_with_their_line(sample_site, value, line, message):
    path = sample_site / SEED
    path.write_text(path.read_text(encoding="utf-8").replace("story: ukraine-war\n", "story: ukraine-war\n" + value),
                    encoding="utf-8")
    with pytest.raises(SiteError) as caught:
        entries(sample_site)
    assert [(p.path, p.line, p.message) for p in caught.value.problems] == [(SEED, line, message)]


# ---- the build: warnings, badge, provenance links -----------------------------------------------------------

def test_the_build_reports_findings_as_warnings_and_strict_makes_them_errors(sample_site):
    plant(sample_site, "figure")
    (problem,) = build(sample_site).warnings
    assert str(problem).startswith(f"{SEED}:26:")
    assert 'the figure "$6 billion" is not in the source; closest source passage (content/ukraine-peace-talks/source.md:48)' in str(problem)
    with pytest.raises(SiteError):
        build(sample_site, strict=True)


def test_the_entry_page_links_each_paragraph_to_the_article(sample_site):
    build(sample_site)
    page = BeautifulSoup((sample_site / "output/ukraine-peace-talks/index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.select_one(".entry-head .badge-checked").get_text() == "Checked against source · 0 open findings"
    ids = [p["id"] for p in page.select(".article p[id^=source-p-]")]
    assert ids == [f"source-p-{n}" for n in range(1, len(ids) + 1)] and len(ids) > 20
    paragraphs = page.select(".digest > p")

    def links(p):  # the "from the article" line just after the paragraph
        after = p.find_next_sibling()
        return after.select("a") if after is not None and "from-article" in after.get("class", []) else []
    linked = [p for p in paragraphs if links(p)]
    assert len(linked) == 8 and "In conclusion" in paragraphs[-1].get_text()  # the closing fluff rewrites nothing
    for p in linked:
        assert links(p)[0].get_text() == "from the article"
        assert all(a["href"].lstrip("#") in ids for a in links(p))
    assert [a["href"] for a in links(linked[0])] == ["#source-p-1", "#source-p-2"]
    # the editors' notes and their marked passages are where they were
    assert len(page.select(".digest aside.note")) == 4 and len(page.select(".digest mark[data-note]")) == 4
    assert page.select_one(".digest mark#note-3-passage").find_parent("p") is paragraphs[2]


def test_entries_without_a_source_have_no_badge(sample_site):
    build(sample_site)
    page = (sample_site / "output/sullivan-no-stalemate/index.html").read_text(encoding="utf-8")
    assert "badge-checked" not in page and "from-article" not in page


def test_the_badge_counts_open_findings(sample_site):
    plant(sample_site, "figure", "quotation")
    build(sample_site)
    page = BeautifulSoup((sample_site / "output/ukraine-peace-talks/index.html").read_text(encoding="utf-8"), "html.parser")
    assert page.select_one(".badge-checked.badge-findings").get_text() == "Checked against source · 2 open findings"


# ---- the command line --------------------------------------------------------------------------------------------

def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args, "--clock", CLOCK.isoformat()],
                          capture_output=True, text=True, timeout=120)


def test_check_exits_1_on_findings_and_0_without(sample_site):
    done = run("check", "--site", str(sample_site))
    assert done.returncode == 0 and done.stderr == "", done.stderr
    assert done.stdout.startswith("checked 28 pages: no errors, 0 warnings")
    plant(sample_site, *PLANTS)
    done = run("check", "--site", str(sample_site))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert [line.split(": warning: ")[0].rsplit(":", 1)[0] for line in lines] == [f"{SEED}:18", f"{SEED}:20", f"{SEED}:26"]
    assert done.stdout.startswith("checked 28 pages: no errors, 3 warnings (3 digest-vs-source findings)")
    built = run("build", "--site", str(sample_site), "--quiet")
    assert built.returncode == 0 and built.stderr.count("digest vs source") == 3
    assert run("build", "--site", str(sample_site), "--strict").returncode == 1
