"""The persistent build cache: each entry, processed (loaded, marked up, annotated, checked), is kept
in .cache/digest/ under a key made of its files' bytes, the site config and the code, so an unchanged
entry is neither re-parsed nor re-rendered to HTML on the next build."""

from __future__ import annotations

import copyreg
import gc
import hashlib
import io
import json
import os
import pickle
import sys
import tempfile
from dataclasses import asdict, replace
from datetime import datetime
from functools import lru_cache, partial
from pathlib import Path
from stat import S_ISDIR
from typing import TYPE_CHECKING, Any, Iterable

from .errors import Problem

if TYPE_CHECKING:  # (the model is imported where it is used: a build with nothing to do needs none of it)
    from .model import Entry

PACKAGE = Path(__file__).resolve().parent
FOLDER = Path(".cache") / "digest" / "entries"
PAGES = Path(".cache") / "digest" / "pages"
FEEDS = Path(".cache") / "digest" / "feeds"
TEMPLATES = Path(".cache") / "digest" / "templates"
INDEX = "index"  # in FOLDER: {key: (light entry, problems)} of every entry of the last build
LAST_BUILD = Path(".cache") / "digest" / "build.json"
HASHES = Path(".cache") / "digest" / "files.json"
INPUTS = ("site.yaml", "content", "templates", "static")


@lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """The package's own code: a new version of any stage invalidates every cached entry. Read once
    per process: it stands for the code that is running, which does not change under it."""
    digest = hashlib.sha256(sys.version.encode())  # pickles and bytecode follow the interpreter too
    for path in sorted(PACKAGE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


Listing = dict[str, list[tuple[str, os.stat_result]]]


def content_listing(root: Path) -> Listing:
    """content/'s files and their stats, by the name under content/ they are in or are:
    {name: [(path from root, stat)]}. One listing serves the up-to-date check, finding the entries
    (load.entry_sources) and keying them (entry_key)."""
    try:
        with os.scandir(root / "content") as items:
            names = [item.name for item in items]
    except (FileNotFoundError, NotADirectoryError):
        return {}
    return relisted(root, {}, names)


def relisted(root: Path, listing: Listing, names: Iterable[str]) -> Listing:
    """listing with the files under content/<name> listed (again) for each of names; a name with no
    files (gone, or an empty folder) is dropped. A link to a folder is a bundle too."""
    listing = dict(listing)
    content = os.path.join(root, "content")
    for name in names:
        path = os.path.join(content, name)  # (no pathlib: this runs for every entry of an unchanged build)
        try:
            stat = os.stat(path)
        except (FileNotFoundError, NotADirectoryError):
            stat = None
        found = [] if stat is None else walk(path, f"content/{name}/") if S_ISDIR(stat.st_mode) else \
            [(f"content/{name}", stat)]
        if found:
            listing[name] = found
        else:
            listing.pop(name, None)
    return listing


def entry_key(root: Path, source: Path, salt: str, known: dict[str, list] | None = None,
              seen: dict[str, list] | None = None, listed: list[tuple[str, os.stat_result]] | None = None) -> str:
    """A key for one entry: salt (config and code) plus the bytes of its files and the names of its resources.

    known, {path: [size, mtime_ns, sha256]} from the last build (file_hashes), spares reading a file
    whose size and time have not changed; seen gets the same for this build's files. listed: the
    entry's files as content_listing found them (else they are listed here)."""
    digest = hashlib.sha256(salt.encode())
    if listed:  # content/<name>/... or content/<name>: no pathlib, which cost a tenth of a second a build
        top = "/".join(listed[0][0].split("/", 2)[:2])
    else:
        top = source.relative_to(root).as_posix()
        listed = [(f"{top}/{rel}", stat) for rel, stat in walk(source)] if source.is_dir() else [(top, source.stat())]
    # files in a folder whose name starts with a dot (.backup/) are not part of the entry
    files = sorted((rel, stat) for rel, stat in listed if not any(part.startswith(".") for part in rel.split("/")[2:]))
    for rel, stat in files:
        digest.update(rel.encode() + b"\0")
        if rel.endswith((".md", ".yaml", ".yml")) or rel == top:
            memo = known.get(rel) if known is not None else None
            if memo is None or memo[:2] != [stat.st_size, stat.st_mtime_ns]:
                memo = [stat.st_size, stat.st_mtime_ns, hashlib.sha256((root / rel).read_bytes()).hexdigest()]
            if seen is not None:
                seen[rel] = memo
            digest.update(memo[2].encode())
        else:
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def file_hashes(root: Path) -> dict[str, list]:
    """What entry_key learnt of the content files in the last build."""
    return read_json(root / HASHES)


def store_file_hashes(root: Path, seen: dict[str, list]) -> None:
    store_bytes((root / HASHES).parent, HASHES.name, json.dumps(seen).encode())


def read_json(path: Path) -> dict:
    """A JSON object the cache wrote, or {} when it is missing or unreadable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def fingerprint(value: Any, facet: str = "") -> str:
    """A hash of what a template is given: an entry by its view (what a list shows of it: model.light),
    or by one of its FACETS when that is all the template shows, and its URL; anything else by its
    content. What shows an entry whole adds the entry's key."""
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
    # an Entry pickles as str(its id): the table is looked up by the C pickler for the objects it has no
    # fast path for, so strings, numbers and containers cost no Python call (persistent_id cost one each)
    pickler.dispatch_table = _table(facet)
    pickler.dump(value)
    return hashlib.sha256(buffer.getvalue()).hexdigest()


def view(entry: Entry) -> str:
    """The fingerprint of a light entry's content (its key left out: a change that lists do not show
    leaves it as it was)."""
    return _digest(replace(entry, key="", view=""))


def facets(entry: Entry) -> dict[str, str]:
    """The fingerprints of the entry's model.FACETS."""
    from .model import FACETS

    return {name: _digest(tuple(getattr(entry, f) for f in fields)) for name, fields in FACETS.items()}


def _digest(value: Any) -> str:
    return hashlib.sha256(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)).hexdigest()


