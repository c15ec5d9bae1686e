"""Answers as the shared JSON shape (CLI --json, HTTP, MCP) and as readable text.

The frozen dataclasses of ``memqa.types`` are the shape; JSON is ``to_json`` of them, never a
hand-written dict, so a field added to a dataclass reaches every surface at once.
"""
from __future__ import annotations

import dataclasses
import re
import textwrap
from itertools import groupby
from typing import Any

from .types import Answer, Citation, Comparison, where


def to_json(value: Any) -> Any:
    """A dataclass value (or a list of them) as plain JSON data: dicts, lists, str, numbers, None.

    >>> to_json(Citation("r", "preface", None, None, "t", "f.txt", 1, 2))["end_line"]
    2
    """
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    return _lists(dataclasses.asdict(value))


def _lists(x: Any) -> Any:
    if isinstance(x, dict):
        return {k: _lists(v) for k, v in x.items()}
    if isinstance(x, list | tuple):
        return [_lists(v) for v in x]
    return x


def answer_json(a: Answer) -> dict:
    """The shared shape: question, answerable, confidence, language, notice, passages."""
    return to_json(a)


def heading(c: Citation) -> str:
    """'Priority Action 2.4 — title  (mem-2022-mexico.txt, lines a–b)'; pages for a PDF report."""
    if c.page_start or c.start_column:
        return f"{c.label} — {c.title}  ({c.source}, {c.place()})"
    return f"{c.label} — {c.title}  ({c.source}, lines {c.start_line}–{c.end_line})"


def mark(text: str, spans, left: str = "»", right: str = "«") -> str:
    out, pos = [], 0
    for s in sorted(spans, key=lambda h: h.start):
        out += [text[pos : s.start], left, text[s.start : s.end], right]
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def heading_end(text: str, priority_action: str | None) -> int:
    """Offset where a passage's body starts: after its own "Priority Action N.M: title" paragraph, if it
    opens with it (the citation heading above the text already says it), else 0.

    >>> heading_end("Priority Action 2.4: Promote ION.\\n\\nMexico takes part.", "2.4")
    35
    """
    lead = len(text) - len(text.lstrip())
    if not priority_action or not text.startswith(f"Priority Action {priority_action}:", lead):
        return 0
    cut = text.find("\n\n", lead)
    if cut < 0:
        return 0
    return cut + len(text[cut:]) - len(text[cut:].lstrip())


# Private-use characters stand for the highlight marks while wrapping, so neither a » in the report
# nor the width of an ANSI colour code confuses the line lengths.
_ON, _OFF = "\ue000", "\ue001"
_LEFTOVERS = re.compile(r"<[^<>\n]{0,300}>|\*+")


def _wrap(line: str, width: int, indent: str) -> list[str]:
    """One source line for the terminal: leftovers of the PDF conversion removed, table cells split by
    " | ", wrapped to ``width`` with a hanging indent under list items."""
    line = _LEFTOVERS.sub("", line).replace("\t", " | ").strip()
    if line.startswith("| "):
        line = line[2:]  # an empty first cell
    line = re.sub(r"\s*•\s*", "\n- ", line).strip() if "•" in line else line
    out: list[str] = []
    for piece in line.split("\n"):
        piece = " ".join(piece.split())
        if not piece:
            continue
        hang = indent + ("  " if piece.startswith(("- ", f"{_ON}- ")) else "")
        out += textwrap.wrap(piece, width=width, initial_indent=indent, subsequent_indent=hang,
                             break_on_hyphens=False) or [indent]
    return out


def unit_lines(text: str, unit_texts: list[str]) -> list[str]:
    """One display line per answer unit: the answer's reflowed text when it has a line per unit, else each unit's.

    >>> unit_lines("A.\\nB.", ["A. ", "B."]), unit_lines("A. B.", ["A.", "B."])
    (['A.', 'B.'], ['A.', 'B.'])
    """
    shown = [t for t in text.splitlines() if t.strip()]
    return shown if len(shown) == len(unit_texts) else [t.strip() for t in unit_texts]


def _span(citations) -> Citation:
    """One citation for several units of one section: the lines from the first to the last."""
    same = list(citations)
    c0 = same[0]
    if len(same) == 1:
        return c0
    a_line, b_line = min(c.start_line for c in same), max(c.end_line for c in same)
    pages = (same[0].page_start, same[-1].page_end) if c0.page_start else None
    span = where(a_line, b_line, pages)
    return dataclasses.replace(c0, start_line=a_line, end_line=b_line, page_end=same[-1].page_end,
                               start_column=None, end_column=None,
                               cite=re.sub(r"(lines? \d+(–\d+)?(, characters \d+–\d+)?|pp?\. \S+)$", span, c0.cite))


