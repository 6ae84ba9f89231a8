"""Import every page of a corpus and score the bundles with the corpus' score.py.

usage: python bench/score_import.py [--corpus ../shared/corpus] [--mode ours|trafilatura] [--keep DIR]

ours: digest.ingest.import_scrapes into a temporary site, one bundle per page (slug = page id).
trafilatura: trafilatura.bare_extraction alone (its title, author, date, markdown text; it gives no
comment tree, so no comments) - the baseline our importer is measured against.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SCRAPED_AT = datetime(2024, 10, 6, tzinfo=timezone.utc)


def import_ours(pages: list[Path], site: Path) -> Path:
    from digest.errors import SiteError
    from digest.ingest import import_scrapes
    for page in pages:
        try:
            import_scrapes(site, [page], scraped_at=SCRAPED_AT, slug=page.stem.lower(), now=SCRAPED_AT)
            if page.stem != page.stem.lower():  # score.py finds entries by page id
                (site / "content" / page.stem.lower()).rename(site / "content" / page.stem)
        except SiteError as exc:
            print(f"{page.stem}: {exc}", file=sys.stderr)
    return site / "content"


def import_trafilatura(pages: list[Path], out: Path) -> Path:
    import trafilatura
    import yaml
    for page in pages:
        doc = trafilatura.bare_extraction(page.read_bytes(), with_metadata=True, output_format="python",
                                          include_comments=False, include_formatting=True)
        folder = out / page.stem
        folder.mkdir(parents=True)
        authors = [a.strip() for a in (doc.author or "").split(";") if a.strip()] if doc else []
        front = {"title": doc.title if doc else "", "authors": authors, "published": doc.date if doc else "",
                 "url": (doc.url or "") if doc else "", "site_name": (doc.sitename or "") if doc else ""}
        text = (doc.text or "") if doc else ""
        (folder / "source.md").write_text(f"---\n{yaml.safe_dump(front, allow_unicode=True)}---\n{text}\n",
                                          encoding="utf-8")
    return out


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--mode", choices=["ours", "trafilatura"], default="ours")
    parser.add_argument("--keep", type=Path, help="write the bundles here instead of a temporary folder")
    args = parser.parse_args(argv)
    pages = sorted((args.corpus / "pages").glob("*.html"))
    with tempfile.TemporaryDirectory() as tmp:
        base = args.keep or Path(tmp)
        if args.keep and args.keep.exists():
            shutil.rmtree(args.keep)
        entries = import_ours(pages, base) if args.mode == "ours" else import_trafilatura(pages, base / "entries")
        return subprocess.call([sys.executable, str(args.corpus / "score.py"), str(entries), str(args.corpus)])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
