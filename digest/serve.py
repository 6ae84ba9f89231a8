"""Preview server: build in memory, serve under base_url's path, watch the sources, reload open pages.

As MkDocs' livereload server: the server knows only a rebuild callable and the current files. File
events queue their paths, a quiet period debounces them into one rebuild, and a build epoch tells open
pages to reload. Nothing is written to output/: pages are served from the dict the pipeline renders, so
"nothing outside the built site" is a dict lookup. Unlike MkDocs, a failed rebuild keeps serving the last
good build and pushes its Problems into open pages as an overlay.
"""

from __future__ import annotations

import errno
import gc
import hashlib
import html
import json
import mimetypes
import re
import secrets
import socket
import sys
import threading
import time
import traceback
import webbrowser
from dataclasses import dataclass, replace
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable, Iterable, Mapping, NamedTuple, Sequence, TextIO
from urllib.parse import quote, unquote

from watchdog import events as fs_events
from watchdog.observers import Observer

from . import config as config_stage, pipeline, search
from .errors import Problem, SiteError, problem
from .render import Files

EVENTS = "/__digest/events"          # server-sent events; outside any site's namespace
SCRIPT = "/__digest/live.js"          # the reload script injected into served pages
WATCHED = ("content", "templates", "static")
CONFIG = "site.yaml"
QUIET = 0.04                          # seconds without file events before a rebuild starts (an editor's
                                      # save, or a "save all", is a burst of events a few ms apart)
SETTLE = 0.01                         # the same, once every file written since has been closed, moved into
                                      # place or deleted: the save is whole, only a burst's next file may come
MAX_WAIT = 2.0                        # rebuild at the latest this long after the first event of a burst
PING = 15.0                           # seconds between keep-alive comments on an idle event stream
WAIT = 5.0                            # a request waits this long for a pending rebuild, then gets the last
                                      # good build (open pages reload when the rebuild ends anyway)


@dataclass(frozen=True)
class Built:
    """What one build hands the server: the files, the path they live under, the warnings."""
    files: Files
    base_path: str
    warnings: tuple[Problem, ...] = ()
    indexed: tuple[tuple[str, str], ...] = ()  # the pages search indexes, oldest first, with their sha256
    search_cache: Path | None = None  # where unchanged shards of the search index are kept


Build = Callable[[Sequence[str]], Built]  # given the site paths changed since the last call


def site_builder(root: Path, now: datetime, *, base_url: str | None = None, drafts: bool = False,
                 strict: bool = False) -> Build:
    """The rebuild callable for a site folder: the whole pipeline in memory, nothing written."""
    memory: dict = {}  # what the last build made (pipeline.render_files): only what an edit touches is made again
    fresh = True  # the first build, and the one after a failed build, look at every source

    def build(changed: Sequence[str] = ()) -> Built:
        nonlocal fresh
        look = None if fresh else changed
        fresh = True
        base_path = config_stage.load_config(root / CONFIG, base_url).base_path
        files, result = pipeline.render_files(root, now, base_url=base_url, drafts=drafts, strict=strict,
                                              memory=memory, changed=look)
        fresh = False
        # the search index is made when asked for
        return Built(files, base_path, result.warnings, result.indexed, root / search.FOLDER)
    return build


# -- the state the server shows -------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    files: Files                      # the last good build ({} before the first one)
    base_path: str
    epoch: str                        # changes whenever the files do; "" before the first good build
    problems: tuple[Problem, ...]     # of the latest build, when it failed
    version: int                      # bumps on every state change (a good or a failed build)
    indexed: tuple[tuple[str, str], ...] = ()  # the pages search indexes, oldest first, with their sha256
    search_cache: Path | None = None

    def state(self) -> bytes:
        """The JSON pushed to open pages."""
        return json.dumps({"epoch": self.epoch, "problems": [
            {"path": p.path, "line": p.line, "col": p.col, "severity": p.severity, "message": p.message,
             "hint": p.hint} for p in self.problems]}, ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Changes:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]

    @property
    def pages(self) -> int:
        return sum(p.endswith(".html") for p in self.added + self.removed + self.changed)

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


