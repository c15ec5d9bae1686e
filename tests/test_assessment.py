"""Evaluative-summary verdicts: status wording, clause cutting, ordered alignment, roll-up, gold, real e5."""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from memqa.assessment import (
    AlignConfig,
    Assessment,
    Clause,
    Link,
    align,
    assessments,
    assessments_from_json,
    assessments_to_json,
    decode,
    link,
    links_from_json,
    links_to_json,
    score_alignment,
    summary_clauses,
)
from memqa.corpus import read_meta
from memqa.parsing import parse_report
from memqa.types import ReportMeta
from memqa.verdicts import STATUSES, combine, status_of

ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "corpus" / "mem-2022-mexico.txt"
GOLD = ROOT / "eval" / "assessment_gold.jsonl"

META = ReportMeta("ruritania-2022", "mem-2022-ruritania.txt", "Ruritania", 2022, "Eighth", "Supply reduction",
                  "CICAD/doc.0000/22", "Ruritania 2022")
SYNTH = """OAS

MULTILATERAL EVALUATION MECHANISM (MEM)

PREFACE

The MEM is a multilateral evaluation tool.

OBJECTIVE
1

REDUCE THE ILLICIT SUPPLY OF DRUGS.

Priority Action 1.1: Train customs officers in canine detection.

Ruritania trains customs officers in canine detection of narcotics.

Priority Action 1.2: Dismantle clandestine laboratories.

Ruritania has no protocol to dismantle clandestine laboratories.

Priority Action 1.3: Use the PEN Online system.

Priority Action 1.4: Use the PICS system.

Ruritania uses PEN Online and PICS for pre-export notifications of precursor chemicals.

OBJECTIVE
2

MITIGATE THE ENVIRONMENTAL IMPACT.

Priority Action 2.1: Conduct environmental research.

Ruritania did not conduct environmental research.

Priority Action 2.2: Design mitigation plans.

Not applicable.

EVALUATIVE SUMMARY

Objective 1

Reduce the illicit supply of drugs.

CICAD notes with satisfaction that Ruritania trains customs officers in canine detection. However, CICAD observes that Ruritania has not established a protocol to dismantle clandestine laboratories; moreover, the clandestine laboratories lack safety equipment. CICAD notes that Ruritania uses PEN Online and PICS for pre-export notifications.

Objective 2

Mitigate the environmental impact.

CICAD notes that Ruritania has not conducted environmental research, therefore, the priority actions of this objective are not applicable.
"""


@pytest.fixture(scope="module")
def synth():
    return parse_report(SYNTH, META).sections


def summary_of(sections, objective):
    return next(s for s in sections if s.kind == "evaluative_summary" and s.objective == objective)


def actions_of(sections, objective):
    return [s for s in sections if s.kind == "priority_action" and s.objective == objective]


