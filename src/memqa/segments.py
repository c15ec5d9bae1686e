"""Sentence-level spans of report text, page-break repair, and clean text for embedding. Pure.

A *segment* is the smallest quotable piece: a prose sentence, a list item or a table row.
Segments are spans into the raw text, so highlights and chunk boundaries always map back to
the exact source. PDF page breaks cut sentences into separate blank-line paragraphs
("... and the Tax" / "Administration Service"); ``paragraph_spans`` glues those back together.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

BULLET_RE = re.compile(r"^\s*(?:[-•*·▪●◦]|\d{1,2}[.)]|[a-z][.)])\s+")
TERMINAL_RE = re.compile(r"[.!?:;]['\"”’)\]*]*$")
# Words after which a sentence cannot end; a paragraph ending in one was cut by a page break.
CONNECTORS = frozenset(
    "a an the of and or to in for with by on at from as into than that which who whose its their "
    "this these those our is are was were be been has have had not nor but de del la las los el y e "
    "da das dos em com ao aos et ou les des du aux une".split()
)
ABBREV_RE = re.compile(
    r"(?:\b(?:U\.S\.A|U\.S|e\.g|i\.e|etc|Inc|No|Nos|Art|Mr|Mrs|Dr|St|vs|approx|Sr|Jr|S\.A|p|pp)\.|\b[A-Z]\.)$"
)
SENT_END_RE = re.compile(r"[.!?]['\"”’)\]*]*\s+(?=[\"“(*]?[A-ZÁÉÍÓÚÑ0-9])")
TAG_RE = re.compile(r"<[^>]{0,300}>")
HEADING_RE = re.compile(
    r"^(Priority Action|Acci[oó]n prioritaria|A[cç][aã]o priorit[aá]ria|Action prioritaire|"
    r"OBJECTIVE|OBJETIVO|OBJECTIF|(?:Objective|Objetivo|Objectif) \d)", re.I)


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str  # "sentence" | "item" | "row"


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of non-blank lines."""
    out = []
    for m in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        s, e = m.start(), m.end()
        while e > s and text[e - 1] in "\n \t":
            e -= 1
        while s < e and text[s] in " \t":
            s += 1
        out.append((s, e))
    return out


def _last_line(text: str, s: int, e: int) -> str:
    return text[s:e].rsplit("\n", 1)[-1].strip()


def is_page_break(prev: str, nxt: str, prev_last_line: str) -> bool:
    """True when the blank line between two paragraphs is a PDF page break inside a sentence.

    >>> is_page_break("... the Ministry of Foreign Affairs, and the Tax", "Administration Service", "- ... the Tax")
    True
    """
    p, nx = prev.rstrip(), nxt.lstrip()
    if not p or not nx or "\t" in prev_last_line or "\t" in nx.split("\n", 1)[0]:
        return False
    if TERMINAL_RE.search(p):
        return False
    if BULLET_RE.match(nx) or HEADING_RE.match(nx) or HEADING_RE.match(prev_last_line.lstrip()):
        return False  # a heading never continues (3.2's title ends in a dangling "27)")
    first = nx.split()[0]
    if first[0].islower() or first[0] in "(,;":
        return True
    last_word = re.sub(r"[^\w]", "", p.split()[-1]).lower()
    if last_word in CONNECTORS:
        return True
    prose = not BULLET_RE.match(prev_last_line)
    fragment = len(nx.split()) <= 6 and "\n" not in nx and not TERMINAL_RE.search(nx)
    if prose:
        # Prose ends with punctuation; a prose paragraph without it continues after the break,
        # unless it is a short caption-like line (a title) followed by ordinary text.
        return len(p.split()) > 8
    # A list item ending without punctuation is normal; join only a short tail fragment.
    return fragment


def paragraph_spans(text: str) -> list[tuple[int, int]]:
    """Logical paragraphs: blank-line paragraphs with page-break splits glued back together."""
    paras = _paragraphs(text)
    out: list[tuple[int, int]] = []
    last = ""  # last logical line of out[-1]: a glued one-line tail continues the line before the break
    for s, e in paras:
        if out:
            ps, pe = out[-1]
            if is_page_break(text[ps:pe], text[s:e], last):
                out[-1] = (ps, e)
                last = last + " " + text[s:e].strip() if "\n" not in text[s:e] else _last_line(text, s, e)
                continue
        out.append((s, e))
        last = _last_line(text, s, e)
    return out


def _split_sentences(text: str, s: int, e: int) -> list[tuple[int, int]]:
    out = []
    start = s
    for m in SENT_END_RE.finditer(text, s, e):
        cut = m.start() + len(m.group(0).rstrip())
        if ABBREV_RE.search(text[start:cut]):
            continue
        out.append((start, cut))
        start = m.end()
    if start < e:
        out.append((start, e))
    return [(a, b) for a, b in out if text[a:b].strip()]


def segment(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    r"""Split ``text[start:end]`` into sentence, list-item and table-row spans (offsets into text).

    >>> text = "A b. C d.\n- item one\nrow\tcell"
    >>> [text[s.start:s.end] for s in segment(text)]
    ['A b.', 'C d.', '- item one', 'row\tcell']
    """
    end = len(text) if end is None else end
    spans: list[Span] = []
    for ps, pe in paragraph_spans(text[start:end]):
        ps, pe = ps + start, pe + start
        blocks: list[list] = []  # [kind, start, end]
        pos = ps
        for line in text[ps:pe].split("\n"):
            ls, le = pos, pos + len(line)
            pos = le + 1
            if not line.strip():
                continue
            ls += len(line) - len(line.lstrip())
            if "\t" in line:
                blocks.append(["row", ls, le])
            elif BULLET_RE.match(line):
                blocks.append(["item", ls, le])
            elif blocks and blocks[-1][0] == "item" and not TERMINAL_RE.search(text[blocks[-1][1] : blocks[-1][2]]):
                blocks[-1][2] = le  # the item wraps onto this line (or past a page break)
            elif blocks and blocks[-1][0] == "prose":
                blocks[-1][2] = le
            else:
                blocks.append(["prose", ls, le])
        for kind, a, b in blocks:
            if kind == "prose":
                spans += [Span(x, y, "sentence") for x, y in _split_sentences(text, a, b)]
            else:
                spans.append(Span(a, b, kind))
    return spans


def clean(text: str) -> str:
    """Readable plain text for embedding and lexical indexing.

    Removes HTML tags and markdown emphasis, turns HTML list bullets into separate items,
    re-joins page-break splits and keeps table rows as "cell | cell" lines.
    """
    pieces = []
    for s, e in paragraph_spans(text):
        para = text[s:e]
        para = re.sub(r"\n\s*\n", " ", para)  # glued page break
        pieces.append(para)
    out = "\n".join(pieces)
    out = out.replace("•", "\n- ")
    out = TAG_RE.sub(" ", out)
    out = re.sub(r"\*{1,3}([^*\n]+?)\*{1,3}", r"\1", out)
    out = out.replace("*", "")
    out = re.sub(r"\t", " | ", out)  # one bar per tab: an empty cell keeps its column (Yes|No tables)
    out = re.sub(r"[ \u00a0]{2,}", " ", out)
    out = re.sub(r" *\n *", "\n", out)
    return out.strip()
