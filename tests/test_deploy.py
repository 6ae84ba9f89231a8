"""Deploy into a real local bare repository, as GitHub would receive it."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import build
from digest.deploy import publish
from digest.errors import SiteError


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def repo(fixture_site, tmp_path):
    """The basic site as a git repository with a bare 'origin'."""
    root = fixture_site("basic")
    (root / ".gitignore").write_text("output/\n.cache/\n")
    git(root, "init", "-q", "-b", "main")
    git(root, "config", "user.email", "editor@example.org")
    git(root, "config", "user.name", "Editor")
    git(root, "add", ".")
    git(root, "commit", "-q", "-m", "content")
    bare = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(bare))
    git(root, "remote", "add", "origin", str(bare))
    return root, bare


def test_deploy_pushes_the_output_tree_with_nojekyll_and_cname(repo):
    root, bare = repo
    build(root)
    done = publish(root, root / "output", domain="news.example.org")
    assert done.changed and done.pushed
    files = git(bare, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    assert {"index.html", ".nojekyll", "CNAME", "feed.xml", "first-story/index.html", "first-story/photo.svg"} <= set(files)
    assert git(bare, "show", "gh-pages:CNAME") == "news.example.org"
    head = git(root, "rev-parse", "--short=12", "HEAD")
    assert git(bare, "log", "-1", "--format=%s", "gh-pages") == f"Publish site from {head}"
    # the working tree and the current branch are untouched
    assert git(root, "rev-parse", "--abbrev-ref", "HEAD") == "main"
    assert git(root, "status", "--porcelain") == ""


def test_unchanged_output_makes_no_commit_and_changes_make_one_on_top(repo):
    root, bare = repo
    build(root)
    first = publish(root, root / "output")
    again = publish(root, root / "output")
    assert not again.changed and again.commit == first.commit
    (root / "content/third.md").write_text((root / "content/third.md").read_text().replace("Older.", "Older, edited."))
    git(root, "commit", "-qam", "edit")
    build(root)
    second = publish(root, root / "output")
    assert second.changed
    assert git(bare, "rev-list", "--count", "gh-pages") == "2"
    assert git(bare, "rev-parse", "gh-pages^") == first.commit


def test_a_fresh_clone_continues_the_remote_branch(repo, tmp_path):
    root, bare = repo
    build(root)
    first = publish(root, root / "output")
    clone = tmp_path / "clone"
    git(tmp_path, "clone", "-q", str(bare), str(clone))
    git(clone, "checkout", "-q", "-b", "main", "origin/gh-pages")  # any branch; deploy fetches gh-pages itself
    git(clone, "config", "user.email", "e@example.org")
    git(clone, "config", "user.name", "E")
    out = tmp_path / "out2"
    build(root, out)
    (out / "extra.txt").write_text("new file")
    done = publish(clone, out)
    assert done.changed and git(bare, "rev-parse", "gh-pages^") == first.commit


def test_missing_remote_and_no_repository_are_clear_errors(repo, tmp_path):
    root, _ = repo
    build(root)
    with pytest.raises(SiteError) as caught:
        publish(root, root / "output", remote="upstream")
    assert "the repository has no remote named 'upstream'" in str(caught.value)
    lonely = tmp_path / "lonely"
    lonely.mkdir()
    with pytest.raises(SiteError) as caught:
        publish(lonely, lonely)
    assert "cannot find the git repository of the site" in str(caught.value)


def test_deploy_command_builds_publishes_and_refuses_a_failing_build(repo):
    root, bare = repo
    cli = [sys.executable, str(Path(__file__).resolve().parent.parent / "build.py"), "deploy", "--site", str(root)]
    done = subprocess.run(cli, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("deploy: committed ") and "to gh-pages and pushed to origin" in done.stdout
    assert "index.html" in git(bare, "ls-tree", "--name-only", "gh-pages")
    tip = git(bare, "rev-parse", "gh-pages")
    (root / "content/third.md").write_text("---\ntitle: [broken\n---\n")
    done = subprocess.run(cli, capture_output=True, text=True)
    assert done.returncode == 1
    assert "deploy: refusing to publish a failing build" in done.stderr
    assert "content/third.md:" in done.stderr
    assert git(bare, "rev-parse", "gh-pages") == tip


def test_deploy_publishes_a_cold_builds_search_index_after_an_edit(repo, tmp_path):
    root, bare = repo
    build(root)
    second = root / "content/second.md"
    second.write_text(second.read_text().replace("Short.", "Short, and edited."))
    build(root)  # the edited page goes into an index of edits
    assert json.loads((root / "output/pagefind/edits.json").read_text())["bundle"] == "edits/"
    cli = [sys.executable, str(Path(__file__).resolve().parent.parent / "build.py"), "deploy", "--site", str(root)]
    done = subprocess.run(cli, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    published = git(bare, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
    build(root, tmp_path / "cold", use_cache=False)
    cold = sorted(p.relative_to(tmp_path / "cold").as_posix() for p in (tmp_path / "cold").rglob("*") if p.is_file())
    assert sorted(published) == cold and "pagefind/edits/pagefind-entry.json" not in published
    assert all(git(bare, "show", f"gh-pages:{name}") == (tmp_path / "cold" / name).read_text(errors="replace").strip()
               for name in ("pagefind/edits.json", "pagefind/pagefind-entry.json", "second/index.html"))
