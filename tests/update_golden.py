#!/usr/bin/env python3
"""Regenerate tests/golden/<case>/expected/ from its input; review the diff before committing.

    .venv/bin/python tests/update_golden.py
"""

import shutil
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from test_golden import CASES, build_case  # noqa: E402

for name, source in CASES.items():
    expected = Path(__file__).parent / "golden" / name / "expected"
    shutil.rmtree(expected, ignore_errors=True)
    build_case(source, expected)
    print(f"wrote {expected}")
