#!/usr/bin/env python3
"""Entry point: `python build.py COMMAND --help`. Everything lives in the digest package."""

import sys

from digest.cli import main

if __name__ == "__main__":
    sys.exit(main())
