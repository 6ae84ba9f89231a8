"""build() and check(): the stages in order, top to bottom, nothing else."""

from __future__ import annotations

import bisect
import gc
import itertools
import os
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import partial
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Sequence

from . import cache, write
from .errors import Problem, SiteError, problem, raise_errors, strict as promote, warning

# The stages (and the model, the process pool and the rest) are imported where they run, so a build
# that finds nothing changed loads only cache and write.
if TYPE_CHECKING:
    from concurrent.futures import Future

    from .model import Entry
    from .render import Files

Progress = Callable[[str, int, int], None]
Sink = Callable[[str, "bytes | Path", "str | None"], None]


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    warnings: tuple[Problem, ...]
    seconds: float
    changed: int = 0  # files written because their bytes changed (the others were kept)
    next_change: datetime | None = None  # when the next future-dated entry comes due
    up_to_date: bool = False  # nothing had changed since the last build: nothing was done
    indexed: tuple[tuple[str, str], ...] = ()  # the pages search indexes (the entry pages), oldest first, with their sha256


def render_files(root: Path, now: datetime, *, base_url: str | None = None, drafts: bool = False,
                 strict: bool = False, progress: Progress = lambda stage, done, total: None,
                 jobs: int | None = None, use_cache: bool = True, memory: dict | None = None,
                 sink: Sink | None = None, listing: cache.Listing | None = None,
                 changed: Sequence[str] | None = None,
                 on_indexed: Callable[[tuple[tuple[str, str], ...]], None] | None = None) -> tuple[Files, BuildResult]:
    """Every stage but writing: {output path: bytes | Path}, and the result. Raises SiteError on errors.
    With a sink, each file goes to sink(path, data, sha) as it is made (sha: the sha256 of a page's bytes,
    or None), cached pages as their cached file, and the dict stays empty.

    Entries are processed (load, markup, annotate, verify) one by one, from the cache when their files,
    the config and the code are unchanged, else in a pool of `jobs` processes; the result is the same.
    listing: content/ as cache.content_listing found it at the start of the build (else it is listed).

    memory, a dict a long-lived caller (serve) keeps between builds, holds what the last build made:
    processed entries, the assembled site (kept while every entry shows the same in lists: only the
    pages that show an entry whole are made again), page keys, rendered pages, compiled templates.
    changed: the site paths changed since the last call with this memory (None: unknown).
    on_indexed(indexed) is called as soon as every entry page is made (BuildResult.indexed), so that
    search can index them while the other pages and feeds are made.
    """
    with _fewer_collections():
        if not use_cache:  # the processed entries still go to a folder, a throwaway one, and come back one by one
            import tempfile

            with tempfile.TemporaryDirectory(prefix="digest-entries-") as folder:
                return _render_files(root, now, Path(folder), base_url, drafts, strict, progress, jobs, False,
                                     memory, sink, listing, changed, on_indexed)
        return _render_files(root, now, root / cache.FOLDER, base_url, drafts, strict, progress, jobs, True,
                             memory, sink, listing, changed, on_indexed)