@dataclass(frozen=True)
class Report:
    """One rebuild, for the status line."""
    sources: tuple[str, ...]          # the files whose events caused it
    seconds: float
    changes: Changes | None = None    # None: the build failed
    problems: tuple[Problem, ...] = ()   # the errors, or the warnings of a good build
    bug: str = ""                     # a traceback, when a stage crashed


def diff(old: Mapping[str, object], new: Mapping[str, object], among: Iterable[str] | None = None) -> Changes:
    """Compare two {path: fingerprint} maps (fingerprints compare by value); among: the only paths
    whose fingerprint may differ, when known."""
    if among is None:
        return Changes(tuple(sorted(new.keys() - old.keys())), tuple(sorted(old.keys() - new.keys())),
                       tuple(sorted(k for k in new.keys() & old.keys() if new[k] != old[k])))
    added = [k for k in among if k not in old]
    removed = old.keys() - new.keys() if len(new) != len(old) + len(added) else ()  # (else none went)
    return Changes(tuple(sorted(added)), tuple(sorted(removed)),
                   tuple(sorted(k for k in among if k in old and new[k] != old[k])))


class LiveSite:
    """The current build, rebuilt on demand; thread-safe. Requests wait while a wanted build is pending."""

    def __init__(self, build: Build):
        self._build = build
        self._cond = threading.Condition()
        self._token = secrets.token_hex(3)   # a restarted server makes open pages reload once
        self._builds = 0
        self._fingerprints: dict[str, object] = {}
        self._file_digests: dict[tuple, str] = {}
        self._wanted = self._done = 0
        self.closing = False
        self.snapshot = Snapshot({}, "/", "", (), 0)
        self._search_lock = threading.Lock()
        self._search: tuple[str, dict[str, tuple[bytes | Path, str]]] = ("", {})

    def search_index(self, snap: Snapshot) -> dict[str, tuple[bytes | Path, str]]:
        """Pagefind's files for this build, made once per build and only when a page asks for them,
        so an edit reloads pages without waiting for the search index."""
        with self._search_lock:
            if self._search[0] != snap.epoch:
                self._search = (snap.epoch, search.index_files(snap.files, list(snap.indexed), snap.search_cache))
            return self._search[1]

    def want(self) -> None:
        """A source changed: requests from now on wait for the rebuild that follows."""
        with self._cond:
            self._wanted += 1

    def rebuild(self, sources: Sequence[str] = ()) -> Report:
        with self._cond:
            target = self._wanted
        started = time.perf_counter()
        try:
            built = self._build(sources)
        except SiteError as exc:
            return self._failed(target, sources, started, tuple(exc.problems))
        except OSError as exc:       # a file vanished mid-build (a checkout): the next event rebuilds
            where = exc.filename or CONFIG
            return self._failed(target, sources, started, (problem(where, 1, 1, str(exc.strerror or exc)),))
        except Exception as exc:     # a bug in a stage: say so, and keep serving the last good build
            bug = problem("(digest)", 1, 1, f"internal error while building: {exc!r}",
                          "This is a bug in the generator; the traceback is in the terminal")
            return self._failed(target, sources, started, (bug,), traceback.format_exc())
        # only what is not the very object the last build gave can differ (most pages are kept from
        # one build to the next), and files to copy, which may have changed on disk
        digests, self._file_digests = self._file_digests, {}
        last, files = self.snapshot.files, built.files
        touched = [path for path, data in files.items() if type(data) is not bytes or last.get(path) is not data]
        fingerprints = dict(self._fingerprints)
        for path in last.keys() - files.keys():
            del fingerprints[path]
        for path in touched:
            data = files[path]
            fingerprints[path] = data if type(data) is bytes else self._fingerprint(data, digests)
        changes = diff(self._fingerprints, fingerprints, touched)
        with self._cond:
            old = self.snapshot
            epoch = old.epoch
            if changes or not epoch or built.base_path != old.base_path:
                self._builds += 1
                epoch = f"{self._token}-{self._builds}"
            self._fingerprints = fingerprints
            self.snapshot = Snapshot(built.files, built.base_path, epoch, (), old.version + 1, built.indexed,
                                     built.search_cache)
            self._done = max(self._done, target)
            self._cond.notify_all()
        return Report(tuple(sources), time.perf_counter() - started, changes, built.warnings)

    def _failed(self, target: int, sources: Sequence[str], started: float, problems: tuple[Problem, ...],
                bug: str = "") -> Report:
        with self._cond:
            self.snapshot = replace(self.snapshot, problems=problems, version=self.snapshot.version + 1)
            self._done = max(self._done, target)
            self._cond.notify_all()
        return Report(tuple(sources), time.perf_counter() - started, None, problems, bug)

    def _fingerprint(self, data: bytes | Path, known: dict[tuple, str]) -> object:
        """A file to copy by its content's digest, re-read only when its size or mtime changed since
        the last build (bytes stand for themselves: they compare by value, and no copy is made)."""
        try:
            st = data.stat()
        except OSError:
            return ("missing", str(data))
        key = (str(data), st.st_mtime_ns, st.st_size)
        digest = known.get(key) or hashlib.sha256(data.read_bytes()).hexdigest()
        self._file_digests[key] = digest
        return ("file", digest)

    def wait_current(self, timeout: float) -> Snapshot:
        """The snapshot once every change seen so far is built (or after timeout)."""
        with self._cond:
            wanted = self._wanted
            self._cond.wait_for(lambda: self._done >= wanted or self.closing, timeout)
            return self.snapshot

    def wait_change(self, seen: int, timeout: float) -> Snapshot | None:
        """The snapshot once its version differs from seen (or after timeout); None when closing."""
        with self._cond:
            self._cond.wait_for(lambda: self.snapshot.version != seen or self.closing, timeout)
            return None if self.closing else self.snapshot

    def close(self) -> None:
        with self._cond:
            self.closing = True
            self._cond.notify_all()


