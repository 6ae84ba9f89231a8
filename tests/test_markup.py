import importlib.util
from pathlib import Path

import yaml

from digest.config import SiteConfig
from digest.markup import article_html, bulk_renderer, comment_html, make_renderers, render_markdown

REPO = Path(__file__).resolve().parent.parent


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


ENGINES = {"compiled": bulk_renderer(), "markdown-it-py": bulk_renderer(compiled=False)}


def test_the_compiled_bulk_renderer_is_installed():
    from markdown_it_pyrs import MarkdownIt as CompiledMarkdownIt
    assert isinstance(ENGINES["compiled"].__self__, CompiledMarkdownIt)


def test_untrusted_text_stays_text():
    hostile = '<script>alert(1)</script> [x](javascript:alert(1)) <img src=x onerror=alert(1)>'
    for render in (renderers().prose.render, *ENGINES.values()):
        html = render(hostile)
        assert "<script" not in html and "<img" not in html and 'href="javascript' not in html


def test_article_headings_are_nested_and_get_ids():
    html, headings = article_html(ENGINES["compiled"]("# Top\n\n## Questions *about* manpower\n\n## Top\n\ntext\n"))
    assert [(h.level, h.text, h.id) for h in headings] == [
        (3, "Top", "source-top"), (4, "Questions about manpower", "source-questions-about-manpower"),
        (4, "Top", "source-top-1")]
    assert '<h4 id="source-questions-about-manpower">Questions <em>about</em> manpower</h4>' in html


def test_comment_links_are_ugc_and_headings_demoted():
    render = ENGINES["compiled"]
    assert comment_html(render("# SHOUT\n")) == "<p><strong>SHOUT</strong></p>\n"
    assert comment_html(render('[a](https://example.com "t") <https://b.example>')) == (
        '<p><a href="https://example.com" title="t" rel="nofollow ugc noopener">a</a> '
        '<a href="https://b.example" rel="nofollow ugc noopener">https://b.example</a></p>\n')


def bulk_documents() -> list[str]:
    """Every article and comment we have: the sample, the fixtures, the hostile corpus, a generated corpus."""
    docs = []
    for root in (REPO / "content", REPO / "tests" / "fixtures"):
        for path in sorted(root.rglob("source.md")):
            docs.append(path.read_text(encoding="utf-8", errors="replace").partition("\n---\n")[2])
        for path in sorted(root.rglob("comments.yaml")):
            try:
                data = yaml.safe_load(path.read_text(encoding="utf-8"))
            except (yaml.YAMLError, UnicodeDecodeError):
                continue  # the broken fixtures
            items = data.get("comments", []) if isinstance(data, dict) else data if isinstance(data, list) else []
            docs += [c["text"] for c in items if isinstance(c, dict) and isinstance(c.get("text"), str)]
    docs += [line for line in (REPO / "tests/fixtures/hostile/naughty.txt").read_text(encoding="utf-8").splitlines()]
    spec = importlib.util.spec_from_file_location("generate", REPO / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    for entry in generate.corpus(30):
        docs.append(entry["source"])
        docs += [c["text"] for c in yaml.safe_load(entry["comments"])]
    return docs


def test_both_bulk_engines_render_every_document_identically():
    docs = bulk_documents()
    assert len(docs) > 800
    compiled, fallback = ENGINES["compiled"], ENGINES["markdown-it-py"]
    differ = [doc for doc in docs if compiled(doc) != fallback(doc)]
    assert differ == []