def answer_text(a: Answer, color: bool = False, width: int = 100) -> str:
    """The answer for a terminal, wrapped to ``width`` columns.

    The direct answer first (when there is one), then each passage: ``[rank] label — title`` (wrapped),
    the source line (``file, lines a–b``) and the full reference (``cite``) each on one line, never
    broken, then the quotation without the heading line it repeats, highlights marked »…« (or in colour).
    """
    width = max(40, width)
    left, right = ("\033[1;33m", "\033[0m") if color else ("»", "«")
    italic = ("\033[3m", "\033[23m") if color else ("", "")
    lines: list[str] = []

    def cited(c: Citation, head: str, with_title: bool = True) -> None:
        title = f" — {c.title}" if with_title and c.title and c.title != c.label else ""
        lines.extend(textwrap.wrap(f"{head}{c.label}{title}", width=width, subsequent_indent="    "))
        lines.append(f"    {c.source}, {c.place()}")
        if c.cite:
            lines.append("    " + re.sub(r"\*([^*]+)\*", lambda m: italic[0] + m.group(1) + italic[1], c.cite))
        lines.append("")

    if a.notice:
        lines += textwrap.wrap(f"! {a.notice}", width=width, subsequent_indent="  ") + [""]
    if a.answer is not None and a.answer.units:
        d = a.answer
        verdict = {"yes": "Yes — ", "no": "No — "}.get(d.polarity or "", "")
        if d.count is not None:
            verdict = f"{d.count} (counted from the list) — "
        head = f"Answer ({a.confidence} confidence): {verdict}"
        pairs = zip(d.units, unit_lines(d.text, [u.text for u in d.units]))
        for _, run in groupby(pairs, key=lambda p: p[0].citation.section_id):  # each part under its own citation
            run = list(run)
            cited(_span(u.citation for u, _ in run), head, with_title=False)
            for _, ln in run:
                lines += _wrap(ln, width, "    ")
            lines.append("")
            head = "and "
    if not a.passages:
        lines.append("No passages matched.")
    for h in a.passages:
        c = h.citation
        cited(c, f"[{h.rank}] ")
        if h.continues_above:
            lines.append("    […] (continues above)")
        start = heading_end(h.text, c.priority_action)
        spans = [type(x)(x.text, x.start - start, x.end - start) for x in h.highlights if x.start >= start]
        body = mark(h.text[start:], spans, _ON, _OFF)
        for source_line in body.strip().splitlines():
            if source_line.strip():
                lines += _wrap(source_line, width, "    ")
            elif lines[-1]:
                lines.append("")  # one blank line between paragraphs
        if h.continues_below:
            lines.append(f"    […] (continues below: memqa section {c.section_id})")
        lines += _verdict(h.assessment, width)
        lines.append("")
    text = "\n".join(lines).rstrip() + "\n"
    return text.replace(_ON, left).replace(_OFF, right)


STATUS_WORDS = {"positive": "meets", "gap": "gap", "partial": "partial", "not_applicable": "not applicable",
                "none": "no verdict"}


def _verdict(v, width: int) -> list[str]:
    """CICAD's verdict under a passage: status word, the clause on one logical line, where it is."""
    if v is None or v.status == "none":
        return []
    vc = v.citation
    where_ = f" ({vc.label}, {vc.source}, {vc.place()})" if vc else ""
    return _wrap(f"CICAD: {STATUS_WORDS.get(v.status, v.status)} — {' '.join(v.text.split())}{where_}", width, "    ")


def scorecard_text(rows, width: int = 100) -> str:
    """The scorecard as text: objective by objective, each priority action with its status (the JSON's
    value, which ``--status``-style filters use; never colour alone), CICAD's clause in full and where it
    is in the source (line and characters, or pages)."""
    lines: list[str] = []
    report = objective = None
    for r in rows:
        if r.report != report:
            report, objective = r.report, None
            lines += ([""] if lines else []) + [f"Report {r.report}"]
        if r.objective != objective:
            objective = r.objective
            lines.append(f"  Objective {r.objective}")
        a = r.assessment
        head = f"    {r.priority_action:<6} {a.status:<15} "
        clause = " ".join(a.text.split()) if a.text else "(no clause of the evaluative summary judges it)"
        if a.citation is not None:
            clause += f" ({a.citation.label}, {a.citation.source}, {a.citation.place()})"
        lines += textwrap.wrap(clause, width=max(40, width), initial_indent=head, subsequent_indent=" " * len(head),
                               break_on_hyphens=False, break_long_words=False) or [head]
    counts: dict[str, int] = {}
    for r in rows:
        counts[r.assessment.status] = counts.get(r.assessment.status, 0) + 1
    lines += ["", "  " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items()))]
    return "\n".join(lines) + "\n"


def comparison_text(c: Comparison, color: bool = False, width: int = 100) -> str:
    """A comparison for a terminal: one block per report — its label and title, source lines and full
    reference (``cite``), then exactly the text they cite (highlights marked »…« when there is a question)."""
    width = max(40, width)
    left, right = ("\033[1;33m", "\033[0m") if color else ("»", "«")
    lines = textwrap.wrap(f"Priority Action {c.priority_action} across {len(c.entries)} report(s)"
                          + (f", best-matching windows for: {c.question}" if c.question else ""), width=width)
    if c.notice:
        lines += textwrap.wrap(f"! {c.notice}", width=width, subsequent_indent="  ")
    lines.append("")
    for e in c.entries:
        ci = e.citation
        place = ", ".join(str(x) for x in (e.country, e.year) if x)
        lines.append(f"== {e.report}" + (f" ({place})" if place else ""))
        lines += textwrap.wrap(f"{ci.label} — {ci.title}", width=width, subsequent_indent="    ")
        lines.append(f"    {ci.source}, {ci.place()}")
        if ci.cite:  # the title's *italics* markup as on `ask`: plain text on a terminal
            on, off = ("\033[3m", "\033[23m") if color else ("", "")
            lines.append("    " + re.sub(r"\*([^*]+)\*", rf"{on}\1{off}", ci.cite))
        start = heading_end(e.text, ci.priority_action)
        spans = [type(x)(x.text, x.start - start, x.end - start) for x in e.highlights if x.start >= start]
        for source_line in mark(e.text[start:], spans, _ON, _OFF).strip().splitlines():
            if source_line.strip():
                lines += _wrap(source_line, width, "    ")
        if e.continues_below:
            lines.append(f"    […] (continues below: memqa section {ci.section_id})")
        lines += _verdict(e.assessment, width)
        lines.append("")
    if c.missing:
        lines += textwrap.wrap(f"Not in: {', '.join(c.missing)} (no Priority Action {c.priority_action}).", width=width)
    text = "\n".join(lines).rstrip() + "\n"
    return text.replace(_ON, left).replace(_OFF, right)
