"""`build.py import`: scrapes (text dumps, saved HTML) and digests -> content/<slug>/ bundles.

The only code that writes content/. Ownership: index.md is the editor's (created once, never
rewritten); source.md and comments.yaml are the importer's (refreshed on re-import, the replaced file
kept under content/<slug>/.backup/, the editor flags `hidden` and `pick` carried over by comment id).
After a refresh, every annotation quote in index.md is looked for in the new text and reported when gone.
"""

from __future__ import annotations

import os
import re
import shlex
import unicodedata
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

import yaml

from .errors import Problem, SiteError, problem, warning
from .scrape_common import ScrapedComment, ScrapedPage, loose
from .scrape_html import parse_html_scrape
from .scrape_input import Digest, classify, decode, looks_binary, parse_digest
from .scrape_text import parse_text_scrape

_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ANNOTATION = re.compile(r"^:::\s*[\w-]+\s+(.*)$")
_MIN_SIMILARITY = 0.3


@dataclass(frozen=True)
class ImportReport:
    actions: list[str] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


@dataclass(frozen=True)
class _Scrape:
    path: Path
    page: ScrapedPage


def import_scrapes(site_dir: Path, scrapes: list[Path], digest: Path | None = None,
                   scraped_at: datetime | None = None, slug: str | None = None,
                   now: datetime | None = None) -> ImportReport:
    """Import every scrape into content/<slug>/; digests in `scrapes` pair with their scrape by similarity.

    Raises SiteError (and writes nothing) when any file cannot be read or recognized.
    """
    problems: list[Problem] = []
    pages: list[_Scrape] = []
    digests: list[tuple[Path, Digest]] = []
    for path in [*scrapes, *([digest] if digest else [])]:
        when = scraped_at or _mtime(path, problems)
        kind, item = _read(path, when, problems, want_digest=path == digest)
        if kind == "digest":
            digests.append((path, item))
        elif kind == "page":
            pages.append(_Scrape(path, item))
    if not pages and not any(p.is_error for p in problems):
        problems.append(problem(digest or (scrapes[0] if scrapes else "import"), 1, 1, "no scrape to import",
                                "Give a saved page (.html) or a text dump of one, with the digest beside it"))
    if slug is not None and len(pages) > 1:
        problems.append(problem(pages[1].path, 1, 1, "--slug names one bundle but several scrapes were given",
                                "Import the scrapes one at a time, each with its own --slug"))
    if slug is not None and not re.fullmatch(r"[a-z0-9][a-z0-9._-]*", slug):
        problems.append(problem(pages[0].path if pages else "import", 1, 1, f"'{slug}' cannot be used as a slug",
                                "Use lowercase letters, digits and hyphens, e.g. --slug peace-talks"))
    if any(p.is_error for p in problems):
        raise SiteError(problems)
    pairs = pair_digests([s.page for s in pages], [d for _, d in digests])
    for i, (path, _) in enumerate(digests):
        if i not in pairs.values():
            problems.append(warning(path, 1, 1, "this digest matches none of the scrapes and was not used",
                                    "Give it with --digest beside the scrape it rewrites"))
    actions: list[str] = []
    for n, scrape in enumerate(pages):
        paired = digests[pairs[n]][1] if n in pairs else None
        when = scraped_at or _mtime(scrape.path, [])
        problems.extend(warning(scrape.path, 1, 1, w) for w in scrape.page.warnings)
        actions.extend(_write_bundle(site_dir, scrape, paired, when, slug, now, problems))
    return ImportReport(actions, problems)


# ------------------------------------------------------------------------------------ reading

