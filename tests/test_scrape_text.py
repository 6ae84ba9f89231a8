"""The seed page dump held to exact expectations: meta, headings, no chrome, all 19 comments."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from digest.scrape_common import escape_markdown, resolve_when, split_authors
from digest.scrape_text import parse_text_scrape

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "ingest"
SCRAPED_AT = datetime(2024, 10, 6, 12, 0, tzinfo=timezone.utc)

# id, parent, author, rank, start of the quote ("" = none), start of the reply
THREAD = [
    ("1", None, "TᵢG", "Professor Principal", "", "Putin will likely pursue a path of attrition"),
    ("1.1", "1", "Colour Me Free", "Senior Quiet", "He is unlikely to negotiate if he sees", "From the reading I have done"),
    ("1.1.1", "1.1", "TᵢG", "Professor Principal", "", "Unfortunately, your analysis seems sound."),
    ("1.1.2", "1.1.1", "Colour Me Free", "Senior Quiet", "", "Sadly, it seems the world"),
    ("1.1.3", "1.1.2", "independent Liberal", "Freshman Quiet", "We have college campuses holding pro Hamas rallies.",
     "We have a very serous Hamazi problem."),
    ("1.1.4", "1.1.3", "Colour Me Free", "Senior Quiet", "What is truly surprising is the lack of awareness",
     "I am not so sure that Hamas"),
    ("1.1.5", "1.1.4", "George", "Junior Expert", "Are these terrorist organizations being romanticized",
     "Yes, in the same way"),
    ("1.1.6", "1.1.5", "Colour Me Free", "Senior Quiet", "", "Awww yes, Che Guevara"),
    ("2", None, "Nerm_L", "Professor Expert", "", "Is 'stalemate' the polite name"),
    ("2.1", "2", "JBB", "Professor Principal", "", "original"),
    ("2.1.1", "2.1", "MrFrost", "Professor Guide", "", "I love how it's Biden's fault"),
    ("2.2", "2", "Thrawn 31", "Professor Guide", "", "Mr. Chamberlain is back."),
    ("3", None, "independent Liberal", "Freshman Quiet", "", "I am most surprised by the growth"),
    ("3.1", "3", "Thrawn 31", "Professor Guide", "", "Hovering above the poverty line"),
    ("3.1.1", "3.1", "independent Liberal", "Freshman Quiet", "", "Russia Sees Resilient Economy"),
    ("3.1.2", "3.1.1", "Gsquared", "Professor Principal", "", "There is no way that the Russian"),
    ("4", None, "Thrawn 31", "Professor Guide", "", "Does Putin want peace? That is the question. If Putin"),
    ("4.1", "4", "Colour Me Free", "Senior Quiet", "", "Zelensky will not talk 'peace deal'"),
    ("4.2", "4", "Gsquared", "Professor Principal", "Does Putin want peace? That is the question.", "The answer is no."),
]


@pytest.fixture(scope="module")
def page():
    text = (FIXTURES / "scrape-newstalkers-ukraine-peace-talks.txt").read_text(encoding="utf-8")
    return parse_text_scrape(text, SCRAPED_AT)


def test_seed_metadata(page):
    assert page.title == "U.S., European officials broach topic of peace negotiations with Ukraine, sources say"
    assert page.section == "News & Politics"
    assert page.via == "perrie-halpern"
    assert page.authors == ("Courtney Kube", "Carol E. Lee", "Kristen Welker")
    assert page.published == "2023-11"
    assert page.summary.startswith("U.S. and European officials have begun quietly talking")
    assert page.warnings == ()


def test_seed_body_headings_and_paragraphs(page):
    headings = [line for line in page.body.split("\n") if line.startswith("#")]
    assert headings == ["## Questions about manpower", "## Is Putin ready to negotiate?", "## Public support slipping"]
    paragraphs = page.body.strip().split("\n\n")
    assert paragraphs[0].startswith("WASHINGTON — U.S. and European officials have begun quietly talking")
    assert paragraphs[-1] == 'Kristen Welker is the moderator of "Meet the Press".'
    assert paragraphs[-2] == "*Kristen Welker*"  # the image file name dropped, its caption kept
    assert len(paragraphs) == 30


@pytest.mark.parametrize("chrome", ["S E E D E D", "C O N T E N T", "Tags", "jrDiscussion", "[]", "Who is online",
                                    "visitors", "Vic Eldred", "Category:", "Via:", "By:", ".jpg", "replied to",
                                    "Professor Principal", "\u00a0", "╌"])
def test_seed_body_has_no_chrome(page, chrome):
    assert chrome not in page.body


def test_seed_title_and_teaser_not_repeated_in_body(page):
    assert page.title not in page.body
    assert page.body.count("U.S. and European officials have begun quietly talking") == 1


def test_seed_all_19_comments(page):
    got = [(c.id, c.parent, c.author, c.author_rank) for c in page.comments]
    assert got == [row[:4] for row in THREAD]
    for comment, (cid, _, _, _, quote, reply) in zip(page.comments, THREAD):
        assert comment.posted == "2023-11", cid
        if quote:
            assert comment.quote.startswith(quote), cid
            assert quote not in comment.text, cid
        else:
            assert comment.quote == "", cid
        assert comment.text.startswith(reply), cid


def test_seed_comment_bullets_and_paragraphs(page):
    by_id = {c.id: c for c in page.comments}
    assert by_id["3.1.1"].text == ("Russia Sees Resilient Economy Despite War on Ukraine, Sanctions\n\n"
                                   "- Economy ministry forecasts show growth at pre-Covid levels\n"
                                   "- Russia benefits from re-routed trade, more military production")
    assert by_id["1.1.2"].text.count("\n\n") == 4
    assert by_id["1.1"].quote == ("He is unlikely to negotiate if he sees any chance to emerge with a politically "
                                  "positive military victory. I am assuming Zelenskyy would not negotiate favorable "
                                  "terms for Russia.")
    assert by_id["4.2"].text == "The answer is no. Putin wants Ukraine. He wants to incorporate Ukraine into the New Russian Empire."
    assert "Who is online" not in by_id["4.2"].text and "visitors" not in by_id["4.2"].text


@pytest.mark.parametrize("shown, iso", [
    ("11 months ago", "2023-11"), ("1 month ago", "2024-09"), ("a year ago", "2023"), ("2 years ago", "2022"),
    ("3 days ago", "2024-10-03"), ("2 weeks ago", "2024-09-22"), ("yesterday", "2024-10-05"),
    ("2 hours ago", "2024-10-06T10:00:00+00:00"), ("an hour ago", "2024-10-06T11:00:00+00:00"),
    ("just now", "2024-10-06T12:00:00+00:00"), ("Nov 5, 2023", "2023-11-05"), ("5 November 2023", "2023-11-05"),
    ("2023-11-05T09:30:00+01:00", "2023-11-05T09:30:00+01:00"), ("22.12.2019", "2019-12-22"), ("soon", ""),
])
def test_relative_and_absolute_times(shown, iso):
    assert resolve_when(shown, SCRAPED_AT) == iso


def test_relative_time_months_cross_a_year():
    assert resolve_when("11 months ago", datetime(2024, 3, 1, tzinfo=timezone.utc)) == "2023-04"


@pytest.mark.parametrize("line, names", [
    ("By:   Courtney Kube, Carol E. Lee and Kristen Welker", ["Courtney Kube", "Carol E. Lee", "Kristen Welker"]),
    ("Martin Untersinger (avec Damien Leloup et Morgane Tual)", ["Martin Untersinger", "Damien Leloup", "Morgane Tual"]),
    ("By Lia Eustachewich & Yaron Steinbuch", ["Lia Eustachewich", "Yaron Steinbuch"]),
    ("AFP", ["AFP"]),
])
def test_split_authors(line, names):
    assert split_authors(line) == names


def test_escape_markdown_keeps_text_inert():
    assert escape_markdown("# not a heading") == "\\# not a heading"
    assert escape_markdown("<script>alert(1)</script>") == "\\<script>alert(1)\\</script>"
    assert escape_markdown("1. not a list") == "1\\. not a list"
    assert escape_markdown("a [link](javascript:x) *b*") == "a \\[link\\](javascript:x) \\*b\\*"


def test_generalizes_to_other_names_and_times():
    dump = "\n".join([
        "A headline about something", "", "Category:  World", "", "Via:  someone • 3 days ago • 2 comments", "",
        "By:   Jane Roe", "", "First paragraph of the article that is long enough to be a paragraph here.", "",
        "", "Alice", "Rookie", "1  Alice     2 hours ago", "", "Hello there.", "", "Bob", "Elder",
        "1.1  Bob  replied to  Alice @1     yesterday", "Hello there.", "", "Hi Alice.",
    ])
    page = parse_text_scrape(dump, SCRAPED_AT)
    assert page.published == "2024-10-03" and page.authors == ("Jane Roe",) and page.via == "someone"
    assert [(c.id, c.parent, c.author, c.author_rank, c.posted) for c in page.comments] == [
        ("1", None, "Alice", "Rookie", "2024-10-06T10:00:00+00:00"), ("1.1", "1", "Bob", "Elder", "2024-10-05")]
    assert page.comments[1].quote == "" and page.comments[1].text == "Hello there.\n\nHi Alice."  # too short to be a quote
    assert "Alice" not in page.body


def test_not_a_scrape_raises():
    with pytest.raises(ValueError):
        parse_text_scrape("just some notes\nwith two lines", SCRAPED_AT)
