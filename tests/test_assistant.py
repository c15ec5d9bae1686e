"""Assistant.ask over the real report (fake encoder): distinct cited units, filters, validation, highlights."""
from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from itertools import pairwise
from pathlib import Path

import pytest

from memqa.errors import BadQuestionError, NotFoundError

REPORT = Path(__file__).resolve().parent.parent / "corpus" / "mem-2022-mexico.txt"
LINES = REPORT.read_text(encoding="utf-8").split("\n")
QUESTIONS = [
    "Which agencies are ION focal points?",
    "pill press training",
    "money laundering training for officials",
    "¿México usa el sistema I2ES?",
    "What does CICAD note about alternative development?",
]


# --------------------------------------------------------------------------- results
@pytest.mark.parametrize("k", [1, 5, 12, 20])
def test_ask_returns_k_distinct_units_in_rank_order(fake_assistant, k):
    answer = fake_assistant.ask("training programs on chemical substances", k=k)
    hits = answer.passages
    assert len(hits) == k
    assert len({h.citation.section_id for h in hits}) == k
    assert [h.rank for h in hits] == list(range(1, k + 1))
    assert all(a.score >= b.score for a, b in pairwise(hits))


def test_answer_echoes_the_question_without_surrounding_space(fake_assistant):
    answer = fake_assistant.ask("  pill press training \n")
    assert answer.question == "pill press training"
    assert answer.language == "en"


def test_a_question_of_exactly_2000_characters_is_accepted(fake_assistant):
    assert fake_assistant.ask(("training " * 250)[:2000], k=1).passages


@pytest.mark.parametrize("question", QUESTIONS)
def test_highlight_offsets_slice_the_hit_text(fake_assistant, question):
    for hit in fake_assistant.ask(question, k=5).passages:
        assert hit.highlights, hit.citation.section_id
        for h in hit.highlights:
            assert 0 <= h.start < h.end <= len(hit.text)
            assert hit.text[h.start : h.end] == h.text
        starts = [h.start for h in hit.highlights]
        assert starts == sorted(starts)
        assert all(a.end <= b.start for a, b in pairwise(hit.highlights))


@pytest.mark.parametrize("question", QUESTIONS)
def test_citation_lines_lie_within_the_section_and_hold_the_text(fake_assistant, question):
    for hit in fake_assistant.ask(question, k=5).passages:
        c = hit.citation
        section = fake_assistant.resolve_section(c.section_id)
        assert section.start_line <= c.start_line <= c.end_line <= section.end_line
        assert hit.text in "\n".join(LINES[c.start_line - 1 : c.end_line])
        assert hit.text in section.text
        assert (c.label, c.title, c.kind, c.objective, c.source) == (
            section.label, section.title, section.kind, section.objective, "mem-2022-mexico.txt")


# --------------------------------------------------------------------------- filters
@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"objective": 7}, {"pa-7.1", "pa-7.2", "pa-7.3", "pa-7.4", "pa-7.5", "pa-7.6", "pa-7.7", "summary-7"}),
        ({"objective": 12, "kind": "priority_action"}, {"pa-12.1", "pa-12.2", "pa-12.3"}),
        ({"kind": "evaluative_summary"}, {f"summary-{n}" for n in range(1, 13)}),
        ({"kind": "preface"}, {"preface"}),
        ({"objective": 8, "report": "mexico-2022"}, {"pa-8.1", "pa-8.3", "pa-8.4", "summary-8"}),
    ],
)
def test_filters_restrict_the_units(fake_assistant, filters, expected):
    hits = fake_assistant.ask("training and cooperation", k=20, **filters).passages
    assert {h.citation.section_id.split("/")[1] for h in hits} == expected


def test_kind_filter_keeps_only_priority_actions(fake_assistant):
    hits = fake_assistant.ask("training", k=20, kind="priority_action").passages
    assert len(hits) == 20 and {h.citation.kind for h in hits} == {"priority_action"}


@pytest.mark.parametrize(
    "filters, fragment",
    [
        ({"objective": 13}, "objective 13 is not in the index; use one of 1–12"),
        ({"objective": 0}, "objective 0 is not in the index"),
        ({"kind": "summary"}, "kind 'summary' is unknown; use one of priority_action, evaluative_summary, preface"),
        ({"report": "peru-2020"}, "report 'peru-2020' is not in the index; use one of mexico-2022"),
    ],
)
def test_unknown_filter_raises(fake_assistant, filters, fragment):
    with pytest.raises(BadQuestionError) as e:
        fake_assistant.ask("training", **filters)
    assert fragment in str(e.value)


