"""Static full-text search: Pagefind indexes the entry pages (digest, article, notes, comments: every
page marked data-pagefind-body), which the /search/ page loads.

The pages go into indexes of SHARD pages each, oldest first: pagefind/ holds the first, pagefind/2/
the second, and so on; the search page merges them (Pagefind's mergeIndex). Pagefind cannot update an
index, holds about half a megabyte per page while it works, and takes ~7 ms a page, so one index per
site would make every edit re-index everything and make memory grow with the site. With shards, the
unchanged ones come from the cache, and Pagefind never holds more than SHARD pages.

An edit does not re-index its shard either (~3 s for 500 pages): the last build's index of the shard
stays, and the pages that changed go into an index of their own, pagefind/edits/ (~0.2 s for a few
pages); pagefind/edits.json lists the ids of their old copies, which the search page leaves out
(static/search/pagefind.js). Past EDITS changed pages, the shards holding most of them are indexed
again. An exact build (deploy's) re-indexes every shard whose pages changed and gives the bytes of a
cold build.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Callable

from . import cache
from .errors import SiteError, problem

MARKER = b"data-pagefind-body"
SHARD = 500
WORKERS = 2  # Pagefind runs threads of its own (~1.4 cores busy); two at a time keep two cores busy
FOLDER = Path(".cache") / "digest" / "search"
EDITS = 100  # at most this many changed pages go to an edits index (~7 ms a page) before shards are indexed again
EDITS_FOLDER = "edits/"
EDITS_FILE = "edits.json"  # {"bundle": the edits index's folder under pagefind/ or null, "stale": [[page id, url]]}
HASHES = ".hashes.json"  # in a cached index's folder, written last: {path: sha256} of its files
PAGES = ".pages.json"  # in a cached index's folder: {page path: sha256} of the pages it indexes
IDS = ".ids.json"  # in a cached index's folder, once asked for: {url: Pagefind's page id}
LAYOUT = "layout.json"  # in the cache folder: the last build's index of each shard
_BODY = re.compile(rb"<[a-zA-Z][^>]*?\sdata-pagefind-body")


def bundles(count: int) -> list[str]:
    """The index folders for count entry pages: pagefind/, pagefind/2/, ... (none for no pages)."""
    return [f"pagefind/{n}/" if n > 1 else "pagefind/" for n in range(1, -(-count // SHARD) + 1)]


def index_files(files: dict[str, bytes | Path], pages: list[tuple[str, str | None]],
                cache_folder: Path | None = None, stop: Callable[[], bool] = lambda: False,
                exact: bool = False) -> dict[str, tuple[bytes | Path, str]]:
    """The search indexes of a rendered site, as {output path: (bytes or a file holding them, their
    sha256)}. pages: the entry pages' paths, oldest first, each with the sha256 of its bytes
    (render.render_site), or None. With a cache folder, a shard whose pages are unchanged is not
    indexed again, nor read: its files are given as the cache's files; and unless exact, the last
    build's index of a shard stands in for it when its pages changed, with the changed pages in an
    edits index (at most EDITS pages, see _plan). Shards are indexed WORKERS at a time. When stop()
    turns true (the build failed), no further shard is indexed and nothing is returned."""
    salt = f"{cache.code_fingerprint()}\0{_version()}"
    shas = [(rel, sha or hashlib.sha256(_content(files[rel])).hexdigest()) for rel, sha in pages]
    shards = [shas[start:start + SHARD] for start in range(0, len(shas), SHARD)]
    keys = [_key(salt, shard) for shard in shards]
    plan = None if cache_folder is None or exact else _plan(cache_folder, keys, shards)
    names, edits, stale = plan or (keys, [], [])
    jobs = [(shard, name, files) for shard, name in zip(shards, names)]
    if edits:
        marked = {rel: _mark(_content(files[rel])) for rel, _ in edits}
        jobs.append((edits, "edits-" + _key(salt, [(rel, hashlib.sha256(data).hexdigest()) for rel, data in marked.items()]),
                     marked))

    def one(shard: list[tuple[str, str]], name: str, source: dict) -> dict[str, tuple[bytes | Path, str]] | None:
        if stop():
            return None
        given = {rel: source[rel] for rel, _ in shard}
        if cache_folder is None:
            return _index(given)
        return _cached(cache_folder / name) or _index(given, cache_folder / name, dict(shard))

    with ThreadPoolExecutor(WORKERS) as pool:
        indexes = list(pool.map(one, *zip(*jobs))) if jobs else []
    if any(index is None for index in indexes):
        return {}
    if cache_folder is not None:
        cache.store_bytes(cache_folder, LAYOUT, json.dumps({"shards": names}).encode())
        kept = {LAYOUT, *(name for _, name, _ in jobs)}
        for old in [p for p in cache_folder.iterdir() if p.name not in kept]:  # the cache stays the size of the site
            shutil.rmtree(old) if old.is_dir() and not old.is_symlink() else old.unlink()
    made = {bundle + rel: item for bundle, index in zip(bundles(len(pages)), indexes) for rel, item in index.items()}
    if edits:
        made.update({f"pagefind/{EDITS_FOLDER}" + rel: item for rel, item in indexes[-1].items()})
    if pages:
        listing = json.dumps({"bundle": EDITS_FOLDER if edits else None, "stale": stale}, sort_keys=True).encode()
        made["pagefind/" + EDITS_FILE] = (listing, hashlib.sha256(listing).hexdigest())
    return made


def _plan(folder: Path, keys: list[str], shards: list[list[tuple[str, str]]]
          ) -> tuple[list[str], list[tuple[str, str]], list[list[str]]] | None:
    """How the last build's indexes stand in for shards whose pages changed: (the cache folder of each
    shard's index, the pages no index holds as they are now, the [Pagefind page id, url] of each copy
    they hold of a page that changed or went). While more than EDITS pages changed, the shard with the
    most of them is indexed again (its key is its folder). None when a page would be in two indexes
    (entries removed shift the shards): the shards are indexed again, as a cold build does."""
    last = cache.read_json(folder / LAYOUT).get("shards", [])
    names = [key if (folder / key / HASHES).is_file() or at >= len(last) else last[at] for at, key in enumerate(keys)]
    listed = {name: cache.read_json(folder / name / PAGES) for name, key in zip(names, keys) if name != key}
    names = [key if name in listed and not (listed[name] and (folder / name / HASHES).is_file()) else name
             for name, key in zip(names, keys)]
    now = {rel: sha for shard in shards for rel, sha in shard}
    while True:
        held: set[str] = set()
        for name, key, shard in zip(names, keys, shards):
            holds = {rel for rel, _ in shard} if name == key else {rel for rel, sha in listed[name].items() if now.get(rel) == sha}
            if held & holds:
                return None
            held |= holds
        edits = [(rel, sha) for shard in shards for rel, sha in shard if rel not in held]
        if len(edits) <= EDITS:
            break
        counts = [sum(rel not in held for rel, _ in shard) for shard in shards]
        names[counts.index(max(counts))] = keys[counts.index(max(counts))]
    stale = [found for name, key in zip(names, keys) if name != key
             for found in _page_ids(folder / name, [rel for rel, sha in listed[name].items() if now.get(rel) != sha])]
    return names, edits, sorted(stale)


def _page_ids(bundle: Path, rels: list[str]) -> list[list[str]]:
    """[Pagefind's id, url] of these pages in a cached index. The ids are the names of its fragment
    files, each naming its url inside (gzipped): read once, then kept beside the index (IDS)."""
    if not rels:
        return []
    ids = cache.read_json(bundle / IDS)
    if not ids:
        for fragment in (bundle / "fragment").glob("*.pf_fragment"):
            data = gzip.decompress(fragment.read_bytes()).removeprefix(b"pagefind_dcd")
            ids[json.loads(data)["url"]] = fragment.name.removesuffix(".pf_fragment")
        cache.store_bytes(bundle, IDS, json.dumps(ids).encode())
    return [[ids[url], url] for url in map(_url, rels) if url in ids]


def _url(rel: str) -> str:
    return "/" + rel.removesuffix("index.html")


def _mark(page: bytes) -> bytes:
    """The page as the edits index holds it: its indexed part given a meta field of its own, so that
    its Pagefind id (a hash of what is indexed) differs from the id of its copy in the shard's index
    (the search page drops the field before showing a result)."""
    return _BODY.sub(lambda m: m.group(0) + b' data-pagefind-meta="edit:1"', page, count=1)


def _cached(folder: Path) -> dict[str, tuple[Path, str]] | None:
    hashes = cache.read_json(folder / HASHES)
    return {rel: (folder / rel, sha) for rel, sha in hashes.items()} if hashes else None


def _content(data: bytes | Path) -> bytes:
    return data.read_bytes() if isinstance(data, Path) else data


def _key(salt: str, shard: list[tuple[str, str]]) -> str:
    """The shard's pages by path and sha256."""
    digest = hashlib.sha256(salt.encode())
    for rel, sha in shard:
        digest.update(f"{rel}\0{sha}\0".encode())
    return digest.hexdigest()


def _version() -> str:
    try:
        return metadata.version("pagefind")
    except metadata.PackageNotFoundError:
        return ""


def _index(shard: dict[str, bytes | Path], keep: Path | None = None, listed: dict[str, str] | None = None
           ) -> dict[str, tuple[bytes | Path, str]]:
    """Pagefind's bundle for these pages, as {path under the bundle folder: (bytes, sha256)}; or, given
    keep (a shard's folder in the cache), moved there whole with the pages' sha256 (listed), as
    {path: (its file there, sha256)}.
    Pagefind works in a folder of its own beside keep (else in the system's temporary folder), where a
    page given as a file is linked, not copied (copying 500 pages took a third of Pagefind's time)."""
    if keep is not None:
        keep.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".pagefind-", dir=keep.parent if keep is not None else None) as tmp:
        root = Path(tmp)
        for rel, content in shard.items():
            target = root / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            _place(content, target)
        _run_pagefind(root)
        bundle = root / "pagefind"
        made = {p.relative_to(bundle).as_posix(): p.read_bytes() for p in sorted(bundle.rglob("*")) if p.is_file()}
        hashes = {rel: hashlib.sha256(data).hexdigest() for rel, data in made.items()}
        if keep is None:
            return {rel: (data, hashes[rel]) for rel, data in made.items()}
        (bundle / PAGES).write_text(json.dumps(listed or {}), encoding="utf-8")
        (bundle / HASHES).write_text(json.dumps(hashes), encoding="utf-8")  # last: a folder that has it is whole
        shutil.rmtree(keep, ignore_errors=True)  # a shard left without its hashes by an interrupted build
        os.replace(bundle, keep)
        return {rel: (keep / rel, sha) for rel, sha in hashes.items()}