# -- from a request path to a file ----------------------------------------------------------------

class Route(NamedTuple):
    status: int                       # 200 (target: a key of files), 302 (target: a location) or 404
    target: str = ""


NOT_FOUND = Route(404)
_REFUSED = re.compile(r"%(?:2f|5c|00)|\\|[\x00-\x1f\x7f]", re.I)   # encoded slash, backslash, NUL, controls
_ENCODED = re.compile(r"%[0-9a-f]{2}", re.I)


def resolve(target: str, base_path: str, files: Mapping[str, object]) -> Route:
    """Map a request target to a built file, a redirect or 404. Never normalises '..': refuses it."""
    path, _, query = target.partition("?")
    suffix = f"?{query}" if query else ""
    if not path.startswith("/") or _REFUSED.search(path):
        return NOT_FOUND
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return NOT_FOUND
    segments = decoded.split("/")[1:]
    if (_REFUSED.search(decoded) or _ENCODED.search(decoded) or "" in segments[:-1]
            or any(s in (".", "..") for s in segments)):
        return NOT_FOUND              # traversal, double encoding, '//'
    if not decoded.startswith(base_path):
        return Route(302, quote(base_path) + suffix) if decoded in ("/", base_path[:-1]) else NOT_FOUND
    rel = decoded[len(base_path):]
    key = rel + "index.html" if rel == "" or rel.endswith("/") else rel
    if key in files:
        return Route(200, key)
    if rel and not rel.endswith("/") and f"{rel}/index.html" in files:
        return Route(302, path + "/" + suffix)
    return NOT_FOUND