# --------------------------------------------------------------------------- validation
@pytest.mark.parametrize(
    "question, fragment",
    [
        ("", "question is empty"),
        ("   ", "question is empty"),
        ("\n\t \x00", "question is empty"),
        ("x" * 2001, "question is 2001 characters; the limit is 2000"),
        (None, "question must be a string"),
        (42, "question must be a string"),
    ],
    ids=["empty", "spaces", "control-characters", "too-long", "none", "number"],
)
def test_bad_question_raises(fake_assistant, question, fragment):
    with pytest.raises(BadQuestionError) as e:
        fake_assistant.ask(question)
    assert fragment in str(e.value)


@pytest.mark.parametrize("k", [0, -1, 21, True, False, 2.5, "5", None])
def test_bad_k_raises(fake_assistant, k):
    with pytest.raises(BadQuestionError, match="k must be an integer from 1 to 20"):
        fake_assistant.ask("training", k=k)


# --------------------------------------------------------------------------- sections
@pytest.mark.parametrize(
    "alias, unit",
    [
        ("pa-2.4", "mexico-2022/pa-2.4"),
        ("mexico-2022/pa-2.4", "mexico-2022/pa-2.4"),
        ("pa-8.2", "mexico-2022/pa-8.1"),
        ("mexico-2022/pa-12.4", "mexico-2022/pa-12.1"),
        ("summary-3", "mexico-2022/summary-3"),
        ("preface", "mexico-2022/preface"),
        (" pa-1.10 ", "mexico-2022/pa-1.10"),
        # the way people and chat models name them (the get_section description invites these)
        ("Priority Action 5.4", "mexico-2022/pa-5.4"),
        ("priority action 5.4", "mexico-2022/pa-5.4"),
        ("PA 5.4", "mexico-2022/pa-5.4"),
        ("5.4", "mexico-2022/pa-5.4"),
        ("mexico-2022/Priority Action 5.4", "mexico-2022/pa-5.4"),
        ("Priority Action 8.2", "mexico-2022/pa-8.1"),
        ("Evaluative Summary, Objective 3", "mexico-2022/summary-3"),
        ("summary 3", "mexico-2022/summary-3"),
        ("Preface", "mexico-2022/preface"),
    ],
)
def test_resolve_section_accepts_ids_and_heading_aliases(fake_assistant, alias, unit):
    assert fake_assistant.resolve_section(alias).id == unit


@pytest.mark.parametrize("bad", ["pa-99.1", "mexico-2022/pa-1.11", "peru-2020/pa-2.4", "summary-13", "",
                                 "Objective 3", "Priority Action", "peru-2020/5.4"])
def test_unknown_section_raises_not_found_with_an_example(fake_assistant, bad):
    with pytest.raises(NotFoundError, match="memqa sections"):
        fake_assistant.resolve_section(bad)


def test_assistant_knows_its_reports_objectives_and_sections(fake_assistant):
    assert fake_assistant.reports == ["mexico-2022"]
    assert fake_assistant.objectives == list(range(1, 13))
    assert len(fake_assistant.sections) == 76


def test_passages_of_a_section_are_its_numbered_windows(fake_assistant):
    section = fake_assistant.resolve_section("pa-1.6")
    ids = [p.id for p in fake_assistant.passages_of(section)]
    assert len(ids) > 1 and ids == [f"mexico-2022/pa-1.6#{n}" for n in range(len(ids))]


def test_ask_from_several_threads_gives_the_serial_answers(fake_assistant):
    serial = [[h.citation.section_id for h in fake_assistant.ask(q, k=5).passages] for q in QUESTIONS]
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda q: [h.citation.section_id for h in fake_assistant.ask(q, k=5).passages],
                                 QUESTIONS))
    assert threaded == serial


# --------------------------------------------------------------------------- real models
@pytest.mark.slow
@pytest.mark.parametrize(
    "question, unit, within",
    [
        ("Which agencies are ION focal points?", "mexico-2022/pa-2.4", 1),
        ("pill press training", "mexico-2022/pa-5.3", 3),
        ("¿México usa el sistema I2ES?", "mexico-2022/pa-5.4", 3),
    ],
)
def test_real_models_find_the_right_priority_action(real_assistant, question, unit, within):
    top = [h.citation.section_id for h in real_assistant.ask(question, k=5).passages]
    assert unit in top[:within], top


def test_a_question_of_characters_unicode_has_not_assigned_is_still_a_question(fake_assistant):
    # The HTTP schema accepts any visible character; the library must not call such a question empty.
    assert fake_assistant.ask("\U000395e2", k=1).question == "\U000395e2"