@contextmanager
def _fewer_collections():
    """Python's cycle collector, at its default pace, rescans every entry of a big site again and again
    while a build allocates (a third of a one-edit build at 10,000 entries); it runs a hundred times
    less often inside a build."""
    before = gc.get_threshold()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _render_files(root: Path, now: datetime, folder: Path, base_url: str | None, drafts: bool, strict: bool,
                  progress: Progress, jobs: int | None, use_cache: bool, memory: dict | None,
                  sink: Sink | None, listing: cache.Listing | None, changed: Sequence[str] | None,
                  on_indexed: Callable[[tuple[tuple[str, str], ...]], None] | None) -> tuple[Files, BuildResult]:
    from . import assemble, config as config_stage, feeds, render

    started = time.perf_counter()
    config = config_stage.load_config(root / "site.yaml", base_url)
    if memory is not None and sink is None and changed is not None and not strict and use_cache:
        patched = _patch(root, now, config, folder, drafts, memory, changed)
        if patched is not None:
            files, result = patched
            return files, replace(result, seconds=time.perf_counter() - started)
    entries, warnings = process_entries(root, config, folder, jobs=jobs, use_cache=use_cache, progress=progress,
                                        memory=memory, listing=listing, changed=changed)
    warnings += _config_warnings(config)
    if strict and warnings:
        raise SiteError(promote(warnings))
    keys = {e.slug: e.key for e in entries}  # of the whole entries, which pages and feeds load by slug
    views = (config, now, drafts, tuple((e.slug, e.view) for e in entries))
    last = memory.get("site") if memory is not None else None
    if last is not None and last[0] == views and all(view for _, view in views[3]):
        site = last[1]  # every entry shows the same in lists: the same site, whose pages load by its key map
        last[2].clear()
        last[2].update(keys)
        keys = last[2]
    else:
        site = assemble.assemble(config, entries, now.astimezone(config.tz), drafts, partial(full_entry, folder, keys))
        if memory is not None:
            memory["site"] = (views, site, keys)
    full = partial(full_entry, folder, keys)
    future = [e.date for e in entries if e.date > now and (drafts or not e.draft)]
    static = render.static_files(root)
    salt = render.templates_fingerprint(root, config, static)
    if memory is not None and memory.get("env", (None,))[0] == salt:
        env = memory["env"][1]  # serve: the same templates, config and static files: compiled templates kept
    else:
        env = render.make_env(root, config, static, root / cache.TEMPLATES if use_cache else None)
        if memory is not None:
            memory["env"] = (salt, env)
    pages = root / cache.PAGES if use_cache else None
    files: Files = {}
    count, hashes = 0, {}
    # a build of the same site (the same entries, as lists show them, the same pages, templates and
    # config) knew every page's data key: pages are then not fingerprinted again (serve has its memory)
    recorded = pages is not None and memory is None
    site_print = cache.fingerprint((salt, drafts, [(e.slug, e.view or e.key) for e in entries],
                                    [e.slug for e in site.entries])) if recorded else ""
    record = cache.load(pages, cache.PAGE_KEYS) if recorded else None
    same = isinstance(record, dict) and record.get("site") == site_print and len(record.get("keys", ())) == len(site.pages)
    data_keys = list(record["keys"]) if same else [None] * len(site.pages)
    # pages render in forked processes only for a sink (a build): serve runs threads, which fork does not mix with
    rendered = render.render_site(site, config, env, root, static, lambda done, total: progress("render", done, total),
                                  pages, salt,
                                  jobs=(jobs or os.cpu_count() or 1) if sink is not None else 1, lazy=sink is not None,
                                  memory=memory, keys=keys, data_keys=data_keys)
    feed_files = ((rel, data, None) for rel, data in feeds.render_feeds(
        site, config, full, root / cache.FEEDS if use_cache else None, salt, keys,
        memory.setdefault("feeds", {}) if memory is not None else None).items())
    entry_pages = {f"{e.out_dir}index.html" for e in site.entries}

    def indexed() -> tuple[tuple[str, str], ...]:
        return tuple((f"{e.out_dir}index.html", hashes[f"{e.out_dir}index.html"]) for e in reversed(site.entries))

    if on_indexed is not None and not entry_pages:
        on_indexed(())
    for rel, data, sha in itertools.chain(rendered, feed_files):
        if sink is not None:
            sink(rel, data, sha)
        else:
            files[rel] = data
        hashes[rel] = sha
        count += 1
        if on_indexed is not None and rel in entry_pages:
            entry_pages.discard(rel)
            if not entry_pages:
                on_indexed(indexed())
    if recorded:  # (after render_site, whose pruning of the page cache removes it)
        cache.store(pages, cache.PAGE_KEYS, {"site": site_print, "keys": data_keys})
    result = BuildResult(len(site.pages), count, tuple(warnings), time.perf_counter() - started,
                         next_change=min(future, default=None), indexed=indexed())
    if memory is not None and sink is None:
        memory["built"] = (files, result)
    return files, result


def _config_warnings(config) -> list[Problem]:
    if config.origin:
        return []
    return [warning(config.path, 1, 1, f"base_url {config.base_url!r} has no scheme and host, so feeds, "
                    "the sitemap and canonical links use relative URLs",
                    "Set base_url to the site's full URL, e.g. https://user.github.io/repo/, or pass --base-url")]