TYPES = {
    ".html": "text/html; charset=utf-8", ".htm": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
    ".json": "application/json", ".xml": "application/xml", ".svg": "image/svg+xml",
    ".txt": "text/plain; charset=utf-8", ".md": "text/plain; charset=utf-8", ".png": "image/png",
    ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".gif": "image/gif", ".webp": "image/webp",
    ".avif": "image/avif", ".ico": "image/x-icon", ".woff2": "font/woff2", ".woff": "font/woff",
    ".pdf": "application/pdf", ".map": "application/json", ".webmanifest": "application/manifest+json",
}


def content_type(path: str) -> str:
    suffix = Path(path).suffix.lower()
    return TYPES.get(suffix) or mimetypes.guess_type(path)[0] or "application/octet-stream"


def inject(page: bytes, epoch: str) -> bytes:
    """The reload script, into a served page only (the built files are never touched)."""
    tag = f'<script src="{SCRIPT}" data-epoch="{epoch}" data-events="{EVENTS}" defer></script>'.encode()
    match = re.search(rb"</head\s*>", page, re.I)
    if match is None:
        ends = list(re.finditer(rb"</body\s*>", page, re.I))
        match = ends[-1] if ends else None
    at = match.start() if match else len(page)
    return page[:at] + tag + page[at:]


LIVE_JS = (Path(__file__).parent / "livereload.js").read_bytes()  # the script served at SCRIPT


# -- HTTP -----------------------------------------------------------------------------------------

class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 120                     # an idle keep-alive connection gives its thread back after this
    server_version = "digest-serve"
    server: "_Server"

    def do_GET(self) -> None:
        self._respond(send_body=True)

    def do_HEAD(self) -> None:
        self._respond(send_body=False)

    def _respond(self, send_body: bool) -> None:
        live = self.server.live
        path = self.path.partition("?")[0]
        if path == EVENTS:
            return self._events(live) if send_body else self._send(200, "text/event-stream", b"", False)
        if path == SCRIPT:
            return self._send(200, "text/javascript; charset=utf-8", LIVE_JS, send_body)
        snap = live.wait_current(timeout=WAIT)
        if not snap.files:
            return self._send(503, TYPES[".html"], inject(_unbuilt_page(snap.problems), snap.epoch), send_body)
        rel = path[len(snap.base_path):] if path.startswith(snap.base_path) else ""
        if rel.startswith("pagefind/"):  # the search index: made on first use after each build
            try:
                index = live.search_index(snap)
            except SiteError as exc:
                return self._send(503, "text/plain; charset=utf-8", str(exc).encode(), send_body)
            if rel in index:
                try:
                    return self._send(200, content_type(rel), _read(index[rel][0]), send_body)
                except OSError:
                    pass              # the cache was pruned by a build since: answered as any missing file
        route = resolve(self.path, snap.base_path, snap.files)
        if route.status == 302:
            return self._send(302, "text/plain; charset=utf-8", b"", send_body, Location=route.target)
        key, status, data = route.target, 200, None
        if route.status == 200:
            try:
                data = _read(snap.files[key])
            except OSError:
                data = None           # a copied file vanished since the build
        if data is None:
            key, status = "404.html", 404
            data = _read(snap.files[key]) if key in snap.files else b"Not found\n"
        ctype = content_type(key) if key in snap.files else "text/plain; charset=utf-8"
        if ctype.startswith("text/html"):
            data = inject(data, snap.epoch)
        self._send(status, ctype, data, send_body)

    def _send(self, status: int, ctype: str, data: bytes, send_body: bool, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if send_body:
            self.wfile.write(data)

    def _events(self, live: LiveSite) -> None:
        """Server-sent events: the state now, then on every change; a comment now and then."""
        self.close_connection = True
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        seen = -1
        try:
            self.wfile.write(b"retry: 1000\n\n")
            while (snap := live.wait_change(seen, PING)) is not None:
                if snap.version == seen:
                    self.wfile.write(b": ping\n\n")
                else:
                    seen = snap.version
                    self.wfile.write(b"data: " + snap.state() + b"\n\n")
        except (ConnectionError, TimeoutError):
            pass                      # the page went away

    def log_message(self, format: str, *args) -> None:
        pass                          # the status lines say what matters; one line per request is noise


def _read(data: bytes | Path) -> bytes:
    return data.read_bytes() if isinstance(data, Path) else data


def _unbuilt_page(problems: Sequence[Problem]) -> bytes:
    items = "\n".join(html.escape(str(p)) for p in problems)
    return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Build failed</title></head>\n'
            f"<body><h1>The site has not built yet</h1><p>Fix these problems and save; this page reloads.</p>\n"
            f"<pre>{items}</pre></body></html>\n").encode("utf-8")


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], live: LiveSite):
        self.live = live
        super().__init__(address, _Handler)

    def handle_error(self, request, client_address) -> None:
        # a client that went away is no error, nor is a request cut short because the server is stopping
        if not self.live.closing and not isinstance(sys.exc_info()[1], (ConnectionError, TimeoutError)):
            super().handle_error(request, client_address)