def test_assessment_clause_citation_reproduces_the_clause_by_line_and_characters(fake_assistant, mexico_corpus):
    """A summary is one long source line: the clause is cited by line and character columns, and those
    columns cut exactly the clause out of the file (issue 18: not a bare 'line 826')."""
    src = (mexico_corpus / "mem-2022-mexico.txt").read_text(encoding="utf-8").split("\n")
    rows = [r for r in fake_assistant.scorecard() if r.assessment.citation is not None]
    assert len(rows) >= 50
    single = 0
    for r in rows:
        c = r.assessment.citation
        if c.start_line != c.end_line:  # a verdict drawn from two paragraphs cites whole lines
            assert c.start_column is None and c.cite.endswith(f"lines {c.start_line}–{c.end_line}")
            block = "\n".join(src[c.start_line - 1 : c.end_line])
            assert r.assessment.text.split(". ")[0].strip()[:40] in block
            continue
        if c.start_column is None:  # the clause is the whole line: a bare "line N" is exact
            assert src[c.start_line - 1].strip() == r.assessment.text.strip(), r.priority_action
            continue
        assert c.cite.endswith(f"line {c.start_line}, characters {c.start_column}–{c.end_column}")
        cut = src[c.start_line - 1][c.start_column - 1 : c.end_column]
        assert cut.startswith(r.assessment.text[:40].strip()) and cut.rstrip().endswith(
            r.assessment.text.rstrip()[-30:]), r.priority_action
        single += cut.strip() == r.assessment.text.strip()
    assert single >= len(rows) // 2  # most verdicts are one contiguous clause


def test_direct_answer_units_cite_their_own_characters(fake_assistant, mexico_corpus):
    src = (mexico_corpus / "mem-2022-mexico.txt").read_text(encoding="utf-8")
    lines = src.split("\n")
    answer = fake_assistant.ask("Did CICAD find that Mexico does not use the I2ES system?", k=5)
    if answer.answer is None:
        answer = fake_assistant.ask("the country does not use the INCB's I2ES system", k=5)
    assert answer.answer is not None
    for u in answer.answer.units:
        c = u.citation
        assert src[u.start : u.end] == u.text
        if c.start_column:
            assert lines[c.start_line - 1][c.start_column - 1 : c.end_column] == u.text
        else:
            assert "\n".join(lines[c.start_line - 1 : c.end_line]).find(u.text.strip()) >= 0


def test_the_terminal_answer_leads_with_the_count_of_a_listed_answer(fake_assistant):
    import dataclasses

    from memqa.render import answer_text

    a = fake_assistant.ask("Which agencies are ION focal points?", k=1)
    assert a.answer is not None
    counted = dataclasses.replace(a, answer=dataclasses.replace(a.answer, type="count", polarity=None, count=4))
    assert "): 4 (counted from the list) — " in answer_text(counted)
    assert "counted from the list" not in answer_text(dataclasses.replace(a, answer=dataclasses.replace(
        a.answer, count=None)))


def test_an_answer_from_two_sections_cites_each_on_every_text_surface(fake_assistant):
    """A direct answer taking a sentence of a priority action and one of an evaluative summary: the CLI and
    the chat tool text cite each part where it is (they cited only the first section's lines)."""
    import dataclasses

    from memqa.render import answer_text, to_json
    from memqa.tools import fit_to_budget, search_text
    from memqa.types import AnswerUnit, DirectAnswer

    a = fake_assistant.ask("Which agencies are ION focal points?")
    pa = next(h for h in a.passages if h.citation.section_id.endswith("pa-2.4"))
    summary = fake_assistant.sections[fake_assistant.retriever.unit_index["mexico-2022/summary-2"]]
    s_cite = fake_assistant.citation(summary)
    units = (AnswerUnit("Mexico takes part in ION.", 0, 10, pa.citation),
             AnswerUnit("CICAD notes the country takes part.", 20, 30, s_cite))
    two = dataclasses.replace(a, answer=DirectAnswer("yesno", "Mexico takes part in ION.\nCICAD notes the country "
                                                     "takes part.", units, polarity="yes"))
    cli = answer_text(two)
    assert cli.index(pa.citation.label) < cli.index("Mexico takes part in ION.") < cli.index("and " + s_cite.label)
    assert cli.index("and " + s_cite.label) < cli.index("CICAD notes the country takes part.")
    assert f"lines {s_cite.start_line}" in cli or f"line {s_cite.start_line}" in cli
    mcp = search_text(fit_to_budget(to_json(two), None)[0])
    assert f"and {s_cite.label} ({s_cite.source}, line" in mcp


def test_which_priority_actions_are_not_met_points_to_the_scorecard_without_a_direct_answer(fake_assistant,
                                                                                            monkeypatch):
    """A list of priority actions by CICAD's verdict is not in any one passage: no direct answer (a trial got an
    unrelated sentence at "high"), never "high", and the notice names the scorecard."""
    import memqa.assistant as A
    from memqa.answerability import Verdict

    monkeypatch.setattr(A, "judge", lambda *args, **kw: Verdict(True, "high", "", {}))  # as the trial's library did
    a = fake_assistant.ask("Which priority actions does Mexico not meet?")
    assert a.answerable and a.answer is None and a.confidence == "medium" and "scorecard" in a.notice
    b = fake_assistant.ask("Does Mexico participate in Project ION?")  # any other question keeps its answer
    assert b.answer is not None and b.confidence == "high"
