"""Answers as the shared JSON shape (CLI --json, HTTP, MCP) and as readable text."""
from __future__ import annotations

import dataclasses

from .types import Answer, Citation, Hit, Section

CITATION_KEYS = ("report", "kind", "objective", "priority_action", "title", "source", "start_line", "end_line")


def citation_json(c: Citation) -> dict:
    d = {k: getattr(c, k) for k in CITATION_KEYS}
    d["label"] = c.label
    d["section_id"] = c.section_id
    return d


def hit_json(h: Hit) -> dict:
    return {
        "rank": h.rank,
        "score": h.score,
        "text": h.text,
        "highlights": [dataclasses.asdict(x) for x in h.highlights],
        "citation": citation_json(h.citation),
    }


def answer_json(a: Answer) -> dict:
    """The shared shape: question, answerable, confidence, language, notice, passages."""
    return {
        "question": a.question,
        "answerable": a.answerable,
        "confidence": a.confidence,
        "language": a.language,
        "notice": a.notice,
        "passages": [hit_json(h) for h in a.passages],
    }


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
    if not a.passages:
        lines.append("No passages matched.")
    for h in a.passages:
        lines.append(f"[{h.rank}] {heading(h.citation)}  score {h.score:.4f}")
        body = mark(h.text, h.highlights, left, right)
        lines += ["    " + ln for ln in body.splitlines() if ln.strip()]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"


def section_json(s: Section, passages: int | None = None, tokens: int | None = None, full: bool = False) -> dict:
    d = {
        "id": s.id, "report": s.report, "kind": s.kind, "objective": s.objective,
        "priority_action": s.priority_action, "priority_actions": [h.number for h in s.headings],
        "label": s.label, "title": s.title, "source": s.source, "start_line": s.start_line, "end_line": s.end_line,
    }
    if passages is not None:
        d["passages"] = passages
    if tokens is not None:
        d["tokens"] = tokens
    if full:
        d["text"] = s.text
        d["citation"] = citation_json(
            Citation(s.report, s.kind, s.objective, s.priority_action, s.title, s.source, s.start_line, s.end_line,
                     s.label, s.id)
        )
    return d
