"""The command line as a user runs it: a real process, real files, exit codes and messages."""

import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
CLOCK = "2026-01-01T00:00:00+00:00"


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=cwd or REPO,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("command", ["build", "check", "new", "import", "deploy"])
def test_every_command_has_help(command):
    done = run(command, "--help")
    assert done.returncode == 0
    assert f"usage: build.py {command}" in done.stdout


def test_usage_errors_exit_2():
    assert run().returncode == 2
    done = run("build", "--clock", "yesterday")
    assert done.returncode == 2 and "not an ISO date and time" in done.stderr
    assert run("frobnicate").returncode == 2


def test_build_prints_one_summary_line(fixture_site):
    root = fixture_site("basic")
    done = run("build", "--site", str(root), "--clock", CLOCK)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # not a terminal: no progress
    (line,) = done.stdout.splitlines()
    assert re.match(rf"built 15 pages \(\d+ files, \d+ changed\) into {re.escape(str(root / 'output'))} with 0 warnings in \d+\.\d\d s$", line)
    assert run("build", "--site", str(root), "--quiet").stdout == ""


def test_exact_search_indexes_the_shard_of_an_edit_again(fixture_site):
    root = fixture_site("basic")
    assert run("build", "--site", str(root), "--clock", CLOCK, "--quiet").returncode == 0
    second = root / "content/second.md"
    second.write_text(second.read_text().replace("Short.", "Short, and edited."))
    assert run("build", "--site", str(root), "--clock", CLOCK, "--quiet").returncode == 0
    edits = root / "output/pagefind/edits.json"
    assert '"bundle": "edits/"' in edits.read_text()
    done = run("build", "--site", str(root), "--clock", CLOCK, "--exact-search")
    assert done.returncode == 0, done.stderr
    assert '"bundle": null' in edits.read_text() and not (root / "output/pagefind/edits").exists()


def test_errors_are_listed_with_positions_and_exit_1(fixture_site):
    root = fixture_site("basic")
    (root / "content/broken.md").write_text("---\ntitle: [unclosed\ndate: 2023-01-01\n---\n")
    (root / "content/notitle.md").write_text("---\ndate: 2023-01-01\n---\n")
    done = run("build", "--site", str(root))
    assert done.returncode == 1
    lines = done.stderr.splitlines()
    assert lines[0].startswith("content/broken.md:3:5: error: invalid YAML")
    assert lines[1] == "content/notitle.md:2:1: error: front matter has no 'title'. Add a line such as 'title: My headline'"
    assert lines[2] == "failed: 2 errors; nothing was written"
    assert "Traceback" not in done.stderr
    assert not (root / "output").exists()


def test_missing_site_is_a_clear_error(tmp_path):
    done = run("build", "--site", str(tmp_path))
    assert done.returncode == 1
    assert done.stderr.splitlines()[0] == (f"{tmp_path}/site.yaml:1:1: error: site.yaml not found. "
                                           "Run the command from the site folder, or create site.yaml (see README)")


def test_check_writes_nothing(fixture_site):
    root = fixture_site("basic")
    done = run("check", "--site", str(root))
    assert done.returncode == 0 and done.stdout.startswith("checked 15 pages: no errors, 0 warnings")
    assert not (root / "output").exists()


def test_strict_turns_warnings_into_errors(fixture_site):
    root = fixture_site("basic")
    source = root / "content/first-story/source.md"
    source.write_text(source.read_text().replace("section:", "desk: x\nsection:"))
    done = run("build", "--site", str(root))
    assert done.returncode == 0 and "warning: unknown front matter key 'desk'" in done.stderr
    done = run("build", "--site", str(root), "--strict")
    assert done.returncode == 1 and "error: unknown front matter key 'desk'" in done.stderr


def test_new_scaffolds_a_draft_and_refuses_to_overwrite(fixture_site):
    root = fixture_site("basic")
    done = run("new", "Peace talks: what’s next?", "--site", str(root), "--clock", "2024-03-05T10:00:00+00:00")
    assert done.returncode == 0
    index = root / "content/peace-talks-whats-next/index.md"
    assert done.stdout.strip() == f"created {index}"
    text = index.read_text()
    assert text.startswith('---\ntitle: "Peace talks: what’s next?"\ndate: 2024-03-05\n')
    assert "draft: true" in text
    assert run("build", "--site", str(root), "--drafts").returncode == 0
    assert (root / "output/peace-talks-whats-next/index.html").is_file()
    again = run("new", "Peace talks: what’s next?", "--site", str(root))
    assert again.returncode == 1
    assert "an entry with this slug already exists" in again.stderr
    assert index.read_text() == text
