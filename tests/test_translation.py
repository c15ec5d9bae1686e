"""Cross-lingual keyword search: a Spanish, Portuguese or French question's MEM terms, in the report's language."""
from __future__ import annotations

import json
import re

import numpy as np
import pytest

from memqa.configs import DEFAULT_CONFIG
from memqa.lexical import LexicalIndex, fold
from memqa.translation import TRANSLATIONS, Terminology, query_terms, terminology


def test_every_english_term_is_the_reports_wording_and_has_all_three_languages(mexico_corpus):
    rows = json.loads(TRANSLATIONS.read_text(encoding="utf-8"))["terms"]
    text = re.sub(r"\s+", " ", fold((mexico_corpus / "mem-2022-mexico.txt").read_text(encoding="utf-8")).lower())
    assert len(rows) >= 200
    missing = [t for t in rows if re.sub(r"\s+", " ", fold(t).lower()) not in text]
    assert missing == []
    for english, langs in rows.items():
        assert set(langs) == {"es", "pt", "fr"}, english
        assert all(p.strip() for ps in langs.values() for p in ps), english


def test_plurals_accents_and_word_order_inside_a_phrase():
    t = Terminology.of({"money laundering": {"es": ["lavado de dinero"], "pt": ["lavagem de dinheiro"],
                                             "fr": ["blanchiment d'argent"]},
                        "clandestine laboratories": {"es": ["laboratorios clandestinos"]}})
    assert t.translate("¿Cuántos LABORATORIO clandestino se desmantelaron?", "es", "en") == "clandestine laboratories"
    assert t.translate("Combate à lavagem de dinheiro", "pt", "en") == "money laundering"
    assert t.translate("lavagem de dinheiro", "pt", "fr") == "blanchiment d'argent"  # any pair of languages
    assert t.translate("dinero lavado", "es", "en") == ""  # a phrase is a run of words, in order
    assert t.translate("lavado de dinero", "es", "es") == ""  # nothing to translate


def test_a_longer_phrase_wins_over_the_shorter_one_inside_it():
    t = Terminology.of({"assets": {"es": ["bienes"]}, "seized assets": {"es": ["bienes decomisados"]}})
    assert t.translate("los bienes decomisados", "es", "en") == "seized assets"
    assert t.translate("los bienes y los bienes decomisados", "es", "en") == "seized assets assets"


def test_query_terms_add_the_translation_only_across_languages():
    q = query_terms("¿Qué hace la Secretaría de Marina con los buques sospechosos?", "es")
    assert q("es") == query_terms("¿Qué hace la Secretaría de Marina con los buques sospechosos?", "es")("es")
    assert {"navi", "vessel"} & q("en")  # "Secretaría de Marina" / "buques" in the report's English
    english = query_terms("Which agencies are ION focal points?", "en")
    assert english("en") == frozenset({"agenc", "ion", "focal", "point"})


def test_lexical_index_scores_each_document_with_the_query_in_its_language():
    ix = LexicalIndex.build(["seized and forfeited assets", "money laundering", "bienes decomisados"],
                            ["en", "en", "es"])
    s = ix.scores_in({"en": "seized assets", "es": "bienes"})
    assert s[0] > 0 and s[1] == 0 and s[2] > 0
    assert not ix.scores_in({"fr": "biens"}).any()  # no document in French


@pytest.mark.parametrize("question", [
    "¿Qué institución administra los bienes asegurados y decomisados?",
    "Quel organisme gère les biens saisis et confisqués ?",
])
def test_a_non_english_question_ranks_by_the_reports_terms(fake_assistant, question):
    """The fake encoder knows no Spanish or French; the translated terms alone bring the asset units up."""
    r = fake_assistant.retriever
    rk = fake_assistant.rank(question)
    x = rk.retrieval.unit_scores["xlex"]
    assets = [r.unit_index[i] for i in ("mexico-2022/pa-8.1", "mexico-2022/summary-8")]
    assert DEFAULT_CONFIG.for_language(rk.retrieval.lang).get("xlex", 0) > 0
    assert np.isfinite(x[assets]).all()
    best = np.argsort(-np.where(np.isfinite(x), x, -1))[:3]
    assert set(best) & set(assets)
    assert fake_assistant.sections[rk.order[0]].objective == 8


def test_english_questions_do_not_pay_for_translation(fake_assistant):
    rk = fake_assistant.rank("Which agencies are ION focal points?")
    assert "xlex" not in rk.retrieval.unit_scores


def test_the_file_loads_once():
    assert terminology() is terminology()


def test_answerability_reads_the_translated_terms_of_a_non_english_question(fake_assistant):
    es = fake_assistant.run("¿Qué institución administra los bienes asegurados y decomisados?").signals
    assert es["x_lex_top"] > 0 and 0 < es["x_idf_coverage"] <= 1
    off = fake_assistant.run("¿Quién ganó el Mundial de fútbol de 1986?").signals  # no MEM term
    assert off["x_lex_top"] == 0 and off["x_idf_coverage"] == 0
    en = fake_assistant.run("Which institution manages seized and forfeited assets?").signals
    assert en["x_lex_top"] == 0 and en["x_idf_coverage"] == 0  # English has its own lexical signals


@pytest.mark.parametrize("question, measure", [
    ("¿Cuánto tarda la expedición de un permiso de importación?", True),  # a duration, not a count of rows
    ("Quanto tempo leva a emissão de uma licença?", True),
    ("Combien de temps faut-il pour obtenir une licence ?", True),
    ("¿Cuántas leyes contemplan técnicas especiales de investigación?", False),
])
def test_a_duration_asked_in_any_language_is_not_counted_from_a_list(question, measure):
    from memqa.extract import MEASURE_RE

    assert bool(MEASURE_RE.search(question)) is measure