# --------------------------------------------------------------------------------------------- status
@pytest.mark.parametrize("text, lang, expected", [
    ("CICAD notes with satisfaction that Mexico has an early warning system.", "en", "positive"),
    ("CICAD observes that the country carries out regular inspections.", "en", "positive"),
    ("Mexico has established partnerships with the financial industries.", "en", "positive"),
    ("CICAD notes that the country does not use the INCB's I2ES system.", "en", "gap"),
    ("the country has not established mechanisms for interinstitutional cooperation.", "en", "gap"),
    ("However, communities and target groups do not participate in the design.", "en", "gap"),
    ("No mechanism to share information exists.", "en", "gap"),
    ("The country lacks a national information system.", "en", "gap"),
    ("The country operates without an early warning system.", "en", "gap"),
    ("legislation which includes four of the five control measures in paragraph 9.", "en", "partial"),
    ("legislation which includes five of the five control measures in paragraph 9.", "en", "positive"),
    ("The country partially implements the Model Regulations.", "en", "partial"),
    ("Mexico does not consider licit traditional uses; however, it includes environmental measures.", "en", "partial"),
    ("The country has a system; however, it only covers two ports.", "en", "partial"),
    ("the priority actions of this objective are not applicable.", "en", "not_applicable"),
    ("However, CICAD notes with satisfaction that Mexico supports crime prevention.", "en", "positive"),
    ("not only does the country train its staff, it also certifies them.", "en", "positive"),
    ("CICAD observa con satisfacción que México cuenta con un sistema de alerta temprana.", "es", "positive"),
    ("CICAD observa que el país no cuenta con un sistema de alerta temprana.", "es", "gap"),
    ("el país no ha establecido mecanismos de cooperación.", "es", "gap"),
    ("El país carece de un sistema nacional de información.", "es", "gap"),
    ("No obstante, CICAD observa con satisfacción que el país apoya programas.", "es", "positive"),
    ("la legislación incluye cuatro de las cinco medidas de control del párrafo 9.", "es", "partial"),
    ("El país implementa parcialmente el Reglamento Modelo.", "es", "partial"),
    ("El país no utiliza el sistema I2ES; sin embargo, recibe capacitación.", "es", "partial"),
    ("por lo tanto, las acciones prioritarias de este objetivo no aplican.", "es", "not_applicable"),
    ("Esta acción prioritaria no corresponde.", "es", "not_applicable"),
    ("A CICAD observa que o país não utiliza o sistema I2ES.", "pt", "gap"),
    ("A CICAD observa com satisfação que o país tem um sistema de alerta.", "pt", "positive"),
    ("as ações prioritárias deste objetivo não se aplicam.", "pt", "not_applicable"),
    ("La CICAD note que le pays n'utilise pas le système I2ES.", "fr", "gap"),
    ("La CICAD note avec satisfaction que le pays dispose d'un système d'alerte.", "fr", "positive"),
    ("les actions prioritaires de cet objectif sont sans objet.", "fr", "not_applicable"),
    ("", "en", "none"),
])
def test_status_of(text, lang, expected):
    assert status_of(text, lang) == expected


def test_status_of_unknown_language_uses_every_cue_set():
    assert status_of("el país no cuenta con un sistema", "xx") == "gap"
    assert status_of("the country has a system", "xx") == "positive"


@pytest.mark.parametrize("statuses, expected", [
    (["positive", "positive"], "positive"),
    (["gap"], "gap"),
    (["positive", "gap"], "partial"),
    (["partial", "positive"], "partial"),
    (["gap", "not_applicable"], "gap"),
    (["not_applicable", "not_applicable"], "not_applicable"),
    (["none"], "none"),
    ([], "none"),
])
def test_combine(statuses, expected):
    assert combine(statuses) == expected


# -------------------------------------------------------------------------------------------- clauses
def test_summary_clauses_cut_sentences_and_turns(synth):
    s = summary_of(synth, 1)
    clauses = summary_clauses(s)
    assert [c.text for c in clauses] == [
        "CICAD notes with satisfaction that Ruritania trains customs officers in canine detection.",
        "However, CICAD observes that Ruritania has not established a protocol to dismantle clandestine laboratories;",
        "moreover, the clandestine laboratories lack safety equipment.",
        "CICAD notes that Ruritania uses PEN Online and PICS for pre-export notifications.",
    ]
    assert all(s.text[c.start : c.end] == c.text and c.objective == 1 for c in clauses)
    assert summary_clauses(summary_of(synth, 2))[1].text == (
        "therefore, the priority actions of this objective are not applicable.")


def test_short_piece_stays_with_its_sentence(synth):
    s = summary_of(synth, 1)
    s = type(s)(**{**s.__dict__, "text": s.text[: s.body_start] + "Ruritania has A; and B."})
    assert [c.text for c in summary_clauses(s)] == ["Ruritania has A; and B."]


# ------------------------------------------------------------------------------------------- decoding
def test_decode_keeps_summary_order():
    z = np.array([[3.0, 0.0, 0.0], [0.0, 0.0, 3.0], [0.0, 2.0, 0.0]])
    assert decode(z, AlignConfig(ordered=False)) == [(0,), (2,), (1,)]
    # In order, row 2 cannot go back to action 1: it stays on 2 (or row 1 waits on 1): 3+2+0 vs 3+3+0-0.5
    assert decode(z) == [(0,), (2,), (2,)]


