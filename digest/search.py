"""Static full-text search: Pagefind indexes the written site (entries, their notes and comments) into
pagefind/, which the /search/ page loads. Runs on the staging folder, before it is swapped in."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from .errors import SiteError, problem


def index(folder: Path) -> None:
    """Write folder/pagefind/ from the HTML pages in folder that carry data-pagefind-body."""
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
