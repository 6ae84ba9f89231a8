"""Static full-text search: Pagefind indexes the entry pages (digest, article, notes, comments: every
page marked data-pagefind-body), which the /search/ page loads.

The pages go into indexes of SHARD pages each, oldest first: pagefind/ holds the first, pagefind/2/
the second, and so on; the search page merges them (Pagefind's mergeIndex). Pagefind cannot update an
index, holds about half a megabyte per page while it works, and takes ~4 ms a page, so one index per
site would make every edit re-index everything and make memory grow with the site. With shards, an
edit re-indexes the shard of its entry (a new entry: the newest shard), the others come from the
cache, and Pagefind never holds more than SHARD pages.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path
from typing import Callable

from . import cache
from .errors import SiteError, problem

MARKER = b"data-pagefind-body"
SHARD = 500
WORKERS = 2  # Pagefind runs threads of its own (~1.4 cores busy); two at a time keep two cores busy
FOLDER = Path(".cache") / "digest" / "search"


def bundles(count: int) -> list[str]:
    """The index folders for count entry pages: pagefind/, pagefind/2/, ... (none for no pages)."""
    return [f"pagefind/{n}/" if n > 1 else "pagefind/" for n in range(1, -(-count // SHARD) + 1)]


def index_files(files: dict[str, bytes | Path], pages: list[tuple[str, str | None]],
                cache_folder: Path | None = None, stop: Callable[[], bool] = lambda: False
                ) -> dict[str, tuple[bytes | Path, str]]:
    """The search indexes of a rendered site, as {output path: (bytes or a file holding them, their
    sha256)}. pages: the entry pages' paths, oldest first, each with the sha256 of its bytes
    (render.render_site), or None. With a cache folder, a shard whose pages are unchanged is not
    indexed again, nor read: its files are given as the cache's files. Shards are indexed WORKERS at
    a time. When stop() turns true (the build failed), no further shard is indexed and nothing is
    returned."""
    salt = f"{cache.code_fingerprint()}\0{_version()}"
    shards = [pages[start:start + SHARD] for start in range(0, len(pages), SHARD)]
    keys = [_key(salt, [(rel, sha or hashlib.sha256(_content(files[rel])).hexdigest()) for rel, sha in shard])
            for shard in shards]

    def one(shard: list[tuple[str, str | None]], key: str) -> dict[str, tuple[bytes | Path, str]] | None:
        if stop():
            return None
        given = {rel: files[rel] for rel, _ in shard}
        return _index(given) if cache_folder is None else _cached(cache_folder / key) or _index(given, cache_folder / key)

    with ThreadPoolExecutor(WORKERS) as pool:
        indexes = list(pool.map(one, shards, keys))
    if any(index is None for index in indexes):
        return {}
    if cache_folder and cache_folder.is_dir():
        for stale in [p for p in cache_folder.iterdir() if p.name not in keys]:  # the cache stays the size of the site
            shutil.rmtree(stale) if stale.is_dir() and not stale.is_symlink() else stale.unlink()
    return {bundle + rel: item for bundle, index in zip(bundles(len(pages)), indexes) for rel, item in index.items()}


HASHES = ".hashes.json"  # in a cached shard's folder, written last: {path: sha256} of its files


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


def _index(shard: dict[str, bytes | Path], keep: Path | None = None) -> dict[str, tuple[bytes | Path, str]]:
    """Pagefind's bundle for these pages, as {path under the bundle folder: (bytes, sha256)}; or, given
    keep (a shard's folder in the cache), moved there whole, as {path: (its file there, sha256)}.
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


def _run_pagefind(folder: Path) -> None:
    try:
        done = subprocess.run([sys.executable, "-m", "pagefind", "--site", str(folder), "--quiet"],
                              capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SiteError([problem("pagefind", 1, 1, f"the search indexer did not run: {exc}",
                                 "Reinstall the project: pip install -e .")])
    if done.returncode != 0 or not (folder / "pagefind" / "pagefind.js").is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SiteError([problem("pagefind", 1, 1, f"the search indexer failed: {detail[-1] if detail else done.returncode}",
                                 "Reinstall the project (pip install -e .), which installs Pagefind's binary")])
