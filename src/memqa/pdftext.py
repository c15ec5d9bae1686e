"""Pages of lines and tables -> one report text in the corpus layout, with its page map. Pure.

The text follows the convention that the parser and segmenter read in the corpus .txt files:
one paragraph per line with a blank line between paragraphs, list items as consecutive
``- item`` lines, table rows as consecutive ``cell<TAB>cell`` lines. Running headers, footers
and page numbers are left out; a paragraph, list item or table cut by a page break is joined
back. ``pages_of`` turns a span of the text into the page labels a citation shows.
"""
from __future__ import annotations

import bisect
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from .pdflayout import (
    BULLET_RE,
    ITEM_RE,
    TERMINAL_RE,
    Line,
    Page,
    Table,
    furniture,
    item_text,
    join_lines,
    join_text,
    labels,
    page_numbers,
    vocabulary,
)

NOTE_RE = re.compile(r"^\s*\d{1,3}\)?\s+\S")  # a footnote opens with its number: "27) The ..." or "27 The ..."


@dataclass(frozen=True)
class ExtractedPdf:
    """A PDF's text in the corpus layout, and where each page begins in it.

    ``page_starts[i]`` is the offset in ``text`` of the first character taken from page i
    (0-based physical page); a page with no text starts where the next one does.
    ``page_labels[i]`` is the page's label: the PDF's /PageLabels entry, else the page number
    printed on the page, else the physical page number ("1" for the first page).
    """

    text: str
    page_starts: tuple[int, ...]
    page_labels: tuple[str, ...]


def pages_of(doc: ExtractedPdf, start_char: int, end_char: int) -> tuple[str, str]:
    """Labels of the first and last page holding ``doc.text[start_char:end_char]``.

    >>> doc = ExtractedPdf("aaa bbb", page_starts=(0, 4), page_labels=("1", "2"))
    >>> pages_of(doc, 0, 3), pages_of(doc, 2, 7), pages_of(doc, 4, 5)
    (('1', '1'), ('1', '2'), ('2', '2'))
    """
    if not doc.page_starts:
        return ("", "")
    last = max(start_char, end_char - 1)
    first_page = max(bisect.bisect_right(doc.page_starts, start_char) - 1, 0)
    last_page = max(bisect.bisect_right(doc.page_starts, last) - 1, first_page)
    return doc.page_labels[first_page], doc.page_labels[last_page]


@dataclass
class _Block:
    """A paragraph, list item, borderless row or table being assembled (builder, not a value)."""

    kind: str  # "para" | "item" | "row" | "table"
    lines: list[tuple[int, Line]]  # (page, line); empty for tables
    rows: list[tuple[int, tuple]]  # (page, row of cells) for tables


def _pitch(pages: Sequence[Sequence[Line | Table]]) -> float:
    """Usual distance between wrapped lines, in font sizes (leading 14 on 11 pt -> 1.27)."""
    ratios: Counter[float] = Counter()
    for items in pages:
        for a, b in zip(items, items[1:]):
            if isinstance(a, Line) and isinstance(b, Line) and abs(a.size - b.size) < 0.3:
                r = (a.base - b.base) / a.size
                if 0.9 < r < 2.2:
                    ratios[round(r, 2)] += 1
    return ratios.most_common(1)[0][0] if ratios else 1.2


def _right_edge(pages: Sequence[Sequence[Line | Table]]) -> float:
    xs = Counter(round(it.x1) for items in pages for it in items if isinstance(it, Line) and len(it.text) > 40)
    return xs.most_common(1)[0][0] if xs else 0.0


def _starts_item(block: _Block | None, ln: Line) -> bool:
    """Does ``ln`` open a list item? A bullet glyph always does; "-", "1." or "a)" may also be where a
    wrapped line happens to begin ("... Attorney General's Office" / "- National Center ..."), so they
    open an item only after a sentence or colon, or level with the current item's own marker."""
    if not ITEM_RE.match(ln.text):
        return False
    if BULLET_RE.match(ln.text) or block is None or block.kind not in ("para", "item"):
        return True
    first, last = block.lines[0][1], block.lines[-1][1]
    if TERMINAL_RE.search(last.text):
        return True
    return block.kind == "item" and ln.x0 <= first.x0 + 1


def _continues(block: _Block, ln: Line, pitch: float) -> bool:
    """Does ``ln`` (on the same page, right below) continue ``block``?"""
    if block.kind not in ("para", "item") or "\t" in ln.text or _starts_item(block, ln):
        return False
    last = block.lines[-1][1]
    if abs(last.size - ln.size) > 0.6 or last.bold != ln.bold:
        return False
    if last.base - ln.base > 1.25 * pitch * max(last.size, ln.size):
        return False
    first = block.lines[0][1]
    return not (block.kind == "item" and ln.x0 < first.x0 - 1)


