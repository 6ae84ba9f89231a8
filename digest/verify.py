"""Check a digest against its source: figures, quotations and names the article does not support.

check_entry(entry) reads the digest prose of index.md (not its front matter, not the editors' notes)
and reports every figure (amounts, percentages, counts, years, dates, in words or digits), every
quotation and every name of a person or organisation that source.md does not contain, each with
the closest source passage by text similarity. Editors acknowledge a finding in front matter
(`checked:`), so it is no longer reported; an acknowledgement that matches nothing is stale.
provenance(entry) links each digest paragraph of the rendered page to the article's paragraphs
it rewrites (ids source-p-N, highlighted by :target).
"""

from __future__ import annotations

import math
import os.path
import re
from collections import Counter
from dataclasses import dataclass, replace

from . import fragment
from .errors import Problem, warning
from .model import Entry

PREFIX = "digest vs source: "  # every finding's message starts with it (the CLI counts them)

# ---- the digest's own prose: notes, code, links and markup blanked out, offsets kept ----------

_FENCE = re.compile(r"^\s*(```|~~~)")
_BOX_OPEN = re.compile(r"^\s*:{3,}\s*\S")
_BOX_CLOSE = re.compile(r"^\s*:{3,}\s*$")
_INLINE_SKIP = re.compile(r"\{>>.*?<<\}|\{==|==\}|!\[[^\]]*\]\([^)]*\)|\]\([^)]*\)|\[\^[^\]]*\]|<[^>\n]*>"
                          r"|\{[#.][^}\n]*\}|^\s*(?:\d+[.)]|[-*+])\s|\\", re.S | re.M)


_NOT_NEWLINE = re.compile(r"[^\n]")


def prose(body: str) -> str:
    """body with everything but the digest prose blanked (same length, newlines kept)."""
    lines, fence, depth = body.split("\n"), "", 0
    for i, line in enumerate(lines):
        if fence or _FENCE.match(line):
            fence = "" if fence and line.strip().startswith(fence) else fence or _FENCE.match(line).group(1)
        elif _BOX_OPEN.match(line):
            depth += 1
        elif _BOX_CLOSE.match(line) and depth:
            depth -= 1
        elif not depth and not re.match(r"^\s*\[\^[^\]]+\]:", line):
            continue
        lines[i] = " " * len(line)
    text = "\n".join(lines)
    return _INLINE_SKIP.sub(lambda m: _NOT_NEWLINE.sub(" ", m.group(0)), text)


def blocks(text: str) -> list[tuple[int, str]]:
    """Paragraphs (blank-line separated) as (offset, text)."""
    return [(m.start(), m.group(0)) for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text)]


_SENTENCE = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9$])")
_ABBREVIATION = re.compile(r"(?:\b[A-Z]|\b(?:Mr|Mrs|Ms|Dr|Gen|Sen|Rep|Gov|St|Jr|Lt|Col|No|vs|[A-Z][a-z]{2}))\.$")


def sentences(text: str) -> list[tuple[int, str]]:
    out, start = [], 0
    for m in _SENTENCE.finditer(text):
        if not _ABBREVIATION.search(text[max(0, m.start() - 16):m.start()]):  # the tail: searching the whole prefix is quadratic
            out.append((start, text[start:m.start()]))
            start = m.end()
    return out + [(start, text[start:])]


# ---- figures -----------------------------------------------------------------------------------

_SMALL = ("zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
          "seventeen eighteen nineteen").split()
_TENS = "twenty thirty forty fifty sixty seventy eighty ninety".split()
_SCALE = {"hundred": 1e2, "thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12,
          "k": 1e3, "m": 1e6, "mn": 1e6, "bn": 1e9, "b": 1e9, "tn": 1e12}
_WORDS = "|".join(sorted(_SMALL + _TENS + ["hundred", "thousand", "million", "billion", "trillion", "dozen"],
                         key=len, reverse=True))
