"""Chat-tool results shared by the MCP server and OpenAI-style function calling; pure, no ``mcp`` import.

(What a model reads to pick a tool — descriptions and argument schemas — is ``memqa.toolspec``.)

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
from collections.abc import Mapping, Sequence
from itertools import groupby

from .contract import check_args
from .errors import BadQuestionError
from .limits import K_DEFAULT, MIN_MAX_TOKENS
from .render import comparison_text as render_comparison
from .render import heading, to_json, unit_lines
from .render import heading_end as render_heading_end
from .segments import segment
from .tokens import ENCODING, count_tokens
from .types import Citation, Comparison, Section, where

NOT_ANSWERED = "The report does not seem to answer this question."
TRIM_MARK = " […]"


def check_max_tokens(max_tokens: object) -> int | None:
    if max_tokens is None:
        return None
    if isinstance(max_tokens, bool) or not isinstance(max_tokens, int) or max_tokens < MIN_MAX_TOKENS:
        raise BadQuestionError(
            f"max_tokens must be an integer of at least {MIN_MAX_TOKENS} or left empty, got {max_tokens!r}."
        )
    return max_tokens


class BudgetTooSmallError(BadQuestionError):
    """``max_tokens`` cannot hold even one citation with its first sentence."""


# ---------------------------------------------------------------------------- readable text
def _heading(citation: dict) -> str:
    return heading(Citation(**{k: citation[k] for k in Citation.__dataclass_fields__ if k in citation}))


def heading_end(passage: dict) -> int:
    """Offset where a passage's body starts: after its own "Priority Action N.M: title" line, if it
    opens with it (the citation heading above the text already says it), else 0."""
    return render_heading_end(passage["text"], passage["citation"].get("priority_action"))


def passage_block(passage: dict) -> str:
    """One passage as the model reads it: ``[rank] citation`` then the verbatim text (never apart)."""
    text = passage["text"][heading_end(passage):].strip() + (TRIM_MARK if passage.get("trimmed") else "")
    v = passage.get("assessment")
    verdict = ""
    if v and v.get("status") != "none" and v.get("citation") and not passage.get("trimmed"):
        # (a passage cut to fit the budget ends with its cut mark; the verdict stays in the structured content)
        c = v["citation"]
        pages = (c["page_start"], c["page_end"]) if c.get("page_start") else None
        place = where(c["start_line"], c["end_line"], pages, (c.get("start_column"), c.get("end_column")))
        verdict = f"\nCICAD's assessment ({v['status']}; {c['label']}, {place}): {v['text']}"
    return f"[{passage['rank']}] {_heading(passage['citation'])}\n{text}{verdict}"


def _token_line(fitted: dict) -> str:
    """'[144 tokens; 1 of 5 passages; last cut short]' — short, since it counts against the budget too."""
    shown, total = len(fitted["passages"]), fitted["total_passages"]
    parts = [f"{fitted['tokens']} tokens"]
    if shown < total:
        parts.append(f"{shown} of {total} passages")
    if any(p.get("trimmed") for p in fitted["passages"]):
        parts.append("last cut short")
    return "[" + "; ".join(parts) + "]"


def answer_groups(direct: dict) -> list[tuple[list[dict], list[str]]]:
    """The direct answer's units (JSON shape) in runs of one section: [(citations, texts), ...]. An answer
    that takes a sentence of a priority action and one of the evaluative summary cites each where it is.

    >>> c = lambda s, a: {"section_id": s, "start_line": a, "end_line": a}
    >>> d = {"units": [{"citation": c("x/pa-2.1", 3), "text": "A."}, {"citation": c("x/pa-2.1", 4), "text": "B."},
    ...                {"citation": c("x/summary-2", 90), "text": "C."}], "text": "A.\\nB.\\nC."}
    >>> [([x["start_line"] for x in cs], ts) for cs, ts in answer_groups(d)]
    [([3, 4], ['A.', 'B.']), ([90], ['C.'])]
    """
    units = direct["units"]
    pairs = zip(units, unit_lines(direct.get("text", ""), [u["text"] for u in units]))
    runs = [list(run) for _, run in groupby(pairs, key=lambda p: p[0]["citation"]["section_id"])]
    return [([u["citation"] for u, _ in run], [t for _, t in run]) for run in runs]


def _group_place(cites: list[dict]) -> str:
    """Lines (or pages) from the first citation of a run to the last; a lone unit keeps its columns."""
    a, b = cites[0], cites[-1]
    pages = (a["page_start"], b["page_end"]) if a.get("page_start") else None
    cols = (a.get("start_column"), a.get("end_column")) if len(cites) == 1 else (None, None)
    return where(min(c["start_line"] for c in cites), max(c["end_line"] for c in cites), pages, cols)


def search_text(fitted: dict) -> str:
    """Readable text of a fitted answer (see ``fit_to_budget``); ``fitted['tokens']`` counts exactly this."""
    lines: list[str] = []
    if not fitted["answerable"]:
        lines.append(f"NOTICE: {fitted['notice'] or NOT_ANSWERED}")
        lines.append("Nearest passages (they do not answer the question; do not present them as the answer):")
        lines.append("")
    elif fitted.get("notice"):
        lines += [f"Note: {fitted['notice']}", ""]
    direct = fitted.get("answer")
    if direct:
        verdict = {"yes": "Yes. ", "no": "No. "}.get(direct.get("polarity") or "", "")
        if direct.get("count") is not None:
            verdict = f"{direct['count']} (counted from the list below). "
        head = f"ANSWER ({fitted.get('confidence')} confidence): {verdict}"
        for cites, texts in answer_groups(direct):
            lines += [f"{head}{cites[0]['label']} ({cites[0]['source']}, {_group_place(cites)})", *texts]
            head = "and "  # each further part of the answer under its own citation
        lines.append("")
    if not fitted["passages"]:
        lines += ["No passages matched." if not fitted.get("total_passages") else
                  "(Cited passages omitted to fit max_tokens; the answer above is verbatim and cited.)", ""]
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
    Example: ``fit_to_budget(to_json(assistant.ask("ION focal points?")), 200)``.
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
    # The direct answer is cited evidence on its own: keep it (as many of its units as fit) without passages.
    direct = answer.get("answer")
    if direct:
        units = direct["units"]
        for j in range(len(units), 0, -1):
            kept = {**direct, "units": units[:j], "text": "\n".join(u["text"].strip() for u in units[:j])}
            s = {**state([]), "answer": kept}
            n = _settle(search_text, s)
            if n <= max_tokens:
                return {**s, "tokens": n}, n
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
def verdict_lines(assessments) -> str:
    """CICAD's assessment of each heading, as the model reads it (empty for units without one)."""
    out = []
    for v in assessments:
        if v.status == "none" or v.citation is None:
            out.append(f"CICAD's assessment of {v.priority_action}: none found in the evaluative summary.")
        else:
            c = v.citation
            out.append(f"CICAD's assessment of {v.priority_action} ({v.status}; {c.label}, {c.place()}): {v.text}")
    return ("\n\n" + "\n".join(out)) if out else ""