class _Server6(_Server):
    address_family = socket.AF_INET6


# -- watching the sources -------------------------------------------------------------------------

_KINDS = [fs_events.FileCreatedEvent, fs_events.FileModifiedEvent, fs_events.FileClosedEvent, fs_events.FileDeletedEvent,
          fs_events.FileMovedEvent, fs_events.DirCreatedEvent, fs_events.DirDeletedEvent, fs_events.DirMovedEvent]


def source_path(root: Path, path: str) -> str | None:
    """The site-relative path of an event's file when a rebuild should follow, else None."""
    try:
        rel = Path(path).relative_to(root).as_posix()
    except ValueError:
        return None
    parts = rel.split("/")
    name = parts[-1]
    if rel == CONFIG or rel in WATCHED:
        return rel
    if parts[0] not in WATCHED or any(part.startswith(".") for part in parts) or name.startswith("#") \
            or name.endswith(("~", ".swp", ".swx", ".tmp")) or name == "4913":   # editors' swap and backup files
        return None
    return rel


class _Events(fs_events.FileSystemEventHandler):
    def __init__(self, root: Path, on_change: Callable[[str, str], None]):
        self.root, self.on_change = root, on_change

    def on_any_event(self, event: fs_events.FileSystemEvent) -> None:
        """on_change(path, kind): see Preview._on_change (Linux tells when a file written to is closed,
        other systems do not: there every change waits the whole quiet period)."""
        if event.event_type not in ("created", "modified", "deleted", "moved", "closed"):
            return
        if event.is_directory and event.event_type == "modified":
            return
        for path in (event.src_path, event.dest_path):
            rel = source_path(self.root, str(path)) if path else None
            if rel:
                self.on_change(rel, {"created": "writing", "modified": "writing", "closed": "closed"}.get(
                    event.event_type, "whole"))