_NUM = rf"\d{{1,3}}(?:,\d{{3}})+(?:\.\d+)?|\d*\.?\d+|(?:an?\s+)?\b(?:{_WORDS})\b(?:(?:\s+and\s+|[\s-]+)\b(?:{_WORDS})\b)*"
# Both are matched in lower-cased text, without re.I: an alternation of words whose first letters
# differ is then tried one letter per word (re.I defeats that), three times as fast.
_FIGURE = re.compile(
    rf"(?<![\w.,])(?P<cur>us\$|[$€£¥])?\s?(?P<num>{_NUM})"
    rf"(?:\s?(?P<scale>hundred|thousand|million|billion|trillion|bn|mn|tn)\b|(?<=\d)(?P<abbr>[kmb])\b)?"
    rf"(?:\s?(?P<unit>%|percent\b|per\s+cent\b|percentage\s+points?\b|dollars\b|euros\b|pounds\b))?")
_FRACTION = re.compile(r"\b(?:two[\s-]thirds|three[\s-]quarters|(?:(?:a|one)[\s-](?:third|quarter|half)|half)\s+of)\b")
_FRACTIONS = {"third": 100 / 3, "thirds": 200 / 3, "quarter": 25.0, "quarters": 75.0, "half": 50.0}
_MONTHS = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
_MONTH = (r"(?:January|February|March|April|May|June|July|August|September|October|November|December"
          r"|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sept?|Oct|Nov|Dec)")
_DATE = re.compile(rf"(?=[A-Z\d])(?:\b(?P<m>{_MONTH})\.?\s+(?P<d>\d{{1,2}})(?:st|nd|rd|th)?\b(?!,\d)"  # (?=: a quick no
                   rf"|\b(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m2>{_MONTH})\b)")
_CURRENCY = {"$": "USD", "us$": "USD", "dollars": "USD", "€": "EUR", "euros": "EUR", "£": "GBP", "pounds": "GBP", "¥": "JPY"}


@dataclass(frozen=True)
class Figure:
    kind: str  # "number", "percent", "money" or "date"
    value: float
    text: str
    start: int
    approx: bool = False  # a fraction in words ("a third"), equal to a percentage within half a point
    currency: str = ""


def _words_value(text: str) -> float | None:
    total, current = 0.0, 0.0
    for word in re.findall(r"[a-z]+", text.lower()):
        if word in ("a", "an", "and"):
            current = current or (1.0 if word != "and" else 0.0)
        elif word == "dozen":
            current = (current or 1) * 12
        elif word in _SMALL:
            current += _SMALL.index(word)
        elif word in _TENS:
            current += 20 + 10 * _TENS.index(word)
        elif word == "hundred":
            current = (current or 1) * 100
        else:
            total, current = total + (current or 1) * _SCALE[word], 0.0
    return total + current


def figures(text: str) -> list[Figure]:
    """Every figure in text, in any common wording, with its value."""
    found, taken = [], []
    for m in _DATE.finditer(text):
        month, day = (m.group("m") or m.group("m2"))[:3].lower(), int(m.group("d") or m.group("d2"))
        if 1 <= day <= 31:
            found.append(Figure("date", _MONTHS.index(month) * 100 + day, m.group(0), m.start()))
            taken.append(range(*m.span()))
    lower = text.lower()
    if len(lower) != len(text):  # a letter whose lower case is longer ("İ"): offsets would shift
        lower = "".join(c if len(c.lower()) != 1 else c.lower() for c in text)
    for m in _FRACTION.finditer(lower):
        word = re.search(r"thirds?|quarters?|half", m.group(0)).group(0)
        found.append(Figure("percent", _FRACTIONS[word], text[m.start():m.end()], m.start(), approx=True))
        taken.append(range(*m.span()))
    for m in _FIGURE.finditer(lower):
        num = m.group("num")
        if any(m.start("num") in r for r in taken) or (m.start() and re.match(r"[A-Za-z]-", text[m.start() - 2: m.start()])):
            continue
        words = not num[0].isdigit() and num[0] != "."
        if words and (re.fullmatch(r"(?:an?\s+)?(?:one|hundred|thousand|million|billion|trillion)", num.lower())
                      and not (m.group("scale") or m.group("unit") or m.group("cur"))):
            continue  # "one said", "a hundred" on its own is not a figure anybody checks
        value = _words_value(num) if words else float(num.replace(",", ""))
        scale = (m.group("scale") or m.group("abbr") or "").lower()
        value *= _SCALE.get(scale, 1)
        unit = re.sub(r"\s+", " ", (m.group("unit") or "").lower())
        cur = _CURRENCY.get((m.group("cur") or unit).lower(), "")
        kind = "percent" if unit in ("%", "percent", "per cent") or unit.startswith("percentage") else "money" if cur else "number"
        whole = text[m.start():m.end()]
        found.append(Figure(kind, value, whole.strip(), m.start() + len(whole) - len(whole.lstrip()), currency=cur))
    return sorted(found, key=lambda f: f.start)


