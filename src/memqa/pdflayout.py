"""Positioned characters of PDF pages -> lines, ruled tables and page furniture. Pure.

Characters become lines (spaces from gaps), ruled tables become rows of cells, and page furniture
is found: running headers and footers (lines repeated at the top or bottom of most pages) and
printed page numbers (which become page labels). Words hyphenated at line ends are rejoined with
the help of the document's own vocabulary.

Paragraph assembly and the page map are in ``pdftext``; reading the PDF is in ``pdf``.
"""
from __future__ import annotations

import re
import statistics
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

# One character: (char, x0, x1, baseline, size, bold). Plain tuples keep a 40-page report fast.
Char = tuple[str, float, float, float, float, bool]  # size rounded to 0.1 pt
Rule = tuple[float, float, float, float]  # x0, y0, x1, y1 of a straight ruling line

BULLETS = "•●▪◦■□➢►▶–\uf0b7\uf0a7\uf0d8\uf076\uf0fc"
BULLET_RE = re.compile(rf"^\s*[{BULLETS}]\s*")
ITEM_RE = re.compile(rf"^\s*(?:[{BULLETS}]|-\s|\(?\d{{1,2}}[.)]\s|\(?[a-z][.)]\s)")
TERMINAL_RE = re.compile(r"[.!?:;]['\"”’)\]]*$")
PAGE_NUM_RE = re.compile(
    r"^(?:page|p[aá]g(?:ina)?\.?|p\.)?\s*[-–—]?\s*(\d{1,4}|[ivxlcdm]{1,7})\s*[-–—]?\s*(?:(?:of|de|sur)\s+\d{1,4})?$", re.I)
# Lines that open report structure are never page furniture, however often they repeat.
STRUCTURE_RE = re.compile(
    r"^(OBJECTIVE|OBJETIVO|OBJECTIF|PRIORITY ACTION|ACCI[OÓ]N PRIORITARIA|A[CÇ][AÃ]O PRIORIT[AÁ]RIA|"
    r"ACTION PRIORITAIRE|EVALUATIVE SUMMARY|RESUMEN EVALUATIVO|RESUMO AVALIATIVO|R[EÉ]SUM[EÉ])", re.I)
SUSPENDED = frozenset("and or nor y o e u ou et".split())  # "NATIONAL- AND REGIONAL-LEVEL"
TRANSLATE = str.maketrans({"\u00a0": " ", "\u2010": "-", "\u2011": "-", "\ufb01": "fi", "\ufb02": "fl",
                           "\ufb00": "ff", "\ufb03": "ffi", "\ufb04": "ffl", "\u2002": " ", "\u2003": " ",
                           "\u2009": " ", "\u200b": "", "\ufeff": "", "\r": "", "\x02": "-"})


# --------------------------------------------------------------------------- lines and tables
@dataclass(frozen=True)
class Line:
    text: str
    x0: float
    x1: float
    base: float  # baseline, PDF units (y grows upwards)
    size: float
    bold: bool


@dataclass(frozen=True)
class Table:
    rows: tuple[tuple[tuple[str, ...], ...], ...]  # row -> cell -> the cell's wrapped lines
    top: float
    bottom: float


@dataclass(frozen=True)
class Page:
    items: tuple[Line | Table, ...]  # top to bottom
    width: float
    height: float
    label: str | None = None  # the PDF's own page label, if it has /PageLabels


def lines_of(chars: Sequence[Char], cell_gap: float = 3.0) -> list[Line]:
    """Group characters into lines (top to bottom); spaces from gaps, a TAB for a gap of ``cell_gap`` em."""
    if not chars:
        return []
    order = sorted(chars, key=lambda c: -c[3])
    groups: list[list[Char]] = [[order[0]]]
    ref = order[0][3]
    for c in order[1:]:
        if ref - c[3] <= 0.6 * max(c[4], groups[-1][0][4]):  # a superscript sits up to ~half a size higher
            groups[-1].append(c)
        else:
            groups.append([c])
            ref = c[3]
    out = []
    for g in groups:
        g.sort(key=lambda c: c[1])
        ink = [c for c in g if not c[0].isspace()]
        if not ink:
            continue
        size = Counter(c[4] for c in ink).most_common(1)[0][0]
        base = statistics.median(c[3] for c in ink if c[4] == size)
        parts: list[str] = []
        prev_x1 = None
        prev_ch, prev_x0 = "", 0.0
        sup = False  # inside a superscript footnote number, written " 27)" as in the corpus .txt files
        for ch, x0, x1, b, s, _bold in g:
            is_sup = ch.isdigit() and (b > base + 0.25 * size or (s <= 0.8 * size and b > base + 0.15 * size))
            if sup and not is_sup:
                parts.append(")")
            if ch.isspace():
                if parts and parts[-1] not in " \t":
                    parts.append(" ")
                sup = False
                continue
            if prev_x1 is not None and ch == prev_ch and abs(x0 - prev_x0) < 0.1:
                continue  # the same glyph drawn twice (fake bold)
            if prev_x1 is not None:
                gap = x0 - prev_x1
                if gap > cell_gap * size:
                    if parts and parts[-1] == " ":
                        parts.pop()
                    parts.append("\t")
                elif gap > 0.18 * size and parts and parts[-1] not in " \t":
                    parts.append(" ")
            if is_sup and not sup and parts and parts[-1] not in " \t":
                parts.append(" ")
            sup = is_sup
            parts.append(ch)
            prev_x1, prev_ch, prev_x0 = x1, ch, x0
        if sup:
            parts.append(")")
        text = "".join(parts).translate(TRANSLATE).strip(" ")
        if not text.strip():
            continue
        bold = sum(c[5] for c in ink) * 2 > len(ink)
        out.append(Line(text, min(c[1] for c in ink), max(c[2] for c in ink), base, size, bold))
    return out


