"""Site -> {output path: bytes | Path to copy} with Jinja2 (autoescape; templates/ over the built-in theme)."""

from __future__ import annotations

import hashlib
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Callable, Iterator, Mapping

from jinja2 import (ChoiceLoader, Environment, FileSystemBytecodeCache, FileSystemLoader, PackageLoader,
                    StrictUndefined, TemplateError, TemplateSyntaxError, UndefinedError)
from markupsafe import Markup

from . import cache
from .annotate import note_html
from .assemble import comment_anchor, tag_url, url_for
from .config import SiteConfig
from .feeds import absolute
from .errors import SiteError, problem
from .model import Page, PartialDate, Site

THEME = Path(__file__).parent / "theme"
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
CARDS = 100_000  # entry cards an environment keeps (serve's lives as long as its templates)
Files = dict[str, "bytes | Path"]


def static_files(root: Path) -> dict[str, Path]:
    """static/ of the theme, then the site's own static/ over it: {out path: file}."""
    files: dict[str, Path] = {}
    for folder in (THEME / "static", root / "static"):
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and not path.name.startswith("."):
                    files["static/" + path.relative_to(folder).as_posix()] = path
    return files


def make_env(root: Path, config: SiteConfig, static: dict[str, Path], compiled: Path | None = None) -> Environment:
    """The Jinja environment: the site's templates/ over the theme's. With a folder `compiled`, compiled
    templates are kept there (Jinja's bytecode cache, keyed by each template's source), so a build
    does not compile them again (a fifth of a second; in every render worker)."""
    env = Environment(
        loader=ChoiceLoader([FileSystemLoader(root / "templates"), PackageLoader("digest", "theme/templates")]),
        autoescape=True, undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True,
        keep_trailing_newline=True, bytecode_cache=_bytecode_cache(compiled) if compiled else None)
    fingerprints = {p: hashlib.sha256(f.read_bytes()).hexdigest()[:10] for p, f in static.items()}
    env.globals.update(site=config, url=partial(url_for, config), asset=partial(_asset, config, fingerprints),
                       kind_of=config.kind, anchor_of=comment_anchor, note_html=partial(note_html, config=config),
                       absolute=lambda url: absolute(config, url), tag_url=partial(tag_url, config),
                       card=_cards(env))
    env.filters.update(longdate=longdate, partialdate=partialdate, month_name=lambda m: MONTHS[m - 1],
                       isodate=lambda d: d.isoformat())
    return env


def _cards(env: Environment) -> Callable:
    """card(entry, lead): _macros.html's entry_card, made once per entry as it shows in lists (its view
    and url) for as long as the environment lives (a build; serve's templates): a list page is mostly
    the cards of entries other list pages show too, and a new entry moves every card of its lists."""
    made: dict[tuple, Markup] = {}
    macros: list = []

    def card(entry, lead: bool = False) -> Markup:
        key = (entry.view or entry.key, entry.url, lead)
        html = made.get(key)
        if html is None:
            if not macros:
                macros.append(env.get_template("_macros.html").module)
            if len(made) > CARDS:  # (serve: edits leave cards of old views behind)
                made.clear()
            html = made[key] = macros[0].entry_card(entry, lead=lead)
        return html
    return card


def _bytecode_cache(folder: Path) -> FileSystemBytecodeCache:
    folder.mkdir(parents=True, exist_ok=True)
    return FileSystemBytecodeCache(str(folder))