def same_figure(a: Figure, b: Figure) -> bool:
    """Really the same figure: equal values of compatible kinds ("a third" is 33%: within half a point)."""
    if a.kind == "percent" or b.kind == "percent":
        return a.kind == b.kind and abs(a.value - b.value) <= (0.5 if a.approx or b.approx else 1e-9)
    if "date" in (a.kind, b.kind):
        return a.kind == b.kind and a.value == b.value
    if a.currency and b.currency and a.currency != b.currency:
        return False
    return math.isclose(a.value, b.value, rel_tol=1e-9)


# ---- names -------------------------------------------------------------------------------------

_TOKEN = re.compile(r"(?:[A-Z]\.){2,}|[^\W\d_](?:[\w'’.-]*[^\W_])?")
_FUNCTION = set("""a an the this that these those there their they it its we our he she his her i you in on at by for from
with without within after before during since until as if when where why how what who whom which whether and but or nor so
not no yes now then thus hence therefore indeed finally first second third last recently currently today tomorrow yesterday
here according amid amidst among against under over about across into through despite following given however while
meanwhile moreover furthermore nevertheless nonetheless although though overall ultimately instead still yet also both
neither either each every some many most several such other another all any once upon unlike like because whereas let to
of up down off out just only even much more less few""".split())
_IGNORE = set("""january february march april may june july august september october november december jan feb mar apr jun
jul aug sep sept oct nov dec monday tuesday wednesday thursday friday saturday sunday president vice prime minister
secretary senator sen rep representative gov governor mayor general gen admiral adm colonel col chancellor king queen
prince princess pope mr mrs ms dr sir lord lady chairman chairwoman chair speaker leader ambassador spokesperson spokesman
spokeswoman director chief commander justice judge""".split())
_DEMONYMS = set("""western eastern northern southern american americans european europeans british french german germans
chinese japanese polish dutch swiss turkish arab arabs jewish muslim christian soviet""".split())
_NUMBERISH = set(_SMALL + _TENS + "hundred hundreds thousand thousands million millions billion billions dozen dozens "
                 "half third thirds quarter quarters".split())
_ENDINGS = {"", "e", "a", "ia", "ian", "ians", "an", "ans", "ean", "eans", "i", "is", "ese", "ish", "y", "s", "es", "n", "ns"}
_ALIASES = [{"united states", "u.s.", "us", "america", "usa", "u.s.a."}, {"united kingdom", "u.k.", "uk", "britain"},
            {"united nations", "u.n.", "un"}, {"european union", "eu", "e.u."}, {"gop", "republican", "republicans"},
            {"kyiv", "kiev"}]
_CONNECT = {"of", "the", "for", "and", "de", "von", "van", "al", "bin", "la", "le", "du", "da"}


def _bare(token: str) -> str:
    if token.endswith(("'s", "’s")):
        token = token[:-2]
    elif token.endswith(("'", "’")):
        token = token[:-1]
    return token.lower()


_ALIAS = re.compile(r"(?<![\w.])(" + "|".join(sorted((re.escape(a) for g in _ALIASES for a in g), key=len, reverse=True))
                    + r")(?!\w)")


def word_set(text: str) -> set[str]:
    words = {_bare(t) for t in set(_TOKEN.findall(text))}
    found = set(_ALIAS.findall(" ".join(text.lower().split())))
    for group in _ALIASES:
        if group & found:
            words |= {w for alias in group for w in alias.split()}
    return words


def _known(token: str, words: set[str]) -> bool:
    bare = _bare(token)
    if bare in words or bare in _IGNORE or bare in _DEMONYMS or bare in _NUMBERISH:
        return True
    if "-" in bare:
        return all(_known(part, words) for part in bare.split("-") if part[:1].isalpha())
    for word in words:  # a variant: Ukraine / Ukrainian, Zelensky / Zelenskyy, Republican / Republicans
        n = len(os.path.commonprefix([bare, word]))
        if n >= 4 and bare[n:] in _ENDINGS and word[n:] in _ENDINGS:
            return True
    return False


