"""memqa.tools: budget fitting, the readable text, the section/toc results and the OpenAI schema (pure)."""
from __future__ import annotations

import copy
import re

import jsonschema
import pytest

from memqa.errors import BadQuestionError, MemqaError
from memqa.tokens import count_tokens
from memqa.tools import (
    BudgetTooSmallError,
    fit_to_budget,
    search_result,
    search_text,
    section_result,
    sentence_ends,
    toc_result,
)
from memqa.toolspec import openai_tools


def _passage(rank: int, pa: str, text: str, start_line: int, highlights=()) -> dict:
    return {
        "rank": rank,
        "score": round(1 / (60 + rank), 6),
        "text": text,
        "highlights": [{"text": h, "start": text.index(h), "end": text.index(h) + len(h)} for h in highlights],
        "citation": {
            "report": "ruritania-2022", "kind": "priority_action", "objective": int(pa.split(".")[0]),
            "priority_action": pa, "title": f"Title of action {pa}.", "source": "mem-2022-ruritania.txt",
            "start_line": start_line, "end_line": start_line + text.count("\n"),
            "label": f"Priority Action {pa}", "section_id": f"ruritania-2022/pa-{pa}",
        },
    }


P1 = ("Priority Action 1.1: Title of action 1.1.\n\n"
      "Ruritania trains customs officers in canine detection. The training lasts six weeks.\n\n"
      "It covers ports and airports. Officers are certified every year.")
P2 = ("Ruritania dismantled laboratories with the National Police. Safety protocols exist for personnel. "
      "Chemical waste is handled by the environment ministry. Reports are kept for ten years.")
P3 = "Ruritania uses PEN Online for pre-export notifications. It answered every request in 2021."
P4 = "Not applicable. The country reports no traditional uses."


@pytest.fixture
def answer() -> dict:
    return {
        "question": "How does Ruritania fight drug supply?",
        "answerable": True,
        "confidence": "high",
        "language": "en",
        "notice": "",
        "passages": [
            _passage(1, "1.1", P1, 10, highlights=["Ruritania trains customs officers in canine detection.",
                                                    "Officers are certified every year."]),
            _passage(2, "1.2", P2, 20),
            _passage(3, "2.2", P3, 30),
            _passage(4, "2.3", P4, 40),
        ],
    }


def _whole(fitted: dict) -> int:
    """How many passages a fitted answer shows uncut."""
    return sum(1 for p in fitted["passages"] if not p["trimmed"])


def _threshold(answer: dict, n: int) -> int:
    """Smallest budget that keeps the first ``n`` passages whole."""
    return next(b for b in range(50, 2000) if _fits(answer, b) and _whole(fit_to_budget(answer, b)[0]) >= n)


def _fits(answer: dict, budget: int) -> bool:
    try:
        fit_to_budget(answer, budget)
    except BudgetTooSmallError:
        return False
    return True


def _check_invariants(original: dict, fitted: dict, tokens: int, budget: int | None) -> str:
    text = search_text(fitted)
    assert tokens == fitted["tokens"] == count_tokens(text)
    if budget is not None:
        assert tokens <= budget
    kept = fitted["passages"]
    ranked = sorted(original["passages"], key=lambda p: p["rank"])
    # Passages kept are the best-ranked ones, in order; only the last may be cut.
    assert [p["rank"] for p in kept] == [p["rank"] for p in ranked[: len(kept)]]
    assert fitted["omitted_passages"] == len(ranked) - len(kept)
    assert fitted["total_passages"] == len(ranked)
    for p, orig in zip(kept[:-1], ranked, strict=False):
        assert not p["trimmed"] and p["text"] == orig["text"]
    for p, orig in zip(kept, ranked, strict=False):
        # The citation heading sits right above its passage's text in the readable output.
        heading = (f"[{p['rank']}] {p['citation']['label']} — {p['citation']['title']}  "
                   f"({p['citation']['source']}, lines {p['citation']['start_line']}–{p['citation']['end_line']})\n")
        body_start = text.index(heading) + len(heading)
        shown = p["text"].split("\n\n", 1)[1] if p["text"].startswith("Priority Action") else p["text"]
        assert text[body_start:].startswith(shown.strip()[:40])
        if p["trimmed"]:
            assert len(p["text"]) in sentence_ends(orig["text"])
            assert orig["text"].startswith(p["text"]) and len(p["text"]) < len(orig["text"])
            assert p["citation"]["end_line"] == p["citation"]["start_line"] + p["text"].count("\n")
            assert all(h["end"] <= len(p["text"]) for h in p["highlights"])
    return text


