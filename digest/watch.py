"""`build.py build --watch`: build into output/, then again on every save, as `hugo --watch` does.

The preview's watcher and rebuild loop (serve.Preview, without its server) drive builds in memory
(serve.site_builder: an edit makes again only what it touches); each good build goes to output/
through write.Staging, so only the files whose bytes changed are written, and a failed build leaves
output/ as the last good build left it. The first build is an ordinary one (pipeline.build: every CPU,
pages streamed to disk), which leaves the caches the builds in memory start from.
"""

from __future__ import annotations

import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from typing import Sequence, TextIO

from . import cache, pipeline, search, serve, write
from .errors import SiteError


def writer(root: Path, out: Path, build: serve.Build, exact_search: bool = False) -> serve.Build:
    """build, each good result of which is written to out with its search index (as pipeline.build
    writes it; exact_search as there)."""
    written: dict[str, object] = {}  # what the last build wrote or kept in out/: {path: the very bytes
    # object, or the sha256 of a search index file}

    def build_and_write(changed: Sequence[str] = ()) -> serve.Built:
        nonlocal written
        built = build(changed)
        # the record of the last plain build says nothing of what is in out/ from now on
        (root / cache.LAST_BUILD).unlink(missing_ok=True)
        # the first write looks at every file; the next ones only at those whose bytes are new objects
        # (and at the files in folders whose names changed)
        stage = write.Staging(out, root)
        # the search index is made (Pagefind runs in a process of its own) while the pages are staged
        searcher = ThreadPoolExecutor(1)
        index = searcher.submit(search.index_files, built.files, list(built.indexed), built.search_cache,
                                exact=exact_search)
        try:
            for rel, data in built.files.items():
                if type(data) is not bytes or written.get(rel) is not data or not stage.keep(rel):
                    stage.add(rel, data)
            made = index.result()
            for rel, (data, sha) in made.items():
                if written.get(rel) != sha or not stage.keep(rel):
                    stage.add(rel, data, sha)
            stage.commit()
        except BaseException:
            stage.abort()
            written = {}
            raise
        finally:
            searcher.shutdown()
        written = {rel: data for rel, data in built.files.items() if type(data) is bytes}
        written.update((rel, sha) for rel, (_, sha) in made.items())
        return built
    return build_and_write


def run(root: Path, out: Path, now: datetime, *, base_url: str | None = None, drafts: bool = False,
        strict: bool = False, jobs: int | None = None, exact_search: bool = False,
        stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    """Build, then watch until Ctrl-C; exit 0."""
    try:  # every CPU for what is not cached yet; its problems are told by the first build in memory
        pipeline.build(root, out, now, base_url=base_url, drafts=drafts, strict=strict, jobs=jobs,
                       exact_search=exact_search)
    except SiteError:
        pass
    build = writer(root, out, serve.site_builder(root, now, base_url=base_url, drafts=drafts, strict=strict),
                   exact_search)
    watcher = serve.Preview(root, build, stdout=stdout, stderr=stderr, freeze=True,
                            keeps=f"{out} is as the last good build left it")
    try:
        watcher.start(listen=False)
        print(f"watching {root / 'content'}, templates/, static/ and site.yaml: {out} is built again on every "
              "save (Ctrl-C to stop)", file=stdout, flush=True)
        threading.Event().wait()  # the watcher's threads do the work
    except KeyboardInterrupt:
        pass
    finally:
        watcher.close()  # a build still running finishes: out/ is never left half written
    print("stopped", file=stdout, flush=True)
    return 0