def _read(path: Path, scraped_at: datetime, problems: list[Problem], want_digest: bool) -> tuple[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        problems.append(problem(path, 1, 1, f"cannot read file: {exc.strerror or exc}"))
        return "", None
    if not data.strip():
        problems.append(problem(path, 1, 1, "the file is empty", "Give a saved page or a text dump of one"))
        return "", None
    if looks_binary(data):
        problems.append(problem(path, 1, 1, "this is a binary file, not a saved page or a text dump",
                                "Save the page as HTML (or as text) and import that file"))
        return "", None
    text, why = decode(data)
    if why:
        problems.append(warning(path, 1, 1, why))
    kind = classify(text)
    try:
        if kind == "digest" or want_digest:
            return "digest", parse_digest(text)
        if kind == "html":
            return "page", parse_html_scrape(text, scraped_at)
        if kind == "text":
            return "page", parse_text_scrape(text, scraped_at)
    except ValueError as exc:
        what = "digest" if kind == "digest" or want_digest else "scrape"
        problems.append(problem(path, 1, 1, f"not a recognizable {what}: {exc}", _HINT))
        return "", None
    problems.append(problem(path, 1, 1, "not a recognizable scrape: neither a saved HTML page, a page dump "
                            "(title, 'By:'/'Via:' lines, comments) nor a digest ('date YYYY-MM-DD' first)", _HINT))
    return "", None


_HINT = ("Import a page saved from the browser (.html), a text dump of one, or a digest file; "
         "see ../shared/seeds for examples")


def _mtime(path: Path, problems: list[Problem]) -> datetime:
    try:
        stamp = path.stat().st_mtime
    except OSError:
        stamp = 0
    problems.append(warning(path, 1, 1, "no --scraped-at: relative times are resolved against the file's "
                            "modification time", "Pass --scraped-at YYYY-MM-DD, the day the page was saved"))
    return datetime.fromtimestamp(stamp, tz=timezone.utc).replace(microsecond=0)


# ------------------------------------------------------------------------------------ pairing

def similarity(digest_text: str, page: ScrapedPage) -> float:
    """Share of the digest's distinct words (4+ letters) that occur in the scrape's title and body."""
    want = set(re.findall(r"\w{4,}", digest_text.casefold()))
    have = set(re.findall(r"\w{4,}", f"{page.title} {page.summary} {page.body}".casefold()))
    return len(want & have) / len(want) if want else 0.0


def pair_digests(pages: list[ScrapedPage], digests: list[Digest]) -> dict[int, int]:
    """page index -> digest index: best pairs first, each used once, similarity at least 0.3."""
    scored = sorted(((similarity(d.text, p), pi, di) for pi, p in enumerate(pages) for di, d in enumerate(digests)),
                    key=lambda t: (-t[0], t[1], t[2]))
    pairs: dict[int, int] = {}
    for score, pi, di in scored:
        if score >= _MIN_SIMILARITY and pi not in pairs and di not in pairs.values():
            pairs[pi] = di
    return pairs


# ------------------------------------------------------------------------------------ writing

def _write_bundle(site_dir: Path, scrape: _Scrape, digest: Digest | None, scraped_at: datetime,
                  slug: str | None, now: datetime | None, problems: list[Problem]) -> list[str]:
    page = scrape.page
    slug = slug or _existing_slug(site_dir / "content", page) or slugify(page.title)
    folder = site_dir / "content" / slug
    rel = Path("content") / slug
    actions: list[str] = []
    stamp = (now or scraped_at).astimezone(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    index = folder / "index.md"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        if index.exists():
            actions.append(f"kept {rel / 'index.md'} (editor-owned)")
            if digest is not None and loose(digest.paragraphs[0] if digest.paragraphs else "") not in loose(
                    index.read_text(encoding="utf-8", errors="replace")):
                problems.append(warning(rel / "index.md", 1, 1, "the digest was not applied: index.md is the editor's",
                                        "Copy what you need from the digest into index.md by hand"))
        else:
            text, why = render_index(page, digest, scraped_at)
            if why:
                problems.append(warning(rel / "index.md", 2, 1, why))
            _atomic_write(index, text)
            actions.append(f"created {rel / 'index.md'}")
        old_flags, gone = _old_flags(folder / "comments.yaml", rel / "comments.yaml", problems)
        new_ids = {c.id for c in page.comments}
        for cid in sorted(set(old_flags) - new_ids):
            if any(old_flags[cid].values()):
                problems.append(warning(rel / "comments.yaml", 1, 1, f"comment '{cid}' was flagged "
                                        f"({', '.join(k for k, v in old_flags[cid].items() if v)}) but is not in the new scrape",
                                        f"Its old text is in {rel / '.backup'}"))
        source_text = render_source(page, scraped_at)
        comments_text = render_comments(page.comments, old_flags) if not gone else None
        actions.append(_refresh(folder, rel, "source.md", source_text, stamp))
        if comments_text is not None:
            actions.append(_refresh(folder, rel, "comments.yaml", comments_text, stamp))
        else:
            actions.append(f"kept {rel / 'comments.yaml'} (could not be read; fix it and import again)")
    except OSError as exc:
        raise SiteError([*problems, problem(folder, 1, 1, f"cannot write the bundle: {exc.strerror or exc}")]) from None
    if actions[0].startswith("kept"):
        problems.extend(check_annotations(index, rel / "index.md", page))
    return actions


def _existing_slug(content: Path, page: ScrapedPage) -> str | None:
    """The bundle that already holds this page: same URL, else same title."""
    if not content.is_dir():
        return None
    for folder in sorted(p for p in content.iterdir() if (p / "source.md").is_file()):
        front = _front_matter((folder / "source.md").read_text(encoding="utf-8", errors="replace"))
        if page.url and str(front.get("url") or "").rstrip("/") == page.url.rstrip("/"):
            return folder.name
        if loose(str(front.get("title") or "")).casefold() == loose(page.title).casefold():
            return folder.name
    return None


def _refresh(folder: Path, rel: Path, name: str, text: str, stamp: str) -> str:
    path = folder / name
    if not path.exists():
        _atomic_write(path, text)
        return f"created {rel / name}"
    old = path.read_bytes()
    if old == text.encode("utf-8"):
        return f"unchanged {rel / name}"
    backup = folder / ".backup" / f"{name}.{stamp}"
    n = 1
    while backup.exists():
        n += 1
        backup = folder / ".backup" / f"{name}.{stamp}-{n}"
    backup.parent.mkdir(exist_ok=True)
    backup.write_bytes(old)
    _atomic_write(path, text)
    return f"refreshed {rel / name} (backup: {rel / '.backup' / backup.name})"


def _atomic_write(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8", newline="\n")
    os.replace(tmp, path)


def _old_flags(path: Path, rel: Path, problems: list[Problem]) -> tuple[dict[str, dict[str, bool]], bool]:
    """Editor flags of the comments.yaml being replaced: ({id: {hidden, pick}}, unreadable?)."""
    if not path.exists():
        return {}, False
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_Loader)
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        problems.append(problem(rel, 1, 1, f"cannot read the editor flags in comments.yaml: {exc}".split("\n")[0],
                                "Fix the file (or delete it) and import again", severity="warning"))
        return {}, True
    flags: dict[str, dict[str, bool]] = {}
    for item in data if isinstance(data, list) else []:
        if isinstance(item, dict) and item.get("id") is not None:
            flags[str(item["id"])] = {k: item.get(k) is True for k in ("hidden", "pick")}
    return flags, False


# ------------------------------------------------------------------------------------ rendering

class _YamlDumper(_Dumper):
    """safe_dump, plus ISO 'T' datetimes and block scalars for multi-line text."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_YamlDumper.add_representer(str, _str)
_YamlDumper.add_representer(datetime, lambda d, v: d.represent_scalar("tag:yaml.org,2002:timestamp", v.isoformat()))


def dump_yaml(data: Any) -> str:
    return yaml.dump(data, Dumper=_YamlDumper, allow_unicode=True, sort_keys=False, width=1_000_000,
                     default_flow_style=False)


def _yaml_date(iso: str) -> Any:
    """An ISO string at its precision -> what YAML should hold: a date, a datetime or a 'YYYY-MM' string."""
    if re.fullmatch(r"\d{4}-\d\d-\d\d", iso):
        return date.fromisoformat(iso)
    if "T" in iso:
        return datetime.fromisoformat(iso)
    return iso


def render_source(page: ScrapedPage, scraped_at: datetime) -> str:
    front = {"title": page.title, "url": page.url, "site_name": page.site_name, "section": page.section,
             "via": page.via, "authors": list(page.authors), "published": _yaml_date(page.published) if page.published else "",
             "scraped_at": scraped_at if scraped_at.tzinfo else scraped_at.replace(tzinfo=timezone.utc)}
    return f"---\n{dump_yaml(front)}---\n{page.body.strip()}\n"


def render_comments(comments: tuple[ScrapedComment, ...], flags: dict[str, dict[str, bool]]) -> str:
    items = [{"id": c.id, "parent": c.parent, "author": c.author, "author_rank": c.author_rank, "posted": c.posted,
              "quote": c.quote, "text": c.text, **flags.get(c.id, {"hidden": False, "pick": False})} for c in comments]
    return dump_yaml(items) if items else "[]\n"


def render_index(page: ScrapedPage, digest: Digest | None, scraped_at: datetime) -> tuple[str, str]:
    """index.md for a new bundle, and a warning when its date had to be guessed."""
    why = ""
    if digest is not None:
        when = digest.date
    elif re.fullmatch(r"\d{4}-\d\d-\d\d.*", page.published):
        when = date.fromisoformat(page.published[:10])
    elif page.published:
        year, month = (int(x) for x in (page.published + "-01").split("-")[:2])
        when = date(year, month, 1)
        why = f"the article's date is only known as {page.published}: 'date' set to {when.isoformat()}, check it"
    else:
        when = scraped_at.date()
        why = "no digest and no published date: 'date' set to the day of the scrape, check it"
    summary = _first_sentence(digest.paragraphs[0]) if digest and digest.paragraphs else page.summary
    front: dict[str, Any] = {"title": page.title, "date": when, "summary": summary, "tags": []}
    if not summary:
        del front["summary"]
    body = "\n\n".join(digest.paragraphs) if digest else ""
    return f"---\n{dump_yaml(front)}---\n" + (f"\n{body}\n" if body else ""), why


def _first_sentence(text: str) -> str:
    return re.split(r"(?<=[.!?])\s+(?=[A-Z\"“‘'])", text.strip(), maxsplit=1)[0]


def _front_matter(text: str) -> dict:
    m = re.match(r"\A---\s*\n(.*?)\n---\s*(?:\n|\Z)", text, re.S)
    try:
        data = yaml.load(m.group(1), Loader=_Loader) if m else {}
    except yaml.YAMLError:
        return {}
    return data if isinstance(data, dict) else {}


# ------------------------------------------------------------------------------------ annotations

def check_annotations(index: Path, rel: Path, page: ScrapedPage) -> list[Problem]:
    """A warning for every `::: kind on=... quote="..."` note of index.md whose passage is not in the new scrape.

    on=source looks in the article, on=comment:ID in that comment, no `on` in both; on=digest is the
    editor's own prose, which import never changes.
    """
    try:
        lines = index.read_text(encoding="utf-8", errors="replace").split("\n")
    except OSError:
        return []
    comments = {c.id: loose(plain_text(f"{c.quote}\n{c.text}")) for c in page.comments}
    source = loose(plain_text(page.body))
    out: list[Problem] = []
    for n, line in enumerate(lines, start=1):
        attrs = _note_attrs(line)
        if attrs is None or not attrs.get("quote") or attrs.get("on") == "digest":
            continue
        target = attrs.get("on", "")
        quote = loose(attrs["quote"])
        col = line.find("quote=") + 1
        if target.startswith("comment:") and target[8:] not in comments:
            out.append(warning(rel, n, max(col, 1), f"the note is on comment '{target[8:]}', which is not in the new scrape",
                               "Move the note to another comment or remove it (the old comments are in .backup/)"))
            continue
        haystack = (comments[target[8:]] if target.startswith("comment:") else source if target == "source"
                    else " ".join([source, *comments.values()]))
        if quote not in haystack:
            out.append(warning(rel, n, max(col, 1), f'the quoted passage "{quote[:60]}" is no longer in the '
                               f"{'comment' if target.startswith('comment:') else 'source' if target else 'source or comments'}",
                               "Re-anchor the note on the new text (the old text is in .backup/) or remove it"))
    return out


def _note_attrs(line: str) -> dict[str, str] | None:
    """`::: kind key=value key="quoted value"` -> {key: value}; None for other lines."""
    m = _ANNOTATION.match(line.strip())
    if not m:
        return None
    try:
        words = shlex.split(m.group(1))
    except ValueError:  # unbalanced quotes: take quote="..." as written
        q = re.search(r'quote="((?:[^"\\]|\\.)*)"', m.group(1))
        return {"quote": re.sub(r"\\(.)", r"\1", q.group(1))} if q else {}
    return dict(w.split("=", 1) for w in words if "=" in w)


def plain_text(markdown: str) -> str:
    """Markdown -> the text a reader sees (enough to find quoted passages)."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", markdown)
    text = re.sub(r"^\s{0,3}(?:#{1,6}|>|[-*+]|\d+[.)])\s+", "", text, flags=re.M)
    text = re.sub(r"(?<!\\)(?:\*\*|__|\*|`)", "", text)
    return re.sub(r"\\(.)", r"\1", text)


def slugify(title: str, limit: int = 60) -> str:
    """'U.S., European officials broach ...' -> 'us-european-officials-broach-...' (ASCII, cut at a word)."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").casefold()
    words = re.findall(r"[a-z0-9]+", ascii_title.replace(".", "").replace("'", ""))
    slug = ""
    for word in words:
        if len(slug) + len(word) + 1 > limit and slug:
            break
        slug = f"{slug}-{word}" if slug else word
    return slug or "entry"
