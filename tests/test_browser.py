"""The built site in a real browser (Debian's chromium via Playwright), served under a sub-path."""

import pytest

from conftest import build

BASE = "/digest/"


@pytest.fixture
def site_url(sample_site, serve):
    build(sample_site, base_url="https://user.github.io" + BASE)
    return serve(sample_site / "output", BASE)


def test_a_note_opens_in_place_on_a_phone_when_its_passage_is_activated_by_keyboard(browser, site_url):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(site_url + "ukraine-peace-talks/")
    note = page.locator("aside#note-2")
    assert not note.is_visible()  # closed until asked for
    ref = page.locator('a.note-ref[href="#note-2"]')
    for _ in range(200):  # Tab through the page until the passage's note link has the focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.getAttribute('href')") == "#note-2":
            break
    else:
        pytest.fail("the note link of passage 2 never got the keyboard focus")
    page.keyboard.press("Enter")
    note.wait_for(state="visible", timeout=5000)
    assert "security" in note.inner_text()
    box, passage = note.bounding_box(), page.locator("#note-2-passage").bounding_box()
    assert abs(box["y"] - passage["y"]) < 400  # it opens next to the passage, not elsewhere on the page
    page.locator("aside#note-2 a.note-back").click()
    assert not note.is_visible()
    assert ref.is_visible()
    page.close()


def test_margin_notes_do_not_overlap_the_text_or_each_other_on_a_wide_screen(browser, site_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(site_url + "ukraine-peace-talks/")
    notes = page.eval_on_selector_all("aside.note", "els => els.filter(e => e.closest('.prose, .comment-card'))"
                                      ".map(e => { const r = e.getBoundingClientRect(); return [e.id, r.left, r.top, r.right, r.bottom]; })")
    texts = page.eval_on_selector_all(".prose > p, .prose > ul, .comment-body > p, .comment-quote",
                                      "els => els.map(e => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; })")
    assert len(notes) == 9
    for note_id, left, top, right, bottom in notes:
        assert right <= 1280, f"{note_id} leaves the screen"
        for t_left, t_top, t_right, t_bottom in texts:
            overlap = left < t_right and t_left < right and top < t_bottom and t_top < bottom
            assert not overlap, f"{note_id} overlaps text"
    ordered = sorted(notes, key=lambda n: n[2])
    for (a, *ra), (b, *rb) in zip(ordered, ordered[1:]):
        if ra[0] < rb[2] and rb[0] < ra[2]:  # same column
            assert ra[3] <= rb[1], f"{a} overlaps {b}"
    # each note sits level with its passage
    for note_id, left, top, right, bottom in notes:
        passage = page.locator(f"#{note_id}-passage").bounding_box()
        assert top - 400 < passage["y"] < bottom + 400
    page.close()


def test_timeline_renders_and_its_links_resolve_under_the_sub_path(browser, site_url):
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(site_url + "timeline/")
    assert page.locator("ol.tl-events time").count() >= 10
    years = page.locator(".tl-year-title").all_inner_texts()
    assert years == sorted(years)
    hrefs = page.eval_on_selector_all(".timeline a", "els => els.map(e => e.href)")
    assert hrefs and all(h.startswith(site_url) for h in hrefs)
    for href in sorted(set(hrefs)):
        response = page.request.get(href)
        assert response.status == 200, href
    page.locator(".tl-own a", has_text="Hamas attacks Israel").first.click()
    page.wait_for_url(site_url + "hamas-attack-israel/")
    assert page.locator("h1").inner_text().startswith("Hamas attacks Israel")
    width = page.evaluate("[document.scrollingElement.scrollWidth, window.innerWidth]")
    page.goto(site_url + "stories/ukraine-war/")
    assert page.locator(".story-timeline .tl-own").count() == 5  # its five published entries
    assert width[0] <= width[1]
    page.close()


def test_search_finds_the_seed_story_under_the_sub_path(browser, site_url):
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(site_url + "search/")
    field = page.locator(".pagefind-ui__search-input")
    field.wait_for(timeout=10000)
    field.fill("stalemate")
    # results arrive one by one: wait for the seed story's, however many come before it
    seed = page.locator(".pagefind-ui__result-link", has_text="U.S. and European officials broach peace negotiations")
    seed.first.wait_for(timeout=15000)
    hrefs = page.eval_on_selector_all(".pagefind-ui__result-link", "els => els.map(e => e.href)")
    assert all(h.startswith(site_url) for h in hrefs)
    page.locator(".pagefind-ui__result-link", has_text="U.S. and European officials broach").first.click()
    page.wait_for_url(site_url + "ukraine-peace-talks/**")
    # a reader's comment and an editor's note are searchable too
    page.goto(site_url + "search/?q=Chamberlain")
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10000)
    assert "ukraine-peace-talks" in page.locator(".pagefind-ui__result-link").first.get_attribute("href")
    page.goto(site_url + "search/?q=Ramstein")
    page.locator(".pagefind-ui__result-link").first.wait_for(timeout=10000)
    assert page.locator(".pagefind-ui__result-link").count() >= 1
    page.close()
