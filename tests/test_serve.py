"""The preview server: a real server on 127.0.0.1 over a copy of a site, real HTTP clients, a real browser."""

from __future__ import annotations

import http.client
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CLOCK, REPO
from digest import cli, render, serve

TIMEOUT = 60  # seconds; generous: the machine is shared and noisy. Nothing waits on a fixed sleep.
ENTRY = "content/first-story/index.md"
BROKEN = '---\ntitle: "First story\ndate: 2023-11-06\n---\n\nBody.\n'   # unclosed quote on line 2


@pytest.fixture
def preview():
    """preview(root, **options) -> a running serve.Preview on a free port; all are closed afterwards."""
    running: list[serve.Preview] = []

    def start(root: Path, *, base_url: str | None = None, quiet: float = serve.QUIET,
              settle: float = serve.SETTLE) -> serve.Preview:
        p = serve.Preview(root, serve.site_builder(root, CLOCK, base_url=base_url), port=0, quiet=quiet,
                          settle=settle, stdout=io.StringIO(), stderr=io.StringIO())
        running.append(p)
        p.__enter__()
        return p

    yield start
    for p in running:
        p.close()
        assert not any(t.is_alive() for t in p._threads), "a server thread outlived close()"


class Events:
    """A real server-sent-events client: one HTTP connection, one parsed `data:` message at a time."""

    def __init__(self, p: serve.Preview):
        self.conn = http.client.HTTPConnection("127.0.0.1", p.port, timeout=TIMEOUT)
        self.conn.request("GET", serve.EVENTS)
        self.response = self.conn.getresponse()
        assert self.response.status == 200
        assert self.response.getheader("Content-Type") == "text/event-stream"

    def next(self) -> dict:
        data: list[str] = []
        while True:
            line = self.response.fp.readline().decode("utf-8")
            if not line:
                raise EOFError("the event stream closed")
            line = line.rstrip("\r\n")
            if line.startswith("data:"):
                data.append(line[5:].strip())
            elif not line and data:
                return json.loads("\n".join(data))

    def until(self, predicate) -> dict:
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            state = self.next()
            if predicate(state):
                return state
        raise AssertionError("no such event before the timeout")

    def close(self) -> None:
        self.conn.close()


@pytest.fixture
def events():
    opened: list[Events] = []

    def connect(p: serve.Preview) -> Events:
        opened.append(Events(p))
        return opened[-1]

    yield connect
    for e in opened:
        e.close()


def get(p: serve.Preview, target: str, method: str = "GET") -> tuple[int, dict, bytes]:
    """One request with the target sent exactly as given (http.client does not normalise it)."""
    conn = http.client.HTTPConnection("127.0.0.1", p.port, timeout=TIMEOUT)
    try:
        conn.request(method, target)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