def _patch(root: Path, now: datetime, config, folder: Path, drafts: bool, memory: dict,
           changed: Sequence[str]) -> tuple[Files, BuildResult] | None:
    """serve's short way, for edits no list sees: when every changed file is in an entry that still
    has the same files and, processed again, shows the same in lists (model.light, Entry.view), the
    site is the same, so only the pages that show those entries whole and the feeds are made again,
    and the last build's files are patched. None when it does not apply (the long way then takes the
    entries this processed from memory)."""
    from . import feeds, render

    built, kept_site, env, keyed = memory.get("built"), memory.get("site"), memory.get("env"), memory.get("keys")
    if built is None or kept_site is None or env is None or keyed is None or memory.get("listing") is None:
        return None
    views, site, keys = kept_site
    salt, by_name = keyed
    rendered = memory.get("rendered")
    names = {rel.split("/")[1] for rel in changed if rel.startswith("content/")}
    if (views[:3] != (config, now, drafts) or not rendered or rendered[0] is not site or rendered[1] != env[0]
            or any(not rel.startswith("content/") for rel in changed) or not names <= by_name.keys()):
        return None  # the config, the clock, templates or static files, or a new or removed entry
    listing = cache.relisted(root, memory["listing"], names)
    if any(sorted(rel for rel, _ in listing.get(name, ())) != sorted(rel for rel, _ in memory["listing"][name])
           for name in names):
        return None  # a file added to or removed from a bundle
    kept = memory["entries"]
    fresh = {name: cache.entry_key(root, root / "content" / name, salt, listed=listing[name]) for name in names}
    todo = [(root / "content" / name, key) for name, key in fresh.items() if key not in kept]
    for (_, key), result in zip(todo, _process_many(root, config, folder, todo, 1)):
        kept[key] = result  # (the long way finds them here)
    for name, key in fresh.items():
        (new, found), old = kept.get(key) or (None, ()), kept[by_name[name]][0]
        if new is None or old is None or any(p.is_error for p in found) or (new.slug, new.view) != (old.slug, old.view):
            return None
    old_keys = {name: by_name[name] for name in names if fresh[name] != by_name[name]}
    memory["listing"] = listing
    files, result = built
    if not old_keys:
        return files, result
    slugs = set()
    for name in old_keys:
        by_name[name] = fresh[name]
        slugs.add(kept[fresh[name]][0].slug)
        keys[kept[fresh[name]][0].slug] = fresh[name]
    files = dict(files)
    pages = render.render_shown(site, env[1], root, root / cache.PAGES, env[0], memory, keys, slugs)
    files.update((rel, data) for rel, data, _ in pages)
    files.update(feeds.render_feeds(site, config, partial(full_entry, folder, keys), root / cache.FEEDS, env[0], keys,
                                    memory.setdefault("feeds", {})))
    if any(kept[fresh[name]][1] != kept[old][1] for name, old in old_keys.items()):
        warned = _warned(memory, by_name, kept, old_keys)
        result = replace(result, warnings=tuple([p for name in warned for p in kept[by_name[name]][1]]
                                                + _config_warnings(config)))
    for old in old_keys.values():
        del kept[old]
    if memory.get("indexed", (None,))[0] is not site:
        memory["indexed"] = (site, {rel: i for i, (rel, _) in enumerate(result.indexed)})
    indexed, at = list(result.indexed), memory["indexed"][1]
    for rel, _, sha in pages:
        if rel in at:
            indexed[at[rel]] = (rel, sha)
    result = replace(result, indexed=tuple(indexed))
    memory["built"] = (files, result)
    return files, result


def _warned(memory: dict, by_name: dict[str, str], kept: dict[str, tuple], names) -> list[str]:
    """The names of the entries with problems, in the order of sources (and of warnings): kept in
    memory while by_name is the same map, and brought up to date for these names."""
    warned = memory.get("warned")
    if warned is None or warned[0] is not by_name:
        warned = memory["warned"] = (by_name, [name for name, key in by_name.items() if kept[key][1]])
    for name in names:
        at = bisect.bisect_left(warned[1], name)
        listed = at < len(warned[1]) and warned[1][at] == name
        if kept[by_name[name]][1] and not listed:
            warned[1].insert(at, name)
        elif listed and not kept[by_name[name]][1]:
            del warned[1][at]
    return warned[1]


