"""Chat-tool glue shared by the MCP server and the HTTP API; pure logic, no ``mcp`` import.

* the tool and argument descriptions a chat model reads to pick a tool,
* ``openai_tools()``: the same ``search_report`` tool as an OpenAI function-calling schema,
* ``fit_to_budget()``: fit an answer (the shared JSON shape of ``memqa.render.answer_json``) into a
  token budget — drop the lowest-ranked passages first, then trim the last kept passage at a
  sentence boundary; a citation heading always travels with its text,
* ``search_text()`` / ``section_text()`` / ``toc_text()``: the readable text a chat model receives.

Token counts are cl100k_base (``memqa.tokens.count_tokens``) and always cover the *whole* readable
text returned, including the notice and the closing token line, so ``tokens <= max_tokens`` holds
for what the model actually reads.
"""
from __future__ import annotations

import copy
from collections.abc import Sequence

from .errors import BadQuestionError
from .render import citation_json, heading
from .segments import segment
from .tokens import ENCODING, count_tokens
from .types import Citation, Section

K_DEFAULT = 5
K_MAX = 20
OBJECTIVES = (1, 12)
MIN_MAX_TOKENS = 50

CORPUS_BLURB = (
    "The corpus is the CICAD Multilateral Evaluation Mechanism (MEM) drug-policy evaluation reports of the "
    "Organization of American States; it currently holds one report, Mexico 2022 (eighth evaluation round), "
    "organised as 12 objectives (1-12), each with numbered priority actions 'N.M' (e.g. 2.4), plus an "
    "evaluative summary per objective and a preface."
)

SEARCH_REPORT_DESCRIPTION = (
    "Search the CICAD MEM drug-policy evaluation reports and return the passages that best answer a "
    "question, best first. " + CORPUS_BLURB + " Use this tool for any question about what a country does or "
    "lacks on drug policy (supply reduction, precursors, money laundering, demand reduction, treatment, "
    "alternative development, institutions, research, international cooperation), and when you do not "
    "know which section holds the answer. Each result is a verbatim quotation headed by its citation, "
    "e.g. 'Priority Action 2.4 — <title>  (mem-2022-mexico.txt, lines 300–312)'; quote the passage text and "
    "give that citation in your answer, and do not state facts the passages do not contain. If the "
    "result starts with a notice that the report does not seem to answer the question, tell the user so "
    "instead of answering from the nearest passages. The result states how many tokens it holds; set "
    "max_tokens to fit it into your context budget."
)

GET_SECTION_DESCRIPTION = (
    "Return one citable unit of a CICAD MEM evaluation report in full: a priority action, an objective's "
    "evaluative summary or the preface, as verbatim text with its citation (label, title, source file, "
    "lines). Use it after search_report when a passage was cut short or you need the whole priority "
    "action, or when the user names a priority action directly (e.g. 'Priority Action 5.4'). "
    "Ids come from search_report citations (section_id) or list_sections."
)

LIST_SECTIONS_DESCRIPTION = (
    "List the table of contents of the CICAD MEM evaluation reports: every citable unit with its id, "
    "label (e.g. 'Priority Action 2.4'), title and line range, grouped by objective. "
    + CORPUS_BLURB
    + " Use it to see what the report covers or to find a section id for get_section; to answer a "
    "question, use search_report instead."
)

ARG_DESCRIPTIONS = {
    "question": (
        "The user's question in plain language, in English or Spanish, e.g. 'Which agencies are ION focal "
        "points?'. Must not be empty; at most 2000 characters."
    ),
    "k": f"How many passages to return, best first: an integer from 1 to {K_MAX} (default {K_DEFAULT}).",
    "objective": (
        f"Optional: search only MEM objective {OBJECTIVES[0]}-{OBJECTIVES[1]} (e.g. 2 for chemical precursors "
        "and synthetic drugs). Leave empty to search the whole report."
    ),
    "max_tokens": (
        f"Optional token budget (cl100k_base, at least {MIN_MAX_TOKENS}) for the whole result: the "
        "lowest-ranked passages are dropped first, then the last kept passage is cut at a sentence "
        "boundary. Leave empty for no limit."
    ),
    "id": (
        "Section id as given in a citation's section_id or by list_sections: 'mexico-2022/pa-5.4' for "
        "Priority Action 5.4, 'mexico-2022/summary-3' for the evaluative summary of objective 3, "
        "'mexico-2022/preface'. The short form 'pa-5.4' also works while there is one report."
    ),
}