def raw_get(p: serve.Preview, target: bytes) -> bytes:
    """A request line no HTTP library would send (a raw NUL, say); returns the status line."""
    with socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT) as s:
        s.sendall(b"GET " + target + b" HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        return s.makefile("rb").readline()


def edit(root: Path, rel: str, old: str, new: str) -> None:
    path = root / rel
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


# -- live reload ----------------------------------------------------------------------------------

def test_an_edit_pushes_a_new_epoch_and_the_new_page(fixture_site, preview, events):
    site = fixture_site("basic")
    p = preview(site)
    stream = events(p)
    first = stream.next()
    assert first["epoch"] and first["problems"] == []
    status, _, body = get(p, "/first-story/")
    assert status == 200 and b"First story" in body and f'data-epoch="{first["epoch"]}"'.encode() in body

    edit(site, ENTRY, 'title: "First story"', 'title: "Talks resume"')
    state = stream.until(lambda s: s["epoch"] != first["epoch"])
    assert state["problems"] == []
    status, _, body = get(p, "/first-story/")
    assert b"Talks resume" in body and f'data-epoch="{state["epoch"]}"'.encode() in body
    log = p.stdout.getvalue()
    assert f"{ENTRY} changed: " in log and " pages changed (" in log
    assert not (site / "output").exists(), "serve must never write output/"


def test_a_prose_edit_and_a_replaced_image_reload_their_entry(fixture_site, preview, events, monkeypatch):
    """Edits no list shows take the short way (pipeline._patch, which walks no page but the entry's):
    still a new epoch and the new bytes."""
    site = fixture_site("basic")
    p = preview(site)
    stream = events(p)
    first = stream.next()
    monkeypatch.setattr(render, "render_site", lambda *args, **kw: pytest.fail("the long way was taken"))
    edit(site, ENTRY, "\n---\n", "\n---\n\nA paragraph added in the preview.\n")
    second = stream.until(lambda s: s["epoch"] != first["epoch"])
    assert b"A paragraph added in the preview." in get(p, "/first-story/")[2]
    assert "1 page changed" in p.stdout.getvalue().splitlines()[-1]
    image = site / "content/first-story/photo.svg"
    image.write_text(image.read_text(encoding="utf-8").replace("</svg>", "<circle r='1'/></svg>"), encoding="utf-8")
    stream.until(lambda s: s["epoch"] != second["epoch"])
    assert get(p, "/first-story/photo.svg")[2] == image.read_bytes()


def test_a_burst_of_saves_is_one_rebuild(fixture_site, preview, events):
    site = fixture_site("basic")
    p = preview(site, quiet=2.0, settle=2.0)  # a long quiet period, so a slow machine cannot split the burst
    stream = events(p)
    first = stream.next()
    for i in range(10):  # as an editor's atomic save does: write a temp file, rename it over
        tmp = site / "content/first-story/.index.md.tmp"
        tmp.write_text(f'---\ntitle: "Version {i}"\ndate: 2023-11-06\n---\n\nBody {i}.\n', encoding="utf-8")
        os.replace(tmp, site / ENTRY)
    stream.until(lambda s: s["epoch"] != first["epoch"])
    status, _, body = get(p, "/first-story/")
    assert b"Version 9" in body
    rebuilds = [line for line in p.stdout.getvalue().splitlines() if " changed: " in line]
    assert len(rebuilds) == 1, rebuilds
    assert rebuilds[0].split(" ", 1)[1].startswith(f"{ENTRY} changed: ")  # the temp file is not named


def test_a_save_closed_after_writing_rebuilds_without_waiting_the_quiet_period(fixture_site, preview, events,
                                                                              monkeypatch):
    """A file closed after writing (or moved into place) is whole: the short settle applies, not the
    quiet period, which here (and the longest wait for a burst) is longer than the test's timeout."""
    monkeypatch.setattr(serve, "MAX_WAIT", 10 * TIMEOUT)
    site = fixture_site("basic")
    p = preview(site, quiet=10 * TIMEOUT, settle=0.05)
    stream = events(p)
    first = stream.next()
    edit(site, ENTRY, 'title: "First story"', 'title: "Saved and closed"')  # open, write, close
    stream.until(lambda s: s["epoch"] != first["epoch"])
    assert b"Saved and closed" in get(p, "/first-story/")[2]


def test_a_broken_save_shows_problems_keeps_the_last_good_build_and_recovers(fixture_site, preview, events):
    site = fixture_site("basic")
    p = preview(site)
    stream = events(p)
    good = stream.next()
    good_page = get(p, "/first-story/")[2]

    (site / ENTRY).write_text(BROKEN, encoding="utf-8")
    state = stream.until(lambda s: s["problems"])
    assert state["epoch"] == good["epoch"]  # no reload: the pages stay as they were
    [problem] = state["problems"]
    assert (problem["path"], problem["line"], problem["severity"]) == (ENTRY, 2, "error")
    assert problem["message"].startswith("invalid YAML")
    status, _, body = get(p, "/first-story/")
    assert status == 200 and body == good_page  # the last good build is still served
    assert "build failed with 1 error" in p.stdout.getvalue()
    assert f"{ENTRY}:2:" in p.stderr.getvalue()

    late = events(p)  # a page opened while the build is broken gets the problems at once
    assert late.next()["problems"] == state["problems"]

    edit(site, ENTRY, 'title: "First story', 'title: "First story, fixed"')
    fixed = stream.until(lambda s: not s["problems"])
    assert fixed["epoch"] != good["epoch"]
    assert late.until(lambda s: not s["problems"])["epoch"] == fixed["epoch"]
    assert b"First story, fixed" in get(p, "/first-story/")[2]


def test_a_site_broken_from_the_start_is_served_once_fixed(fixture_site, preview, events):
    site = fixture_site("basic")
    good = (site / ENTRY).read_text(encoding="utf-8")
    (site / ENTRY).write_text(BROKEN.replace("First story", "<b>First</b> story"), encoding="utf-8")
    p = preview(site)
    stream = events(p)
    state = stream.next()
    assert state["epoch"] == "" and state["problems"][0]["path"] == ENTRY
    status, headers, body = get(p, "/first-story/")
    assert status == 503 and headers["content-type"] == "text/html; charset=utf-8"
    assert f"{ENTRY}:2:".encode() in body and b"<b>First" not in body  # problems are escaped
    (site / ENTRY).write_text(good, encoding="utf-8")
    assert stream.until(lambda s: s["epoch"])["problems"] == []
    assert get(p, "/first-story/")[0] == 200


def test_a_template_edit_rebuilds_the_pages_using_it(fixture_site, preview, events):
    site = fixture_site("basic")
    p = preview(site)
    stream = events(p)
    first = stream.next()
    (site / "templates").mkdir()  # a folder that did not exist when the server started is watched too
    own = '{% extends "base.html" %}{% block main %}<p>Our own 404</p>{% endblock %}\n'
    (site / "templates/404.html").write_text(own, encoding="utf-8")
    stream.until(lambda s: s["epoch"] != first["epoch"])
    status, _, body = get(p, "/no-such-page/")
    assert status == 404 and b"<p>Our own 404</p>" in body
    assert "1 page changed (1 file)" in p.stdout.getvalue()


def test_a_static_file_edit_reloads_the_pages_that_link_it(fixture_site, preview, events):
    site = fixture_site("basic")
    (site / "static").mkdir()
    (site / "static/style.css").write_text("body { color: black }\n", encoding="utf-8")
    p = preview(site)
    stream = events(p)
    first = stream.next()
    (site / "static/style.css").write_text("body { color: rebeccapurple }\n", encoding="utf-8")
    stream.until(lambda s: s["epoch"] != first["epoch"])
    status, _, body = get(p, "/static/style.css")
    assert status == 200 and body == b"body { color: rebeccapurple }\n"
    line = p.stdout.getvalue().splitlines()[-1]
    assert "static/style.css changed: " in line and " 0 pages " not in line  # the asset URL's fingerprint moved


def test_closing_ends_open_event_streams(fixture_site, preview, events):
    p = preview(fixture_site("basic"))
    stream = events(p)
    stream.next()
    p.close()
    with pytest.raises(EOFError):
        stream.next()


# -- what is served, and how ----------------------------------------------------------------------

@pytest.mark.parametrize("target", [
    "/../site.yaml", "/first-story/../../site.yaml", "/%2e%2e/site.yaml", "/%2E%2E/%2E%2E/etc/passwd",
    "/..%2fsite.yaml", "/..%2Fsite.yaml", "/%2e%2e%2fsite.yaml", "/..\\site.yaml", "/..%5csite.yaml",
    "/%252e%252e/site.yaml", "/%252e%252e%252fsite.yaml", "/index.html%00.css", "/first-story/%00",
    "/%c0%ae%c0%ae/site.yaml", "//etc/passwd", "/./index.html", "/index.html.", "/site.yaml",
    "/content/first-story/index.md", "/first-story/index.md", "http://evil.example/index.html",
])
def test_resolve_refuses_anything_outside_the_built_files(target):
    files = {"index.html": b"", "first-story/index.html": b"", "404.html": b""}
    assert serve.resolve(target, "/", files) == serve.NOT_FOUND


def test_resolve_maps_paths_and_redirects():
    files = {"index.html": b"", "first-story/index.html": b"", "feed.xml": b"", "a b/index.html": b""}
    assert serve.resolve("/", "/", files) == (200, "index.html")
    assert serve.resolve("/first-story/?x=1", "/", files) == (200, "first-story/index.html")
    assert serve.resolve("/first-story", "/", files) == (302, "/first-story/")
    assert serve.resolve("/first-story?x=1", "/", files) == (302, "/first-story/?x=1")
    assert serve.resolve("/a%20b/", "/", files) == (200, "a b/index.html")
    assert serve.resolve("/repo/feed.xml", "/repo/", files) == (200, "feed.xml")
    assert serve.resolve("/", "/repo/", files) == (302, "/repo/")
    assert serve.resolve("/repo", "/repo/", files) == (302, "/repo/")
    assert serve.resolve("/feed.xml", "/repo/", files) == serve.NOT_FOUND


def test_traversal_over_http_gets_the_404_page(fixture_site, preview):
    p = preview(fixture_site("basic"))
    for target in ("/../site.yaml", "/%2e%2e/site.yaml", "/%2e%2e%2fsite.yaml", "/..%5csite.yaml",
                   "/..\\site.yaml", "/%252e%252e%252fsite.yaml", "/site.yaml", "/content/first-story/index.md",
                   "/first-story/%00", "/static/../../site.yaml"):
        status, headers, body = get(p, target)
        assert status == 404, target
        assert headers["content-type"] == "text/html; charset=utf-8" and b"Page not found" in body
    assert raw_get(p, b"/index.html\x00.css").split(b" ")[1] in (b"400", b"404")


def test_unknown_paths_get_the_sites_404_page(fixture_site, preview):
    p = preview(fixture_site("basic"))
    status, headers, body = get(p, "/no/such/page/")
    assert status == 404 and headers["content-type"] == "text/html; charset=utf-8"
    assert b"Page not found" in body and serve.SCRIPT.encode() in body
    status, headers, body = get(p, "/no/such/page/", "HEAD")
    assert status == 404 and body == b"" and int(headers["content-length"]) > 0


def test_content_types_and_redirects(fixture_site, preview):
    p = preview(fixture_site("basic"))
    files = serve.site_builder(p.root, CLOCK)().files
    assert get(p, "/")[1]["content-type"] == "text/html; charset=utf-8"
    assert get(p, "/first-story/photo.svg")[1]["content-type"] == "image/svg+xml"
    css = next(path for path in files if path.endswith(".css"))
    status, headers, body = get(p, "/" + css)
    assert status == 200 and headers["content-type"] == "text/css; charset=utf-8"
    assert serve.SCRIPT.encode() not in body  # only HTML gets the script
    for path, ctype in (("feed.xml", "application/xml"), ("feed.json", "application/json")):
        if path in files:
            assert get(p, "/" + path)[1]["content-type"] == ctype
    status, headers, _ = get(p, "/first-story?ref=x")
    assert status == 302 and headers["location"] == "/first-story/?ref=x"
    status, headers, body = get(p, serve.SCRIPT)
    assert status == 200 and headers["content-type"] == "text/javascript; charset=utf-8"
    assert b"textContent" in body and b"innerHTML =" not in body


def test_a_sub_path_base_url_is_served_under_its_path(fixture_site, preview):
    site = fixture_site("basic")
    p = preview(site, base_url="https://user.github.io/repo/")
    assert p.url.endswith("/repo/")
    status, _, body = get(p, "/repo/")
    assert status == 200 and b'href="/repo/first-story/"' in body
    assert get(p, "/repo/first-story/")[0] == 200
    status, headers, _ = get(p, "/")
    assert status == 302 and headers["location"] == "/repo/"
    assert get(p, "/repo")[1]["location"] == "/repo/"
    assert get(p, "/first-story/")[0] == 404  # not outside the base path
    assert get(p, "/repo/first-story/photo.svg")[0] == 200


def test_the_injected_script_is_not_in_the_built_files(fixture_site):
    site = fixture_site("basic")
    files = serve.site_builder(site, CLOCK)().files
    assert not any(isinstance(data, bytes) and serve.SCRIPT.encode() in data for data in files.values())
    page = b"<html><HEAD ><title>x</title></head ><body></body></html>"
    assert serve.inject(page, "e-1").startswith(b'<html><HEAD ><title>x</title><script src="/__digest/live.js"')
    assert serve.inject(b"<p>bare</p>", "e-1").startswith(b"<p>bare</p><script")


def test_source_paths_ignore_editor_temp_files_and_other_folders(tmp_path):
    root = tmp_path
    assert serve.source_path(root, str(root / "site.yaml")) == "site.yaml"
    assert serve.source_path(root, str(root / "content/a/index.md")) == "content/a/index.md"
    assert serve.source_path(root, str(root / "templates")) == "templates"
    for ignored in ("content/a/.index.md.swp", "content/a/index.md~", "content/a/4913", "content/.git/x",
                    "output/index.html", "README.md", "static/#style.css#"):
        assert serve.source_path(root, str(root / ignored)) is None, ignored


def test_status_lines():
    changes = serve.Changes(("tags/x/index.html",), (), ("index.html", "a/index.html", "static/s.css"))
    line = serve.status_line(serve.Report(("content/a/index.md",), 0.123, changes), "serving the last good build")
    assert line == "content/a/index.md changed: 3 pages changed (4 files, 1 added) in 0.12 s"
    failed = serve.Report(tuple(f"content/{c}.md" for c in "abcd"), 0.5, None, ())
    assert serve.status_line(failed, "serving the last good build") == (
        "content/a.md, content/b.md, content/c.md and 1 more changed: build failed with 0 errors in 0.50 s; "
        "serving the last good build")


# -- the command ----------------------------------------------------------------------------------

def test_a_port_in_use_gets_a_clear_message(fixture_site):
    site = fixture_site("basic")
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        code = cli.main(["serve", "--site", str(site), "--port", str(port)], out, err)
    assert code == 1
    message = err.getvalue().strip()
    assert message.startswith(f"port {port} is in use; try --port ") and "Traceback" not in message
    assert int(message.rsplit(" ", 1)[1]) > port


def test_a_bad_port_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exit:
        cli.main(["serve", "--port", "eighty"])
    assert exit.value.code == 2 and "not a port number: 'eighty'" in capsys.readouterr().err


def test_ctrl_c_stops_the_server_cleanly(fixture_site):
    site = fixture_site("basic")
    proc = subprocess.Popen([sys.executable, str(REPO / "build.py"), "serve", "--site", str(site), "--port", "0",
                             "--clock", CLOCK.isoformat()], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True, cwd=REPO)
    try:
        lines = []
        while not (lines and lines[-1].startswith("serving ")):
            line = proc.stdout.readline()
            assert line, f"the server ended early: {proc.stderr.read()}"
            lines.append(line)
        url = lines[-1].split()[1]
        assert url.startswith("http://127.0.0.1:") and url.endswith("/")
        with socket.create_connection(("127.0.0.1", int(url.rsplit(":", 1)[1].strip("/"))), timeout=TIMEOUT):
            pass  # it is listening
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=TIMEOUT)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, err
    assert "Traceback" not in err and out.strip().endswith("stopped")
    assert lines[0].split(" ", 1)[1].startswith("built ")


