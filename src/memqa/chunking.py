"""Sections -> passages: overlapping windows that fit the encoder's input, with exact offsets. Pure.

A section whose embed text fits ``max_tokens`` (counted with the encoder's own tokenizer) is one
passage; a longer one is cut into windows at segment boundaries (sentences, list items, table
rows) with ``overlap`` segments repeated between neighbours. A single segment longer than the
window is cut at its own inner boundaries ("•" bullets, "; ", then words) — never truncated.
"""
from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .errors import SettingsError
from .segments import Span, clean, segment
from .types import Passage, Section

TokenCounter = Callable[[str], int]


@dataclass(frozen=True)
class ChunkSettings:
    max_tokens: int = 256  # encoder tokens for context + window text
    overlap: int = 1  # segments repeated between consecutive windows

    def as_dict(self) -> dict:
        return {"max_tokens": self.max_tokens, "overlap": self.overlap}


def context_prefix(section: Section) -> str:
    """The context that goes in front of every window of a section when it is embedded."""
    if section.kind == "priority_action":
        # The objective's full title is long and generic; the objective number plus the priority
        # action's own title is the context that disambiguates a window.
        return f"Objective {section.objective}. {section.label}: {section.title}"
    if section.kind == "evaluative_summary":
        return f"CICAD evaluative summary, Objective {section.objective}"
    return "Preface of the MEM evaluation report: the Multilateral Evaluation Mechanism, its rounds and method"


def _split_long(text: str, span: Span, fits: Callable[[int, int], bool]) -> list[Span]:
    """Cut one over-long segment at inner boundaries until every piece fits."""
    for pattern in (r"\s•\s", r"(?<=[.;])\s+", r",\s+", r"\s+"):
        cuts = [m.start() for m in re.finditer(pattern, text[span.start : span.end])]
        if not cuts:
            continue
        pieces: list[Span] = []
        start = span.start
        last_ok = None
        for c in cuts + [span.end - span.start]:
            pos = span.start + c
            if fits(start, pos):
                last_ok = pos
                continue
            if last_ok is None or last_ok == start:
                break
            pieces.append(Span(start, last_ok, span.kind))
            start = last_ok
            while start < span.end and text[start].isspace():
                start += 1
            last_ok = pos if fits(start, pos) else None
        else:
            pieces.append(Span(start, span.end, span.kind))
            if all(fits(p.start, p.end) for p in pieces):
                return pieces
    # Give up gracefully: hard cut by characters (only reachable with absurd settings).
    step = max(16, (span.end - span.start) // 4)
    return [Span(s, min(s + step, span.end), span.kind) for s in range(span.start, span.end, step)]


def windows(text: str, count: Callable[[str], int], budget: int, overlap: int) -> list[tuple[int, int]]:
    """(start, end) character windows of ``text`` whose cleaned text costs at most ``budget`` tokens."""
    segs = segment(text, 0)
    if not segs:
        return [(0, len(text))]

    def cost(a: int, b: int) -> int:
        return count(clean(text[a:b]))

    def fits(a: int, b: int) -> bool:
        return cost(a, b) <= budget

    if fits(segs[0].start, segs[-1].end):
        return [(0, len(text))]
    units: list[Span] = []
    for s in segs:
        units += [s] if fits(s.start, s.end) else _split_long(text, s, fits)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(units):
        j = i
        while j + 1 < len(units) and fits(units[i].start, units[j + 1].end):
            j += 1
        out.append((units[i].start if out else 0, units[j].end))
        if j + 1 >= len(units):
            break
        # Repeat up to ``overlap`` trailing segments, but never more than a quarter of the window.
        back = 0
        while back < overlap and j - back > i and cost(units[j - back].start, units[j].end) <= budget // 4:
            back += 1
        i = j + 1 - back
    return out


def _line_of(source_text_starts: Sequence[int], offset: int) -> int:
    lo, hi = 0, len(source_text_starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if source_text_starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo + 1


def line_starts(text: str) -> list[int]:
    starts = [0]
    for m in re.finditer("\n", text):
        starts.append(m.end())
    return starts


def chunk_section(
    section: Section,
    starts: Sequence[int],
    count_encoder_tokens: TokenCounter,
    count_display_tokens: TokenCounter,
    settings: ChunkSettings = ChunkSettings(),
) -> tuple[Passage, ...]:
    """Passages of one section. ``starts`` are the line-start offsets of the source text."""
    prefix = context_prefix(section)
    budget = settings.max_tokens - count_encoder_tokens(prefix) - 4
    if budget < 16:
        raise SettingsError(
            f"max_tokens={settings.max_tokens} leaves no room after the context of {section.id}; "
            "use a larger chunk size (e.g. --max-tokens 200)."
        )
    out = []
    for k, (a, b) in enumerate(windows(section.text, count_encoder_tokens, budget, settings.overlap)):
        while b > a and section.text[b - 1].isspace():
            b -= 1
        while a < b and section.text[a].isspace():
            a += 1
        piece = section.text[a:b]
        s0, s1 = section.start_char + a, section.start_char + b
        out.append(
            Passage(
                id=f"{section.id}#{k}", section_id=section.id, index=k, text=piece,
                embed_text=f"{prefix}\n{clean(piece)}",
                start_line=_line_of(starts, s0), end_line=_line_of(starts, max(s0, s1 - 1)),
                start_char=s0, end_char=s1, tokens=count_display_tokens(piece),
            )
        )
    return tuple(out)


def chunk_sections(
    sections: Sequence[Section],
    source_text: str,
    count_encoder_tokens: TokenCounter,
    count_display_tokens: TokenCounter,
    settings: ChunkSettings = ChunkSettings(),
) -> tuple[Passage, ...]:
    starts = line_starts(source_text)
    return tuple(
        p for s in sections for p in chunk_section(s, starts, count_encoder_tokens, count_display_tokens, settings)
    )