def _sentence_start(text: str, start: int) -> bool:
    before = text[:start].rstrip(" \t\n*_#>\"“‘([-—–")
    return not before or before[-1] in ".!?:…" and not re.search(r"(?:\b[A-Z]|\b[A-Z][a-z]{1,3})\.$", before)


_GAP = re.compile(r"[ \t\n]+")
_SPACES = re.compile(r"[ \t]+")


def names(text: str, words: set[str], common: set[str]) -> list[tuple[int, str]]:
    """Capitalised names in text that the source (words) never mentions: (offset, name as written)."""
    tokens = list(_TOKEN.finditer(text))
    runs, run = [], []
    for i, t in enumerate(tokens):
        capital = t.group(0)[0].isupper()
        joined = run and _GAP.fullmatch(text, run[-1].end(), t.start())
        if capital and joined:
            run.append(t)
        elif (not capital and joined and t.group(0) in _CONNECT and i + 1 < len(tokens)
              and tokens[i + 1].group(0)[0].isupper() and _SPACES.fullmatch(text, t.end(), tokens[i + 1].start())):
            run.append(t)
        else:
            runs.append(run)
            run = [t] if capital else []
    runs.append(run)
    found = []
    for run in filter(None, runs):
        first = _bare(run[0].group(0))
        starts = _sentence_start(text, run[0].start())
        if first in _FUNCTION or starts and (first in common or first.endswith("ly")):
            run, starts = run[1:], False
        if starts and len(run) == 1 and not re.search(r".[A-Z]", run[0].group(0)):
            continue  # one capitalised word opening a sentence: a common word as often as a name
        unknown = [i for i, t in enumerate(run) if t.group(0)[0].isupper() and not _known(t.group(0), words)]
        if unknown:
            lo = unknown[0]
            while lo and _bare(run[lo - 1].group(0)) in _DEMONYMS:
                lo -= 1  # "European Union", not "Union"
            start, end = run[lo].start(), run[unknown[-1]].end()
            found.append((start, re.sub(r"['’]s$", "", text[start:end])))
    return found


# ---- quotations --------------------------------------------------------------------------------

_QUOTED = re.compile(r"\"([^\"]+)\"|“([^“”]+)”")
_SPEECH = re.compile(r"\b(?:said|says|say|told|tells|call(?:ed|s)?|described|labell?ed|termed|dubbed|wrote|writes|"
                     r"declared|stated|added|warned|insisted|argued|claimed|noted|vowed|urged|asked|replied|according)\b", re.I)


def flat(text: str) -> str:
    """For comparing quotations: straight quotes, no emphasis markers, one space, lower case."""
    text = text.translate(str.maketrans({c: '"' for c in "“”„‟«»"} | {c: "'" for c in "‘’‚‛"}))
    return " ".join(re.sub(r"[*_]", "", text).lower().split())


def quote_found(quote: str, source_flat: str) -> bool:
    parts = [p.strip(" .,;:!?-—–\"'") for p in re.split(r"\.\.\.|…|\[[^\]]*\]", flat(quote))]
    return all(p in source_flat for p in parts if p)


# ---- similarity --------------------------------------------------------------------------------

_STOP = set("the a an of to in on at by for and or but is are was were be been has have had that this it its with as "
            "from which who said would could may might will not no their they there than then so if about into".split())


_WORD = re.compile(r"[a-z0-9]+")


def _terms(text: str) -> Counter:
    words = [w for w in _WORD.findall(text.lower()) if w not in _STOP]
    return Counter(words + [f"{a} {b}" for a, b in zip(words, words[1:])])


