#!/usr/bin/env python3
"""Generate a deterministic corpus of N entries shaped like the sample, for benchmarks.

    python bench/generate.py DIR N [--hugo HUGO_DIR]

Each entry is a bundle: index.md (front matter with tags, story and timeline events, a digest of four
paragraphs with three editors' notes: on the digest, the article and a comment), source.md (an article
of ~1,260 words with headings, links, a list, a table and quotes) and comments.yaml (~25 nested
comments). With --hugo, the same corpus is also written as a Hugo site whose templates show the same
fields: the digest, the article and the comment thread.
"""

from __future__ import annotations

import argparse
import random
from datetime import date, timedelta
from pathlib import Path

WORDS = ("officials said the talks would continue while allies weighed aid budgets and the front line "
         "barely moved through the autumn as both armies dug in for a long winter of shelling drones and "
         "supply problems that analysts expect to shape negotiations next year in Brussels Washington and "
         "Kyiv where lawmakers debate funding packages ammunition production and security guarantees").split()
NAMES = ["Ann Carter", "Bo Lindqvist", "Chidi Okafor", "Dana Levi", "Eun-ji Park", "Farid Haddad", "Greta Novak"]
TAGS = ["ukraine", "russia", "nato", "congress", "israel", "polling", "diplomacy", "economy", "energy", "defence"]
STORIES = ["ukraine-war", "israel-hamas", "us-politics"]


def sentence(rng: random.Random, n: int = 18) -> str:
    words = [rng.choice(WORDS) for _ in range(n)]
    return " ".join(words).capitalize() + "."


def paragraph(rng: random.Random, sentences: int = 4) -> str:
    return " ".join(sentence(rng, rng.randint(12, 24)) for _ in range(sentences))


def article(rng: random.Random, i: int) -> tuple[str, str]:
    """~1,260 words of markdown; returns (markdown, a phrase of it to quote in a note)."""
    parts = []
    for section in range(4):
        parts.append(f"## Section {section + 1} of story {i}")
        for _ in range(3):
            parts.append(paragraph(rng, 4))
        if section == 0:
            parts.append("- " + "\n- ".join(sentence(rng, 8) for _ in range(4)))
        if section == 1:
            parts.append("| Country | Aid | Share |\n|---|---:|---:|\n" + "\n".join(
                f"| {rng.choice(NAMES).split()[0]}land | ${rng.randint(1, 90)}.{rng.randint(0, 9)} billion | {rng.randint(1, 60)}% |"
                for _ in range(4)))
        if section == 2:
            parts.append("> " + sentence(rng, 20))
        parts.append(f"See [the report](https://example.org/report/{i}/{section}) and [the data](https://example.org/data/{i}).")
    text = "\n\n".join(parts)
    quote = " ".join(parts[1].split()[3:9])
    return text, quote


def comments(rng: random.Random, count: int = 25) -> tuple[str, str]:
    """A nested thread as comments.yaml; returns (yaml, a phrase of comment 1 to quote)."""
    lines, ids, first_phrase = [], [], ""
    for n in range(count):
        parent = rng.choice(ids[-5:]) if ids and rng.random() < 0.7 else None
        cid = f"{parent}.{n}" if parent else str(n + 1)
        ids.append(cid)
        text = paragraph(rng, rng.randint(1, 3))
        if n == 0:
            first_phrase = " ".join(text.split()[2:7])
        lines += [f'- id: "{cid}"', f"  parent: {'null' if parent is None else repr(parent)}",
                  f'  author: "{rng.choice(NAMES)}"', '  author_rank: "Senior Quiet"',
                  f'  posted: "2023-{rng.randint(1, 12):02d}"', '  quote: ""', f'  text: "{text}"']
    return "\n".join(lines) + "\n", first_phrase


def entry(rng: random.Random, i: int, day: date) -> dict:
    source, source_quote = article(rng, i)
    thread, comment_quote = comments(rng)
    digest = [paragraph(rng, 4) for _ in range(4)]
    digest_quote = " ".join(digest[1].split()[2:6])
    tags = rng.sample(TAGS, 3)
    notes = (f'::: context quote="{digest_quote}"\nBackground for readers, with [a link](https://example.org/bg/{i}).\n:::\n\n'
             f'::: fact-check on=source quote="{source_quote}" verdict=accurate\nChecked against the record.\n:::\n\n'
             f'::: analysis on=comment:1 quote="{comment_quote}"\nWhat the reader gets right.\n:::\n')
    return {"slug": f"story-{i:05d}", "title": f"Story {i}: {sentence(rng, 7)[:-1]}", "date": day, "tags": tags,
            "story": rng.choice(STORIES), "summary": sentence(rng, 20), "digest": "\n\n".join(digest),
            "notes": notes, "source": source, "comments": thread,
            "timeline": [(day - timedelta(days=rng.randint(30, 900))).isoformat(), f"Event before story {i}"]}


