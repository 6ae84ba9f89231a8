#!/usr/bin/env python3
"""Benchmark: save-to-reload latency of `build.py serve`.

    .venv/bin/python bench/serve_latency.py [--edits 10] [--entries 1000] [--only sample|generated]
                                            [--site DIR] [--edit prose|note]

For the sample site (this repository's site.yaml, content/, templates/, static/, copied to a temp folder)
and for a generated site of N entries (bench/generate.py: bundles with index.md, source.md of ~1,260
words and comments.yaml of ~25 comments), starts the real server (`build.py serve --port 0`) in a child
process, connects a server-sent-events client as an open page does, then edits one entry's index.md at a
time and measures from the moment the file is written (closed) to the moment the reload event (a new
epoch) arrives. Prints every latency, the server's status line for each rebuild, and the median.
--edit note changes the text of the entry's first editor's note instead of adding a paragraph: what
lists show of the entry (its notes) changes too.
--site measures a generated site already on disk instead (a corpus `bench/run.py --keep` left), which
its build cache lets the server start on without processing every entry first.
"""

from __future__ import annotations

import argparse
import http.client
import json
import queue
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
CLOCK = "2026-01-01T00:00:00+00:00"
EVENTS = "/__digest/events"

sys.path.insert(0, str(HERE))
import generate  # noqa: E402  (bench/generate.py: the deterministic corpus)


class Server:
    """`build.py serve` in a child process; its status lines are collected on a queue."""

    def __init__(self, site: Path):
        self.proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--site", str(site),
                                      "--port", "0", "--clock", CLOCK], cwd=REPO, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self.lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        while True:
            line = self.lines.get(timeout=600)
            print(f"  server: {line}")
            if line.startswith("serving "):
                self.port = int(line.split()[1].rsplit(":", 1)[1].split("/")[0])
                break

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def status(self) -> str:
        return self.lines.get(timeout=600).split(" ", 1)[1]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=60)


class Events:
    """An open page: a server-sent-events client that yields the epoch of each state message."""

    def __init__(self, port: int):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        self.conn.request("GET", EVENTS)
        self.response = self.conn.getresponse()

    def next_epoch(self) -> str:
        data = []
        while True:
            line = self.response.fp.readline().decode("utf-8").rstrip("\r\n")
            if line.startswith("data:"):
                data.append(line[5:])
            elif not line and data:
                return json.loads("".join(data))["epoch"]


def add_paragraph(text: str, i: int) -> str:
    return text + f"\n\nEdit {i} for the latency benchmark.\n"


def edit_note(text: str, i: int) -> str:
    """The first line of the first note's text (the line after its ::: opener), with words added."""
    lines = text.split("\n")
    at = next(n for n, line in enumerate(lines) if line.startswith(":::") and line.strip(": "))
    lines[at + 1] += f" Edit {i} for the latency benchmark."
    return "\n".join(lines)


def measure(site: Path, entries: list[Path], edits: int, change=add_paragraph) -> list[float]:
    server = Server(site)
    stream = Events(server.port)
    epoch = stream.next_epoch()
    latencies = []
    try:
        for i in range(edits):
            index = entries[i % len(entries)]
            text = change(index.read_text(encoding="utf-8"), i)
            started = time.perf_counter()
            index.write_text(text, encoding="utf-8")   # written and closed
            while (new := stream.next_epoch()) == epoch:
                pass
            latencies.append(time.perf_counter() - started)
            epoch = new
            print(f"  edit {i + 1:2d}: {latencies[-1] * 1000:7.0f} ms   {server.status()}")
    finally:
        stream.conn.close()
        server.stop()
    return latencies


def report(name: str, latencies: list[float]) -> None:
    print(f"{name}: median {statistics.median(latencies) * 1000:.0f} ms over {len(latencies)} edits "
          f"(min {min(latencies) * 1000:.0f}, max {max(latencies) * 1000:.0f})\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edits", type=int, default=10)
    parser.add_argument("--entries", type=int, default=1000)
    parser.add_argument("--only", choices=("sample", "generated"))
    parser.add_argument("--site", type=Path, help="a generated site to measure instead of a new one")
    parser.add_argument("--edit", choices=("prose", "note"), default="prose",
                        help="add a paragraph (default), or change the text of the entry's first note")
    args = parser.parse_args()
    change = edit_note if args.edit == "note" else add_paragraph
    with tempfile.TemporaryDirectory(prefix="serve-latency-") as tmp:
        results = {}
        if args.only != "generated":
            site = Path(tmp) / "sample"
            site.mkdir()
            for name in ("site.yaml", "content", "templates", "static"):
                src = REPO / name
                if src.is_dir():
                    shutil.copytree(src, site / name)
                elif src.is_file():
                    shutil.copy2(src, site / name)
            entries = sorted(site.glob("content/*/index.md"))
            if args.edit == "note":
                entries = [e for e in entries if "\n:::" in e.read_text(encoding="utf-8")]
            print(f"sample site ({len(list(site.glob('content/*')))} entries):")
            results["sample"] = measure(site, entries, args.edits, change)
            report("sample site", results["sample"])
        if args.only != "sample":
            site = args.site or Path(tmp) / "generated"
            if not args.site:
                generate.write_ours(site, generate.corpus(args.entries))
            entries = sorted(site.glob("content/*/index.md"))
            count = len(entries)
            entries = [entries[len(entries) * k // args.edits] for k in range(args.edits)]  # spread over the site
            print(f"generated site ({count} entries):")
            results["generated"] = measure(site, entries, args.edits, change)
            report(f"generated {count}-entry site", results["generated"])
        for name, latencies in results.items():
            print(f"{name}: median save-to-reload {statistics.median(latencies) * 1000:.0f} ms")


if __name__ == "__main__":
    main()
