"""markdown -> HTML fragments (markdown-it-py + mdit-py-plugins), for the digest, the article and comments."""

from __future__ import annotations

from dataclasses import dataclass, replace
from html import escape

from markdown_it import MarkdownIt
from mdit_py_plugins.anchors import anchors_plugin
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
    article: MarkdownIt  # imported article: CommonMark + tables, no raw HTML
    comment: MarkdownIt  # readers' comments: as the article, and no heading ids


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
    article = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    article.core.ruler.before("inline", "nest_headings", _nest_headings)
    article.use(anchors_plugin, min_level=3, max_level=6, slug_func=lambda s: "source-" + heading_id(s))
    comment = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    comment.add_render_rule("link_open", _ugc_link)
    comment.add_render_rule("heading_open", _demoted_heading)
    comment.add_render_rule("heading_close", _demoted_heading)
    return Renderers(prose, article, comment)


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
    html, headings = render_markdown(renderers.article, source.body)
    return replace(source, html=html, headings=headings)


def _markup_comment(comment: Comment, renderers: Renderers) -> Comment:
    return replace(comment, html=fragment.clean(renderers.comment.render(comment.text)))


def _nest_headings(state) -> None:
    """The article sits under the page's h2 'The original article': its top heading level becomes h3."""
    levels = [int(t.tag[1]) for t in state.tokens if t.type == "heading_open"]
    if not levels:
        return
    shift = 3 - min(levels)
    for token in state.tokens:
        if token.type in ("heading_open", "heading_close"):
            token.tag = f"h{min(6, int(token.tag[1]) + shift)}"


def _box_renderer(name: str):
    def render(self, tokens, idx, _options, _env):
        token = tokens[idx]
        if token.nesting == 1:
            title = token.info.strip()[len(name):].strip()
            heading = f'<p class="box-title">{escape(title)}</p>\n' if title else ""
            return f'<aside class="box box-{name}" role="note">\n{heading}'
        return "</aside>\n"
    return render


def _ugc_link(self, tokens, idx, options, env):
    tokens[idx].attrSet("rel", "nofollow ugc noopener")
    return self.renderToken(tokens, idx, options, env)


def _demoted_heading(self, tokens, idx, options, env):
    """A '# shout' in a comment is a paragraph in bold, not a heading of our page."""
    return "<p><strong>" if tokens[idx].nesting == 1 else "</strong></p>\n"