def by_facet(entries: tuple[Entry, ...] | list[Entry], name: str) -> tuple[str, ...]:
    """The entries by one facet's fingerprint (by view or key when unprocessed), for a cache key."""
    return tuple(e.facets.get(name) or f"{e.view or e.key}|{e.url}" for e in entries)


def _entry_id(facet: str, entry: Entry) -> tuple:
    """The facet's fingerprint, else its view (or, unprocessed, its key), stands for its content."""
    return str, (f"{facet and entry.facets.get(facet) or entry.view or entry.key}|{entry.url}|{entry.out_dir}",)


def _config_id(config) -> tuple:
    """Its settings: where site.yaml was read from (the site folder as the command line named it) is
    no part of a page."""
    return str, (repr(config),)


@lru_cache(maxsize=None)
def _table(facet: str) -> dict:
    """The pickler's table for fingerprint(): made on first use, so that a build with nothing to do
    (which fingerprints nothing) does not import the config stage and YAML."""
    from .config import SiteConfig
    from .model import Entry

    return {**copyreg.dispatch_table, Entry: partial(_entry_id, facet), SiteConfig: _config_id}


PAGE_HASHES = "hashes.json"  # in the page cache: {key: sha256 of the page's bytes}
PAGE_KEYS = "keys"  # in the page cache, the last build's: {"site": its fingerprint, "keys": each page's data key}


def page_hashes(folder: Path) -> dict[str, str]:
    """{key: sha256} of the cached pages still in folder (a listing a subfolder, not a stat a page)."""
    hashes = read_json(folder / PAGE_HASHES)
    present = names(folder)
    return {key: sha for key, sha in hashes.items() if key in present}


def store_page_hashes(folder: Path, hashes: dict[str, str]) -> None:
    store_bytes(folder, PAGE_HASHES, json.dumps(hashes).encode())


def path(folder: Path, name: str) -> Path:
    """Where a file of a cache folder is: one named by a key (64 hex digits, and a suffix) in the
    subfolder named by the key's first two, so that no folder holds more than a few hundred files
    (creating a file in the page cache's 16,000, which every new entry churns, took ten times as
    long as in a small folder); the folder's own records (index, hashes.json) at its top."""
    return _shard(folder, name[:2]) / name if len(name.partition(".")[0]) == 64 else folder / name


@lru_cache(maxsize=1024)
def _shard(folder: Path, prefix: str) -> Path:
    return folder / prefix  # (made once: a lazy build names 16,000 cached pages, and pathlib is slow)


def names(folder: Path) -> set[str]:
    """The names of the keyed files in a cache folder."""
    found: set[str] = set()
    try:
        shards = [entry.path for entry in os.scandir(folder) if len(entry.name) == 2 and entry.is_dir()]
    except OSError:
        return found
    for shard in shards:
        found.update(os.listdir(shard))
    return found


def load_bytes(folder: Path, key: str) -> bytes | None:
    try:
        return path(folder, key).read_bytes()
    except OSError:
        return None


def store_bytes(folder: Path, key: str, data: bytes) -> None:
    """Write atomically (a half-written file is never read back)."""
    target = path(folder, key)
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(data)
    os.replace(temp, target)


