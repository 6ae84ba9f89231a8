"""`build.py build --watch`: the real command in a child process over a copy of a site, edited on disk."""

from __future__ import annotations

import io
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from conftest import CLOCK, REPO, build
from test_cache import assert_as_fresh, tree
from test_serve import BROKEN, ENTRY, edit

TIMEOUT = 120  # seconds; generous: the machine is shared and noisy. Nothing waits on a fixed sleep.


class Watching:
    """`build.py build --watch` running over a site; its output lines arrive on a queue."""

    def __init__(self, site: Path, *options: str):
        self.proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "build", "--watch", "--site", str(site),
                                      "--clock", CLOCK.isoformat(), *options], cwd=REPO, text=True,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        self.lines: queue.Queue[str] = queue.Queue()
        self.problems: queue.Queue[str] = queue.Queue()
        self.errors: list[str] = []  # what stderr printed, as far as it was looked at
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(self.proc.stdout, self.lines), daemon=True).start()
        threading.Thread(target=self._read, args=(self.proc.stderr, self.problems), daemon=True).start()
        self.next_line(lambda line: line.startswith("watching "))

    @staticmethod
    def _read(stream, lines: queue.Queue) -> None:
        for line in stream:
            lines.put(line.rstrip("\n"))

    def next_line(self, wanted, stream: queue.Queue | None = None) -> str:
        """The next line of output (or of stream: problems) that wanted(line) accepts; the lines before
        it are kept in seen (errors)."""
        kept = self.seen if stream is None else self.errors
        while True:
            try:
                line = (stream or self.lines).get(timeout=TIMEOUT)
            except queue.Empty:
                raise AssertionError(f"no such line; output so far: {self.seen}, errors: {self.errors}") from None
            kept.append(line)
            if wanted(line):
                return line

    def stop(self, how: int = signal.SIGINT) -> str:
        """Ctrl-C (or another signal); the last line it printed."""
        self.proc.send_signal(how)
        self.proc.wait(timeout=TIMEOUT)
        return self.next_line(lambda line: True)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


@pytest.fixture
def watching():
    """watching(site, *options) -> a running Watching; every one is killed afterwards."""
    running: list[Watching] = []

    def start(site: Path, *options: str) -> Watching:
        running.append(Watching(site, *options))
        return running[-1]

    yield start
    for w in running:
        w.kill()


def changed(line: str) -> bool:
    return " changed: " in line or " changed (" in line


def test_each_save_is_built_into_output_and_only_what_it_changes_is_written(fixture_site, watching, tmp_path):
    site = fixture_site("basic")
    w = watching(site)
    out = site / "output"
    assert "Tallinn" not in (out / "first-story/index.html").read_text(encoding="utf-8")
    before = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}

    edit(site, ENTRY, "\n\n", "\n\nTallinn hosted the talks.\n\n")
    line = w.next_line(changed)
    assert line.split(" ", 1)[1].startswith(f"{ENTRY} changed: 1 page changed"), line
    assert "Tallinn hosted the talks." in (out / "first-story/index.html").read_text(encoding="utf-8")
    after = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    rewritten = {p.relative_to(out).as_posix() for p in before if after.get(p) != before[p]}
    assert "first-story/index.html" in rewritten
    # neither another entry's page, nor a list that shows the entry only by its title, nor the styles
    assert not rewritten & {"second/index.html", "index.html", "static/style.css"}, rewritten
    assert (out / "pagefind/edits.json").read_text(encoding="utf-8").startswith('{"bundle": "edits/"')

    assert w.stop() == "stopped" and w.proc.returncode == 0
    assert w.problems.empty(), w.problems.get()  # no problem, no traceback
    assert_as_fresh(site, out, tmp_path / "fresh")


def test_a_failed_save_leaves_output_as_it_was_until_it_is_fixed(fixture_site, watching):
    site = fixture_site("basic")
    w = watching(site)
    out = site / "output"
    before = tree(out)
    good = (site / ENTRY).read_text(encoding="utf-8")

    (site / ENTRY).write_text(BROKEN, encoding="utf-8")
    line = w.next_line(changed)
    assert "build failed with 1 error" in line and line.endswith(f"{out} is as the last good build left it"), line
    assert tree(out) == before
    w.next_line(lambda line: line.startswith(f"{ENTRY}:2:"), w.problems)  # where, for the editor

    (site / ENTRY).write_text(good.replace('title: "First story"', 'title: "Talks resume"'), encoding="utf-8")
    w.next_line(changed)
    assert ">Talks resume</h1>" in (out / "first-story/index.html").read_text(encoding="utf-8")