def section_text(section: Section, tokens: int = 0, meta: Mapping | None = None, assessments=()) -> str:
    """A whole citable unit as the model reads it: citation heading, verbatim text, CICAD's verdict,
    token line."""
    c = Citation.of(section, meta=meta)
    return (f"{heading(c)}\nid: {section.id}\ncite: {c.cite}\n\n{section.text.strip()}"
            f"{verdict_lines(assessments)}\n\n[{tokens} tokens ({ENCODING})]")


def section_result(section: Section, meta: Mapping | None = None, assessments=()) -> tuple[str, dict]:
    """(text, structured) for ``get_section``; structured carries ``tokens`` of the text.
    ``meta`` is the report's metadata (``Assistant.report_meta``), so the citation names the document;
    ``assessments`` CICAD's verdict per heading (``Assistant.assessments_of``)."""
    n = _settle(lambda s: section_text(section, s["tokens"], meta, assessments), {})
    structured = {
        "id": section.id, "label": section.label, "title": section.title, "text": section.text,
        "assessments": to_json(list(assessments)),
        "citation": to_json(Citation.of(section, meta=meta)), "tokens": n, "encoding": ENCODING,
    }
    return section_text(section, n, meta, assessments), structured


def shorten(text: str, words: int) -> str:
    """The first ``words`` words of ``text``, with "…" when cut.

    >>> shorten("Develop or strengthen intelligence and interdiction capabilities", 4)
    'Develop or strengthen intelligence…'
    """
    w = text.split()
    return " ".join(w) if len(w) <= words else " ".join(w[:words]).rstrip(",;:") + "…"


