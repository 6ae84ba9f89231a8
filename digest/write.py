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
from pathlib import Path, PurePosixPath

from .cache import walk
from .errors import SiteError, problem

MANIFEST = Path(".cache") / "digest" / "output.json"


def write_site(files: dict[str, bytes | Path], out_dir: Path, root: Path) -> int:
    """Write every file into a staging folder beside out_dir, then swap it in. Returns files (re)written.

    A failure before the swap leaves out_dir exactly as it was.
    """
    out_dir = out_dir.resolve()
    _refuse_dangerous(out_dir, root.resolve())
    staging = out_dir.with_name(f".{out_dir.name}.staging")
    old = out_dir.with_name(f".{out_dir.name}.old")
    for leftover in (staging, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    before = _read_manifest(root / MANIFEST, out_dir)
    hashes: dict[str, str] = {}
    written = 0
    made: set[Path] = set()
    try:
        for rel in sorted(files):
            target = staging / _safe(rel)
            if target.parent not in made:
                target.parent.mkdir(parents=True, exist_ok=True)
                made.add(target.parent)
            data = files[rel]
            hashes[rel] = _fingerprint(data)
            if _unchanged(before.get(rel), hashes[rel], out_dir / rel):
                os.link(out_dir / rel, target)
                continue
            if isinstance(data, Path):
                shutil.copyfile(data, target)
            else:
                target.write_bytes(data)
            written += 1
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
    _write_manifest(root / MANIFEST, out_dir, hashes)
    return written


def _fingerprint(data: bytes | Path) -> str:
    if isinstance(data, Path):
        stat = data.stat()
        return f"copy:{data}:{stat.st_size}:{stat.st_mtime_ns}"
    return hashlib.sha256(data).hexdigest()


def _unchanged(recorded: list | None, fingerprint: str, current: Path) -> bool:
    """The output file holds exactly what we wrote last time, and that is what we would write now."""
    if not recorded or recorded[0] != fingerprint:
        return False
    try:
        stat = current.stat()
    except OSError:
        return False
    return [stat.st_size, stat.st_mtime_ns] == recorded[1:]


def _read_manifest(path: Path, out_dir: Path) -> dict[str, list]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data.get("files", {}) if isinstance(data, dict) and data.get("out") == str(out_dir) else {}


def _write_manifest(path: Path, out_dir: Path, hashes: dict[str, str]) -> None:
    files = {}
    for rel, fingerprint in hashes.items():
        stat = (out_dir / rel).stat()
        files[rel] = [fingerprint, stat.st_size, stat.st_mtime_ns]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"out": str(out_dir), "files": files}), encoding="utf-8")


def _safe(rel: str) -> PurePosixPath:
    path = PurePosixPath(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise SiteError([problem(rel, 1, 1, "refusing to write outside the output folder")])
    return path


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
