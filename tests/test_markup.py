from pathlib import Path

from digest.config import SiteConfig
from digest.markup import make_renderers, render_markdown


def renderers(**config):
    return make_renderers(SiteConfig(path=Path("site.yaml"), title="T", **config))


def test_prose_features():
    r = renderers()
    html, headings = render_markdown(r.prose, (
        'He said "no" -- twice.[^1]\n\n## Is Putin ready?\n\n## Is Putin ready?\n\n'
        "| a | b |\n|---|---|\n| 1 | 2 |\n\nTerm\n: Definition\n\n"
        "Text with a class{.lead}\n\n::: note Heads up\nInside.\n:::\n\n[^1]: A footnote.\n"))
    assert "He said “no” – twice." in html
    assert [(h.level, h.id) for h in headings] == [(2, "is-putin-ready"), (2, "is-putin-ready-1")]
    assert "<table>" in html and "<dl>" in html and '<section class="footnotes">' in html
    assert '<aside class="box box-note" role="note">\n<p class="box-title">Heads up</p>\n<p>Inside.</p>\n</aside>' in html


def test_heading_ids_are_unicode_aware_and_stable():
    r = renderers()
    html, headings = render_markdown(r.prose, "## Éloge de la lenteur\n\n## Проверка связи\n")
    assert [h.id for h in headings] == ["eloge-de-la-lenteur", "proverka-sviazi"]


def test_quotes_follow_the_language():
    html, _ = render_markdown(renderers(language="de", quotes="„“‚‘").prose, 'Er sagte "nein".')
    assert "Er sagte „nein“." in html


def test_typographer_can_be_turned_off():
    html, _ = render_markdown(renderers(typographer=False).prose, 'He said "no".')
    assert 'He said &quot;no&quot;.' in html


def test_untrusted_text_stays_text():
    r = renderers()
    for md in (r.prose, r.article, r.comment):
        html = md.render('<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>')
        assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


def test_article_headings_are_prefixed_and_comment_headings_demoted():
    r = renderers()
    _, headings = render_markdown(r.article, "## Questions about manpower\n")
    assert headings[0].id == "source-questions-about-manpower"
    assert r.comment.render("# SHOUT\n") == "<p><strong>SHOUT</strong></p>\n"
    assert 'rel="nofollow ugc noopener"' in r.comment.render("[a](https://example.com)")
