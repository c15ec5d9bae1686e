"""Answerability: each feature table-driven, the calibration record checked on load, the verdict
independent of k, and the country vocabulary taken from the index rather than from code."""
from __future__ import annotations

import json

import pytest

from memqa.answerability import (
    CALIBRATION,
    FEATURES,
    PERSON_RE,
    QUANTITY_RE,
    asks_opinion,
    asks_other_report,
    features,
    has_quantity,
    judge,
    key_terms,
    load_calibration,
    probability,
)
from memqa.errors import CalibrationError
from memqa.vocabulary import countries_named, country_aliases

META = {"year": 2022, "round": "Eighth Evaluation Round", "country": "Mexico"}


@pytest.mark.parametrize("text, expected", [
    ("219 operations were carried out", True),
    ("on January 7, 2020 (CNDH 43/19)", False),
    ("in 2019 and 2021", False),
    ("1,234 kilograms", True),
    ("no number here", False),
])
def test_has_quantity(text, expected):
    assert has_quantity(text) is expected


@pytest.mark.parametrize("question, own, expected", [
    ("Which agencies in Mexico use PEN Online since 2019?", {"mexico"}, ["PEN", "Online", "2019"]),
    ("Does Ruritania use I2ES?", {"ruritania"}, ["I2ES"]),
    ("Does Ruritania use I2ES?", set(), ["Ruritania", "I2ES"]),  # another country's name stays a key term
    ("What does CICAD say about the OAS?", set(), []),
])
def test_key_terms_drop_the_reports_countries_and_the_mem_names(question, own, expected):
    assert key_terms(question, frozenset(own)) == expected


@pytest.mark.parametrize("question, expected", [
    ("What did the 2019 MEM evaluation say?", True),
    ("What did the seventh round report find?", True),
    ("MEM 2022 findings on precursors", False),
    ("eighth round recommendations", False),
    ("What happened in 2019?", False),  # a year alone is not another report
    ("¿Qué dijo la evaluación de la séptima ronda?", True),
    ("What is planned for the 2024 stage of the eighth evaluation round?", False),  # this round's schedule
    ("¿Qué área temática se evaluó en 2021, primer año de la octava ronda del MEM?", False),
    ("Qu'a recommandé le deuxième cycle d'évaluation du MEM au Mexique ?", True),  # French ordinals
    ("Quais foram as recomendações do quinto ciclo de avaliação do MEM?", True),  # Portuguese ordinals
    ("What did the 5th round of the MEM find?", True),
])
def test_asks_other_report(question, expected):
    assert asks_other_report(question, META) is expected


@pytest.mark.parametrize("question, quantity, person", [
    ("How many laboratories were dismantled?", True, False),
    ("¿Cuántos laboratorios?", True, False),
    ("Combien de saisies?", True, False),
    ("Who heads the National Guard?", False, True),
    ("¿Quién dirige la FGR?", False, True),
    ("Which agencies are ION focal points?", False, False),
    ("What was the National Guard's counternarcotics budget for 2022?", True, False),  # a money amount
    ("¿Cuál es el presupuesto anual del programa?", True, False),
    ("What is the street price of methamphetamine?", True, False),
    ("Quel est le budget de la COFEPRIS en pesos ?", True, False),
    ("Which agency administers seized assets?", False, False),
    ("¿Cuál es el valor total de los bienes asegurados?", True, False),
    ("Qual é o número de laboratórios desmantelados?", True, False),
    ("Quelle est la valeur des biens saisis ?", True, False),
])
def test_question_patterns(question, quantity, person):
    assert bool(QUANTITY_RE.search(question)) is quantity
    assert bool(PERSON_RE.search(question)) is person


@pytest.mark.parametrize("question, money", [
    ("What is INDEP's annual budget in pesos?", True),
    ("Quel est le budget annuel de la COFEPRIS ?", True),
    ("How much does an import licence cost?", True),
    ("How many operations were carried out?", False),  # a number of things: any stated number answers
])
def test_an_amount_of_money_needs_a_sum_of_money(question, money):
    from memqa.answerability import MONEY_Q_RE, has_money, has_quantity

    assert bool(MONEY_Q_RE.search(question)) is money
    assert has_quantity("219 operations") and not has_money("219 operations")  # a number, not a sum of money


def test_country_vocabulary_comes_from_the_data_file():
    assert {"mexico", "mexican", "mexique", "mexicano"} <= country_aliases(["Mexico"])
    assert country_aliases(["Ruritania"]) == frozenset({"ruritania"})  # unknown: its own name
    assert countries_named("¿México usa el sistema I2ES?") == {"Mexico": "mexico"}  # "usa" is a verb here
    assert set(countries_named("Compare Peru and Costa Rica")) == {"Peru", "Costa Rica"}


