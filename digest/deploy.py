"""output/ -> a gh-pages branch, with git plumbing: a tree from the output folder, one commit naming the
source commit, pushed to the remote. Nothing in the working tree or the current branch is touched."""

from __future__ import annotations

import os
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

from .errors import SiteError, problem


@dataclass(frozen=True)
class Published:
    branch: str
    commit: str  # the new commit, or the old one when nothing changed
    changed: bool
    pushed: bool
    source: str  # the source commit named in the message


def publish(site: Path, out: Path, branch: str = "gh-pages", remote: str | None = "origin",
            domain: str = "") -> Published:
    """Commit the files of out (plus .nojekyll and CNAME) as the new tip of branch; push it to remote."""
    repo = Path(_git(site, "rev-parse", "--show-toplevel", what="find the git repository of the site"))
    (out / ".nojekyll").touch()
    if domain:
        (out / "CNAME").write_text(domain.strip() + "\n", encoding="utf-8")
    source = _source_commit(repo)
    has_remote = remote is not None and remote in _git(repo, "remote", what="list remotes").split()
    if remote is not None and not has_remote:
        raise SiteError([problem(repo, 1, 1, f"the repository has no remote named '{remote}'",
                                 "Add one (git remote add origin URL) or name another with --remote")])
    if has_remote:  # start from what the remote has, so a fresh clone does not rewrite history
        fetched = _run(repo, "fetch", "--quiet", remote, f"+refs/heads/{branch}:refs/remotes/{remote}/{branch}")
        if fetched.returncode == 0:
            _git(repo, "update-ref", f"refs/heads/{branch}", f"refs/remotes/{remote}/{branch}", what="update the branch")
    parent = _run(repo, "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}^{{commit}}").stdout.strip()
    tree = _tree(repo, out)
    if parent and _git(repo, "rev-parse", f"{parent}^{{tree}}", what="read the branch") == tree:
        return Published(branch, parent, False, False, source)
    message = f"Publish site from {source}\n\nBuilt by build.py deploy from the source commit {source}.\n"
    args = ["commit-tree", tree, "-m", message] + (["-p", parent] if parent else [])
    commit = _git(repo, *args, what="commit the site")
    _git(repo, "update-ref", f"refs/heads/{branch}", commit, *([parent] if parent else []), what="move the branch")
    if has_remote:
        _git(repo, "push", "--quiet", remote, f"refs/heads/{branch}:refs/heads/{branch}", what=f"push to {remote}")
    return Published(branch, commit, True, has_remote, source)


def _tree(repo: Path, out: Path) -> str:
    """A git tree object of every file under out, written with a throwaway index."""
    git_dir = _git(repo, "rev-parse", "--absolute-git-dir", what="find the git folder")
    with tempfile.TemporaryDirectory() as tmp:
        env = {"GIT_DIR": git_dir, "GIT_WORK_TREE": str(out.resolve()), "GIT_INDEX_FILE": str(Path(tmp) / "index")}
        _git(out, "add", "--all", "--force", ".", what="stage the output", env=env)
        return _git(out, "write-tree", what="write the tree", env=env)


def _source_commit(repo: Path) -> str:
    head = _run(repo, "rev-parse", "--short=12", "HEAD").stdout.strip()
    if not head:
        return "an uncommitted tree"
    dirty = _run(repo, "status", "--porcelain", "--untracked-files=no").stdout.strip()
    return f"{head} (with uncommitted changes)" if dirty else head


def _run(cwd: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    return subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, env={**clean, **(env or {})})


def _git(cwd: Path, *args: str, what: str, env: dict | None = None) -> str:
    try:
        done = _run(cwd, *args, env=env)
    except FileNotFoundError:
        raise SiteError([problem(cwd, 1, 1, "git is not installed", "Install git to deploy")])
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SiteError([problem(cwd, 1, 1, f"cannot {what}: {detail[-1] if detail else 'git failed'}",
                                 "Check that the site is in a git repository and the remote is reachable")])
    return done.stdout.strip()