def _merge(values: Sequence[float], tol: float = 2.0) -> list[float]:
    out: list[float] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


def grids(rules: Sequence[Rule]) -> list[tuple[list[Rule], list[Rule]]]:
    """Ruled tables: groups of crossing horizontal and vertical rules making two cells at least."""
    hs = [r for r in rules if abs(r[3] - r[1]) < 1.5 and abs(r[2] - r[0]) >= 8]
    vs = [r for r in rules if abs(r[2] - r[0]) < 1.5 and abs(r[3] - r[1]) >= 6]
    hs = [(min(r[0], r[2]), (r[1] + r[3]) / 2, max(r[0], r[2]), (r[1] + r[3]) / 2) for r in hs]
    vs = [((r[0] + r[2]) / 2, min(r[1], r[3]), (r[0] + r[2]) / 2, max(r[1], r[3])) for r in vs]
    parent = list(range(len(hs) + len(vs)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for i, h in enumerate(hs):
        for j, v in enumerate(vs):
            if h[0] - 2 <= v[0] <= h[2] + 2 and v[1] - 2 <= h[1] <= v[3] + 2:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list[Rule], list[Rule]]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h)
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v)
    out = []
    for g in groups.values():
        rows, cols = len(_merge([h[1] for h in g[0]])), len(_merge([v[0] for v in g[1]]))
        if rows >= 2 and cols >= 2 and (rows >= 3 or cols >= 3):  # a lone box is a frame, not a table
            out.append(g)
    return out


def table_of(chars: Sequence[Char], hs: Sequence[Rule], vs: Sequence[Rule]) -> Table:
    """The rows of one ruled table: the lines of each cell, row by row (rows without text dropped)."""
    ys = sorted(_merge([h[1] for h in hs]), reverse=True)
    rows = []
    for top, bottom in zip(ys, ys[1:]):
        mid = (top + bottom) / 2
        xs = _merge([v[0] for v in vs if v[1] - 1 <= mid <= v[3] + 1])
        if len(xs) < 2:
            xs = _merge([min(h[0] for h in hs), max(h[2] for h in hs)])
        band = [c for c in chars if bottom < c[3] < top]
        cells = []
        for left, right in zip(xs, xs[1:]):
            inside = [c for c in band if left <= (c[1] + c[2]) / 2 < right]
            cells.append(tuple(ln.text for ln in lines_of(inside, cell_gap=99)))
        if any(cells):
            rows.append(tuple(cells))
    return Table(tuple(rows), ys[0], ys[-1])


def page_items(chars: Sequence[Char], rules: Sequence[Rule]) -> list[Line | Table]:
    """Lines and ruled tables of one page, top to bottom."""
    tables = []
    outside = list(chars)
    for hs, vs in grids(rules):
        x0, x1 = min(v[0] for v in vs) - 1, max(v[0] for v in vs) + 1
        y0, y1 = min(h[1] for h in hs) - 1, max(h[1] for h in hs) + 1
        inside = [c for c in outside if x0 <= (c[1] + c[2]) / 2 <= x1 and y0 <= c[3] <= y1]
        if not inside:
            continue
        ids = {id(c) for c in inside}
        outside = [c for c in outside if id(c) not in ids]
        t = table_of(inside, hs, vs)
        if t.rows:
            tables.append(t)
    items: list[Line | Table] = [*lines_of(outside), *tables]
    items.sort(key=lambda it: -(it.base if isinstance(it, Line) else it.top))
    return items