def test_other_country_feature_uses_the_index_metadata(fake_assistant):
    def feats(q):
        ranking = fake_assistant.rank(q)
        return features(q, ranking.retrieval, fake_assistant.retriever, list(ranking.order),
                        fake_assistant.report_metas)

    assert feats("How does Paraguay train customs officers?")["other_country"] == 1.0
    assert feats("How does Mexico train customs officers?")["other_country"] == 0.0
    assert set(feats("pill press training")) == set(FEATURES)


def test_a_count_read_off_a_list_is_no_quantity_gap(fake_assistant):
    r = fake_assistant.retriever
    lst = r.unit_index["mexico-2022/pa-2.4"]  # "Several agencies function as focal points, including:" + 4 items
    prose = next(i for i, s in enumerate(fake_assistant.sections)
                 if s.kind == "priority_action" and not any(r.segments[g].kind in ("item", "row") for g in r.segments_of(i))
                 and not any(ch.isdigit() for ch in s.text[s.body_start:]))

    def gap(q, unit):
        ranking = fake_assistant.rank(q)
        return features(q, ranking.retrieval, r, [unit], fake_assistant.report_metas)["quantity_gap"]

    assert gap("How many agencies are ION focal points?", lst) == 0.0
    assert gap("How many agencies are ION focal points?", prose) == 1.0
    assert gap("What is the budget of the ION focal points?", lst) == 1.0  # an amount is not counted off a list
    # a list of something else is no count of the thing asked about ...
    assert gap("How many laboratories were dismantled in 2021?", lst) == 1.0
    # ... unless the question itself counts what a list or table shows
    assert gap("How many bodies are listed as ION focal points?", lst) == 0.0


def test_a_year_after_the_report_that_the_unit_does_not_name(fake_assistant):
    r = fake_assistant.retriever
    pa = r.unit_index["mexico-2022/pa-8.1"]
    preface = next(i for i, s in enumerate(fake_assistant.sections) if s.kind == "preface" and "2023" in s.text)

    def after(q, unit):
        ranking = fake_assistant.rank(q)
        return features(q, ranking.retrieval, r, [unit], fake_assistant.report_metas)["after_report"]

    assert after("What did INDEP do with seized assets in 2023?", pa) == 1.0  # the 2022 report cannot know
    assert after("What did INDEP do with seized assets in 2021?", pa) == 0.0
    assert after("Which thematic area is evaluated in 2023?", preface) == 0.0  # the round's schedule names it


@pytest.mark.parametrize("question, expected", [
    ("Should Mexico legalize recreational cannabis?", True),
    ("Is the National Guard more effective than the old Federal Police?", True),
    ("Was it a good idea to create the Financial Guard?", True),
    ("¿Fue acertada la decisión de crear la Guardia Nacional?", True),
    ("A política de drogas do México funciona bem?", True),
    ("¿Es eficaz la Guardia Nacional en la lucha contra el narcotráfico?", True),
    ("Are performance indicators used to measure how effective the programmes are?", False),
    ("Le Mexique devrait-il dépénaliser la possession ?", True),
    ("Did CICAD consider the asset management agency adequately resourced?", False),  # CICAD's judgement
    ("Does Mexico measure the effectiveness of its programmes with indicators?", False),
    ("Who decides which chemicals should be put under control?", False),
    ("What are the Prosecution Working Groups?", False),
    ("Is Mexico's drug policy actually effective at reducing violence?", True),  # a possessive in between
    ("Le Mexique en fait-il assez pour lutter contre les cartels ?", True),
    ("Does Mexico do enough against the cartels?", True),
    ("Which country bears the most blame for the drug violence?", True),
    ("Is the National Guard better at fighting drug trafficking than the Federal Police was?", True),
    ("Vale a pena investir em desenvolvimento alternativo?", True),
    ("Does Mexico share enough information through PICS?", False),  # "enough" that is not the verdict asked
    ("Does the report say whether Mexico's penalties are enough?", False),  # what the report states
    ("¿Qué opina la CICAD sobre el narcomenudeo?", False),  # CICAD's assessment is in the report
    ("What is CICAD's opinion on micro-trafficking?", False),
    ("Is CICAD too lenient in its assessment of Mexico?", True),  # the reader's verdict on CICAD
])
def test_opinion_questions(question, expected):
    assert asks_opinion(question) is expected


def test_the_answer_model_signals_are_probabilities(fake_assistant):
    ranking = fake_assistant.rank("Which agencies are ION focal points?")
    f = features(ranking.question, ranking.retrieval, fake_assistant.retriever, list(ranking.order),
                 fake_assistant.report_metas)
    assert 0.0 < f["answer_p"] <= 1.0 and 0.0 <= f["answer_in_top"] <= 1.0