def _report_line(report: str, source: str, meta: Mapping | None) -> str:
    m = meta or {}
    about = ", ".join(str(x) for x in (m.get("round"), m.get("document_code")) if x)
    title = m.get("title") or source
    return f"Report {report} — {title}" + (f" ({about})" if about else "")


def toc_text(sections: Sequence[Section], tokens: int = 0, detail: bool = False,
             metas: Mapping[str, Mapping] | None = None) -> str:
    """The table of contents, grouped by report and objective, one citable unit per line.

    Compact by default (short ids and titles cut to a few words: ~1/3 of the tokens); ``detail`` gives
    full ids, titles and source lines."""
    metas = metas or {}
    # The summary blocks repeat each objective's title in sentence case (the headings are in capitals).
    titles = {(s.report, s.objective): s.title for s in sections if s.kind == "evaluative_summary" and s.title}
    lines: list[str] = []
    report, objective = None, object()
    summaries: list[str] = []

    def flush() -> None:
        if summaries:
            lines.append("Evaluative summaries (CICAD's assessment of each objective): " + ", ".join(summaries))
            summaries.clear()

    for s in sections:
        if s.report != report:
            flush()
            report, objective = s.report, object()
            lines += ([""] if lines else []) + [_report_line(s.report, s.source, metas.get(s.report))]
        if not detail and s.kind == "evaluative_summary":
            summaries.append(s.id.split("/", 1)[1])
            continue
        if s.objective != objective:
            objective = s.objective
            if s.objective is not None:
                title = titles.get((s.report, s.objective)) or (s.objective_title or "").capitalize()
                title = title.strip().rstrip(".")
                lines.append(f"Objective {s.objective}" + (f" — {title if detail else shorten(title, 12)}"
                                                           if title else ""))
        if detail:
            lines.append(f"  {s.id}  {s.label} — {s.title}  (lines {s.start_line}–{s.end_line})")
        elif s.kind == "priority_action":
            more = "".join(f" +{h.number}" for h in s.headings[1:])
            lines.append(f"  {s.id.split('/', 1)[1]}{more}  {shorten(s.title, 9)}")
        else:
            lines.append(f"  {s.id.split('/', 1)[1]}  {s.label}")
    flush()
    tail = f"{len(sections)} citable units; {tokens} tokens ({ENCODING})"
    if not detail:
        example = next((s.id for s in sections if s.kind == "priority_action"), sections[0].id if sections else "")
        tail = (f"{len(sections)} citable units. get_section takes '<report>/<id>' (e.g. '{example}') or just "
                f"the id when one report has it; list_sections(detail=true) gives full titles and source lines. "
                f"{tokens} tokens ({ENCODING})")
    lines += ["", f"[{tail}]"]
    return "\n".join(lines)


def toc_result(sections: Sequence[Section], detail: bool = False,
               metas: Mapping[str, Mapping] | None = None) -> tuple[str, dict]:
    """(text, structured) for ``list_sections``: compact unless ``detail``."""
    n = _settle(lambda s: toc_text(sections, s["tokens"], detail, metas), {})
    if detail:
        rows = [
            {"id": s.id, "label": s.label, "title": s.title, "report": s.report, "kind": s.kind,
             "objective": s.objective, "priority_actions": [h.number for h in s.headings],
             "source": s.source, "start_line": s.start_line, "end_line": s.end_line}
            for s in sections
        ]
    else:
        rows = [{"id": s.id, "label": s.label} for s in sections]
    return toc_text(sections, n, detail, metas), {"sections": rows, "count": len(rows), "detail": detail,
                                                 "tokens": n, "encoding": ENCODING}


# ---------------------------------------------------------------------------- one call, any front end
def search_result(assistant, question: str, k: int = K_DEFAULT, objective: int | None = None,
                  max_tokens: int | None = None, kind: str | None = None,
                  report: str | None = None, **library: object) -> tuple[str, dict]:
    """(text, structured) for ``search_report``: check the arguments (``memqa.contract``, as HTTP
    does), ask, then fit into ``max_tokens``. Raises a ``MemqaError`` (``BadQuestionError`` /
    ``BudgetTooSmallError``) whose message says how to fix the call. ``library`` takes the report
    filters country, year, round, thematic_area and language.
    ``structured["tokens"] == count_tokens(text)``.
    """
    from .toolspec import search_tool_model

    args = {"question": question, "k": k, "objective": objective, "max_tokens": max_tokens, "kind": kind,
            "report": report, **library}
    a = check_args(search_tool_model(assistant), {k: v for k, v in args.items() if v is not None})
    answer = assistant.ask(a.question, k=a.k, **a.filters())
    fitted, _ = fit_to_budget(to_json(answer), a.max_tokens)
    return search_text(fitted), fitted


