"""{path: bytes | Path} -> output/: the only stage that writes output/.

A build whose output folder is as the last build left it (a manifest in .cache/ records each file's
hash, size and time, and each folder's time) updates it in place: the files whose bytes changed are
written beside their targets under a temporary name (.<name>.staged) while the site renders, and
renamed over them only when every stage has succeeded; files the site no longer has are removed, and
so is anything put in the folder by hand. Any other build (the first, or one after an interrupted
update) writes the whole site to a staging folder beside output/ and swaps it in. Either way a failed
build leaves output/ as it was, and an unchanged file is never rewritten.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import time
from pathlib import Path
from typing import IO

try:
    import fcntl
except ImportError:  # (Windows: builds of one site are not kept from writing at once)
    fcntl = None

from .cache import read_json
from .errors import SiteError, problem

MANIFEST = Path(".cache") / "digest" / "output.json"
LOCK = Path(".cache") / "digest" / "output.lock"  # held by the build that is writing the output
LOCK_WAIT = 60.0  # seconds a build waits for another build of the same site to finish writing
STAGED = ".staged"  # the suffix of a file staged in out_dir: .<name>.staged beside <name>


class Staging:
    """The next output, made file by file (so no build holds every page in memory) and put in place by
    commit(); abort() drops it and leaves out_dir as it was."""

    def __init__(self, out_dir: Path, root: Path):
        self.out_dir = out_dir.resolve()
        _refuse_dangerous(self.out_dir, root.resolve())
        self._lock = _lock(root / LOCK, self.out_dir)  # one build of a site writes at a time (build --watch and build)
        self.manifest = root / MANIFEST
        self.folder = self.out_dir.with_name(f".{self.out_dir.name}.staging")
        self._old = self.out_dir.with_name(f".{self.out_dir.name}.old")
        for leftover in (self.folder, self._old):
            if leftover.exists():
                shutil.rmtree(leftover)
        before = _read_manifest(self.manifest, self.out_dir)
        self._before: dict[str, list] = before.get("files", {})
        self._dirs: dict[str, list] = before.get("dirs", {})
        self.in_place = bool(self._before) and "dirs" in before and self.out_dir.is_dir()  # else: the whole site, swapped in
        if not self.in_place:
            self.folder.mkdir(parents=True)
        self._hashes: dict[str, str] = {}
        self._kept: dict[str, list] = {}  # the manifest's records of the files left as they are
        self._staged: set[str] = set()
        self._made: set[str] = {str(self.out_dir if self.in_place else self.folder)}  # folders known to exist
        self._created: list[str] = []  # folders made in out_dir for staged files (removed again by abort)
        self._aside: set[str] = set()  # staged in the folder after all: a file of the last build is in the way
        # the folders whose names changed since the last build, looked at before this build changes any
        self._moved = _changed_folders(self.out_dir, self._dirs) if self.in_place else set()

    def add(self, rel: str, data: bytes | Path, sha: str | None = None) -> None:
        """Stage a file, unless the output already holds exactly these bytes. sha, when given, is the
        sha256 of the bytes, so they need not be read."""
        _safe(rel)
        fingerprint = self._hashes[rel] = sha or _fingerprint(data)  # a file given twice: the last one wins
        target = self._target(rel)  # plain strings: this runs for every file of the site
        if self.in_place and _unchanged(self._before.get(rel), fingerprint, os.path.join(self.out_dir, rel)):
            self._kept[rel] = self._before[rel]
            if rel in self._staged:
                self._staged.discard(rel)
                os.unlink(target)
            return
        self._kept.pop(rel, None)
        parent = os.path.dirname(target)
        if parent not in self._made:
            try:
                self._make_folder(parent)
            except (FileExistsError, NotADirectoryError):  # a file where a folder goes: it goes at commit
                self._aside.add(rel)
                target = self._target(rel)
                self._make_folder(os.path.dirname(target))
        if rel in self._staged:
            os.unlink(target)
        if isinstance(data, Path):
            shutil.copyfile(data, target)
        else:
            with open(target, "wb") as stream:
                stream.write(data)
        self._staged.add(rel)

    def keep(self, rel: str) -> bool:
        """Leave a file as the last build wrote it without reading or stat'ing it, for a caller that
        knows its bytes are the same (watch). False, and nothing done, when the last build did not
        write it or its folder's names changed since (a file removed by hand): add() it then. A file
        rewritten in place by hand is not seen: the next plain build puts it right."""
        record = self._before.get(rel) if self.in_place else None
        if record is None or rel.rpartition("/")[0] in self._moved:
            return False
        self._hashes[rel] = record[0]
        self._kept[rel] = record
        return True

    def path(self, rel: str) -> Path:
        """Where a file added is until commit(), to read it back."""
        return Path(self._target(rel) if rel in self._staged or not self.in_place else self.out_dir / _safe(rel))

    def _target(self, rel: str) -> str:
        """Where a file is staged: beside its place in out_dir under a temporary name, or in the folder."""
        if not self.in_place or rel in self._aside:
            return os.path.join(self.folder, rel)
        return os.path.join(self.out_dir, _staged_name(rel))

    def _make_folder(self, folder: str) -> None:
        missing = []
        while not os.path.isdir(folder):
            missing.append(folder)
            folder = os.path.dirname(folder)
        for made in reversed(missing):
            os.mkdir(made)
            if self.in_place and made.startswith(str(self.out_dir) + os.sep):
                self._created.append(made)
        self._made.update(missing)

    def commit(self) -> int:
        """Put the staged files in place; returns the number of files (re)written."""
        self.manifest.unlink(missing_ok=True)  # until it is written again, the output is not to be trusted
        if self.in_place:
            touched = self._update()
            dirs = {folder: time for folder, time in self._dirs.items() if folder not in touched}
        else:
            if self.out_dir.exists():
                os.replace(self.out_dir, self._old)
            os.replace(self.folder, self.out_dir)
            shutil.rmtree(self._old, ignore_errors=True)
            dirs = {}
        _write_manifest(self.manifest, self.out_dir, self._hashes, self._kept, dirs)
        self._lock.close()
        return len(self._staged)

    def _update(self) -> set[str]:
        """Remove what the site no longer has (and what was put in out_dir by hand), then move the
        staged files in; returns the folders whose names changed."""
        ours = {part for rel in self._staged for part in (_staged_name(rel), *_folders(rel))}  # not strays
        strays = _strays(self.out_dir, self._before, self._dirs, self._moved)
        gone = [rel for rel in strays if rel not in ours] + \
            [rel for rel in self._before if rel not in self._hashes]
        touched = {folder for rel in gone + list(self._staged) for folder in _folders(rel)}
        for rel in gone:
            path = self.out_dir / rel
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)
            for parent in path.parents:  # folders left empty go too
                if parent == self.out_dir or not parent.is_dir() or any(parent.iterdir()):
                    break
                parent.rmdir()
        for rel in sorted(self._staged):
            if rel in self._aside:
                os.makedirs(os.path.dirname(os.path.join(self.out_dir, rel)), exist_ok=True)
            os.replace(self._target(rel), os.path.join(self.out_dir, rel))
        shutil.rmtree(self.folder, ignore_errors=True)
        return touched

    def abort(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        for rel in (self._staged - self._aside) if self.in_place else ():
            with contextlib.suppress(OSError):
                os.unlink(self._target(rel))
        for folder in reversed(self._created):
            with contextlib.suppress(OSError):
                os.rmdir(folder)
        self._lock.close()


def _lock(path: Path, out_dir: Path) -> IO:
    """The site's output lock, once no other process holds it (waiting up to LOCK_WAIT): the open
    file, whose closing (or the process's end) releases it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    stream = open(path, "a")
    waited = 0.0
    while fcntl is not None:
        try:
            fcntl.flock(stream, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return stream
        except BlockingIOError:
            if waited >= LOCK_WAIT:
                stream.close()
                raise SiteError([problem(out_dir, 1, 1, f"another build of this site has been writing this folder "
                                         f"for {LOCK_WAIT:.0f} s", "Wait for it to finish (or stop it), then build again")])
            time.sleep(0.05)
            waited += 0.05
    return stream


def _staged_name(rel: str) -> str:
    folder, slash, name = rel.rpartition("/")
    return f"{folder}{slash}.{name}{STAGED}"


def _fingerprint(data: bytes | Path) -> str:
    if isinstance(data, Path):
        stat = data.stat()
        return f"copy:{data}:{stat.st_size}:{stat.st_mtime_ns}"
    return hashlib.sha256(data).hexdigest()


def _unchanged(recorded: list | None, fingerprint: str, current: str) -> bool:
    """The output file holds exactly what we wrote last time, and that is what we would write now."""
    if not recorded or recorded[0] != fingerprint:
        return False
    try:
        stat = os.stat(current)
    except OSError:
        return False
    return [stat.st_size, stat.st_mtime_ns] == recorded[1:]


def _strays(out_dir: Path, files: dict[str, list], dirs: dict[str, list], moved: set[str] | None = None) -> list[str]:
    """What is in out_dir that the last build did not write: listed only in the folders whose time
    changed since (adding or removing a name changes its folder's time), so it costs a stat a folder.
    moved: those folders, when _changed_folders found them already."""
    known = set(files) | {d for d in dirs if d}
    strays = []
    for folder in _changed_folders(out_dir, dirs) if moved is None else moved:
        try:
            names = os.listdir(os.path.join(out_dir, folder))
        except OSError:
            continue
        strays += [rel for rel in (f"{folder}/{name}" if folder else name for name in names) if rel not in known]
    return strays


def _changed_folders(out_dir: Path, dirs: dict[str, list]) -> set[str]:
    """The folders whose time is not the one recorded (or that are gone)."""
    changed = set()
    for folder, recorded in dirs.items():
        try:
            if os.stat(os.path.join(out_dir, folder)).st_mtime_ns == recorded:
                continue
        except OSError:
            pass
        changed.add(folder)
    return changed


def _read_manifest(path: Path, out_dir: Path) -> dict:
    data = read_json(path)
    return data if data.get("out") == str(out_dir) else {}


def _folders(rel: str) -> list[str]:
    """The folders a path is in, innermost first, down to out_dir itself ("")."""
    folders = []
    while rel:
        rel = rel.rpartition("/")[0]
        folders.append(rel)
    return folders


def _write_manifest(path: Path, out_dir: Path, hashes: dict[str, str], kept: dict[str, list],
                    kept_dirs: dict[str, int]) -> None:
    """Record each file's fingerprint, size and time, and each folder's time; kept and kept_dirs hold
    the records that are still true (the files and folders an update left alone), the others are stat'ed."""
    files, dirs = {}, {}
    for rel, fingerprint in hashes.items():
        record = kept.get(rel)
        if record is None:
            stat = os.stat(os.path.join(out_dir, rel))
            record = [fingerprint, stat.st_size, stat.st_mtime_ns]
        files[rel] = record
        for folder in _folders(rel):
            if folder in dirs:
                break
            dirs[folder] = kept_dirs.get(folder) or os.stat(os.path.join(out_dir, folder)).st_mtime_ns
    dirs.setdefault("", os.stat(out_dir).st_mtime_ns)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"out": str(out_dir), "files": files, "dirs": dirs}), encoding="utf-8")


