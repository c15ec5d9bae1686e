"""Highlights: the sentences, list items or table rows of a shown window that best match the question.

Score of a segment = its dense cosine with the question + ``HIGHLIGHT_LEXICAL_WEIGHT`` x the share
of the question's terms it contains. The best segment is marked, plus up to two more within
``HIGHLIGHT_TIE_MARGIN`` of it. Pure: works on the retriever's public structure and one retrieval.
"""
from __future__ import annotations

import numpy as np

from .lexical import QueryTerms, tokenize
from .limits import HIGHLIGHT_LEXICAL_WEIGHT, HIGHLIGHT_TIE_MARGIN, MAX_HIGHLIGHTS, MAX_WIDEN_SEGMENTS
from .types import Highlight, Passage


def highlights(retriever, unit: int, passage: Passage, segment_scores: np.ndarray,
               q_terms: QueryTerms | None) -> tuple[Highlight, ...]:
    """Highlights inside ``passage`` (a window of unit ``unit``), offsets into ``passage.text``; the question's
    terms and the segments' are compared in the language of the unit's report."""
    sec = retriever.sections[unit]
    off = passage.start_char - sec.start_char  # window offset inside the unit text
    segs = retriever.segments
    cands = [gi for gi in retriever.segments_of(unit)
             if segs[gi].start >= off and segs[gi].end <= off + len(passage.text)]
    if not cands:
        return ()
    dense = np.asarray(segment_scores[np.asarray(cands)], dtype=np.float64)  # one lookup (scores are on demand)
    lex = np.zeros(len(cands))
    lang = retriever.unit_language[unit]
    wanted = q_terms(lang) if q_terms is not None else frozenset()
    if wanted:
        for j, gi in enumerate(cands):
            terms = set(tokenize(sec.text[segs[gi].start : segs[gi].end], lang))
            lex[j] = len(wanted & terms) / len(wanted)
    score = dense + HIGHLIGHT_LEXICAL_WEIGHT * lex
    order = np.argsort(-score)
    best = score[order[0]]
    chosen = [order[0]] + [j for j in order[1:MAX_HIGHLIGHTS] if score[j] >= best - HIGHLIGHT_TIE_MARGIN]
    out = []
    for j in sorted(chosen, key=lambda j: segs[cands[j]].start):
        a, b = segs[cands[j]].start - off, segs[cands[j]].end - off
        out.append(Highlight(text=passage.text[a:b], start=a, end=b))
    return tuple(out)


def widen(retriever, unit: int, a: int, b: int) -> tuple[int, int]:
    """Window ``a..b`` of a unit's text widened so it does not stop on a lead-in (":") or inside the
    list or table the lead-in introduces: following items/rows are taken in, up to a limit."""
    text = retriever.sections[unit].text
    segs = [retriever.segments[gi] for gi in retriever.segments_of(unit)]
    after = [g for g in segs if g.start >= b]
    if not after:
        return a, b
    inside = [g for g in segs if a <= g.start and g.end <= b]
    last = inside[-1] if inside else None
    opens_list = text[a:b].rstrip().endswith(":") or (last is not None and last.kind in ("item", "row"))
    if not opens_list:
        return a, b
    for g in after[:MAX_WIDEN_SEGMENTS]:
        if g.kind not in ("item", "row"):
            break
        b = g.end
    return a, b