def ranker(passages: list[str]):
    """A scorer of queries against passages: TF-IDF cosine (words and bigrams, idf over the passages)."""
    bags = [_terms(p) for p in passages]
    df = Counter(t for bag in bags for t in bag)
    idf = {t: math.log((1 + len(bags)) / (1 + n)) + 1 for t, n in df.items()}

    def vector(bag: Counter) -> dict[str, float]:
        return {t: c * idf.get(t, 1.0) for t, c in bag.items()}

    vectors = [vector(bag) for bag in bags]
    norms = [math.sqrt(sum(x * x for x in v.values())) or 1.0 for v in vectors]
    postings: dict[str, list[tuple[int, float]]] = {}
    for i, v in enumerate(vectors):
        for t, w in v.items():
            postings.setdefault(t, []).append((i, w))

    def scores(query: str) -> list[float]:
        q = vector(_terms(query))
        q_norm = math.sqrt(sum(x * x for x in q.values())) or 1.0
        dots = [0.0] * len(vectors)
        for t, w in q.items():  # in the query's order, so every sum adds up as a plain loop would
            for i, x in postings.get(t, ()):
                dots[i] += w * x
        return [dot / (q_norm * n) for dot, n in zip(dots, norms)]

    return scores


# ---- the check ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Finding:
    kind: str  # "figure", "quotation" or "name"
    claim: str  # as the digest writes it
    line: int  # in index.md
    col: int
    passage: str = ""  # the closest source sentence
    passage_line: int = 0  # its line in source.md

    @property
    def message(self) -> str:
        return f"{PREFIX}the {self.kind} {_show(self.claim)} is not in the source"


def _show(text: str, limit: int = 90) -> str:
    text = " ".join(text.split())
    return '"' + (text if len(text) <= limit else text[: limit - 1] + "…") + '"'


_LOWER_WORD = re.compile(r"\b[a-z][\w'’-]*")


def check_entry(entry: Entry) -> list[Finding]:
    """Every figure, quotation and name of the digest prose that entry.source does not support."""
    if entry.source is None:
        return []
    body, source = prose(entry.body), entry.source
    src_text = "\n".join([source.title, ", ".join(source.authors), source.site_name, source.body])
    src_words = word_set(src_text)
    src_figures = src_flat = None  # made when the digest first has a figure, a quotation: many have none
    common = {w.lower() for w in set(_LOWER_WORD.findall(body + "\n" + src_text))}
    passages, score = [], None  # made on the first finding: most digests have none
    scores_for = {}
    found: list[tuple[str, str, int, str]] = []  # kind, claim, offset, sentence
    for offset, block in blocks(body):
        for s_off, sentence in sentences(block):
            at = offset + s_off
            for fig in figures(sentence):
                src_figures = figures(src_text) if src_figures is None else src_figures
                if not any(same_figure(fig, g) for g in src_figures):
                    found.append(("figure", fig.text, at + fig.start, sentence))
            for m in _QUOTED.finditer(sentence):
                quote = m.group(1) or m.group(2)
                src_flat = flat(src_text) if src_flat is None else src_flat
                if quote_found(quote, src_flat) or not quote.strip(" .,;:!?"):
                    continue
                short = len(quote.split()) <= 2
                around = sentence[max(0, m.start() - 40): m.end() + 30]
                if not short or _SPEECH.search(around):
                    found.append(("quotation", quote.strip(" ,;:."), at + m.start(), sentence))
            for n_off, name in names(sentence, src_words, common):
                found.append(("name", name, at + n_off, sentence))
    findings, seen = [], set()
    for kind, claim, offset, sentence in found:
        line = entry.body_line + entry.body.count("\n", 0, offset)
        if (kind, claim, line) in seen:
            continue
        seen.add((kind, claim, line))
        if sentence not in scores_for:
            if score is None:
                passages = [(line, text) for line, block in _source_blocks(source) for _, text in sentences(block)]
                score = ranker([t for _, t in passages])
            scores_for[sentence] = score(sentence) if passages else []
        scores = scores_for[sentence]
        best = max(range(len(scores)), key=lambda i: (scores[i], -i)) if scores else None
        col = offset - entry.body.rfind("\n", 0, offset)
        findings.append(Finding(kind, claim, line, col, *(passages[best][::-1] if best is not None else ("", 0))))
    return findings


def _source_blocks(source) -> list[tuple[int, str]]:
    text = prose(source.body)
    return [(source.body_line + source.body.count("\n", 0, off), " ".join(block.split())) for off, block in blocks(text)
            if not block.lstrip().startswith("#")]