def test_no_budget_keeps_everything(answer):
    fitted, n = fit_to_budget(answer, None)
    text = _check_invariants(answer, fitted, n, None)
    assert len(fitted["passages"]) == 4 and not any(p["trimmed"] for p in fitted["passages"])
    assert fitted["max_tokens"] is None and fitted["encoding"] == "cl100k_base"
    assert text.rstrip().endswith(f"[{n} tokens]")
    # The shared shape is kept around the token info.
    assert {"question", "answerable", "confidence", "language", "notice", "passages"} <= fitted.keys()


def test_input_is_not_modified(answer):
    before = copy.deepcopy(answer)
    fit_to_budget(answer, 80)
    assert answer == before


def test_budget_for_two_passages_drops_the_lowest_ranked(answer):
    budget = _threshold(answer, 2)
    fitted, n = fit_to_budget(answer, budget)
    _check_invariants(answer, fitted, n, budget)
    assert n == budget  # the smallest budget that holds them is used exactly
    assert [p["rank"] for p in fitted["passages"]] == [1, 2]
    assert not fitted["passages"][-1]["trimmed"]
    assert fitted["omitted_passages"] == 2
    assert f"[{n} tokens; 2 of 4 passages]" in search_text(fitted)
    # One token less and the second passage is cut at a sentence boundary instead.
    fitted, n = fit_to_budget(answer, budget - 1)
    _check_invariants(answer, fitted, n, budget - 1)
    assert [p["rank"] for p in fitted["passages"]] == [1, 2] and fitted["passages"][-1]["trimmed"]


def test_room_for_part_of_the_next_passage_cuts_it_at_a_sentence(answer):
    budget = _threshold(answer, 3) - 1  # one token short of the whole third passage
    fitted, n = fit_to_budget(answer, budget)
    text = _check_invariants(answer, fitted, n, budget)
    last = fitted["passages"][-1]
    assert [p["rank"] for p in fitted["passages"]] == [1, 2, 3]
    assert last["trimmed"] and last["text"] == "Ruritania uses PEN Online for pre-export notifications."
    assert "pre-export notifications. […]" in text and "; last cut short]" in text


def test_first_passage_cut_keeps_its_citation_and_sentences(answer):
    budget = _threshold(answer, 1) - 1  # one token short of the whole first passage
    fitted, n = fit_to_budget(answer, budget)
    text = _check_invariants(answer, fitted, n, budget)
    (p,) = fitted["passages"]
    assert p["trimmed"]
    assert text == (
        "[1] Priority Action 1.1 — Title of action 1.1.  (mem-2022-ruritania.txt, lines 10–14)\n"
        "Ruritania trains customs officers in canine detection. The training lasts six weeks.\n\n"
        f"It covers ports and airports. […]\n\n[{n} tokens; 1 of 4 passages; last cut short]"
    )
    # The report's own heading line is not repeated under the citation heading.
    assert "Priority Action 1.1:" not in text
    # Highlights beyond the cut are dropped, the others kept.
    assert [h["text"] for h in p["highlights"]] == ["Ruritania trains customs officers in canine detection."]


def test_a_cut_never_leaves_the_heading_without_a_sentence(answer):
    smallest = next(b for b in range(50, 200) if _fits(answer, b))
    fitted, _ = fit_to_budget(answer, smallest)
    (p,) = fitted["passages"]
    assert p["text"] == "Priority Action 1.1: Title of action 1.1.\n\nRuritania trains customs officers in canine detection."
    assert [h["end"] for h in p["highlights"]] == [len(p["text"])]


@pytest.mark.parametrize("budget", [60, 70, 80, 100, 120, 150, 200, 400, 1000])
def test_budget_is_respected_and_counted_exactly(answer, budget):
    try:
        fitted, n = fit_to_budget(answer, budget)
    except BudgetTooSmallError as e:
        assert budget < int(str(e).split("needs ")[1].split(" ")[0])
        return
    _check_invariants(answer, fitted, n, budget)


def test_more_budget_never_shows_less(answer):
    shown = []
    for budget in range(80, 400, 10):
        fitted, _ = fit_to_budget(answer, budget)
        shown.append(sum(len(p["text"]) for p in fitted["passages"]))
    assert shown == sorted(shown) and shown[0] < shown[-1]


