"""Answers as the shared JSON shape (CLI --json, HTTP, MCP) and as readable text.

The frozen dataclasses of ``memqa.types`` are the shape; JSON is ``to_json`` of them, never a
hand-written dict, so a field added to a dataclass reaches every surface at once.
"""
from __future__ import annotations

import dataclasses
from typing import Any

from .types import Answer, Citation, Comparison


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
    """'Priority Action 2.4 — title  (mem-2022-mexico.txt, lines a–b)'."""
    return f"{c.label} — {c.title}  ({c.source}, lines {c.start_line}–{c.end_line})"


def mark(text: str, spans, left: str = "»", right: str = "«") -> str:
    out, pos = [], 0
    for s in sorted(spans, key=lambda h: h.start):
        out += [text[pos : s.start], left, text[s.start : s.end], right]
        pos = s.end
    out.append(text[pos:])
    return "".join(out)


def answer_text(a: Answer, color: bool = False) -> str:
    left, right = ("\033[1;33m", "\033[0m") if color else ("»", "«")
    lines = []
    if a.notice:
        lines += [f"! {a.notice}", ""]
    if a.answer is not None:
        d = a.answer
        verdict = {"yes": "Yes — ", "no": "No — "}.get(d.polarity or "", "")
        lines.append(f"Answer ({a.confidence} confidence): {verdict}{heading(d.units[0].citation)}")
        lines += ["    " + ln.strip() for ln in d.text.splitlines() if ln.strip()]
        lines.append("")
    if not a.passages:
        lines.append("No passages matched.")
    for h in a.passages:
        lines.append(f"[{h.rank}] {heading(h.citation)}")
        if h.continues_above:
            lines.append("    […] (continues above)")
        body = mark(h.text, h.highlights, left, right)
        lines += ["    " + ln for ln in body.splitlines() if ln.strip()]
        if h.continues_below:
            lines.append(f"    […] (continues below: memqa section {h.citation.section_id})")
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def comparison_text(c: Comparison, color: bool = False) -> str:
    """A comparison for reading: one block per report, its citation heading above exactly its text."""
    left, right = ("\033[1;33m", "\033[0m") if color else ("»", "«")
    lines = [f"Priority Action {c.priority_action} across {len(c.entries)} report(s)"
             + (f", best-matching windows for: {c.question}" if c.question else "")]
    if c.notice:
        lines.append(f"! {c.notice}")
    lines.append("")
    for e in c.entries:
        where = ", ".join(str(x) for x in (e.country, e.year) if x)
        lines.append(f"== {e.report}" + (f" ({where})" if where else ""))
        lines.append(heading(e.citation) + ("" if e.score is None else f"  score {e.score:.4f}"))
        body = mark(e.text, e.highlights, left, right).strip() + (" […]" if e.continues_below else "")
        lines += ["    " + ln for ln in body.splitlines() if ln.strip()]
        if e.assessment:
            lines.append(f"    CICAD's assessment: {e.assessment}")
        lines.append("")
    if c.missing:
        lines.append(f"Not in: {', '.join(c.missing)} (no Priority Action {c.priority_action}).")
    return "\n".join(lines).rstrip() + "\n"