def test_decode_pairs_none_and_skips():
    z = np.array([[2.0, 0.0, 0.0], [0.0, 2.5, 2.4]])
    assert decode(z) == [(0,), (1, 2)]
    assert decode(z, AlignConfig(pair_cost=3.0)) == [(0,), (1,)]
    assert decode(np.array([[-3.0, -3.0], [2.0, 0.0]])) == [(), (0,)]  # an intro sentence judges nothing
    assert decode(np.array([[1.0, 0.0]]), skip=[True]) == [()]


def test_align_config_rejects_a_span_below_one():
    from memqa.errors import SettingsError

    with pytest.raises(SettingsError, match="use 1 or more"):
        AlignConfig(max_span=0)


def test_link_merges_pieces_of_one_sentence_and_maps_general_not_applicable(synth):
    s, actions = summary_of(synth, 2), actions_of(synth, 2)
    clauses = summary_clauses(s)
    links = link(s, actions, clauses, np.array([[2.0, 1.0], [0.0, 0.0]]), lang="en")
    assert [(x.priority_actions, x.status) for x in links] == [(("2.1",), "gap"), (("2.1", "2.2"), "not_applicable")]
    s1, a1 = summary_of(synth, 1), actions_of(synth, 1)
    scores = np.array([[3.0, 0, 0], [0, 3.0, 0], [0, 1.0, 0], [0, 0, 3.0]])
    links = link(s1, a1, summary_clauses(s1), scores, lang="en")
    assert [(x.priority_actions, x.status) for x in links] == [
        (("1.1",), "positive"), (("1.2",), "gap"), (("1.3", "1.4"), "positive")]
    assert links[1].clause.text.endswith("lack safety equipment.") and links[1].score == 2.0


# ---------------------------------------------------------------------------------- align (fake model)
def test_align_with_fake_encoder(synth, fake_encoder):
    links = align(summary_of(synth, 1), actions_of(synth, 1), fake_encoder, lang="en")
    assert [(x.priority_actions, x.status) for x in links] == [
        (("1.1",), "positive"), (("1.2",), "gap"), (("1.3", "1.4"), "positive")]
    assert align(summary_of(synth, 1), [], fake_encoder)[0].status == "none"


def test_assessments_roll_up_per_heading(synth, fake_encoder):
    got = assessments(synth, fake_encoder)
    assert {k: a.status for k, a in got.items()} == {
        "ruritania-2022/pa-1.1": "positive", "ruritania-2022/pa-1.2": "gap", "ruritania-2022/pa-1.3": "positive",
        "ruritania-2022/pa-1.4": "positive", "ruritania-2022/pa-2.1": "gap", "ruritania-2022/pa-2.2": "not_applicable"}
    assert got["ruritania-2022/pa-1.3"].links == got["ruritania-2022/pa-1.4"].links
    assert len(got["ruritania-2022/pa-2.1"].links) == 2


def test_known_passages_are_not_encoded_again(synth, fake_encoder):
    from memqa.assessment import KnownPassages, action_pieces

    pieces = [p for a in actions_of(synth, 1) for p in action_pieces(a)]
    known = dict(zip(pieces[1:], fake_encoder.encode(pieces[1:])))
    calls = []

    class Counting:
        id, name, dim, max_tokens = "fake", "fake", fake_encoder.dim, 256

        def encode(self, texts, *, kind="passage"):
            calls.append((kind, list(texts)))
            return fake_encoder.encode(texts, kind=kind)

    reuse = KnownPassages(Counting(), known)
    assert np.allclose(reuse.encode(pieces), fake_encoder.encode(pieces))
    assert calls == [("passage", pieces[:1])]
    plain = align(summary_of(synth, 1), actions_of(synth, 1), fake_encoder, lang="en")
    assert align(summary_of(synth, 1), actions_of(synth, 1), reuse, lang="en") == plain


def test_assessments_without_summary_are_none(synth, fake_encoder):
    got = assessments([s for s in synth if s.kind != "evaluative_summary"], fake_encoder)
    assert {a.status for a in got.values()} == {"none"} and all(not a.links for a in got.values())