def test_too_small_budget_names_the_minimum(answer):
    with pytest.raises(BudgetTooSmallError, match=r"max_tokens=50 is too small.*use max_tokens=(\d+) or more") as ei:
        fit_to_budget(answer, 50)
    assert isinstance(ei.value, MemqaError)
    need = int(str(ei.value).split("use max_tokens=")[1].split(" ")[0])
    fitted, n = fit_to_budget(answer, need)
    assert n == need
    assert fitted["passages"][0]["text"].endswith("Ruritania trains customs officers in canine detection.")
    with pytest.raises(BudgetTooSmallError):
        fit_to_budget(answer, need - 1)


def test_passages_are_dropped_by_rank_not_by_position(answer):
    shuffled = {**answer, "passages": list(reversed(answer["passages"]))}
    fitted, _ = fit_to_budget(shuffled, _threshold(answer, 2))
    assert [p["rank"] for p in fitted["passages"]] == [1, 2]


def test_unanswerable_says_so_at_the_top_then_lists_passages(answer):
    notice = "The report does not seem to answer this question; the nearest passages are listed below."
    weak = {**answer, "answerable": False, "confidence": "low", "notice": notice}
    for budget in (None, 150):
        fitted, n = fit_to_budget(weak, budget)
        text = _check_invariants(weak, fitted, n, budget)
        assert text.startswith(f"NOTICE: {notice}\n")
        assert text.index("NOTICE:") < text.index("[1] Priority Action 1.1")


def test_unanswerable_without_notice_still_says_so(answer):
    fitted, _ = fit_to_budget({**answer, "answerable": False}, None)
    assert search_text(fitted).startswith("NOTICE: The report does not seem to answer this question.")


@pytest.mark.parametrize("bad", [0, 49, -5, "100", 100.0, True])
def test_bad_max_tokens(answer, bad):
    with pytest.raises(BadQuestionError, match="max_tokens must be an integer of at least 50"):
        fit_to_budget(answer, bad)


def test_sentence_ends_split_sentences_and_list_items():
    text = "First one. Second one.\n\n- item a\n- item b"
    assert [text[:e] for e in sentence_ends(text)] == [
        "First one.", "First one. Second one.", "First one. Second one.\n\n- item a", text,
    ]


# ---------------------------------------------------------------------------- with the fake-encoder index
def test_search_result_text_and_structure(fake_assistant):
    text, fitted = search_result(fake_assistant, "Which agencies are ION focal points?", k=3, max_tokens=400)
    assert fitted["tokens"] == count_tokens(text) <= 400
    assert fitted["total_passages"] == 3
    for p in fitted["passages"]:
        assert f"{p['citation']['label']} — {p['citation']['title']}" in text


@pytest.mark.parametrize("kwargs, message", [
    ({"k": 0}, "k must be an integer from 1 to 20"),
    ({"k": 21}, "k must be an integer from 1 to 20"),
    ({"objective": 13}, "objective must be an integer from 1 to 12"),
    ({"objective": 0}, "objective must be an integer from 1 to 12"),
    ({"max_tokens": 10}, "max_tokens must be an integer of at least 50"),
])
def test_search_result_rejects_bad_arguments(fake_assistant, kwargs, message):
    with pytest.raises(BadQuestionError, match=message):
        search_result(fake_assistant, "ION focal points", **kwargs)


def test_section_result_is_the_whole_unit(fake_assistant):
    section = fake_assistant.resolve_section("mexico-2022/pa-5.4")
    text, structured = section_result(section)
    assert structured["tokens"] == count_tokens(text)
    assert "I2ES" in text and section.text.strip() in text
    assert text.startswith(f"Priority Action 5.4 — {section.title}  (mem-2022-mexico.txt, lines "
                           f"{section.start_line}–{section.end_line})")
    assert structured["citation"]["section_id"] == "mexico-2022/pa-5.4"


def test_toc_result_in_detail_lists_every_unit(fake_assistant):
    text, structured = toc_result(fake_assistant.sections, detail=True)
    assert structured["count"] == len(fake_assistant.sections) == 76
    assert structured["tokens"] == count_tokens(text)
    assert "mexico-2022/pa-2.4  Priority Action 2.4 — " in text
    assert "mexico-2022/pa-8.1  Priority Actions 8.1 and 8.2 — " in text
    assert [r["id"] for r in structured["sections"]] == [s.id for s in fake_assistant.sections]