def acknowledged(ack: str, finding: Finding) -> bool:
    """Does the editors' acknowledgement (a claim as text) name this finding?"""
    if flat(ack).strip(" .,;:\"'") == flat(finding.claim).strip(" .,;:\"'"):
        return True
    if finding.kind == "figure":
        mine, theirs = figures(ack), figures(finding.claim)
        return len(mine) == len(theirs) == 1 and same_figure(mine[0], theirs[0]) and mine[0].kind == theirs[0].kind
    return False


def open_findings(entry: Entry, findings: list[Finding]) -> tuple[list[Finding], list[Problem]]:
    """Drop the acknowledged findings; an acknowledgement that matches none is a warning (stale)."""
    problems = []
    for ack in entry.checked:
        if not any(acknowledged(ack.claim, f) for f in findings):
            why = "the entry has no source.md" if entry.source is None else "the check finds no such claim"
            problems.append(warning(entry.src_path, ack.line, 1, f"checked: {_show(ack.claim)} acknowledges nothing: {why}",
                                    "Remove it from 'checked:' in the front matter, or write the claim as the check reports it"))
    kept = [f for f in findings if not any(acknowledged(a.claim, f) for a in entry.checked)]
    return kept, problems


def findings_to_problems(entry: Entry, findings: list[Finding]) -> list[Problem]:
    out = []
    for f in findings:
        where = f"{entry.source.src_path.as_posix()}:{f.passage_line}" if entry.source else ""
        closest = f"; closest source passage ({where}): {_show(f.passage, 140)}" if f.passage else ""
        out.append(warning(entry.src_path, f.line, f.col, f.message + closest,
                           f"Correct the digest, or acknowledge it in the front matter: checked: [{_show(f.claim, 60)}]"))
    return out


def is_finding(p: Problem) -> bool:
    return p.message.startswith(PREFIX)


# ---- provenance on the rendered page -----------------------------------------------------------

def _paragraphs(root) -> list:
    return [p for p in root.iter("p") if not any(a.tag in ("aside", "li", "blockquote") for a in p.iterancestors())]


def _text(p) -> str:
    return " ".join(fragment.text(slot) for slot in fragment.slots(p, frozenset({"sup", "aside"})))


def provenance(entry: Entry, floor: float = 0.2) -> Entry:
    """Give the article's paragraphs ids (source-p-N) and link each digest paragraph to those it rewrites:
    for each of its sentences, the article paragraph most like it (TF-IDF cosine at least floor)."""
    if entry.source is None or not entry.source.html:
        return entry
    digest, article = fragment.parse(entry.html), fragment.parse(entry.source.html)
    sources = _paragraphs(article)
    for n, p in enumerate(sources, start=1):
        p.set("id", f"source-p-{n}")
    texts = [_text(p) for p in sources]
    score = ranker(texts)
    for p in _paragraphs(digest):
        if "box-title" in (p.get("class") or "").split() or not texts:
            continue
        chosen = set()
        for _, sentence in sentences(" ".join(_text(p).split())):
            scores = score(sentence)
            best = max(range(len(scores)), key=lambda i: (scores[i], -i))
            if scores[best] >= floor:
                chosen.add(best + 1)
        if not chosen:
            continue
        first, *more = sorted(chosen)
        links = [f'<a href="#source-p-{first}" aria-label="From the article, paragraph {first}">from the article</a>']
        links += [f'<a href="#source-p-{n}" aria-label="and paragraph {n}">¶{n}</a>' for n in more]
        fragment.insert_after(p, fragment.element(f'<div class="from-article" data-pagefind-ignore="">{" ".join(links)}</div>'))
    source = replace(entry.source, html=fragment.serialize(article))
    return replace(entry, html=fragment.serialize(digest), source=source)


def verify_entries(entries: list[Entry], warnings: list[Problem]) -> tuple[list[Entry], list[Problem]]:
    """The pipeline's stage: check every entry, record its open findings, add provenance links."""
    out, found = [], list(warnings)
    for entry in entries:
        findings, stale = open_findings(entry, check_entry(entry))
        found += findings_to_problems(entry, findings) + stale
        out.append(replace(provenance(entry), findings=tuple(findings)))
    return out, found