def templates_fingerprint(root: Path, config: SiteConfig, static: dict[str, Path]) -> str:
    """Everything every page depends on besides its own data: templates, static files, config, code."""
    digest = hashlib.sha256(f"{cache.code_fingerprint()}\0{config!r}".encode())
    for name, folder in (("site", root / "templates"), ("theme", THEME / "templates")):  # by name: not where they are
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                digest.update(f"{name}/{path.relative_to(folder).as_posix()}".encode() + b"\0" + path.read_bytes())
    for rel, path in sorted(static.items()):
        digest.update(rel.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def render_site(site: Site, config: SiteConfig, env: Environment, root: Path, static: dict[str, Path],
                progress: Callable[[int, int], None] = lambda done, total: None,
                cache_folder: Path | None = None, salt: str = "", jobs: int = 1, lazy: bool = False,
                memory: dict | None = None, keys: Mapping[str, str] | None = None,
                data_keys: list[str | None] | None = None) -> Iterator[tuple[str, bytes | Path, str | None]]:
    """Every page, and the static files and bundle resources, one by one as (output path, bytes or a file
    to copy, the sha256 of a page's bytes or None). With a cache folder, a page whose template inputs
    and data (its key, cache.fingerprint) were rendered before comes from the cache: as its cached file
    when lazy (nothing read: the cache knows its hash), else as bytes. With jobs > 1, pages render in
    that many forked processes (which inherit the site, so nothing big is sent to them), in order.
    keys: {slug: key} of the whole entries that entry pages show (Page.shows), else each entry's own.
    memory, a dict a long-lived caller (serve) keeps, holds under "pages" this build's pages ({key:
    (bytes, sha256)}) in front of the cache on disk, and under "rendered" what each page of the site
    gave, while the site is the same object and the salt the same: then only the pages whose entry's
    whole key changed are looked at again. data_keys, a list with an item a page, has each page's data
    key (_page_key) where a build of a site with the same pages and salt knew it, else None; the keys
    made here are put in it. When it has every key, the pages are not fingerprinted again, and only
    those whose entry's whole key changed are rendered (in this process: a pool would cost more)."""
    for rel, path in static.items():
        yield rel, path, None
    used: dict[str, str] = {}  # key -> sha256 of the page's bytes
    known = cache.page_hashes(cache_folder) if cache_folder and lazy else {}  # (only a lazy build gives cached files)
    pages = site.pages
    keys = keys or {}
    serving = bool(memory and memory.get("pages"))
    data_keys = data_keys if data_keys is not None else [None] * len(pages)
    if (jobs > 1 and len(pages) >= 200 and None in data_keys
            and "fork" in multiprocessing.get_all_start_methods()):
        size = max(20, len(pages) // (jobs * 8))
        context = multiprocessing.get_context("fork")
        with ProcessPoolExecutor(jobs, mp_context=context, initializer=_start_worker,
                                 initargs=(pages, env, root, cache_folder, salt, lazy, known, keys, data_keys)) as pool:
            parts = pool.map(_render_range, range(0, len(pages), size), [size] * (-(-len(pages) // size)))
            done = 0
            for part in parts:
                for data_key, (key, out_path, data, sha) in part:
                    data_keys[done] = data_key
                    used[key] = sha
                    done += 1
                    yield out_path, data, sha
                    progress(done, len(pages))
    else:
        kept = memory.setdefault("pages", {}) if memory is not None else None
        last = memory.get("rendered") if memory is not None else None
        # per page: (data key, whole entry's key, (key, out path, bytes, sha256)) as last made
        made = (last[2] if last and last[0] is site else _carried(last[0].pages, last[2], pages)) \
            if last and last[1] == salt else [None] * len(pages)
        for i, page in enumerate(pages):
            whole = keys.get(page.shows) if page.shows else None
            if made[i] is None or made[i][1] != whole:
                data_key = made[i][0] if made[i] else data_keys[i] or _page_key(page, salt)
                data_keys[i] = data_key
                made[i] = (data_key, whole, _render_cached(page, env, root, cache_folder, salt, lazy, known, kept,
                                                           keys, data_key))
            key, out_path, data, sha = made[i][2]
            used[key] = sha
            yield out_path, data, sha
            progress(i + 1, len(pages))
        if memory is not None:
            for old in [key for key in kept if key not in used]:
                del kept[old]
            memory["rendered"] = (site, salt, made)
    if cache_folder and not serving:  # (serve keeps pages in memory, and prunes on its first build only)
        cache.prune(cache_folder, set(used))
        cache.store_page_hashes(cache_folder, used)  # after the prune, which drops it with every unused file
    for entry in site.entries:
        bundle = root / entry.src_path.parent if entry.resources else root
        for resource in entry.resources:
            yield entry.out_dir + (root / resource).relative_to(bundle).as_posix(), root / resource, None
    yield ".nojekyll", b"", None


def _carried(old_pages: tuple[Page, ...], old_made: list, pages: tuple[Page, ...]) -> list:
    """For a new site, what each of its pages gave when the last site had it with equal data (its
    path, template and title, and data: entries by identity, else by value), else None. An entry
    shows differently in lists only as a new object, so the pages that do not show it, most of a big
    site, keep their data keys (comparing them is ten times faster than fingerprinting them)."""
    at = {page.out_path: i for i, page in enumerate(old_pages)}
    made = []
    for page in pages:
        i = at.get(page.out_path)
        same = i is not None and old_made[i] is not None and old_pages[i] == page and old_pages[i].data == page.data
        made.append(old_made[i] if same else None)
    return made


def render_shown(site: Site, env: Environment, root: Path, cache_folder: Path | None, salt: str,
                 memory: dict, keys: Mapping[str, str], slugs: set[str]) -> list[tuple[str, bytes, str]]:
    """The pages that show these entries whole (Page.shows), made again as (output path, bytes,
    sha256); render_site's memory must hold this very site and salt, and is updated as render_site
    would have. (An edit that lists do not see changes no other page.)"""
    made, kept = memory["rendered"][2], memory.setdefault("pages", {})
    if memory.get("shown", (None,))[0] is not site:
        shown: dict[str, list[int]] = {}
        for i, page in enumerate(site.pages):
            if page.shows:
                shown.setdefault(page.shows, []).append(i)
        memory["shown"] = (site, shown)
    out = []
    for i in (i for slug in sorted(slugs) for i in memory["shown"][1].get(slug, ())):
        page, whole = site.pages[i], keys.get(site.pages[i].shows)
        if made[i][1] != whole:
            kept.pop(made[i][2][0], None)
            made[i] = (made[i][0], whole, _render_cached(page, env, root, cache_folder, salt, False, None, kept,
                                                         keys, made[i][0]))
        _, out_path, data, sha = made[i][2]
        out.append((out_path, data, sha))
    return out


def _page_key(page: Page, salt: str) -> str:
    """What the page's template is given, fingerprinted (entries by their views: cache.fingerprint)."""
    return cache.fingerprint((salt, page.template, page.out_path, page.url, page.title, page.kind, page.data), page.facet)


def _render_cached(page: Page, env: Environment, root: Path, cache_folder: Path | None, salt: str,
                   lazy: bool = False, known: dict[str, str] | None = None, kept: dict | None = None,
                   keys: Mapping[str, str] | None = None, data_key: str | None = None
                   ) -> tuple[str, str, bytes | Path, str]:
    """(key, output path, bytes or the cached file, sha256 of the bytes) of one page: from the page
    cache, or rendered (and cached). When lazy, the page is given as its cached file: unread when
    known ({key: sha256} of cached pages) has it. kept: pages held in memory, {key: (bytes, sha256)}.
    The key: data_key (_page_key, made here when not given), and for an entry page, its entry's key."""
    key = data_key or _page_key(page, salt)
    if page.shows:
        whole = (keys or {}).get(page.shows) or page.data["entry"].key
        key = hashlib.sha256(f"{key}\0{whole}".encode()).hexdigest()
    if kept is not None and key in kept:
        return (key, page.out_path, *kept[key])
    if cache_folder and lazy and known and key in known:  # (page_hashes: those whose file is there)
        return key, page.out_path, cache.path(cache_folder, key), known[key]
    data = cache.load_bytes(cache_folder, key) if cache_folder else None
    if data is None:
        context = {**page.data, **(page.derived() if page.derived else {}), "page": page}
        data = render_page(env, page.template, context, root)
        if cache_folder:
            cache.store_bytes(cache_folder, key, data)
    sha = hashlib.sha256(data).hexdigest()
    if kept is not None:
        kept[key] = (data, sha)
    return key, page.out_path, cache.path(cache_folder, key) if cache_folder and lazy else data, sha


_worker: dict = {}  # in a render worker process only: what it inherited from the build that forked it


def _start_worker(*state) -> None:
    _worker["state"] = state


def _render_range(start: int, size: int) -> list[tuple[str, tuple[str, str, bytes | Path, str]]]:
    """(data key, _render_cached's result) of pages [start, start + size)."""
    pages, env, root, cache_folder, salt, lazy, known, keys, data_keys = _worker["state"]
    out = []
    for page, data_key in zip(pages[start:start + size], data_keys[start:start + size]):
        data_key = data_key or _page_key(page, salt)
        out.append((data_key, _render_cached(page, env, root, cache_folder, salt, lazy, known, None, keys, data_key)))
    return out


def render_page(env: Environment, template: str, context: dict, root: Path) -> bytes:
    """Render one template; a template error becomes a Problem naming the template file and line."""
    try:
        return env.get_template(template).render(context).encode("utf-8")
    except TemplateSyntaxError as exc:
        raise SiteError([problem(_template_path(root, exc.name or template), exc.lineno or 1, 1,
                                 f"template syntax error: {exc.message}")])
    except (UndefinedError, TemplateError, TypeError, AttributeError) as exc:
        raise SiteError([problem(_template_path(root, template), _template_line(exc), 1,
                                 f"template error while rendering: {exc}",
                                 "Check the variable names against README's template reference")])


def _template_path(root: Path, name: str) -> str:
    own = root / "templates" / name
    return str(own.relative_to(root)) if own.is_file() else f"(built-in theme) {name}"


def _template_line(exc: Exception) -> int:
    tb = exc.__traceback__
    line = 1
    while tb is not None:
        if tb.tb_frame.f_code.co_filename.endswith(".html"):
            line = tb.tb_lineno
        tb = tb.tb_next
    return line


def _asset(config: SiteConfig, fingerprints: dict[str, str], path: str) -> str:
    key = "static/" + path.lstrip("/")
    if key not in fingerprints:
        raise SiteError([problem(key, 1, 1, f"asset('{path}') names no file of static/",
                                 "Add the file to the site's static/ folder or fix the name in the template")])
    return f"{url_for(config, key)}?v={fingerprints[key]}"


def longdate(moment: datetime) -> str:
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}"


def partialdate(value: PartialDate | None) -> str:
    """A date shown at its precision: '2023', 'November 2023', '5 November 2023', or with the time."""
    if value is None:
        return ""
    if value.precision == "year":
        return str(value.year)
    if value.precision == "month":
        return f"{MONTHS[value.month - 1]} {value.year}"
    text = f"{value.day} {MONTHS[value.month - 1]} {value.year}"
    return f"{text}, {value.time:%H:%M}" if value.time else text
