"""{path: bytes | Path} -> staging folder -> swapped into output/: the only stage that writes output/.

A file whose bytes are the same as last time is not rewritten: the staging folder hard-links it from
the current output (a manifest in .cache/ remembers each file's hash, size and time, so a file changed
behind our back is written again). The swap keeps the build atomic either way.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

from .cache import read_json, walk
from .errors import SiteError, problem

MANIFEST = Path(".cache") / "digest" / "output.json"


class Staging:
    """The next output folder, made file by file beside out_dir (so no build holds every page in
    memory), and swapped in whole by commit(); abort() drops it and leaves out_dir as it was."""

    def __init__(self, out_dir: Path, root: Path):
        self.out_dir = out_dir.resolve()
        _refuse_dangerous(self.out_dir, root.resolve())
        self.root = root
        self.folder = self.out_dir.with_name(f".{self.out_dir.name}.staging")
        self._old = self.out_dir.with_name(f".{self.out_dir.name}.old")
        for leftover in (self.folder, self._old):
            if leftover.exists():
                shutil.rmtree(leftover)
        self.folder.mkdir(parents=True)
        self._before = _read_manifest(root / MANIFEST, self.out_dir)
        self._hashes: dict[str, str] = {}
        self._made: set[str] = {str(self.folder)}
        self.written = 0

    def add(self, rel: str, data: bytes | Path, sha: str | None = None) -> None:
        """Put a file in the staging folder: hard-linked from the current output when its bytes are the
        same. sha, when given, is the sha256 of the bytes, so they need not be read."""
        target = os.path.join(self.folder, _safe(rel))  # plain strings: this runs for every file of the site
        parent = os.path.dirname(target)
        if parent not in self._made:
            os.makedirs(parent, exist_ok=True)
            self._made.add(parent)
        if rel in self._hashes:
            os.unlink(target)  # a file given twice: the last one wins, as in a dict
        self._hashes[rel] = sha or _fingerprint(data)
        current = os.path.join(self.out_dir, rel)
        if _unchanged(self._before.get(rel), self._hashes[rel], current):
            os.link(current, target)
            return
        if isinstance(data, Path):
            shutil.copyfile(data, target)
        else:
            with open(target, "wb") as stream:
                stream.write(data)
        self.written += 1

    def path(self, rel: str) -> Path:
        """Where a file added to the staging folder is, to read it back."""
        return self.folder / _safe(rel)

    def commit(self) -> int:
        """Swap the staging folder in as out_dir; returns the number of files (re)written."""
        if self.out_dir.exists():
            os.replace(self.out_dir, self._old)
        os.replace(self.folder, self.out_dir)
        shutil.rmtree(self._old, ignore_errors=True)
        _write_manifest(self.root / MANIFEST, self.out_dir, self._hashes)
        return self.written

    def abort(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


def _fingerprint(data: bytes | Path) -> str:
    if isinstance(data, Path):
        stat = data.stat()
        return f"copy:{data}:{stat.st_size}:{stat.st_mtime_ns}"
    return hashlib.sha256(data).hexdigest()


def _unchanged(recorded: list | None, fingerprint: str, current: Path | str) -> bool:
    """The output file holds exactly what we wrote last time, and that is what we would write now."""
    if not recorded or recorded[0] != fingerprint:
        return False
    try:
        stat = os.stat(current)
    except OSError:
        return False
    return [stat.st_size, stat.st_mtime_ns] == recorded[1:]


def _read_manifest(path: Path, out_dir: Path) -> dict[str, list]:
    data = read_json(path)
    return data.get("files", {}) if data.get("out") == str(out_dir) else {}


def _write_manifest(path: Path, out_dir: Path, hashes: dict[str, str]) -> None:
    files = {}
    for rel, fingerprint in hashes.items():
        stat = (out_dir / rel).stat()
        files[rel] = [fingerprint, stat.st_size, stat.st_mtime_ns]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"out": str(out_dir), "files": files}), encoding="utf-8")


def _safe(rel: str) -> str:
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or not any(p not in ("", ".") for p in parts):
        raise SiteError([problem(rel, 1, 1, "refusing to write outside the output folder")])
    return rel


def _refuse_dangerous(out_dir: Path, root: Path) -> None:
    """Never swap away the site itself, a parent of it, or a folder that is not a build output."""
    looks_like_source = any((out_dir / name).exists() for name in ("site.yaml", "content", ".git"))
    if out_dir == root or out_dir in root.parents or looks_like_source:
        raise SiteError([problem(out_dir, 1, 1, "the output folder holds a site or a repository; refusing to replace it",
                                 "Choose another --out, such as 'output'")])
    if out_dir.exists() and not out_dir.is_dir():
        raise SiteError([problem(out_dir, 1, 1, "the output path exists and is not a folder",
                                 "Remove it or choose another --out")])


def output_intact(out_dir: Path, root: Path) -> bool:
    """The output folder holds exactly the files the last write left there, untouched."""
    out_dir = out_dir.resolve()
    recorded = _read_manifest(root / MANIFEST, out_dir)
    if not recorded:
        return False
    present = {rel: [stat.st_size, stat.st_mtime_ns] for rel, stat in walk(out_dir)}
    return len(present) == len(recorded) and all(present.get(rel) == entry[1:] for rel, entry in recorded.items())