def _place(content: bytes | Path, target: Path) -> None:
    if isinstance(content, Path):
        try:
            os.link(content, target)  # Pagefind only reads it
            return
        except OSError:  # another file system, or one without links
            content = content.read_bytes()
    target.write_bytes(content)


@lru_cache(maxsize=1)
def _pagefind() -> tuple[str, ...]:
    """The command that runs Pagefind: its binary where the pagefind package would find it, so that
    no Python starts for every index (`python -m pagefind` took ~80 ms before the binary ran)."""
    found = os.environ.get("PAGEFIND_BINARY_PATH")
    try:
        from pagefind_bin import get_executable

        found = found or str(get_executable())
    except (ImportError, OSError):
        pass
    return (found,) if found else (sys.executable, "-m", "pagefind")


def _run_pagefind(folder: Path) -> None:
    try:
        done = subprocess.run([*_pagefind(), "--site", str(folder), "--quiet"],
                              capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SiteError([problem("pagefind", 1, 1, f"the search indexer did not run: {exc}",
                                 "Reinstall the project: pip install -e .")])
    if done.returncode != 0 or not (folder / "pagefind" / "pagefind.js").is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SiteError([problem("pagefind", 1, 1, f"the search indexer failed: {detail[-1] if detail else done.returncode}",
                                 "Reinstall the project (pip install -e .), which installs Pagefind's binary")])
