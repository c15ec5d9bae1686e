"""Regression gate: the default ranking on the gold set with the real models must not fall below
the thresholds recorded in eval/thresholds.json (raised deliberately, never lowered silently)."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from memqa.evaluate import load_gold, run_eval

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def gate():
    return json.loads((ROOT / "eval" / "thresholds.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def result(real_assistant, gate):
    gold = load_gold(ROOT / gate["gold"])
    return run_eval(real_assistant, gold, [gate["config"]])["configs"][gate["config"]]


def test_overall_quality_meets_recorded_thresholds(result, gate):
    low = {m: result["overall"][m] for m, t in gate["min"].items() if result["overall"][m] < t}
    assert not low, f"quality fell below eval/thresholds.json: {low} (thresholds {gate['min']})"


def test_non_english_quality_meets_recorded_thresholds(result, gate):
    got = result["by_group"]["lang=non-en"]
    low = {m: got[m] for m, t in gate["min_non_english"].items() if got[m] < t}
    assert not low, f"non-English quality fell below eval/thresholds.json: {low}"


def test_abstention_rates_meet_recorded_thresholds(result, gate):
    a = gate["abstention"]
    assert result["abstention_unanswerable"] >= a["min_abstain_unanswerable"]
    assert result["false_abstention_answerable"] <= a["max_false_abstain"]


def test_direct_answers_hold_a_gold_answer_unit(result, gate):
    assert result["answer_accuracy"] >= gate["min_answer_accuracy"], (
        f"answer accuracy {result['answer_accuracy']:.3f} fell below {gate['min_answer_accuracy']}")


def test_yes_no_answers_read_the_evidence_the_right_way(real_assistant, gate):
    """Yes/no questions (English, Spanish, Portuguese, French; tables and "did CICAD find gaps?" among them):
    the answer's yes/no is the expected one."""
    gold = load_gold(ROOT / gate["yes_no"]["gold"])
    got = run_eval(real_assistant, gold, [gate["config"]])["configs"][gate["config"]]
    assert got["n_yes_no"] >= 30
    assert got["yes_no_accuracy"] >= gate["yes_no"]["min_accuracy"], got["yes_no_accuracy"]