NOT_ANSWERED = "The report does not seem to answer this question."
TRIM_MARK = " […]"


class BudgetTooSmallError(BadQuestionError):
    """``max_tokens`` cannot hold even one citation with its first sentence."""


# ---------------------------------------------------------------------------- schemas
def search_parameters() -> dict:
    """JSON schema of ``search_report``'s arguments (shared by MCP and OpenAI function calling)."""
    return {
        "type": "object",
        "properties": {
            "question": {"type": "string", "minLength": 1, "maxLength": 2000,
                         "description": ARG_DESCRIPTIONS["question"]},
            "k": {"type": "integer", "minimum": 1, "maximum": K_MAX, "default": K_DEFAULT,
                  "description": ARG_DESCRIPTIONS["k"]},
            "objective": {"type": ["integer", "null"], "minimum": OBJECTIVES[0], "maximum": OBJECTIVES[1],
                          "description": ARG_DESCRIPTIONS["objective"]},
            "max_tokens": {"type": ["integer", "null"], "minimum": MIN_MAX_TOKENS,
                           "description": ARG_DESCRIPTIONS["max_tokens"]},
        },
        "required": ["question"],
        "additionalProperties": False,
    }


def openai_tools() -> list[dict]:
    """The OpenAI function-calling ``tools`` list for ``search_report``.

    >>> openai_tools()[0]["function"]["name"]
    'search_report'
    """
    return [
        {
            "type": "function",
            "function": {
                "name": "search_report",
                "description": SEARCH_REPORT_DESCRIPTION,
                "parameters": search_parameters(),
            },
        }
    ]


# ---------------------------------------------------------------------------- argument checks
def check_k(k: object) -> int:
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= K_MAX:
        raise BadQuestionError(f"k must be an integer from 1 to {K_MAX}, got {k!r}; use e.g. k=5.")
    return k


def check_objective(objective: object) -> int | None:
    lo, hi = OBJECTIVES
    if objective is None:
        return None
    if isinstance(objective, bool) or not isinstance(objective, int) or not lo <= objective <= hi:
        raise BadQuestionError(f"objective must be an integer from {lo} to {hi} or left empty, got {objective!r}.")
    return objective


def check_max_tokens(max_tokens: object) -> int | None:
    if max_tokens is None:
        return None
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < MIN_MAX_TOKENS:
        raise BadQuestionError(
            f"max_tokens must be an integer of at least {MIN_MAX_TOKENS} or left empty, got {max_tokens!r}."
        )
    return max_tokens


# ---------------------------------------------------------------------------- readable text
def _heading(citation: dict) -> str:
    return heading(Citation(**{k: citation[k] for k in Citation.__dataclass_fields__ if k in citation}))


def heading_end(passage: dict) -> int:
    """Offset where a passage's body starts: after its own "Priority Action N.M: title" line, if it
    opens with it (the citation heading above the text already says it), else 0."""
    pa = passage["citation"].get("priority_action")
    text = passage["text"]
    lead = len(text) - len(text.lstrip())
    if not pa or not text.startswith(f"Priority Action {pa}:", lead):
        return 0
    cut = text.find("\n\n", lead)
    if cut < 0:
        return 0
    return cut + len(text[cut:]) - len(text[cut:].lstrip())


def passage_block(passage: dict) -> str:
    """One passage as the model reads it: ``[rank] citation`` then the verbatim text (never apart)."""
    text = passage["text"][heading_end(passage):].strip() + (TRIM_MARK if passage.get("trimmed") else "")
    return f"[{passage['rank']}] {_heading(passage['citation'])}\n{text}"


def _token_line(fitted: dict) -> str:
    """'[144 tokens; 1 of 5 passages; last cut short]' — short, since it counts against the budget too."""
    shown, total = len(fitted["passages"]), fitted["total_passages"]
    parts = [f"{fitted['tokens']} tokens"]
    if shown < total:
        parts.append(f"{shown} of {total} passages")
    if any(p.get("trimmed") for p in fitted["passages"]):
        parts.append("last cut short")
    return "[" + "; ".join(parts) + "]"