def test_the_verdict_does_not_depend_on_k(fake_assistant):
    for q in ["Which agencies are ION focal points?", "drug treatment for adolescents", "pill press training"]:
        verdicts = {(a.answerable, a.confidence) for a in (fake_assistant.ask(q, k=k) for k in (1, 3, 5, 20))}
        assert len(verdicts) == 1, q


def test_a_filter_that_leaves_nothing_is_not_an_answer(fake_assistant):
    a = fake_assistant.ask("training", objective=12, kind="preface")
    assert (a.answerable, a.confidence, a.passages) == (False, "low", ())
    assert "filters" in a.notice


def test_high_needs_both_cuts(fake_assistant):
    """'high' needs p(answerable) >= high_answerable *and* p(top answers) >= high; either alone is 'medium'."""
    import dataclasses

    calib = load_calibration()
    q = "Which agencies are ION focal points?"
    r = fake_assistant.rank(q)

    def conf(**cuts):
        c = dataclasses.replace(calib, threshold=0.0, **cuts)
        return judge(q, r.retrieval, fake_assistant.retriever, list(r.order), fake_assistant.report_metas, c).confidence

    assert conf(high_answerable=0.0, high=0.0) == "high"
    assert conf(high_answerable=1.01, high=0.0) == "medium"
    assert conf(high_answerable=0.0, high=1.01) == "medium"


# ------------------------------------------------------------------ the calibration record
def test_the_packaged_calibration_loads_and_names_its_encoder():
    c = load_calibration()
    assert c.features == FEATURES and c.encoder == "e5" and 0 < c.threshold < c.high_answerable < 1
    assert 0 < c.high < 1
    assert 0.0 <= probability(dict.fromkeys(FEATURES, 0.0), c) <= 1.0


@pytest.mark.parametrize("edit, fragment", [
    (lambda d: d.pop("format"), "is not a memqa-calibration"),
    (lambda d: d.update(features=d["features"][:-1]), "other features"),
    (lambda d: d.pop("coef"), "lacks"),
    (lambda d: d["mean"].pop("dense_top"), "lacks"),
])
def test_a_calibration_that_does_not_fit_the_code_is_refused(tmp_path, edit, fragment):
    d = json.loads(CALIBRATION.read_text(encoding="utf-8"))
    edit(d)
    path = tmp_path / "calibration.json"
    path.write_text(json.dumps(d), encoding="utf-8")
    with pytest.raises(CalibrationError, match=fragment) as e:
        load_calibration(path)
    assert "python eval/calibrate.py" in str(e.value)


def test_a_calibration_for_another_encoder_is_refused_when_checked():
    with pytest.raises(CalibrationError, match="fitted on 'e5' scores"):
        load_calibration(CALIBRATION, encoder="minilm")


def test_a_missing_or_corrupt_calibration_names_the_fix(tmp_path):
    with pytest.raises(CalibrationError, match="python eval/calibrate.py"):
        load_calibration(tmp_path / "none.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{", encoding="utf-8")
    with pytest.raises(CalibrationError, match="unreadable"):
        load_calibration(bad)


@pytest.mark.parametrize("question, area", [
    ("Which school-based drug prevention programmes does Mexico run?", "demand_reduction"),
    ("¿Qué programas de prevención escolar tiene México?", "demand_reduction"),
    ("Quels programmes de prévention en milieu scolaire le Mexique met-il en œuvre ?", "demand_reduction"),
    ("What is the prevalence of cocaine use among adults?", "research"),
    ("O México oferece salas de consumo supervisionado para usuários de drogas?", "demand_reduction"),
    ("¿Qué programas de prevención del consumo de drogas en el ámbito laboral tiene México?", "demand_reduction"),
    ("How does Mexico prevent the diversion of precursor chemicals?", None),  # "prevent" alone is this report's
    ("Does Mexico train personnel to detect clandestine laboratories?", None),
])
def test_other_thematic_areas_from_word_sets(question, area):
    from memqa.vocabulary import other_areas_named

    got = other_areas_named(question, ["supply_reduction"])
    assert (next(iter(got), None)) == area, got


@pytest.mark.parametrize("question", ["x", "q", "?", "¿?"])
def test_a_question_with_no_word_to_search_is_not_answered(fake_assistant, question):
    a = fake_assistant.ask(question, k=1)
    assert a.answerable is False and a.answer is None and "no word memqa can search for" in a.notice


def test_the_most_specific_scope_marker_decides(fake_assistant):
    """"drug observatory" occurs in the report (CICAD's own observatory); a *national* one is another area's."""
    a = fake_assistant.ask("Does Mexico have a national drug observatory?", k=1)
    assert a.answerable is False and "national drug observatory" in a.notice and "Research" in a.notice


