"""A fact before CICAD's restatement of it: the priority action first when its summary only repeats it.

An objective's evaluative summary restates, action by action, what the country does ("Mexico has the
Institute to Return Stolen Goods to the People (INDEP), which administers seized assets..."). A factual
question then often ranks the summary a little above the priority action that states the fact, and the
result cites CICAD's paraphrase instead of the source. When

- the question does not ask for CICAD's judgement,
- the first unit is an evaluative summary and the second a priority action,
- the summary's sentence that best matches the question is a clause CICAD's alignment links to that
  action (``memqa.assessment``, built into the index), and
- the two are close: fused scores within ``RESTATEMENT_MARGIN`` of the best score a unit can get,

the action goes first and the summary second. Pure logic: the caller gives the scores.

Measured on the 1,880 answerable development questions (16 files; ``memqa eval`` hit@1): 0.928 -> 0.936,
18 more right first and 2 fewer; choosing the margin leave-one-file-out picked the same value in all 16
folds. On the two blind sets written since it changed one ranking each, for the worse: a summary whose best
clause judges one action while the question asks about the next ("no research was done, *therefore* 11.2 and
11.3 do not apply") — README, Quality and Known limits.
"""
from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .ranking import RankConfig
from .types import Section

__all__ = ["RESTATEMENT_MARGIN", "Links", "summary_links", "top_score", "action_first"]

# share of the highest fused score a unit can reach (score fusion: the sum of the weights)
RESTATEMENT_MARGIN = 0.15

Links = Mapping[int, tuple[tuple[int, int, int], ...]]  # summary unit -> (clause start, end, action unit)


def summary_links(sections: Sequence[Section], assessments: Mapping[str, dict]) -> Links:
    """Each evaluative summary's clauses with the priority-action unit each one judges.

    ``assessments`` is the index's assessments.json: heading id ("mexico-2022/pa-8.2") -> links, each
    with a clause's objective and offsets into its report's summary of that objective (examples in
    tests/test_restatement.py).
    """
    unit_of_heading: dict[str, int] = {}
    summary_of: dict[tuple[str, int | None], int] = {}
    for i, s in enumerate(sections):
        if s.kind == "priority_action":
            for h in s.headings:
                unit_of_heading[f"{s.report}/pa-{h.number}"] = i
        elif s.kind == "evaluative_summary":
            summary_of.setdefault((s.report, s.objective), i)
    out: dict[int, list[tuple[int, int, int]]] = {}
    for heading_id, d in assessments.items():
        action = unit_of_heading.get(heading_id)
        report = heading_id.split("/", 1)[0]
        for link in (d or {}).get("links", ()) if action is not None else ():
            clause = link["clause"]
            summary = summary_of.get((report, clause["objective"]))
            if summary is not None:
                out.setdefault(summary, []).append((int(clause["start"]), int(clause["end"]), action))
    return {k: tuple(sorted(v)) for k, v in out.items()}


def top_score(config: RankConfig, lang: str) -> float:
    """The highest fused score one unit can reach under ``config`` for a question in ``lang``.

    >>> from memqa.ranking import RankConfig
    >>> top_score(RankConfig("x", {"en": {"a": 1.5, "b": 1.0}}, fusion="score"), "en")
    2.5
    """
    total = sum(w for w in config.for_language(lang).values() if w > 0)
    return total if config.fusion == "score" else total / (config.rrf_k + 1)


def action_first(order: Sequence[int], fused: np.ndarray, sections: Sequence[Section], links: Links,
                 best_span: tuple[int, int] | None, margin: float) -> tuple[int, ...]:
    """``order`` with its first two units swapped when the first, a summary, restates the second.

    ``best_span`` is the (start, end) in the first unit's text of its sentence that best matches the question.
    """
    order = tuple(order)
    if len(order) < 2 or best_span is None:
        return order
    first, second = order[0], order[1]
    if sections[first].kind != "evaluative_summary" or sections[second].kind != "priority_action":
        return order
    if not fused[first] - fused[second] <= margin:
        return order
    start, end = best_span
    if any(a == second and s < end and start < e for s, e, a in links.get(first, ())):
        return (second, first) + order[2:]
    return order