# --------------------------------------------------------------------------- words
def vocabulary(pages: Sequence[Sequence[Line | Table]]) -> frozenset[str]:
    """Lower-cased words of the document (not counting a word cut at a line end)."""
    words: set[str] = set()
    for items in pages:
        for it in items:
            texts = [ln for row in it.rows for cell in row for ln in cell] if isinstance(it, Table) else [it.text]
            for t in texts:
                words.update(w.lower() for w in re.findall(r"\w+(?:-\w+)*(?!-)\b", t.rstrip("-\xad")))
    return frozenset(words)


def join_text(a: str, b: str, vocab: frozenset[str]) -> str:
    """Join two wrapped lines; a word hyphenated at the end of ``a`` is rejoined.

    >>> v = frozenset({"international", "regional-level", "national", "level"})
    >>> join_text("the inter-", "national system", v), join_text("REGIONAL-", "LEVEL", v)
    ('the international system', 'REGIONAL-LEVEL')
    >>> join_text("NATIONAL-", "AND REGIONAL", v), join_text("the", "end", v)
    ('NATIONAL- AND REGIONAL', 'the end')
    """
    if not a:
        return b
    if not b:
        return a
    if a.endswith("\xad"):
        return a[:-1] + b
    m = re.search(r"(\w+)-$", a)
    n = re.match(r"\w+", b)
    if not m or not n:
        return a + " " + b
    first, nxt = m.group(1), n.group(0)
    if nxt.lower() in SUSPENDED:
        return a + " " + b
    if f"{first}-{nxt}".lower() in vocab:
        return a + b
    if (first + nxt).lower() in vocab:
        return a[:-1] + b
    if first.lower() in vocab and nxt.lower() in vocab or first.isdigit() or nxt[0].isupper():
        return a + b  # a compound broken at its own hyphen ("drug-" / "related")
    return a[:-1] + b


def join_lines(texts: Sequence[str], vocab: frozenset[str]) -> str:
    out = ""
    for t in texts:
        out = join_text(out, t.strip(), vocab)
    return out.replace("\xad", "")


def item_text(text: str) -> str:
    """A bullet glyph becomes the corpus's '- ' marker (also inside table cells)."""
    text = BULLET_RE.sub("- ", text)
    return re.sub(rf"\s[{BULLETS}]\s+", " - ", text)


# --------------------------------------------------------------------------- page furniture
def _key(text: str) -> str:
    return re.sub(r"\d+", "#", re.sub(r"\s+", " ", text.strip().lower()))


def page_numbers(pages: Sequence[Page]) -> dict[int, int]:
    """{page index: line index} of printed page numbers: a lone number as the first or last line in
    the page margin, consistent with one offset from the physical page number."""
    found: dict[int, tuple[int, int]] = {}
    for p, page in enumerate(pages):
        lines = [(k, it) for k, it in enumerate(page.items) if isinstance(it, Line)]
        for k, ln in lines[-2:][::-1] + lines[:2]:
            in_margin = ln.base < 0.12 * page.height or ln.base > 0.88 * page.height
            m = PAGE_NUM_RE.match(ln.text.strip())
            if in_margin and m and m.group(1).isdigit():
                found[p] = (k, int(m.group(1)))
                break
    if not found:
        return {}
    offset = Counter(p - n for p, (_, n) in found.items()).most_common(1)[0][0]
    return {p: k for p, (k, n) in found.items() if p - n == offset}


def furniture(pages: Sequence[Page]) -> set[tuple[int, int]]:
    """(page, item) of running headers and footers: the same text (digits aside) among the first or
    last two lines of at least half of the pages with text (and of 3 pages at least)."""
    seen: dict[str, set[int]] = {}
    where: dict[str, list[tuple[int, int]]] = {}
    with_text = 0
    for p, page in enumerate(pages):
        lines = [(k, it) for k, it in enumerate(page.items) if isinstance(it, Line)]
        if not lines:
            continue
        with_text += 1
        for k, ln in {*lines[:2], *lines[-2:]}:
            if STRUCTURE_RE.match(ln.text):
                continue
            key = _key(ln.text)
            seen.setdefault(key, set()).add(p)
            where.setdefault(key, []).append((p, k))
    need = max(3, with_text / 2)
    return {pk for key, pages_ in seen.items() if len(pages_) >= need for pk in where[key]}


def labels(pages: Sequence[Page], numbers: dict[int, int]) -> tuple[str, ...]:
    """PDF page labels if any, else printed numbers (inferred for unnumbered pages after the first
    numbered one), else the physical page number."""
    if any(p.label for p in pages):
        return tuple(p.label or str(i + 1) for i, p in enumerate(pages))
    printed = {}
    for p, k in numbers.items():
        printed[p] = int(PAGE_NUM_RE.match(pages[p].items[k].text.strip()).group(1))
    if not printed:
        return tuple(str(i + 1) for i in range(len(pages)))
    first = min(printed)
    offset = first - printed[first]
    return tuple(str(printed.get(i, i - offset)) if i >= first else str(i + 1) for i in range(len(pages)))