def search_text(fitted: dict) -> str:
    """Readable text of a fitted answer (see ``fit_to_budget``); ``fitted['tokens']`` counts exactly this."""
    lines: list[str] = []
    if not fitted["answerable"]:
        lines.append(f"NOTICE: {fitted['notice'] or NOT_ANSWERED}")
        lines.append("Nearest passages (they do not answer the question; do not present them as the answer):")
        lines.append("")
    elif fitted.get("notice"):
        lines += [f"Note: {fitted['notice']}", ""]
    if not fitted["passages"]:
        lines += ["No passages matched.", ""]
    for p in fitted["passages"]:
        lines += [passage_block(p), ""]
    lines.append(_token_line(fitted))
    return "\n".join(lines)


def _settle(render, state: dict) -> int:
    """Find n with count_tokens(render(state | tokens=n)) == n (the text names its own size).

    The count is a non-decreasing step function of n (digit groups of the number), so iterating
    upwards from the count with a zero placeholder reaches the fixed point in a few steps.
    """
    n = 0
    for _ in range(20):
        m = count_tokens(render({**state, "tokens": n}))
        if m == n:
            return n
        n = m
    raise RuntimeError("token count did not settle; this is a bug in memqa.tools._settle")


def _trim(passage: dict, end: int) -> dict:
    """The passage cut to ``text[:end]`` with its line range and highlights adjusted."""
    text = passage["text"][:end].rstrip()
    p = copy.deepcopy(passage)
    p["text"] = text
    p["trimmed"] = True
    p["highlights"] = [h for h in p.get("highlights", []) if h["end"] <= len(text)]
    c = p["citation"]
    c["end_line"] = min(c["end_line"], c["start_line"] + text.count("\n"))
    return p


def sentence_ends(text: str) -> list[int]:
    """Offsets just after each sentence, list item or table row of ``text`` (ascending, last = end)."""
    ends = sorted({s.end for s in segment(text)})
    return ends or [len(text.rstrip())]


def fit_to_budget(answer: dict, max_tokens: int | None) -> tuple[dict, int]:
    """Fit an answer into ``max_tokens`` cl100k_base tokens of readable text.

    Returns ``(fitted, tokens)``: ``fitted`` is the shared answer shape with the kept passages (each
    with ``"trimmed"``), plus ``"tokens"``, ``"max_tokens"``, ``"total_passages"``, ``"omitted_passages"``
    and ``"encoding"``; ``tokens == count_tokens(search_text(fitted)) <= max_tokens``. Passages are
    dropped from the lowest rank up; the last kept one may be cut at a sentence boundary. Raises
    ``BudgetTooSmallError`` naming the minimum budget when not even the first citation and first
    sentence fit. ``answer`` is not modified.

    >>> fitted, n = fit_to_budget(answer_json(assistant.ask("ION focal points?")), 200)  # doctest: +SKIP
    """
    max_tokens = check_max_tokens(max_tokens)
    ranked = sorted(answer["passages"], key=lambda p: p["rank"])
    base = {k: v for k, v in answer.items() if k != "passages"}
    base.update(max_tokens=max_tokens, total_passages=len(ranked), encoding=ENCODING)

    def state(passages: Sequence[dict]) -> dict:
        return {**base, "passages": list(passages), "omitted_passages": len(ranked) - len(passages)}

    def settle(passages: Sequence[dict]) -> tuple[dict, int]:
        s = state(passages)
        n = _settle(search_text, s)
        return {**s, "tokens": n}, n

    full = [{**copy.deepcopy(p), "trimmed": False} for p in ranked]
    fitted, n = settle(full)
    if max_tokens is None or n <= max_tokens or not full:
        return fitted, n
    # The most whole passages that fit, best first (the count grows with every passage kept) ...
    best: tuple[dict, int] | None = None
    keep = 0
    for i in range(len(full) - 1, 0, -1):
        fitted, n = settle(full[:i])
        if n <= max_tokens:
            keep, best = i, (fitted, n)
            break
    # ... then as much of the next passage as fits, cut at a sentence boundary.
    nxt = full[keep]
    body = heading_end(nxt)  # a cut keeps at least one sentence after the heading line
    ends = [e for e in sentence_ends(nxt["text"]) if body < e < len(nxt["text"].rstrip())]
    for end in reversed(ends):
        fitted, n = settle(full[:keep] + [_trim(nxt, end)])
        if n <= max_tokens:
            return fitted, n
    if best is not None:
        return best
    first = [_trim(nxt, ends[0])] if ends else full[:1]
    need = max_tokens
    for _ in range(5):  # the token line names max_tokens, so the minimum depends (a little) on itself
        s = {**state(first), "max_tokens": need}
        need = _settle(search_text, s)
        if need == s["max_tokens"]:
            break
    raise BudgetTooSmallError(
        f"max_tokens={max_tokens} is too small: the best passage's citation with its first sentence "
        f"needs {need} tokens; use max_tokens={need} or more (or leave max_tokens empty)."
    )


