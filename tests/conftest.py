"""Shared fixtures: real site folders in tmp_path, a real HTTP server on 127.0.0.1, a real browser."""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from datetime import datetime, timezone
from pathlib import Path

import pytest
from hypothesis import settings

from digest import pipeline

# Property tests draw the same examples on every run, so CI is repeatable; a failure names its example.
settings.register_profile("repeatable", derandomize=True, print_blob=True)
settings.load_profile("repeatable")

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
CLOCK = datetime(2026, 1, 1, tzinfo=timezone.utc)  # a fixed "now" for every build in the tests
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def copy_site(src: Path, dest: Path) -> Path:
    """Copy a site folder (site.yaml, content/, templates/, static/) into dest."""
    dest.mkdir(parents=True, exist_ok=True)
    for name in ("site.yaml", "content", "templates", "static"):
        path = src / name
        if path.is_dir():
            shutil.copytree(path, dest / name)
        elif path.is_file():
            shutil.copy2(path, dest / name)
    return dest


@pytest.fixture
def sample_site(tmp_path: Path) -> Path:
    """The repository's own sample site, copied."""
    return copy_site(REPO, tmp_path / "site")


@pytest.fixture
def fixture_site(tmp_path: Path):
    """copy of tests/fixtures/<name>/ into tmp_path."""
    return lambda name: copy_site(FIXTURES / name, tmp_path / name)


def build(root: Path, out: Path | None = None, **options) -> pipeline.BuildResult:
    return pipeline.build(root, out or root / "output", options.pop("now", CLOCK), **options)


class _Handler(http.server.SimpleHTTPRequestHandler):
    """Serves `directory` under `prefix` (as GitHub Pages serves a project site), 404 elsewhere."""

    def __init__(self, *args, prefix: str, **kwargs):
        self.prefix = prefix
        super().__init__(*args, **kwargs)

    def translate_path(self, path: str) -> str:
        clean = path.split("?", 1)[0].split("#", 1)[0]
        if not clean.startswith(self.prefix):
            return str(Path(self.directory) / ".no-such-file")
        return super().translate_path("/" + clean[len(self.prefix):])

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def serve():
    """serve(directory, prefix='/') -> base URL of a real HTTP server on 127.0.0.1."""
    servers = []

    def start(directory: Path, prefix: str = "/") -> str:
        handler = functools.partial(_Handler, directory=str(directory), prefix=prefix)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_address[1]}{prefix}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright."""
    from playwright import sync_api

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: run tests/setup.sh (it installs Debian's chromium)")
    with sync_api.sync_playwright() as p:
        instance = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield instance
        instance.close()