def test_toc_result_is_compact_by_default(fake_assistant):
    """list_sections used to cost ~6,700 tokens; the default now fits in about a quarter of that."""
    text, structured = toc_result(fake_assistant.sections, metas=fake_assistant.report_metas)
    full, _ = toc_result(fake_assistant.sections, detail=True, metas=fake_assistant.report_metas)
    assert structured["tokens"] == count_tokens(text) < 2000 and count_tokens(full) > 3 * structured["tokens"]
    assert [r["id"] for r in structured["sections"]] == [s.id for s in fake_assistant.sections]
    assert text.startswith("Report mexico-2022 — Mexico: Evaluation Report on Drug Policies 2022 (")
    assert "\n  pa-2.4  Promote participation in the Project ION Incident Communication System…\n" in text
    assert "\n  pa-8.1 +8.2  " in text and "summary-12" in text
    assert "Objective 2 — Strengthen national measures to address the challenges posed by NPS" in text
    assert "detail=true" in text  # says how to get the rest
    every = {fake_assistant.resolve_section(line.split()[0]).id for line in text.splitlines()
             if line.startswith("  ")}  # every short id shown resolves
    assert every == {s.id for s in fake_assistant.sections if s.kind != "evaluative_summary"}


def test_section_result_cites_the_document(fake_assistant):
    section = fake_assistant.resolve_section("Priority Action 5.4")
    text, structured = section_result(section, fake_assistant.report_meta(section.report))
    cite = ("CICAD, *Mexico: Evaluation Report on Drug Policies 2022*, MEM Eighth Evaluation Round, "
            f"CICAD/doc.2676/22, Priority Action 5.4, lines {section.start_line}–{section.end_line}")
    assert structured["citation"]["cite"] == cite and f"\ncite: {cite}\n" in text


@pytest.mark.parametrize("name, arguments, fragment", [
    ("search_report", '{"question": "ION", "objetive": 3}', "the accepted fields are question, k, objective"),
    ("search_report", {"question": "ION", "kind": "nope"}, "kind must be one of 'priority_action'"),
    ("search_report", "{not json", "not valid JSON"),
    ("get_section", {"id": "pa-99.9"}, "no section 'pa-99.9'"),
    ("get_section", {"id": "pa-2.4", "x": 1}, "the accepted fields are id"),
    ("list_sections", {"detail": "yes"}, "detail"),
    ("summarise", {}, "memqa's tools are search_report, get_section, list_sections"),
])
def test_call_tool_rejects_bad_calls_with_a_message_for_the_model(fake_assistant, name, arguments, fragment):
    from memqa.errors import MemqaError
    from memqa.tools import call_tool

    with pytest.raises(MemqaError, match=re.escape(fragment)):
        call_tool(fake_assistant, name, arguments)


def test_call_tool_takes_json_strings_names_and_the_detail_flag(fake_assistant):
    from memqa.tools import call_tool

    text = call_tool(fake_assistant, "search_report", '{"question": "ION focal points", "k": 2}')
    assert "\n[1] " in text and "\n[2] " in text and "\n[3] " not in text
    assert "id: mexico-2022/pa-5.4" in call_tool(fake_assistant, "get_section", {"id": "Priority Action 5.4"})
    compact = call_tool(fake_assistant, "list_sections", None)
    detail = call_tool(fake_assistant, "list_sections", '{"detail": true}')
    assert "mexico-2022/pa-2.4  Priority Action 2.4 — " in detail and len(detail) > 3 * len(compact)


# ---------------------------------------------------------------------------- OpenAI function calling
def test_openai_tools_schema(fake_assistant):
    tools = openai_tools(fake_assistant)
    assert [t["function"]["name"] for t in tools] == ["search_report", "get_section", "list_sections", "compare", "scorecard"]
    tool = tools[0]
    assert tool["type"] == "function"
    fn = tool["function"]
    assert fn["name"] == "search_report"
    assert "CICAD" in fn["description"] and "Mexico 2022" in fn["description"] and "lines" in fn["description"]
    params = fn["parameters"]
    jsonschema.Draft202012Validator.check_schema(params)
    assert params["required"] == ["question"]
    props = params["properties"]
    assert (props["k"]["minimum"], props["k"]["maximum"]) == (1, 20)
    assert props["objective"]["anyOf"][0]["enum"] == list(range(1, 13))  # the index's objectives
    assert props["report"]["anyOf"][0]["const"] == "mexico-2022"
    assert props["max_tokens"]["anyOf"][0]["minimum"] == 50
    assert all(p["description"] for p in props.values())


