#!/usr/bin/env python3
"""Entry point: `python build.py COMMAND --help`. Everything lives in the digest package."""

import signal
import sys

from digest.cli import main

if __name__ == "__main__":
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` stops a command as Ctrl-C does: cleanly
    sys.exit(main())