def write_ours(root: Path, entries: list[dict]) -> None:
    (root / "content").mkdir(parents=True, exist_ok=True)
    (root / "site.yaml").write_text(
        "title: Benchmark Digest\nbase_url: https://bench.example.org/\ntimezone: UTC\nper_page: 10\n"
        "stories:\n" + "".join(f"  {s}: {{title: {s.replace('-', ' ').title()}}}\n" for s in STORIES), encoding="utf-8")
    for e in entries:
        folder = root / "content" / e["slug"]
        folder.mkdir(parents=True, exist_ok=True)
        front = (f'---\ntitle: "{e["title"]}"\ndate: {e["date"].isoformat()}\nsummary: "{e["summary"]}"\n'
                 f'tags: [{", ".join(e["tags"])}]\nstory: {e["story"]}\n'
                 f'timeline:\n  - {{date: {e["timeline"][0]}, text: "{e["timeline"][1]}"}}\n---\n\n')
        (folder / "index.md").write_text(front + e["digest"] + "\n\n" + e["notes"], encoding="utf-8")
        (folder / "source.md").write_text(
            f'---\ntitle: "Original of {e["title"]}"\nurl: "https://news.example.org/{e["slug"]}"\n'
            f'site_name: "Example News"\nauthors: ["{NAMES[0]}", "{NAMES[1]}"]\npublished: {e["date"].isoformat()}\n'
            f'scraped_at: "2024-10-06T12:00:00+00:00"\n---\n\n{e["source"]}\n', encoding="utf-8")
        (folder / "comments.yaml").write_text(e["comments"], encoding="utf-8")


HUGO_SINGLE = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<article><h1>{{ .Title }}</h1><p>{{ .Date.Format "2 January 2006" }}</p><p>{{ .Summary }}</p>
<ul>{{ range .Params.tags }}<li><a href="{{ "tags/" | relURL }}{{ . | urlize }}/">{{ . }}</a></li>{{ end }}</ul>
{{ .Content }}</article>
{{ with .Resources.Get "comments.yaml" }}{{ $thread := . | transform.Unmarshal }}<ol>
{{ range $thread }}<li id="comment-{{ .id }}"><b>{{ .author }}</b> {{ .author_rank }} {{ .posted }}{{ .text | markdownify }}</li>{{ end }}
</ol>{{ end }}</body></html>
"""
HUGO_LIST = """<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{{ .Title }}</title></head><body>
<h1>{{ .Title }}</h1>{{ range .Paginator.Pages }}<article><h2><a href="{{ .RelPermalink }}">{{ .Title }}</a></h2>
<p>{{ .Date.Format "2 January 2006" }}</p><p>{{ .Params.summary }}</p></article>{{ end }}
{{ with .Paginator.Next }}<a href="{{ .URL }}">Older</a>{{ end }}</body></html>
"""


def write_hugo(root: Path, entries: list[dict]) -> None:
    """The same corpus as a Hugo site: digest + article in the page body, comments.yaml as a bundle resource."""
    (root / "content" / "posts").mkdir(parents=True, exist_ok=True)
    (root / "layouts" / "_default").mkdir(parents=True, exist_ok=True)
    (root / "hugo.toml").write_text('baseURL = "https://bench.example.org/"\ntitle = "Benchmark Digest"\n'
                                    '[pagination]\n  pagerSize = 10\n[markup.goldmark.renderer]\n  unsafe = false\n',
                                    encoding="utf-8")
    (root / "layouts" / "_default" / "single.html").write_text(HUGO_SINGLE, encoding="utf-8")
    (root / "layouts" / "_default" / "list.html").write_text(HUGO_LIST, encoding="utf-8")
    for e in entries:
        folder = root / "content" / "posts" / e["slug"]
        folder.mkdir(parents=True, exist_ok=True)
        front = (f'---\ntitle: "{e["title"]}"\ndate: {e["date"].isoformat()}\nsummary: "{e["summary"]}"\n'
                 f'tags: [{", ".join(e["tags"])}]\nstory: {e["story"]}\n---\n\n')
        notes = e["notes"].replace(":::", "")
        (folder / "index.md").write_text(front + e["digest"] + "\n\n" + notes + "\n\n## The original article\n\n"
                                         + e["source"] + "\n", encoding="utf-8")
        (folder / "comments.yaml").write_text(e["comments"], encoding="utf-8")


def corpus(n: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    start = date(2015, 1, 1)
    return [entry(rng, i, start + timedelta(days=i * 3650 // max(n, 1))) for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dir", type=Path)
    parser.add_argument("n", type=int)
    parser.add_argument("--hugo", type=Path, help="also write the corpus as a Hugo site here")
    args = parser.parse_args()
    entries = corpus(args.n)
    write_ours(args.dir, entries)
    if args.hugo:
        write_hugo(args.hugo, entries)
    print(f"wrote {args.n} entries to {args.dir}" + (f" and {args.hugo}" if args.hugo else ""))


if __name__ == "__main__":
    main()
