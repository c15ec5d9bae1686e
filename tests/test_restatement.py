"""The priority action before an evaluative summary that only restates it (memqa.restatement)."""
import numpy as np
import pytest

from memqa.ranking import RankConfig
from memqa.restatement import action_first, summary_links, top_score
from memqa.types import Heading, Section

SUMMARY = "Mexico has INDEP to administer seized assets. CICAD notes no training."


def unit(sid, kind, objective=1, numbers=(), text="x", report="r"):
    heads = tuple(Heading(n, "t", 1) for n in numbers)
    return Section(sid, report, kind, objective, numbers[0] if numbers else None, heads, "t", None, "r.txt",
                   1, 1, 0, len(text), text)


PA = unit("r/pa-8.1", "priority_action", 8, ("8.1", "8.2"))
OTHER = unit("r/pa-8.3", "priority_action", 8, ("8.3",))
SUM = unit("r/summary-8", "evaluative_summary", 8, text=SUMMARY)
SECTIONS = [PA, OTHER, SUM]
ASSESS = {"r/pa-8.2": {"links": [{"clause": {"objective": 8, "start": 0, "end": 45}}]},
          "r/pa-8.3": {"links": [{"clause": {"objective": 8, "start": 46, "end": len(SUMMARY)}}]},
          "r/pa-9.9": {"links": [{"clause": {"objective": 8, "start": 0, "end": 5}}]},  # no such unit: ignored
          "q/pa-8.1": {"links": [{"clause": {"objective": 8, "start": 0, "end": 5}}]}}  # report not loaded


def test_links_map_joint_headings_to_their_unit_and_skip_unknown_ones():
    assert summary_links(SECTIONS, ASSESS) == {2: ((0, 45, 0), (46, len(SUMMARY), 1))}


def test_links_stay_within_each_report():
    # a second report with the same objective: its summary gets its own action's link, never the first report's
    other = [unit("q/pa-8.1", "priority_action", 8, ("8.1",), report="q"),
             unit("q/summary-8", "evaluative_summary", 8, text=SUMMARY, report="q")]
    assert summary_links(SECTIONS + other, ASSESS) == {2: ((0, 45, 0), (46, len(SUMMARY), 1)), 4: ((0, 5, 3),)}


LINKS = summary_links(SECTIONS, ASSESS)


def test_the_action_the_best_clause_restates_goes_first_and_the_rest_keeps_its_order():
    fused = np.array([2.0, 1.0, 2.3])
    assert action_first([2, 0, 1], fused, SECTIONS, LINKS, (0, 45), 0.5) == (0, 2, 1)


def test_no_swap_when_the_best_clause_judges_another_action():
    fused = np.array([2.0, 1.0, 2.3])
    assert action_first([2, 0, 1], fused, SECTIONS, LINKS, (46, 60), 0.5) == (2, 0, 1)


def test_no_swap_when_the_summary_leads_by_more_than_the_margin():
    fused = np.array([1.7, 1.0, 2.3])
    assert action_first([2, 0, 1], fused, SECTIONS, LINKS, (0, 45), 0.5) == (2, 0, 1)


def test_no_swap_unless_a_summary_is_first_and_an_action_second():
    fused = np.array([2.0, 1.9, 2.3])
    assert action_first([0, 2, 1], fused, SECTIONS, LINKS, (0, 45), 0.5) == (0, 2, 1)
    assert action_first([2], fused, SECTIONS, LINKS, (0, 45), 0.5) == (2,)
    assert action_first([2, 0], fused, SECTIONS, LINKS, None, 0.5) == (2, 0)


def test_margin_scale_is_the_best_fused_score_a_unit_can_get():
    score = RankConfig("s", {"en": {"a": 1.5, "b": 1.0, "c": 0.0}}, fusion="score")
    rrf = RankConfig("r", {"en": {"a": 1.0, "b": 1.0}}, fusion="rrf", rrf_k=60)
    assert top_score(score, "fr") == 2.5
    assert abs(top_score(rrf, "en") - 2 / 61) < 1e-12


def test_the_assistant_keeps_scores_falling_with_rank(fake_assistant):
    # whatever the order, the shown scores never rise with rank (the swap exchanges the fused scores too)
    for q in ("Which agency administers seized assets?", "pill press training", "¿Quién coordina el desarrollo alternativo?"):
        hits = fake_assistant.ask(q, k=5).passages
        assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.slow
def test_a_factual_question_cites_the_action_and_a_judgement_question_the_summary(real_assistant):
    # the summary of objective 10 restates who coordinates alternative development; the action states it
    fact = real_assistant.ask("Who coordinates alternative development programmes in Mexico?", k=3).passages
    assert [h.citation.section_id.split("/")[1] for h in fact[:2]] == ["pa-10.1", "summary-10"]
    assert fact[0].score >= fact[1].score >= fact[2].score
    judged = real_assistant.ask("What did CICAD conclude about the coordination of alternative development "
                                "programmes in Mexico?", k=3).passages
    assert judged[0].citation.section_id.endswith("/summary-10")