def _continues_on_next_page(block: _Block, ln: Line, right: float) -> bool:
    """A paragraph cut by a page break: its last line runs to the right margin or stops mid-sentence."""
    if block.kind not in ("para", "item") or "\t" in ln.text or _starts_item(block, ln):
        return False
    last = block.lines[-1][1]
    if abs(last.size - ln.size) > 0.6 or last.bold != ln.bold or TERMINAL_RE.search(last.text):
        return False
    full = right and last.x1 >= right - last.size
    return bool(full or ln.text[:1].islower() or ln.text[:1] in "(,;")


def _body_size(pages: Sequence[Sequence[Line | Table]]) -> float:
    sizes: Counter[float] = Counter()
    for items in pages:
        for it in items:
            if isinstance(it, Line):
                sizes[it.size] += len(it.text)
    return sizes.most_common(1)[0][0] if sizes else 0.0


def split_notes(items: Sequence[Line | Table], body_size: float) -> tuple[list[Line | Table], list[Line]]:
    """(body, footnotes) of a page: footnotes are the small-print lines closing the page, the first
    of them opening with its number ("27) The INCB ...")."""
    k = len(items)
    while k > 0 and isinstance(items[k - 1], Line) and items[k - 1].size <= 0.85 * body_size:
        k -= 1
    while k < len(items) and not NOTE_RE.match(items[k].text):
        k += 1
    return list(items[:k]), list(items[k:])


def _blocks(pages: Sequence[Sequence[Line | Table]], notes: Sequence[Sequence[Line]], pitch: float,
            right: float) -> list[_Block]:
    """Blocks in reading order. A page's footnotes follow the block that runs past the page's end,
    so they never split a paragraph that continues on the next page."""
    blocks: list[_Block] = []
    pending: list[_Block] = []

    def add(block: _Block) -> None:
        blocks.extend(pending)
        pending.clear()
        blocks.append(block)

    for p, items in enumerate(pages):
        for n, it in enumerate(items):
            cur = blocks[-1] if blocks else None
            if isinstance(it, Table):
                if cur and cur.kind == "table" and n == 0:  # the table goes on over the page
                    rows = list(it.rows)
                    if rows and cur.rows and rows[0] == cur.rows[0][1]:
                        rows = rows[1:]  # header row repeated on the new page
                    cur.rows += [(p, r) for r in rows]
                else:
                    add(_Block("table", [], [(p, r) for r in it.rows]))
                continue
            if cur and (_continues(cur, it, pitch) if cur.lines and cur.lines[-1][0] == p and n > 0
                        else n == 0 and _continues_on_next_page(cur, it, right)):
                cur.lines.append((p, it))
                continue
            kind = "row" if "\t" in it.text else "item" if _starts_item(cur, it) else "para"
            add(_Block(kind, [(p, it)], []))
        for ln in notes[p]:
            if pending and not NOTE_RE.match(ln.text):
                pending[-1].lines.append((p, ln))
            else:
                pending.append(_Block("para", [(p, ln)], []))
    return blocks + pending


def assemble(pages: Sequence[Page]) -> ExtractedPdf:
    """The report text of ``pages`` without page furniture, and where each page starts in it."""
    numbers = page_numbers(pages)
    drop = furniture(pages) | set(numbers.items())
    kept = [[it for k, it in enumerate(pg.items) if (p, k) not in drop] for p, pg in enumerate(pages)]
    vocab = vocabulary(kept)
    out: list[str] = []
    pos = 0
    starts: dict[int, int] = {}
    prev_kind = ""
    size = _body_size(kept)
    split = [split_notes(items, size) for items in kept]
    body, notes = [b for b, _ in split], [n for _, n in split]
    for b in _blocks(body, notes, _pitch(body), _right_edge(body)):
        sep = "" if not out else "\n" if (prev_kind, b.kind) in {("item", "item"), ("row", "row")} else "\n\n"
        if b.kind == "table":
            pieces = [(p, "\t".join(item_text(join_lines(cell, vocab)).replace("\t", " ") for cell in row))
                      for p, row in b.rows]
            for k, (p, row) in enumerate(pieces):
                chunk = (sep if k == 0 else "\n") + row
                starts.setdefault(p, pos + len(chunk) - len(row))
                out.append(chunk)
                pos += len(chunk)
        else:
            text = ""
            marks = []
            for k, (p, ln) in enumerate(b.lines):
                t = ln.text.strip()
                if k == 0 and b.kind == "item":
                    t = item_text(t)
                text = join_text(text, t, vocab)
                marks.append((p, len(text) - len(t)))
            text = re.sub(r"[ \t]+$", "", text)
            for p, off in marks:
                starts.setdefault(p, pos + len(sep) + off)
            out.append(sep + text)
            pos += len(sep) + len(text)
        prev_kind = b.kind
    text = "".join(out) + "\n"
    page_starts = []
    nxt = len(text)
    for p in range(len(pages) - 1, -1, -1):
        nxt = starts.get(p, nxt)
        page_starts.append(nxt)
    return ExtractedPdf(text, tuple(reversed(page_starts)), labels(pages, numbers))