def build(root: Path, out: Path | None, now: datetime, *, exact_search: bool = False, **options) -> BuildResult:
    """Build the site in root into out (None: check only, write nothing). Raises SiteError on errors.

    The search index takes the pages of an edit into an index of edits beside the last build's shards
    (search.index_files), unless exact_search: then the output is byte for byte a cold build's.

    When nothing the build reads has changed since the last one, no future entry has come due, and the
    output is as that build left it, there is nothing to do (unless use_cache=False).
    """
    started = time.perf_counter()
    stamp = None
    listing = cache.content_listing(root)
    if out is not None and options.get("use_cache", True):
        stamp = cache.input_stamp(root, out, {k: v for k, v in options.items() if k not in ("progress", "jobs")}
                                  | {"exact_search": exact_search}, listing)
        last = cache.last_build(root, stamp, now)
        if last is not None and write.output_intact(out, root):
            return BuildResult(last["pages"], last["files"], last["warnings"], time.perf_counter() - started,
                               up_to_date=True)
    from concurrent.futures import ThreadPoolExecutor

    from . import search

    if out is None:
        result = render_files(root, now, sink=lambda rel, data, sha: None, listing=listing, **options)[1]
        return BuildResult(result.pages, 0, result.warnings, time.perf_counter() - started)
    stage = write.Staging(out, root)  # pages go to disk as they are rendered; out/ changes only at the end
    folder = root / search.FOLDER if options.get("use_cache", True) else None
    failed = threading.Event()
    # search indexes the entry pages in a thread (Pagefind runs in a process of its own) while the
    # other pages and the feeds are made
    with ThreadPoolExecutor(1) as searcher:
        indexing: list[Future] = []

        def start(indexed: tuple[tuple[str, str], ...]) -> None:
            pages = {rel: stage.path(rel) for rel, _ in indexed}
            indexing.append(searcher.submit(search.index_files, pages, list(indexed), folder, failed.is_set,
                                           exact_search))

        try:
            _, result = render_files(root, now, sink=stage.add, listing=listing, on_indexed=start, **options)
            index = indexing[0].result()
            for rel, (data, sha) in index.items():
                stage.add(rel, data, sha)
            changed = stage.commit()
        except BaseException:
            failed.set()  # the indexer stops after the shard it is on
            stage.abort()
            raise
    if stamp is not None:
        cache.record_build(root, stamp, result.pages, result.files + len(index), result.warnings, result.next_change)
    return BuildResult(result.pages, result.files + len(index), result.warnings, time.perf_counter() - started,
                       changed, result.next_change, indexed=result.indexed)


def process_entries(root: Path, config, folder: Path, *, jobs: int | None = None, use_cache: bool = True,
                    progress: Progress = lambda stage, done, total: None, memory: dict | None = None,
                    listing: cache.Listing | None = None, changed: Sequence[str] | None = None
                    ) -> tuple[list, list[Problem]]:
    """Every entry loaded, marked up, annotated and checked against its source, sorted by slug: light
    entries (model.light), each with its key; the full ones are in folder (see full_entry).

    `memory`, a dict a long-lived caller (serve) keeps between builds, holds the processed entries by
    key ("entries", in front of the cache on disk), and content/ as last listed and keyed ("listing",
    "keys"): given `changed`, the site paths changed since the last call, only the entries they are in
    are listed and keyed again. Raises SiteError with every problem of every entry when any is an error.
    """
    from . import load

    kept = memory.setdefault("entries", {}) if memory is not None else {}
    sources, keys, incremental = _keyed_sources(root, config, use_cache, memory, listing, changed)
    results: dict[str, tuple] = {}  # by key
    # the results of a recent build, in one file (reading 10,000 small ones took seconds); each result
    # is in a file of its own too, written as it is made, so an interrupted build loses none, and the
    # index is written again only when more than one entry in twenty is not in it
    index = (cache.load(folder, cache.INDEX) or {}) if use_cache and not kept else {}
    if use_cache:
        results.update((key, kept[key]) for key in keys if key in kept)  # serve's memory
        looked = [key for key in keys if key not in kept]
        # an index hit holds while its entry's own file (the full entry) is there: one listing of the
        # folder for many, a stat for a few; an entry read from its own file is there
        present = cache.names(folder) if len(looked) > 100 else None
        for key in looked:
            hit = index.get(key)
            if hit is None or (hit[0] is not None and not (f"{key}.pickle" in present if present is not None
                                                           else cache.path(folder, f"{key}.pickle").is_file())):
                hit = cache.load_entry(folder, key)
            if hit is not None:
                results[key] = hit
    indexed, index = set(index), None  # a stale index (the code changed) is not held while the entries are made
    progress("process", len(results), len(sources))
    todo = [(path, key) for path, key in zip(sources, keys) if key not in results]
    for (_, key), result in zip(todo, _process_many(root, config, folder, todo, jobs)):
        results[key] = result
        progress("process", len(results), len(sources))
    current = {key: results[key] for key in keys}
    if use_cache:
        if not kept and len(indexed ^ current.keys()) > len(current) // 20:
            cache.store(folder, cache.INDEX, current)
        if not incremental:  # (serve prunes when it lists everything, not on every edit)
            cache.prune(folder, {*keys, cache.INDEX})
        if memory is not None:
            memory["entries"] = current
    entries = [entry for entry, _ in current.values() if entry is not None]
    problems = [problem for _, found in current.values() for problem in found]
    load.check_unique_slugs(entries, problems)
    raise_errors(problems)
    return sorted(entries, key=lambda e: e.slug), problems