class Preview:
    """The server, the watcher and the rebuild loop, for one site. Use start()/close() or `with`."""

    def __init__(self, root: Path, build: Build, *, host: str = "127.0.0.1", port: int = 8000,
                 quiet: float = QUIET, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr,
                 freeze: bool = False, settle: float = SETTLE, keeps: str = ""):
        """keeps: what a failed rebuild leaves in place, for its status line (default: the served build)."""
        self.root = root.resolve()
        self.keeps = keeps
        self.freeze = freeze
        self.live = LiveSite(build)
        self.host, self.port, self.quiet, self.settle = host, port, quiet, min(settle, quiet)
        self.stdout, self.stderr = stdout, stderr
        self._server: _Server | None = None
        self._observer = Observer()
        self._handler = _Events(self.root, self._on_change)
        self._watches: dict[str, tuple[int, object]] = {}
        self._cond = threading.Condition()
        self._changed: set[str] = set()
        self._writing: set[str] = set()  # changed files not closed since
        self._first = self._last = 0.0
        self._stopping = False
        self._threads: list[threading.Thread] = []
        self._serving = False

    @property
    def url(self) -> str:
        host = {"0.0.0.0": "127.0.0.1", "::": "[::1]"}.get(self.host, self.host)
        host = f"[{host}]" if ":" in host and not host.startswith("[") else host
        return f"http://{host}:{self.port}{self.live.snapshot.base_path}"

    def bind(self) -> None:
        """Listen on host:port (raises OSError, e.g. EADDRINUSE); port 0 picks a free one."""
        server_class = _Server6 if ":" in self.host else _Server
        self._server = server_class((self.host, self.port), self.live)
        self.port = self._server.server_address[1]

    def start(self, listen: bool = True) -> None:
        """Bind (unless bound, or not to listen), build once, start watching. Serve with serve_forever()
        or in_background()."""
        if self._server is None and listen:
            self.bind()
        self._observer.schedule(self._handler, str(self.root), recursive=False, event_filter=_KINDS)
        self._ensure_watches()
        self._observer.start()
        self._rebuild()
        self._spawn(self._rebuild_loop, "digest-rebuild")

    def serve_forever(self) -> None:
        assert self._server is not None
        self._serving = True
        self._server.serve_forever(poll_interval=0.2)

    def in_background(self) -> "Preview":
        assert self._server is not None
        self._serving = True
        self._spawn(self._server.serve_forever, "digest-serve")
        return self

    def __enter__(self) -> "Preview":
        self.start()
        return self.in_background()

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self, wait: bool = True) -> None:
        """Stop serving and watching; wait (unless told not to) for the threads, a running build included."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
        self.live.close()
        if self._server is not None:
            if self._serving:
                self._server.shutdown()
            self._server.server_close()
        if self._observer.is_alive():
            self._observer.stop()
            self._observer.join(timeout=10)
        for thread in self._threads if wait else ():
            thread.join(timeout=60)

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def _on_change(self, rel: str, kind: str) -> None:
        """kind: "writing" (created or modified: maybe not whole yet), "whole" (moved into place or
        deleted) or "closed" (closed after writing: whole; no change by itself)."""
        with self._cond:
            if kind == "closed":
                if rel in self._writing:
                    self._writing.discard(rel)
                    self._cond.notify_all()  # the quiet period shortens
                return
            now = time.monotonic()
            (self._writing.add if kind == "writing" else self._writing.discard)(rel)
            if not self._changed:
                self._first = now
            self._changed.add(rel)
            self._last = now
            self.live.want()
            self._cond.notify_all()

    def _rebuild_loop(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._changed or self._stopping)
                while not self._stopping:        # the quiet period: a burst becomes one rebuild
                    quiet = self.quiet if self._writing else self.settle
                    left = min(self._last + quiet, self._first + MAX_WAIT) - time.monotonic()
                    if left <= 0:
                        break
                    self._cond.wait(left)
                if self._stopping:
                    return
                sources, self._changed = sorted(self._changed), set()
                self._writing.clear()
            self._ensure_watches()
            self._rebuild(sources)

    def _rebuild(self, sources: Sequence[str] = ()) -> None:
        self._status(self.live.rebuild(sources))
        if self.freeze:
            # what builds keep (entries, pages, the site) lives as long as the process: out of the cycle
            # collector's sight, a collection scans only what the next build makes (a full one took
            # ~0.5 s at 10,000 entries, in the middle of a rebuild); only the process is the server's.
            # A change outside content/ makes a new Jinja environment, whose predecessor is a cycle:
            # everything is looked at once then, so what is frozen never holds it.
            if any(not source.startswith("content/") for source in sources):
                gc.unfreeze()
                gc.collect()
            gc.freeze()

    def _ensure_watches(self) -> None:
        """Watch content/, templates/, static/ recursively, also when created or replaced later."""
        for name in WATCHED:
            folder = self.root / name
            try:
                inode = folder.stat().st_ino if folder.is_dir() else None
            except OSError:
                inode = None
            old = self._watches.get(name)
            if old and old[0] != inode:
                try:
                    self._observer.unschedule(old[1])
                except KeyError:
                    pass
                del self._watches[name]
            if inode is not None and name not in self._watches:
                watch = self._observer.schedule(self._handler, str(folder), recursive=True, event_filter=_KINDS)
                self._watches[name] = (inode, watch)

    def _status(self, report: Report) -> None:
        kept = self.keeps or ("serving the last good build" if self.live.snapshot.files else "nothing to serve yet")
        line = status_line(report, kept)
        print(f"{time.strftime('%H:%M:%S')} {line}", file=self.stdout, flush=True)
        if report.bug:
            print(report.bug, file=self.stderr, flush=True)
        for p in sorted(report.problems, key=lambda p: (p.path, p.line, p.col)):
            print(p, file=self.stderr, flush=True)


def status_line(report: Report, kept: str) -> str:
    """One line per build: what changed, how many pages changed, how long it took; kept: what a failed
    build leaves in place."""
    def count(n: int, what: str) -> str:
        return f"{n} {what}{'s' * (n != 1)}"
    took = f"in {report.seconds:.2f} s"
    cause = ""
    if report.sources:
        shown = report.sources[:3]
        more = f" and {len(report.sources) - 3} more" if len(report.sources) > 3 else ""
        cause = f"{', '.join(shown)}{more} changed: "
    if report.changes is None:
        errors = sum(p.is_error for p in report.problems)
        return f"{cause}build failed with {count(errors, 'error')} {took}; {kept}"
    c = report.changes
    if not report.sources:
        return f"built {count(c.pages, 'page')} ({count(len(c.added), 'file')}) {took}"
    detail = ", ".join([count(len(c.added) + len(c.removed) + len(c.changed), "file")]
                       + [f"{len(v)} {k}" for k, v in (("added", c.added), ("removed", c.removed)) if v])
    return f"{cause}{count(c.pages, 'page')} changed ({detail}) {took}"


# -- the command ----------------------------------------------------------------------------------

def run(root: Path, now: datetime, *, host: str = "127.0.0.1", port: int = 8000, base_url: str | None = None,
        drafts: bool = False, strict: bool = False, open_browser: bool = False,
        stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    """`build.py serve`: exit 0 on Ctrl-C, 1 when it cannot listen."""
    preview = Preview(root, site_builder(root, now, base_url=base_url, drafts=drafts, strict=strict),
                      host=host, port=port, stdout=stdout, stderr=stderr, freeze=True)
    try:
        preview.bind()
    except OSError as exc:
        print(_bind_error(exc, host, port), file=stderr)
        return 1
    try:
        preview.start()
        print(f"serving {preview.url} (Ctrl-C to stop)", file=stdout, flush=True)
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(f"note: listening on {host}, so other machines that can reach it can read the preview, drafts "
                  "included", file=stdout, flush=True)
        if open_browser:
            webbrowser.open(preview.url)
        preview.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        preview.close(wait=False)     # a build still running is abandoned: it writes nothing
    print("stopped", file=stdout, flush=True)
    return 0


def _bind_error(exc: OSError, host: str, port: int) -> str:
    if exc.errno == errno.EADDRINUSE:
        return f"port {port} is in use; try --port {_free_port(host, port + 1)}"
    if exc.errno == errno.EACCES:
        return f"not allowed to listen on port {port}; try --port 8000"
    return f"cannot listen on {host}:{port}: {exc.strerror or exc}; check --host"


def _free_port(host: str, start: int) -> int:
    """The first port from start that can be bound now (start itself if none of the next 20 can)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    for port in range(start, min(start + 20, 65536)):
        with socket.socket(family, socket.SOCK_STREAM) as probe:
            try:
                probe.bind((host, port))
                return port
            except OSError:
                continue
    return start