# ---------------------------------------------------------------------------- comparison
def comparison_text(c: Comparison, tokens: int = 0) -> str:
    """A comparison as the model reads it (``memqa.render.comparison_text``) plus the token line."""
    return f"{render_comparison(c)}\n[{tokens} tokens ({ENCODING})]"


def scorecard_result(assistant, report: str | None = None, status: str | None = None) -> tuple[str, dict]:
    """(text, structured) for the ``scorecard`` tool: one line per priority action with CICAD's verdict and
    the cited clause; arguments checked by ``memqa.contract`` as on HTTP."""
    from .toolspec import scorecard_tool_model

    a = check_args(scorecard_tool_model(assistant), {"report": report, "status": status})
    rows = [r for r in assistant.scorecard(a.report) if a.status is None or r.assessment.status == a.status]
    text = "\n".join(
        f"{r.report} {r.priority_action} [{r.assessment.status}] {r.title[:90]} — "
        + (f"{' '.join(r.assessment.text.split())} ({r.assessment.citation.label}, {r.assessment.citation.place()})"
           if r.assessment.citation else "no clause found")
        for r in rows) or "No priority action has that status."
    return text, {"rows": to_json(rows), "count": len(rows)}


def compare_result(assistant, priority_action: str, reports: list[str] | None = None,
                   question: str | None = None) -> tuple[str, dict]:
    """(text, structured) for the ``compare`` tool; arguments checked by ``memqa.contract`` as on HTTP."""
    from .toolspec import compare_tool_model

    args = {"priority_action": priority_action, "reports": reports, "question": question}
    a = check_args(compare_tool_model(assistant), {k: v for k, v in args.items() if v is not None})
    c = assistant.compare(a.priority_action, reports=a.reports, question=a.question)
    n = _settle(lambda s: comparison_text(c, s["tokens"]), {})
    return comparison_text(c, n), {**to_json(c), "tokens": n, "encoding": ENCODING}


def call_tool(assistant, name: str, arguments: object) -> str:
    """Run one chat-tool call by name, as OpenAI-style function calling sends it (arguments as a dict or
    the JSON string of one), and return the text for the model: ``search_report``, ``get_section``,
    ``list_sections``, ``compare`` or ``scorecard``. Every argument is checked against the tool's schema (``memqa.toolspec``, the same
    models MCP and HTTP use), so an unknown or misspelt one raises ``BadQuestionError`` naming the accepted
    fields; an unknown section raises ``NotFoundError``; nothing raises ``TypeError``.

    Example: ``call_tool(assistant, call.function.name, call.function.arguments)``.
    """
    import json

    from .toolspec import (
        TOOL_NAMES,
        GetSectionArgs,
        ListSectionsArgs,
        compare_tool_model,
        scorecard_tool_model,
        search_tool_model,
    )

    if isinstance(arguments, str | bytes):
        try:
            arguments = json.loads(arguments or "{}")
        except json.JSONDecodeError as e:
            raise BadQuestionError(f"the arguments of {name} are not valid JSON ({e.msg}); send a JSON object.") from None
    if arguments is None:
        arguments = {}
    if not isinstance(arguments, Mapping):
        raise BadQuestionError(f"the arguments of {name} must be a JSON object.")
    args = dict(arguments)
    if name == "search_report":
        a = check_args(search_tool_model(assistant), args)
        return search_result(assistant, a.question, k=a.k, max_tokens=a.max_tokens, **a.filters())[0]
    if name == "get_section":
        a = check_args(GetSectionArgs, args)
        section = assistant.resolve_section(a.id)
        return section_result(section, assistant.report_meta(section.report), assistant.assessments_of(section))[0]
    if name == "list_sections":
        a = check_args(ListSectionsArgs, args)
        return toc_result(assistant.sections, a.detail, assistant.report_metas)[0]
    if name == "compare":
        a = check_args(compare_tool_model(assistant), args)
        return compare_result(assistant, a.priority_action, reports=a.reports, question=a.question)[0]
    if name == "scorecard":
        a = check_args(scorecard_tool_model(assistant), args)
        return scorecard_result(assistant, a.report, a.status)[0]
    raise BadQuestionError(f"unknown tool {name!r}; memqa's tools are {', '.join(TOOL_NAMES)}.")
