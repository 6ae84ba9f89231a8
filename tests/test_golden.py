"""Golden output: the sample site and the basic fixture must build to exactly tests/golden/<case>/expected/.

After an intended change of output, regenerate with `.venv/bin/python tests/update_golden.py` and
review the diff (git diff tests/golden) before committing.
"""

import shutil
import tempfile
from pathlib import Path

import pytest

from conftest import CLOCK, FIXTURES, REPO, copy_site
from digest import pipeline

GOLDEN = Path(__file__).parent / "golden"
CASES = {"sample": REPO, "basic": FIXTURES / "basic"}


def build_case(source: Path, out: Path) -> None:
    """Build a case; the search index (Pagefind's own binary files, tied to its version) is left out."""
    with tempfile.TemporaryDirectory() as tmp:
        root = copy_site(source, Path(tmp) / "site")
        pipeline.build(root, out, CLOCK, base_url="https://example.org/digest/")
    shutil.rmtree(out / "pagefind")


def files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", sorted(CASES))
def test_output_matches_golden(case, tmp_path):
    build_case(CASES[case], tmp_path / "out")
    got, want = files(tmp_path / "out"), files(GOLDEN / case / "expected")
    assert sorted(got) == sorted(want), "files differ; run tests/update_golden.py and review the diff"
    changed = [name for name in got if got[name] != want[name]]
    assert changed == [], "content differs; run tests/update_golden.py and review the diff"