def test_a_country_the_report_names_elsewhere_is_not_the_subject_of_the_answering_unit(fake_assistant):
    def feats(q):
        ranking = fake_assistant.rank(q)
        return features(q, ranking.retrieval, fake_assistant.retriever, list(ranking.order),
                        fake_assistant.report_metas)

    # the report names the United States (the bilateral meeting), not in its early-warning unit
    r = fake_assistant.retriever
    ews = r.unit_index["mexico-2022/pa-2.1"]
    assert "united states" not in fake_assistant.sections[ews].text.lower()
    ranking = fake_assistant.rank("Does the United States have an early warning system?")
    f = features(ranking.question, ranking.retrieval, r, [ews, *[u for u in ranking.order if u != ews]],
                 fake_assistant.report_metas)
    assert f["other_country"] == 1.0
    meeting = next(i for i, s in enumerate(fake_assistant.sections) if "heads of the following agencies of the United"
                   in s.text)
    ranking = fake_assistant.rank("Which United States agencies attended the bilateral meeting?")
    f = features(ranking.question, ranking.retrieval, r, [meeting, *[u for u in ranking.order if u != meeting]],
                 fake_assistant.report_metas)
    assert f["other_country"] == 0.0


def test_a_filter_that_hides_the_answer_says_where_it_is(fake_assistant, monkeypatch):
    """The filtered part does not answer, the whole library does: the notice names the unit outside the filters."""
    import memqa.assistant as A
    from memqa.answerability import NOTICE, Verdict

    ion = fake_assistant.retriever.unit_index["mexico-2022/pa-2.4"]

    def judge_stub(question, retrieval, retriever, order, reports, calib):
        return Verdict(True, "medium") if order and order[0] == ion else Verdict(False, "low", NOTICE)

    monkeypatch.setattr(A, "judge", judge_stub)
    q = "Which agencies are ION focal points?"
    assert fake_assistant.rank(q).order[0] == ion  # the whole library answers with PA 2.4
    a = fake_assistant.ask(q, objective=3)
    assert not a.answerable and a.notice.startswith(NOTICE)
    assert "Without the filters the best match is Priority Action 2.4 (objective 2" in a.notice
    # a filter that keeps the answer in scope adds nothing; an unfiltered refusal adds nothing
    assert fake_assistant.ask(q, objective=2).notice == ""
    monkeypatch.setattr(A, "judge", lambda *a: Verdict(False, "low", NOTICE))
    assert fake_assistant.ask(q, objective=3).notice == NOTICE


def test_a_refusal_says_why_when_a_signal_says_it_plainly():
    from memqa.answerability import NOTICE, _refusal

    reports = {"mexico-2022": {"country": "Mexico", "year": 2022}}
    assert "opinion" in _refusal("Should Mexico legalize cannabis?", {"asks_opinion": 1.0}, reports)
    after = _refusal("What did INDEP do in 2023?", {"after_report": 1.0}, reports)
    assert "2023, after this report (Mexico 2022)" in after
    assert _refusal("How many hectares were eradicated?", {}, reports) == NOTICE


@pytest.mark.parametrize("question, text, answered", [
    ("How many kilos of heroin were seized in 2022?", "219 operations were carried out in 2022.", False),
    ("How many kilos of heroin were seized in 2022?", "Authorities seized 1,234 kilograms of heroin.", True),
    ("¿Cuántas toneladas de cocaína se decomisaron?", "Se decomisaron 3.5 toneladas.", True),
    ("Combien d'hectares de pavot ont été éradiqués ?", "12 000 ha de pavot ont été éradiqués.", True),
])
def test_a_weight_volume_or_area_needs_a_number_with_its_unit(question, text, answered):
    from memqa.answerability import MEASURE_Q_RE, has_measure

    assert MEASURE_Q_RE.search(question)
    assert has_measure(text) is answered


def test_asks_person_means_the_holder_of_a_position_not_the_body_in_charge():
    from memqa.answerability import PERSON_RE

    holder = ["Who is the director of INDEP?", "Who was Mexico's Secretary of the Navy in 2020?",
              "Who heads the Financial Intelligence Unit?", "¿Quién es el comandante de la Guardia Nacional?",
              "Quem é o diretor da COFEPRIS?", "Qui est le directeur de l'INDEP ?"]
    body = ["Who is the competent authority for chemical controls?", "Who is in charge of seized assets?",
            "Who is the training meant for?", "Who ran the workshop on precursor destruction?",
            "¿Quién es responsable de los bienes incautados?"]
    assert all(PERSON_RE.search(q) for q in holder)
    assert not any(PERSON_RE.search(q) for q in body)


def test_other_thematic_area_covers_recovery_support_in_four_languages():
    from memqa.vocabulary import other_areas_named

    for q in ("What social reintegration services exist for drug users?",
              "¿Qué servicios de reinserción social hay?", "Quais serviços de apoio à recuperação existem?",
              "Quels dispositifs de réinsertion sociale existent ?"):
        assert "demand_reduction" in other_areas_named(q, {"supply_reduction"}), q