def test_json_round_trip(synth, fake_encoder):
    got = assessments(synth, fake_encoder)
    data = json.loads(json.dumps(assessments_to_json(got)))
    assert assessments_from_json(data) == got
    links = got["ruritania-2022/pa-1.2"].links
    assert links_from_json(json.loads(json.dumps(links_to_json(links)))) == links


# ----------------------------------------------------------------------------------------- evaluation
def test_score_alignment_by_hand():
    a, b = Clause(1, 0, 5, "A has\nX."), Clause(1, 6, 11, "B has Y.")
    pred = [Link(a, ("1.1",), "positive", 0.9), Link(b, ("1.3",), "gap", 0.8)]
    gold = [{"objective": 1, "clause": "A has X.", "priority_actions": ["1.1"], "status": "positive"},
            {"objective": 1, "clause": "B has Y.", "priority_actions": ["1.2"], "status": "gap"},
            {"objective": 1, "clause": "C has Z.", "priority_actions": ["1.3"], "status": "positive"}]
    assert score_alignment(pred, gold) == {"alignment_accuracy": 1 / 3, "status_accuracy": 2 / 3,
                                           "clause_accuracy": 2 / 3, "clauses": 3.0}


@pytest.fixture(scope="module")
def mexico():
    return parse_report(REPORT.read_text(encoding="utf-8"), read_meta(REPORT))


@pytest.fixture(scope="module")
def gold():
    return [json.loads(x) for x in GOLD.read_text(encoding="utf-8").splitlines() if x.strip()]


def test_gold_is_verbatim_and_complete(mexico, gold):
    headings = {h.number for h in mexico.headings}
    for g in gold:
        assert g["clause"] in mexico.text, g["clause"][:60]
        assert g["status"] in STATUSES
        assert all(p in headings and p.split(".")[0] == str(g["objective"]) for p in g["priority_actions"])
    for s in (x for x in mexico.sections if x.kind == "evaluative_summary"):
        mine = " ".join(g["clause"] for g in gold if g["objective"] == s.objective)
        assert mine.split() == s.text[s.body_start :].split(), f"objective {s.objective}"
    assert {g["objective"] for g in gold} == set(range(1, 13))


def test_status_of_agrees_with_gold_wording(gold):
    assert [status_of(g["clause"]) for g in gold] == [g["status"] for g in gold]


# ---------------------------------------------------------------------------------------- real model
@pytest.mark.slow
def test_real_e5_alignment_meets_the_goals(mexico, gold):
    from memqa.encoders import load_encoder

    got = assessments(mexico.sections, load_encoder("e5"))
    links = {id(x): x for a in got.values() for x in a.links}.values()
    scores = score_alignment(links, gold)
    assert scores["alignment_accuracy"] >= 0.95, scores
    assert scores["status_accuracy"] >= 0.97, scores
    assert got["mexico-2022/pa-10.6"].status == "gap"
    assert got["mexico-2022/pa-9.3"].status == "partial"
    assert {got[f"mexico-2022/pa-11.{i}"].status for i in (2, 3)} == {"not_applicable"}
    assert isinstance(got["mexico-2022/pa-12.4"], Assessment) and got["mexico-2022/pa-12.4"].status == "positive"


@pytest.mark.slow
def test_real_e5_judges_every_priority_action_of_the_spanish_fixture():
    """Its summary judges 1.1 and 1.2 in one sentence (", y que los organismos..."): both get a verdict."""
    from memqa.encoders import load_encoder

    fixture = ROOT / "tests" / "fixtures" / "mem-2022-mexico-es.txt"
    meta = ReportMeta("mexico-2022-es", fixture.name, "Mexico", 2022, "Octava", "Oferta", "CICAD/doc", "Informe", "es")
    report = parse_report(fixture.read_text(encoding="utf-8"), meta)
    got = assessments(report.sections, load_encoder("e5"))
    assert got and all(a.status != "none" for a in got.values()), {k: a.status for k, a in got.items()}
    assert "género" in " ".join(x.clause.text for x in got["mexico-2022-es/pa-1.2"].links)
    assert "laboratorios" not in " ".join(x.clause.text for x in got["mexico-2022-es/pa-1.2"].links)
