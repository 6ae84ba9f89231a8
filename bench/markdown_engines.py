#!/usr/bin/env python3
"""Measure compiled CommonMark renderers against markdown-it-py on the bulk we render: imported
articles and reader comments (plain CommonMark + tables + strikethrough, raw HTML not allowed).

    .venv/bin/python bench/markdown_engines.py [N]     (N generated entries, default 300; plus the sample)

For each engine that is installed (markdown-it-pyrs, pyromark, cmarkgfm) prints the time to render every
document, the speed-up over markdown-it-py, and parity: the share of documents whose HTML is identical
to markdown-it-py's (the first differing document is shown). Issue 9 asks for this before any switch.
"""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import yaml
from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parent.parent


def documents(n: int) -> list[str]:
    spec = importlib.util.spec_from_file_location("generate", REPO / "bench" / "generate.py")
    generate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(generate)
    docs = ["<script>alert(1)</script>\n\nraw <b onclick=x>html</b> and [a](javascript:alert(1))"]
    for entry in generate.corpus(n):
        docs.append(entry["source"])
        docs += [c["text"] for c in yaml.safe_load(entry["comments"])]
    sample = REPO / "content"
    for path in sorted(sample.glob("*/source.md")):
        docs.append(path.read_text(encoding="utf-8").split("\n---\n", 1)[1])
    for path in sorted(sample.glob("*/comments.yaml")):
        docs += [c["text"] for c in yaml.safe_load(path.read_text(encoding="utf-8"))]
    return docs


def engines() -> dict:
    reference = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
    found = {"markdown-it-py": reference.render}
    try:
        from markdown_it_pyrs import MarkdownIt as RsMarkdownIt
        # its "commonmark" preset passes raw HTML through: build it from "zero" without html_block/html_inline
        rs = RsMarkdownIt("zero").enable_many(["blockquote", "code", "fence", "heading", "hr", "lheading", "list",
                                               "paragraph", "reference", "autolink", "backticks", "emphasis",
                                               "entity", "escape", "image", "link", "newline", "table",
                                               "strikethrough"])
        found["markdown-it-pyrs"] = rs.render
    except ImportError:
        pass
    try:
        import pyromark
        options = pyromark.Options.ENABLE_TABLES | pyromark.Options.ENABLE_STRIKETHROUGH
        found["pyromark"] = lambda text: pyromark.html(text, options=options)
    except ImportError:
        pass
    try:
        import cmarkgfm
        found["cmarkgfm"] = lambda text: cmarkgfm.markdown_to_html_with_extensions(
            text, extensions=["table", "strikethrough"])
    except ImportError:
        pass
    return found


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 300
    docs = documents(n)
    print(f"{len(docs)} documents, {sum(map(len, docs)) / 1e6:.1f} MB of markdown")
    results = {}
    for name, render in engines().items():
        started = time.perf_counter()
        out = [render(doc) for doc in docs]
        results[name] = (time.perf_counter() - started, out)
    base_time, base = results["markdown-it-py"]
    print(f"{'engine':18} {'seconds':>8} {'speed-up':>9} {'identical':>10}")
    for name, (seconds, out) in results.items():
        same = sum(a == b for a, b in zip(out, base))
        print(f"{name:18} {seconds:8.2f} {base_time / seconds:8.1f}x {same / len(docs):9.1%}")
        first = next((i for i, (a, b) in enumerate(zip(out, base)) if a != b), None)
        if first is not None:
            diff = next(j for j, (x, y) in enumerate(zip(out[first], base[first])) if x != y) if out[first][:len(base[first])] != base[first] else len(base[first])
            print(f"    first difference, document {first}: {name} {out[first][max(0, diff - 40):diff + 60]!r}")
            print(f"    {'':{len(name) + 29}} vs {base[first][max(0, diff - 40):diff + 60]!r}")


if __name__ == "__main__":
    main()
