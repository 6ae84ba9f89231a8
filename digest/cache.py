"""The persistent build cache: each entry, processed (loaded, marked up, annotated, checked), is kept
in .cache/digest/ under a key made of its files' bytes, the site config and the code, so an unchanged
entry is neither re-parsed nor re-rendered to HTML on the next build."""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

PACKAGE = Path(__file__).resolve().parent
FOLDER = Path(".cache") / "digest" / "entries"


def code_fingerprint() -> str:
    """The package's own code: a new version of any stage invalidates every cached entry."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.glob("*.py")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def entry_key(root: Path, source: Path, salt: str) -> str:
    """A key for one entry: salt (config and code) plus the bytes of its files and the names of its resources."""
    digest = hashlib.sha256(salt.encode())
    files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    for path in files:
        rel = path.relative_to(root).as_posix()
        if any(part.startswith(".") for part in Path(rel).parts):
            continue  # .backup/ and the like are not part of the entry
        digest.update(rel.encode() + b"\0")
        if path.suffix in (".md", ".yaml", ".yml") or path == source:
            digest.update(path.read_bytes())
        else:
            stat = path.stat()
            digest.update(f"{stat.st_size}:{stat.st_mtime_ns}".encode())
    return digest.hexdigest()


def load(folder: Path, key: str) -> Any | None:
    try:
        return pickle.loads((folder / f"{key}.pickle").read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError, IndexError, TypeError):
        return None


def store(folder: Path, key: str, value: Any) -> None:
    """Write atomically (a half-written file is never read back)."""
    folder.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=folder, suffix=".tmp")
    with os.fdopen(handle, "wb") as stream:
        stream.write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    os.replace(temp, folder / f"{key}.pickle")


def prune(folder: Path, keep: set[str]) -> None:
    """Drop cached entries this build did not use, so the cache stays the size of the site."""
    if folder.is_dir():
        for path in folder.iterdir():
            if path.suffix in (".pickle", ".tmp") and path.stem not in keep:
                path.unlink(missing_ok=True)