# -- a real browser -------------------------------------------------------------------------------

def test_an_open_page_reloads_itself_and_shows_the_overlay(fixture_site, preview, browser):
    site = fixture_site("basic")
    p = preview(site)
    page = browser.new_page()
    try:
        page.goto(p.url + "first-story/")
        assert page.text_content("h1") == "First story"
        edit(site, ENTRY, 'title: "First story"', 'title: "Talks resume"')
        page.wait_for_function("() => document.querySelector('h1').textContent === 'Talks resume'",
                               timeout=TIMEOUT * 1000)  # the test never navigates: the page reloads itself

        (site / ENTRY).write_text(BROKEN.replace("First story", "<img src=x onerror=alert(1)>"), encoding="utf-8")
        overlay = page.wait_for_selector("#__digest-overlay", timeout=TIMEOUT * 1000)
        text = overlay.text_content()
        assert f"{ENTRY}:2:" in text and "invalid YAML" in text
        assert page.query_selector("#__digest-overlay img") is None
        assert page.text_content("h1") == "Talks resume"  # still the last good page

        edit(site, ENTRY, 'title: "<img src=x onerror=alert(1)>', 'title: "Talks resume, fixed"')
        page.wait_for_function("() => document.querySelector('h1').textContent === 'Talks resume, fixed'",
                               timeout=TIMEOUT * 1000)
        assert page.query_selector("#__digest-overlay") is None
    finally:
        page.close()


def test_the_preview_serves_the_search_index(fixture_site, preview):
    p = preview(fixture_site("basic"))
    status, headers, body = get(p, "/pagefind/pagefind.js")
    assert status == 200 and headers["content-type"].startswith(("text/javascript", "application/javascript"))
    status, _, body = get(p, "/pagefind/pagefind-entry.json")
    assert status == 200 and b'"languages"' in body


def test_an_edit_in_the_preview_goes_to_the_index_of_edits(fixture_site, preview, events):
    site = fixture_site("basic")
    p = preview(site)
    stream = events(p)
    first = stream.next()
    assert json.loads(get(p, "/pagefind/edits.json")[2]) == {"bundle": None, "stale": []}
    edit(site, ENTRY, "\n\n", "\n\nA zanzibarian sentence.\n\n")
    stream.until(lambda s: s["epoch"] != first["epoch"])
    listing = json.loads(get(p, "/pagefind/edits.json")[2])
    assert listing["bundle"] == "edits/" and [url for _, url in listing["stale"]] == ["/first-story/"]
    assert get(p, "/pagefind/edits/pagefind-entry.json")[0] == 200
    status, _, body = get(p, "/static/search/pagefind.js")
    assert status == 200 and b"edits.json" in body