# ---------------------------------------------------------------------------- sections
def section_text(section: Section, tokens: int = 0) -> str:
    """A whole citable unit as the model reads it: citation heading, verbatim text, token line."""
    c = Citation(section.report, section.kind, section.objective, section.priority_action, section.title,
                 section.source, section.start_line, section.end_line, section.label, section.id)
    return f"{heading(c)}\nid: {section.id}\n\n{section.text.strip()}\n\n[{tokens} tokens ({ENCODING})]"


def section_result(section: Section) -> tuple[str, dict]:
    """(text, structured) for ``get_section``; structured carries ``tokens`` of the text."""
    n = _settle(lambda s: section_text(section, s["tokens"]), {})
    c = Citation(section.report, section.kind, section.objective, section.priority_action, section.title,
                 section.source, section.start_line, section.end_line, section.label, section.id)
    structured = {
        "id": section.id, "label": section.label, "title": section.title, "text": section.text,
        "citation": citation_json(c), "tokens": n, "encoding": ENCODING,
    }
    return section_text(section, n), structured


def toc_text(sections: Sequence[Section], tokens: int = 0) -> str:
    """The table of contents, grouped by report and objective, one citable unit per line."""
    lines: list[str] = []
    report, objective = None, object()
    for s in sections:
        if s.report != report:
            report, objective = s.report, object()
            lines += ([""] if lines else []) + [f"Report {s.report} ({s.source})"]
        if s.objective != objective:
            objective = s.objective
            if s.objective is not None:
                lines.append(f"Objective {s.objective}" + (f" — {s.objective_title}" if s.objective_title else ""))
        lines.append(f"  {s.id}  {s.label} — {s.title}  (lines {s.start_line}–{s.end_line})")
    lines += ["", f"[{len(sections)} citable units; {tokens} tokens ({ENCODING})]"]
    return "\n".join(lines)


def toc_result(sections: Sequence[Section]) -> tuple[str, dict]:
    """(text, structured) for ``list_sections``."""
    n = _settle(lambda s: toc_text(sections, s["tokens"]), {})
    rows = [
        {"id": s.id, "label": s.label, "title": s.title, "report": s.report, "kind": s.kind,
         "objective": s.objective, "priority_actions": [h.number for h in s.headings],
         "source": s.source, "start_line": s.start_line, "end_line": s.end_line}
        for s in sections
    ]
    return toc_text(sections, n), {"sections": rows, "count": len(rows), "tokens": n, "encoding": ENCODING}


# ---------------------------------------------------------------------------- one call, any front end
def search_result(assistant, question: str, k: int = K_DEFAULT, objective: int | None = None,
                  max_tokens: int | None = None) -> tuple[str, dict]:
    """(text, structured) for ``search_report``: ask, then fit into ``max_tokens``.

    Checks the chat-tool limits (k 1–20, objective 1–12, max_tokens ≥ 50) before asking; raises a
    ``MemqaError`` (``BadQuestionError`` / ``BudgetTooSmallError``) whose message says how to fix
    the call. ``structured["tokens"] == count_tokens(text)``.
    """
    from .render import answer_json

    k, objective, max_tokens = check_k(k), check_objective(objective), check_max_tokens(max_tokens)
    answer = assistant.ask(question, k=k, objective=objective)
    fitted, _ = fit_to_budget(answer_json(answer), max_tokens)
    return search_text(fitted), fitted