def test_a_plain_build_after_watching_with_other_options_is_not_taken_as_up_to_date(fixture_site, watching):
    site = fixture_site("basic")
    build(site)  # records its inputs: the next build with them and the same output would do nothing
    w = watching(site, "--drafts")
    assert (site / "output/draft/index.html").is_file()  # --watch built drafts into output/
    w.stop()
    again = build(site)
    assert not again.up_to_date and not (site / "output/draft/index.html").exists()


def test_watch_refuses_no_cache():
    from digest import cli

    err = io.StringIO()
    assert cli.main(["build", "--watch", "--no-cache"], stdout=io.StringIO(), stderr=err) == 2
    assert "drop --no-cache" in err.getvalue()


def test_an_entry_retitled_shows_its_new_title_on_every_list(fixture_site, watching):
    site = fixture_site("basic")
    w = watching(site)
    out = site / "output"
    # the front page is made again, the first story's card with it (the watcher keeps the cards it makes)
    edit(site, "content/second.md", 'title: "Second story"', 'title: "Second story, retitled"')
    w.next_line(changed)
    assert "Second story, retitled" in (out / "index.html").read_text(encoding="utf-8")
    edit(site, ENTRY, 'title: "First story"', 'title: "Talks resume"')
    w.next_line(changed)
    for page in ("index.html", "tags/diplomacy/index.html"):
        text = (out / page).read_text(encoding="utf-8")
        assert ">Talks resume</a>" in text and "First story" not in text, page


def test_a_new_entry_is_added_to_output_and_a_removed_one_leaves_it(fixture_site, watching, tmp_path):
    site = fixture_site("basic")
    w = watching(site)
    out = site / "output"
    new = site / "content/fourth.md"
    new.write_text('---\ntitle: "Fourth story"\ndate: 2023-11-09T08:00:00\ntags: [Diplomacy]\n---\n\nNew.\n',
                   encoding="utf-8")
    w.next_line(lambda line: "content/fourth.md changed" in line)
    assert "Fourth story" in (out / "fourth/index.html").read_text(encoding="utf-8")
    assert "Fourth story" in (out / "tags/diplomacy/index.html").read_text(encoding="utf-8")

    (site / "content/second.md").unlink()
    w.next_line(lambda line: "content/second.md changed" in line)
    assert not (out / "second").exists()
    assert "Second story" not in (out / "tags/diplomacy/index.html").read_text(encoding="utf-8")
    assert w.stop(signal.SIGTERM) == "stopped" and w.proc.returncode == 0  # `kill` stops it as Ctrl-C does
    assert_as_fresh(site, out, tmp_path / "fresh")


def test_pages_removed_by_hand_while_watching_are_written_again_at_the_next_save(fixture_site, watching):
    site = fixture_site("basic")
    w = watching(site)
    out = site / "output"
    want = tree(out)
    (out / "second/index.html").unlink()
    (out / "index.html").unlink()
    (out / "stray.txt").write_text("put here by hand", encoding="utf-8")
    edit(site, ENTRY, "\n\n", "\n\nTallinn hosted the talks.\n\n")
    w.next_line(changed)
    now = tree(out)
    assert now["second/index.html"] == want["second/index.html"] and now["index.html"] == want["index.html"]
    assert "stray.txt" not in now


def test_a_page_changed_in_place_by_hand_while_watching_is_put_right_by_the_next_build(fixture_site, watching):
    site = fixture_site("basic")
    w = watching(site)
    out = site / "output"
    page = out / "second/index.html"
    good = page.read_bytes()
    page.write_bytes(b"changed by hand")
    edit(site, ENTRY, "\n\n", "\n\nTallinn hosted the talks.\n\n")
    w.next_line(changed)  # the watcher writes what it made, and trusts the rest of out/ to be as it left it
    w.stop()
    build(site)
    assert page.read_bytes() == good