def _safe(rel: str) -> str:
    parts = rel.split("/")
    if rel.startswith("/") or ".." in parts or not any(p not in ("", ".") for p in parts):
        raise SiteError([problem(rel, 1, 1, "refusing to write outside the output folder")])
    return rel


def _refuse_dangerous(out_dir: Path, root: Path) -> None:
    """Never replace the site itself, a parent of it, or a folder that is not a build output."""
    looks_like_source = any((out_dir / name).exists() for name in ("site.yaml", "content", ".git"))
    if out_dir == root or out_dir in root.parents or looks_like_source:
        raise SiteError([problem(out_dir, 1, 1, "the output folder holds a site or a repository; refusing to replace it",
                                 "Choose another --out, such as 'output'")])
    if out_dir.exists() and not out_dir.is_dir():
        raise SiteError([problem(out_dir, 1, 1, "the output path exists and is not a folder",
                                 "Remove it or choose another --out")])


def output_intact(out_dir: Path, root: Path) -> bool:
    """The output folder holds exactly the files the last write left there, untouched: each file has
    its recorded size and time, and each folder its time (so nothing was added or removed)."""
    out_dir = out_dir.resolve()
    recorded = _read_manifest(root / MANIFEST, out_dir)
    if not recorded.get("files"):
        return False
    for rel, entry in recorded["files"].items():
        try:
            stat = os.stat(os.path.join(out_dir, rel))
        except OSError:
            return False
        if stat.st_size != entry[1] or stat.st_mtime_ns != entry[2]:
            return False
    return not _strays(out_dir, recorded["files"], recorded.get("dirs", {}))
