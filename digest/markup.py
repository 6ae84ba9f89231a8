"""markdown -> HTML fragments, for the digest, the article and comments.

The editors' prose, with our annotation syntax, goes through markdown-it-py and its plugins. The
imported bulk (articles and comments: plain CommonMark with tables and strikethrough, no raw HTML)
goes through markdown-it-pyrs, a compiled port that renders it ~9x faster and byte-identically
(bench/markdown_engines.py, tests/test_markup.py), or markdown-it-py when that is not installed. What
we add to the bulk (article heading levels and ids, rel on comment links) is a pass over its HTML, so
both engines give the same page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from html import escape, unescape
from typing import Callable

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
from mdit_py_plugins.anchors.index import unique_slug
from mdit_py_plugins.attrs import attrs_block_plugin, attrs_plugin
from mdit_py_plugins.container import container_plugin
from mdit_py_plugins.deflist import deflist_plugin
from mdit_py_plugins.footnote import footnote_plugin
from slugify import slugify

from . import fragment
from .config import SiteConfig
from .errors import Problem, problem
from .model import Annotation, Comment, Entry, Heading, Source
from .notes import notes_plugin

BOXES = ("note", "aside", "warning")  # ::: note ... ::: in the editor's prose


@dataclass(frozen=True)
class Renderers:
    """One markdown-it instance per kind of text; made once per build, passed to markup()."""

    prose: MarkdownIt  # the editor's digest: typographer, footnotes, containers, attributes
    bulk: Callable[[str], str]  # the imported article and comments: CommonMark + tables, no raw HTML


def heading_id(text: str) -> str:
    return slugify(text) or "section"


def make_renderers(config: SiteConfig) -> Renderers:
    prose = (MarkdownIt("commonmark", {"typographer": config.typographer, "quotes": config.quotes, "html": False})
             .enable(["table", "strikethrough"]))
    if config.typographer:
        prose.enable(["replacements", "smartquotes"])
    prose.use(footnote_plugin).use(deflist_plugin).use(attrs_plugin).use(attrs_block_plugin)
    prose.use(anchors_plugin, min_level=2, max_level=4, slug_func=heading_id)
    for name in BOXES:
        prose.use(container_plugin, name=name, render=_box_renderer(name))
    prose.use(notes_plugin, kinds=tuple(k.key for k in config.annotation_kinds))
    return Renderers(prose, bulk_renderer())


_BULK_RULES = ["blockquote", "code", "fence", "heading", "hr", "lheading", "list", "paragraph", "reference",
               "autolink", "backticks", "emphasis", "entity", "escape", "image", "link", "newline", "table",
               "strikethrough"]


def bulk_renderer(compiled: bool = True) -> Callable[[str], str]:
    """CommonMark with tables and strikethrough and no raw HTML: markdown-it-pyrs when installed (and
    compiled), else markdown-it-py. markdown-it-pyrs is built from its "zero" preset: its "commonmark"
    preset passes raw HTML through."""
    if compiled:
        try:
            from markdown_it_pyrs import MarkdownIt as CompiledMarkdownIt
            return CompiledMarkdownIt("zero").enable_many(_BULK_RULES).render
        except ImportError:
            pass
    return MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"]).render


def render_markdown(md: MarkdownIt, text: str, env: dict | None = None) -> tuple[str, tuple[Heading, ...]]:
    """Render text; return the HTML and its headings (level, text, id) in order. Plugins report into env."""
    env = {} if env is None else env
    tokens = md.parse(text, env)
    headings = []
    for i, token in enumerate(tokens):
        if token.type == "heading_open" and token.attrGet("id"):
            inline = tokens[i + 1]
            headings.append(Heading(int(token.tag[1]), inline.content, str(token.attrGet("id"))))
    return fragment.clean(md.renderer.render(tokens, md.options, env)), tuple(headings)


def markup(entries: list[Entry], renderers: Renderers) -> tuple[list[Entry], list[Problem]]:
    """Fill html (and headings, notes) of every entry, its source and its comments."""
    problems: list[Problem] = []
    return [markup_entry(entry, renderers, problems) for entry in entries], problems


def markup_entry(entry: Entry, renderers: Renderers, problems: list[Problem]) -> Entry:
    env: dict = {}
    html, headings = render_markdown(renderers.prose, entry.body, env)
    notes = []
    for note in env.get("annotations", []):
        note = replace(note, line=entry.body_line + note.line)
        if note.problem:
            problems.append(problem(entry.src_path, note.line, 1, f"{note.kind} note: {note.problem}",
                                    "See README, 'Annotations'"))
        notes.append(note)
    for index, inline in enumerate(env.get("inline_notes", [])):
        notes.append(Annotation(kind=inline["kind"], target="digest", quote=inline["quote"], body=inline["body"],
                                line=entry.body_line, inline=True, number=index,
                                html=fragment.clean(renderers.prose.render(inline["body"]))))
    source = entry.source and _markup_source(entry.source, renderers)
    comments = tuple(_markup_comment(c, renderers) for c in entry.comments)
    timeline = tuple(replace(event, html=renderers.prose.renderInline(event.text)) for event in entry.timeline)
    return replace(entry, html=html, headings=headings, source=source, comments=comments, annotations=tuple(notes),
                   timeline=timeline)


def _markup_source(source: Source, renderers: Renderers) -> Source:
    html, headings = article_html(renderers.bulk(source.body))
    return replace(source, html=fragment.clean(html), headings=headings)


def _markup_comment(comment: Comment, renderers: Renderers) -> Comment:
    return replace(comment, html=fragment.clean(comment_html(renderers.bulk(comment.text))))


_HEADING = re.compile(r"<h([1-6])>(.*?)</h\1>", re.S)
_TAG = re.compile(r"<[^>]*>")
_LINK = re.compile(r'<a href="([^"]*)"((?: title="[^"]*")?)>')


def article_html(html: str) -> tuple[str, tuple[Heading, ...]]:
    """The article sits under the page's h2 'The original article': its top heading level becomes h3,
    and every heading gets an id (source-<slug>, made unique) for links into the article."""
    levels = [int(m.group(1)) for m in _HEADING.finditer(html)]
    if not levels:
        return html, ()
    shift, taken, headings = 3 - min(levels), set(), []

    def heading(m: re.Match) -> str:
        level, text = min(6, int(m.group(1)) + shift), unescape(_TAG.sub("", m.group(2)))
        slug = unique_slug("source-" + heading_id(text), taken)
        headings.append(Heading(level, text, slug))
        return f'<h{level} id="{slug}">{m.group(2)}</h{level}>'

    return _HEADING.sub(heading, html), tuple(headings)


def comment_html(html: str) -> str:
    """A reader's links are marked rel=ugc (and nofollow); a '# shout' is a paragraph in bold, not a
    heading of our page."""
    html = _LINK.sub(r'<a href="\1"\2 rel="nofollow ugc noopener">', html)
    return _HEADING.sub(r"<p><strong>\2</strong></p>", html)


def _box_renderer(name: str):
    def render(self, tokens, idx, _options, _env):
        token = tokens[idx]
        if token.nesting == 1:
            title = token.info.strip()[len(name):].strip()
            heading = f'<p class="box-title">{escape(title)}</p>\n' if title else ""
            return f'<aside class="box box-{name}" role="note">\n{heading}'
        return "</aside>\n"
    return render