@pytest.mark.parametrize("args, ok", [
    ({"question": "Which agencies are ION focal points?"}, True),
    ({"question": "q", "k": 20, "objective": 12, "max_tokens": 50}, True),
    ({"question": "q", "objective": None, "max_tokens": None}, True),
    ({}, False),
    ({"question": ""}, False),
    ({"question": "q", "k": 0}, False),
    ({"question": "q", "k": 21}, False),
    ({"question": "q", "objective": 13}, False),
    ({"question": "q", "max_tokens": 49}, False),
    ({"question": "q", "report": "x"}, False),
])
def test_openai_parameters_accept_and_reject(fake_assistant, args, ok):
    validator = jsonschema.Draft202012Validator(openai_tools(fake_assistant)[0]["function"]["parameters"])
    assert validator.is_valid(args) is ok


def test_openai_tools_returns_a_fresh_copy():
    first = openai_tools()
    first[0]["function"]["parameters"]["properties"].clear()
    assert openai_tools()[0]["function"]["parameters"]["properties"]


# ---------------------------------------------------------------------------- call_tool (function calling)
@pytest.mark.parametrize("name, args, fragment", [
    ("search_report", {"question": "ION", "colour": "red"}, "colour: unknown field"),
    ("search_report", {"question": "ION", "k": "5"}, "k must be an integer from 1 to 20"),
    ("search_report", ["ION"], "must be a JSON object"),
    ("get_section", {"id": "pa-2.4", "x": 1}, "x: unknown field; the accepted fields are id"),
    ("list_sections", {"details": True}, "details: unknown field; the accepted fields are detail"),
    ("delete_report", {}, "unknown tool 'delete_report'"),
])
def test_call_tool_rejects_bad_calls_with_one_line(fake_assistant, name, args, fragment):
    with pytest.raises(MemqaError, match=fragment):
        from memqa.tools import call_tool

        call_tool(fake_assistant, name, args)


def test_call_tool_runs_each_tool(fake_assistant):
    from memqa.tools import call_tool

    assert "Priority Action 2.4" in call_tool(fake_assistant, "get_section", {"id": "pa-2.4"})
    assert "citable units" in call_tool(fake_assistant, "list_sections", {})
    assert "tokens" in call_tool(fake_assistant, "search_report", {"question": "ION focal points", "k": 2})


def test_scorecard_tool_over_function_calling_lists_gaps_with_cited_clauses(fake_assistant):
    """A gap-listing question is answered from CICAD's verdicts (issue 15), on every chat surface."""
    from memqa.tools import call_tool

    text = call_tool(fake_assistant, "scorecard", '{"status": "gap"}')
    rows = [r for r in fake_assistant.scorecard() if r.assessment.status == "gap"]
    assert rows and len(text.splitlines()) == len(rows)
    for r, line in zip(rows, text.splitlines()):
        assert f" {r.priority_action} [gap] " in line and r.assessment.citation.place() in line
    with pytest.raises(BadQuestionError, match="status"):
        call_tool(fake_assistant, "scorecard", {"status": "bad"})
    with pytest.raises(BadQuestionError, match="report"):
        call_tool(fake_assistant, "scorecard", {"report": "nowhere-2020"})
    with pytest.raises(BadQuestionError, match="colour"):
        call_tool(fake_assistant, "scorecard", {"colour": "red"})


def test_the_answer_line_says_yes_no_or_the_count_first(answer):
    unit = {"text": "Ruritania uses PEN Online.", "start": 0, "end": 26,
            "citation": answer["passages"][2]["citation"] | {"page_start": None, "page_end": None}}
    for extra, lead in (({"polarity": "yes", "count": None}, "Yes. "),
                        ({"polarity": None, "count": 3}, "3 (counted from the list below). "),
                        ({"polarity": None, "count": None}, "Priority Action 2.2")):
        direct = {"type": "count", "text": unit["text"], "units": [unit], **extra}
        fitted, _ = fit_to_budget({**answer, "answer": direct}, None)
        line = next(ln for ln in search_text(fitted).splitlines() if ln.startswith("ANSWER ("))
        assert line.startswith(f"ANSWER (high confidence): {lead}")