def load(folder: Path, key: str) -> Any | None:
    try:
        return _unpickle(path(folder, f"{key}.pickle").read_bytes())
    except OSError:
        return None


def _unpickle(data: bytes | memoryview) -> Any | None:
    """The value, or None when the bytes are not a pickle this code can read."""
    paused = gc.isenabled()
    gc.disable()  # unpickling makes no cycles; left on, the collector rescans what it makes (a quarter of reading the index)
    try:
        return pickle.loads(data) if len(data) else None
    except (pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError, ValueError):
        return None
    finally:
        if paused:
            gc.enable()


def store(folder: Path, key: str, value: Any) -> None:
    store_bytes(folder, f"{key}.pickle", pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))


def store_entry(folder: Path, key: str, result: Any, full: Any) -> None:
    """A processed entry's file, <key>.pickle: its result (light entry, problems) and the full entry,
    pickled one after the other behind the first one's length, so that either is read alone. (One
    file, not two: creating a file costs more than the rest of storing an entry.)"""
    head = pickle.dumps(result, protocol=pickle.HIGHEST_PROTOCOL)
    tail = pickle.dumps(full, protocol=pickle.HIGHEST_PROTOCOL) if full is not None else b""
    store_bytes(folder, f"{key}.pickle", len(head).to_bytes(8, "little") + head + tail)


def load_entry(folder: Path, key: str, whole: bool = False) -> Any | None:
    """What store_entry kept: the result, or with whole the full entry; None if missing or unreadable."""
    try:
        data = memoryview(path(folder, f"{key}.pickle").read_bytes())
    except OSError:
        return None
    size = int.from_bytes(data[:8], "little")
    return _unpickle(data[8 + size:] if whole else data[8:8 + size])


def prune(folder: Path, keep: set[str]) -> None:
    """Drop the files of a cache folder this build did not use (by name, less any suffix: <key>.pickle),
    so the cache stays the size of the site."""
    if not folder.is_dir():
        return
    for item in folder.iterdir():
        for file in item.iterdir() if len(item.name) == 2 and item.is_dir() else (item,):
            if file.name.split(".")[0] not in keep:
                file.unlink(missing_ok=True)


def walk(top: Path | str, prefix: str = "") -> list[tuple[str, os.stat_result]]:
    """Every file under top as (relative posix path, its stat), in no set order (sort it where order
    matters); os.scandir is 5x faster than Path.rglob here, which matters when a build has nothing to do."""
    found: list[tuple[str, os.stat_result]] = []
    try:
        with os.scandir(top) as it:
            items = list(it)
    except (FileNotFoundError, NotADirectoryError):
        return found
    for item in items:
        if item.is_dir(follow_symlinks=False):
            found += walk(item.path, f"{prefix}{item.name}/")
        else:
            found.append((prefix + item.name, item.stat()))
    return found


def input_stamp(root: Path, out: Path, options: dict, listing: Listing | None = None) -> str:
    """Everything a build reads, by name, size and time (and the code and theme by content), plus its
    options. listing: content/ as content_listing found it (else it is listed here)."""
    digest = hashlib.sha256(code_fingerprint().encode())
    for path in sorted((PACKAGE / "theme").rglob("*")):
        if path.is_file():
            digest.update(path.relative_to(PACKAGE).as_posix().encode() + b"\0" + path.read_bytes())
    digest.update(repr(sorted(options.items())).encode() + str(out.resolve()).encode())
    for name in INPUTS:
        top = root / name
        if name == "content" and listing is not None:
            found = sorted(item for files in listing.values() for item in files)
        else:
            found = sorted(walk(top, f"{name}/")) if top.is_dir() else [(name, top.stat())] if top.exists() else []
        digest.update("".join(f"{rel}:{stat.st_size}:{stat.st_mtime_ns}\n" for rel, stat in found).encode())
    return digest.hexdigest()


def last_build(root: Path, stamp: str, now: datetime) -> dict | None:
    """What the last build recorded, if it had exactly these inputs and no future entry has come due."""
    record = read_json(root / LAST_BUILD)
    if record.get("stamp") != stamp:
        return None
    due = record.get("next_change")
    if due and now >= datetime.fromisoformat(due):
        return None
    record["warnings"] = tuple(Problem(**w) for w in record.get("warnings", []))
    return record


def record_build(root: Path, stamp: str, pages: int, files: int, warnings: tuple[Problem, ...],
                 next_change: datetime | None) -> None:
    record = {"stamp": stamp, "pages": pages, "files": files, "next_change": next_change.isoformat() if next_change else None,
              "warnings": [asdict(w) for w in warnings]}
    store_bytes((root / LAST_BUILD).parent, LAST_BUILD.name, json.dumps(record).encode())  # whole or not at all
