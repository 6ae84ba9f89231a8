"""{path: bytes | Path} -> staging folder -> swapped into output/: the only stage that writes output/."""

from __future__ import annotations

import os
import shutil
from pathlib import Path, PurePosixPath

from .errors import SiteError, problem


def write_site(files: dict[str, bytes | Path], out_dir: Path, root: Path) -> int:
    """Write every file into a staging folder beside out_dir, then swap it in. Returns files written.

    A failure before the swap leaves out_dir exactly as it was.
    """
    out_dir = out_dir.resolve()
    _refuse_dangerous(out_dir, root.resolve())
    staging = out_dir.with_name(f".{out_dir.name}.staging")
    old = out_dir.with_name(f".{out_dir.name}.old")
    for leftover in (staging, old):
        if leftover.exists():
            shutil.rmtree(leftover)
    try:
        for rel in sorted(files):
            target = staging / _safe(rel)
            target.parent.mkdir(parents=True, exist_ok=True)
            data = files[rel]
            if isinstance(data, Path):
                shutil.copyfile(data, target)
            else:
                target.write_bytes(data)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if out_dir.exists():
        os.replace(out_dir, old)
    os.replace(staging, out_dir)
    shutil.rmtree(old, ignore_errors=True)
    return len(files)


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
