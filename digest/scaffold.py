"""`new`: scaffold an entry bundle in content/ with today's date and a slug from the title."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from slugify import slugify

from .errors import SiteError, problem
from .load import RESERVED


def new_entry(root: Path, title: str, today: date, slug: str | None = None) -> Path:
    """Create content/<slug>/index.md; refuse to overwrite anything. Returns the new file."""
    title = " ".join(title.split())
    slug = slug or slugify(title, max_length=80, word_boundary=True)
    if not title or not slug:
        raise SiteError([problem("content", 1, 1, "the title gives no usable slug",
                                 'Give a title with letters or digits, e.g. new "Peace talks begin"')])
    if slug in RESERVED:
        slug = f"{slug}-{today:%Y-%m-%d}"
    folder = root / "content" / slug
    for existing in (folder, root / "content" / f"{slug}.md"):
        if existing.exists():
            raise SiteError([problem(existing.relative_to(root), 1, 1, "an entry with this slug already exists",
                                     "Choose another title, or pass --slug")])
    folder.mkdir(parents=True)
    index = folder / "index.md"
    index.write_text(
        "---\n"
        f"title: {json.dumps(title, ensure_ascii=False)}\n"
        f"date: {today.isoformat()}\n"
        "summary: \"\"\n"
        "tags: []\n"
        "draft: true\n"
        "---\n\n"
        "Write the digest here. Set draft: false when it is ready to publish.\n",
        encoding="utf-8")
    return index
