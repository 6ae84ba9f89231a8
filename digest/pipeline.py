"""build() and check(): the stages in order, top to bottom, nothing else."""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Callable

from . import annotate, assemble, config as config_stage, feeds, load, markup, render, search, verify, write
from .errors import Problem, SiteError, raise_errors, strict as promote, warning

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class BuildResult:
    pages: int
    files: int
    warnings: tuple[Problem, ...]
    seconds: float


def render_files(root: Path, now: datetime, *, base_url: str | None = None, drafts: bool = False,
                 strict: bool = False, progress: Progress = lambda stage, done, total: None
                 ) -> tuple[render.Files, BuildResult]:
    """Every stage but writing: {output path: bytes | Path}, and the result. Raises SiteError on errors."""
    started = time.perf_counter()
    config = config_stage.load_config(root / "site.yaml", base_url)
    entries, warnings = load.load_entries(root, config)
    if not config.origin:
        warnings.append(warning(config.path, 1, 1, f"base_url {config.base_url!r} has no scheme and host, so feeds, "
                                "the sitemap and canonical links use relative URLs",
                                "Set base_url to the site's full URL, e.g. https://user.github.io/repo/, or pass --base-url"))
    progress("markup", 0, len(entries))
    entries, problems = markup.markup(entries, markup.make_renderers(config))
    raise_errors(problems)
    entries, warnings = _annotate(entries, config, warnings)
    entries, warnings = verify.verify_entries(entries, warnings)  # digest vs source: findings are warnings
    if strict and warnings:
        raise SiteError(promote(warnings))
    site = assemble.assemble(config, entries, now.astimezone(config.tz), drafts)
    env = render.make_env(root, config, render.static_files(root))
    files = render.render_site(site, config, env, root, lambda done, total: progress("render", done, total))
    files.update(feeds.render_feeds(site, config))
    return files, BuildResult(len(site.pages), len(files), tuple(warnings), time.perf_counter() - started)


def build(root: Path, out: Path | None, now: datetime, **options) -> BuildResult:
    """Build the site in root into out (None: check only, write nothing). Raises SiteError on errors."""
    started = time.perf_counter()
    files, result = render_files(root, now, **options)
    if out is None:
        return BuildResult(result.pages, 0, result.warnings, time.perf_counter() - started)
    files.update(search.index_files(files))
    written = write.write_site(files, out, root)
    return BuildResult(result.pages, written, result.warnings, time.perf_counter() - started)


def _annotate(entries: list, config, warnings: list[Problem]) -> tuple[list, list[Problem]]:
    annotated, found = [], list(warnings)
    for entry in entries:
        entry, problems = annotate.annotate(entry, config)
        annotated.append(entry)
        found.extend(problems)
    return annotated, found