def _keyed_sources(root: Path, config, use_cache: bool, memory: dict | None, listing: cache.Listing | None,
                   changed: Sequence[str] | None) -> tuple[list[Path], list[str], bool]:
    """The entries' sources (load.entry_sources) and their keys (cache.entry_key), and whether only the
    changed ones were looked at: when memory has the last call's and changed names what changed since."""
    from . import load

    salt = f"{cache.code_fingerprint()}\0{config!r}"
    last = (memory.get("listing"), memory.get("keys")) if memory is not None and changed is not None else (None, None)
    names = {rel.split("/")[1] for rel in changed if rel.startswith("content/")} if changed is not None else set()
    incremental = listing is None and last[0] is not None and "content" not in (changed or ())
    if listing is None:
        listing = cache.relisted(root, last[0], names) if incremental else cache.content_listing(root)
    if incremental and memory.get("sources") is not None:  # the last call's, with the changed names looked at again
        sources = sorted([p for p in memory["sources"] if p.name not in names]
                         + load.entry_sources(root, {name: listing[name] for name in names if name in listing}),
                         key=lambda path: path.name)
    else:
        sources = load.entry_sources(root, listing)
    known_keys = last[1][1] if incremental and last[1] and last[1][0] == salt else {}
    known, seen = (cache.file_hashes(root), {}) if use_cache and not known_keys else (None, None)
    source_names = [path.name for path in sources]
    keys = [known_keys[name] if name in known_keys and name not in names
            else cache.entry_key(root, path, salt, known, seen, listing[name]) for path, name in zip(sources, source_names)]
    if memory is not None:
        memory.update(listing=listing, sources=sources, keys=(salt, dict(zip(source_names, keys))))
    if seen:
        cache.store_file_hashes(root, seen)
    return sources, keys, incremental


def full_entry(folder: Path, keys: dict[str, str], entry: Entry) -> Entry:
    """The whole of a processed entry (article and comments included), as process_entries left it:
    keys, {slug: key}, has the key of its latest version (a site kept by serve holds older light ones)."""
    full = cache.load_entry(folder, keys.get(entry.slug, entry.key), whole=True)
    if full is None:
        raise SiteError([problem(entry.src_path, 1, 1, "the processed entry vanished from the build cache during the build",
                                 "Build again; do not remove .cache/ while a build runs")])
    return full


def _process_many(root: Path, config, folder: Path, todo: list[tuple[Path, str]], jobs: int | None) -> list[tuple]:
    """Process (path, key) pairs, in a pool of processes when there are enough of them to pay for it."""
    jobs = jobs or os.cpu_count() or 1
    if jobs <= 1 or len(todo) < 40:
        return process_chunk(root, config, folder, todo)
    from concurrent.futures import ProcessPoolExecutor  # 25 ms to import: not for a build with nothing to do

    size = max(1, min(100, len(todo) // (jobs * 4)))  # small chunks: even shares, and little held at a time
    chunks = [todo[i:i + size] for i in range(0, len(todo), size)]
    with ProcessPoolExecutor(max_workers=jobs) as pool:
        return [result for part in pool.map(process_chunk, [root] * len(chunks), [config] * len(chunks),
                                              [folder] * len(chunks), chunks)
                for result in part]


def process_chunk(root: Path, config, folder: Path, todo: list[tuple[Path, str]]) -> list[tuple]:
    """(light entry or None, problems) for each (path, key): the per-entry stages, with one set of
    renderers. The result and the full entry go to folder in one file (cache.store_entry), so only
    light entries travel back."""
    from . import annotate, load, markup, verify
    from .assemble import url_for
    from .model import light

    renderers = markup.make_renderers(config)
    results = []
    for path, key in todo:
        entry, problems = load.load_one(root, path, config)
        if entry is not None:
            entry = markup.markup_entry(entry, renderers, problems)
        if entry is not None and not any(p.is_error for p in problems):
            entry, found = annotate.annotate(entry, config)
            problems += found
            (entry,), found = verify.verify_entries([entry], [])  # digest vs source: findings are warnings
            problems += found
        full = None
        if entry is not None:
            full = entry = replace(entry, key=key, out_dir=f"{entry.slug}/", url=url_for(config, f"{entry.slug}/"))
            entry = light(entry)
            entry = replace(entry, view=cache.view(entry), facets=cache.facets(entry))
        cache.store_entry(folder, key, (entry, problems), full)
        results.append((entry, problems))
    return results
