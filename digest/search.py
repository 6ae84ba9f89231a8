"""Static full-text search: Pagefind indexes the entry pages (digest, article, notes, comments: every
page marked data-pagefind-body) into pagefind/, which the /search/ page loads."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

from .errors import SiteError, problem

MARKER = b"data-pagefind-body"


def index_files(files: dict[str, bytes | Path]) -> dict[str, bytes]:
    """The search index of a rendered site, as {output path: bytes} under pagefind/."""
    with tempfile.TemporaryDirectory(prefix="digest-search-") as tmp:
        root = Path(tmp)
        for rel, data in files.items():
            if rel.endswith(".html"):
                content = data.read_bytes() if isinstance(data, Path) else data
                if MARKER in content:  # one folder per page: made once each
                    target = root / rel
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(content)
        _run_pagefind(root)
        bundle = root / "pagefind"
        return {f"pagefind/{p.relative_to(bundle).as_posix()}": p.read_bytes()
                for p in sorted(bundle.rglob("*")) if p.is_file()}


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
