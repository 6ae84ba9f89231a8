"""The command line: argparse subcommands; Problems become `path:line:col: message`; exit 0, 1 or 2."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Callable, TextIO

from . import __version__, pipeline
from .errors import Problem, SiteError

EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2


def main(argv: list[str] | None = None, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        parser.print_help(stderr)
        return EXIT_USAGE
    now = args.clock or datetime.now(timezone.utc)
    try:
        return args.run(args, now, stdout, stderr)
    except SiteError as exc:
        _report(exc.problems, stderr)
        errors = sum(p.is_error for p in exc.problems)
        print(f"failed: {errors} error{'s' * (errors != 1)}; nothing was written", file=stderr)
        return EXIT_PROBLEMS
    except OSError as exc:
        print(f"{exc.filename or ''}: error: {exc.strerror or exc}", file=stderr)
        return EXIT_PROBLEMS
    except KeyboardInterrupt:
        print("interrupted", file=stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="build.py", description="Build an annotated news digest into a static site.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, run: Callable, help: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help, description=help)
        p.add_argument("--site", type=Path, default=Path("."), metavar="DIR",
                       help="the site folder holding site.yaml and content/ (default: the current folder)")
        p.add_argument("--clock", type=_iso_datetime, metavar="ISO-DATETIME",
                       help="build as if it were this moment (drafts and future entries are judged against it)")
        p.set_defaults(run=run)
        return p

    b = command("build", _build, "Build the site into the output folder.")
    b.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: SITE/output)")
    _site_options(b)
    b.add_argument("-q", "--quiet", action="store_true", help="print only problems, no progress or summary")
    b.add_argument("--jobs", type=int, default=None, metavar="N",
                   help="processes for entries that are not in the cache (default: one per CPU)")
    b.add_argument("--no-cache", action="store_true", help="process every entry afresh (the cache in .cache/ is not used)")
    b.add_argument("--exact-search", action="store_true",
                   help="index again every search shard whose pages changed, instead of keeping edits in an index "
                        "of their own: the output is then byte for byte a cold build's (deploy always does this)")
    b.add_argument("--watch", action="store_true",
                   help="stay running and build again on every save of content/, templates/, static/ or site.yaml, "
                        "making only what the change touches (Ctrl-C to stop)")

    c = command("check", _check, "Validate content, templates and links without writing anything.")
    _site_options(c)

    i = command("import", _import, "Import scraped pages (text dumps or saved HTML) and digests into content/ bundles.")
    i.add_argument("scrapes", nargs="+", type=Path, metavar="SCRAPE",
                   help="saved pages (.html) or text dumps; digest files given here are paired by similarity")
    i.add_argument("--digest", type=Path, metavar="FILE", help="the digest rewrite of the (single) scrape")
    i.add_argument("--scraped-at", type=_iso_datetime, metavar="ISO-DATE",
                   help="when the page was saved; relative times ('11 months ago') count from it (default: file mtime)")
    i.add_argument("--slug", help="the bundle's folder name (default: from the title)")

    d = command("deploy", _deploy, "Build the site and publish output/ to a branch (gh-pages) of the site's git repository.")
    d.add_argument("--out", type=Path, default=None, metavar="DIR", help="output folder (default: SITE/output)")
    d.add_argument("--branch", default="gh-pages", help="the branch GitHub Pages serves (default: gh-pages)")
    d.add_argument("--remote", default="origin", help="the remote to push to (default: origin)")
    d.add_argument("--no-push", action="store_true", help="commit to the local branch only")
    d.add_argument("--base-url", metavar="URL", help="override site.yaml's base_url")
    d.add_argument("--strict", action="store_true", help="treat warnings as errors")

    n = command("new", _new, "Scaffold a new entry bundle in content/ with today's date.")
    n.add_argument("title", help='the headline, e.g. "Peace talks begin"')
    n.add_argument("--slug", help="the folder and URL name (default: from the title)")

    s = command("serve", _serve, "Build the site in memory, serve it and reload open pages on every save.")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1, this machine only)")
    s.add_argument("--port", type=_port, default=8000, help="port to listen on (default: 8000; 0 picks a free one)")
    s.add_argument("--open", action="store_true", help="open the site in the web browser")
    _site_options(s)
    return parser


def _site_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--base-url", metavar="URL", help="override site.yaml's base_url, e.g. https://user.github.io/repo/")
    p.add_argument("--drafts", action="store_true", help="include drafts and future-dated entries")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")


def _build(args, now: datetime, stdout: TextIO, stderr: TextIO) -> int:
    root = args.site
    out = args.out or root / "output"
    if args.watch:
        from . import watch  # watchdog is loaded only for this

        if args.no_cache:
            print("build: --watch builds from the cache (an edit makes again only what it touches); "
                  "drop --no-cache", file=stderr)
            return EXIT_USAGE
        return watch.run(root, out, now, base_url=args.base_url, drafts=args.drafts, strict=args.strict,
                         jobs=args.jobs, exact_search=args.exact_search, stdout=stdout, stderr=stderr)
    show = not args.quiet and stderr.isatty()
    result = pipeline.build(root, out, now, base_url=args.base_url, drafts=args.drafts, strict=args.strict,
                            progress=_progress(stderr) if show else lambda *a: None,
                            jobs=args.jobs, use_cache=not args.no_cache, exact_search=args.exact_search)
    if show:
        stderr.write("\r\x1b[K")
    _report(list(result.warnings), stderr)
    if not args.quiet:
        warned = len(result.warnings)
        what = "up to date: nothing changed since the last build of" if result.up_to_date else "built"
        print(f"{what} {result.pages} pages ({result.files} files, {result.changed} changed) into {out} "
              f"with {warned} warning{'s' * (warned != 1)} in {result.seconds:.2f} s", file=stdout)
    return EXIT_OK


def _check(args, now: datetime, stdout: TextIO, stderr: TextIO) -> int:
    from .verify import is_finding

    result = pipeline.build(args.site, None, now, base_url=args.base_url, drafts=args.drafts, strict=args.strict)
    _report(list(result.warnings), stderr)
    findings = sum(is_finding(p) for p in result.warnings)  # digest claims the source does not support
    print(f"checked {result.pages} pages: no errors, {len(result.warnings)} warnings"
          + (f" ({findings} digest-vs-source finding{'s' * (findings != 1)})" if findings else ""), file=stdout)
    return EXIT_PROBLEMS if findings else EXIT_OK


def _import(args, now: datetime, stdout: TextIO, stderr: TextIO) -> int:
    from . import ingest  # trafilatura and BeautifulSoup take a third of a second to load: only for this command

    report = ingest.import_scrapes(args.site, args.scrapes, digest=args.digest, scraped_at=args.scraped_at,
                                   slug=args.slug, now=now)
    for action in report.actions:
        print(action, file=stdout)
    _report(report.problems, stderr)
    return EXIT_OK


def _deploy(args, now: datetime, stdout: TextIO, stderr: TextIO) -> int:
    from . import config as config_stage, deploy

    out = args.out or args.site / "output"
    try:
        result = pipeline.build(args.site, out, now, base_url=args.base_url, strict=args.strict,
                                exact_search=True)  # what is published is what a cold build makes
    except SiteError as exc:
        _report(exc.problems, stderr)
        print("deploy: refusing to publish a failing build; fix the errors above and run deploy again", file=stderr)
        return EXIT_PROBLEMS
    _report(list(result.warnings), stderr)
    config = config_stage.load_config(args.site / "site.yaml", args.base_url)
    done = deploy.publish(args.site, out, branch=args.branch, remote=None if args.no_push else args.remote,
                          domain=config.domain)
    if not done.changed:
        print(f"deploy: {done.branch} already holds this build ({done.commit[:12]}); nothing to publish", file=stdout)
    else:
        where = f" and pushed to {args.remote}" if done.pushed else ""
        print(f"deploy: committed {done.commit[:12]} to {done.branch}{where} (built {result.pages} pages from {done.source})",
              file=stdout)
    return EXIT_OK


def _new(args, now: datetime, stdout: TextIO, stderr: TextIO) -> int:
    from . import scaffold

    path = scaffold.new_entry(args.site, args.title, now.date(), args.slug)
    print(f"created {path}", file=stdout)
    return EXIT_OK


def _serve(args, now: datetime, stdout: TextIO, stderr: TextIO) -> int:
    from . import serve  # watchdog is loaded only for this command

    return serve.run(args.site, now, host=args.host, port=args.port, base_url=args.base_url, drafts=args.drafts,
                     strict=args.strict, open_browser=args.open, stdout=stdout, stderr=stderr)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r} (write a number from 1 to 65535, e.g. 8000)")
    return int(text)


def _report(problems: list[Problem], stream: TextIO) -> None:
    for p in sorted(problems, key=lambda p: (p.path, p.line, p.col)):
        print(p, file=stream)


def _progress(stream: TextIO) -> Callable[[str, int, int], None]:
    """Progress on a terminal, shown only once a build has run longer than a moment."""
    started = time.monotonic()

    def show(stage: str, done: int, total: int) -> None:
        if time.monotonic() - started > 0.5 and (done % 50 == 0 or done == total):
            stream.write(f"\r\x1b[K{stage} {done}/{total}")
            stream.flush()
    return show


def _iso_datetime(text: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not an ISO date and time: {text!r} (write e.g. 2023-11-06T12:00:00+00:00)")
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
