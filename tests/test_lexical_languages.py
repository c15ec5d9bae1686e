"""BM25 in each report's language: Spanish, Portuguese and French stopwords and stems, a library that mixes
a Spanish and an English report (fake encoder), and indexes built before reports had languages."""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from conftest import TINY_META, TINY_REPORT
from memqa.assistant import Assistant
from memqa.build import build_index
from memqa.encoders import FakeEncoder
from memqa.lexical import LexicalIndex, QueryTerms, language_key, tokenize
from memqa.store import load_index

FIXTURES = Path(__file__).resolve().parent / "fixtures"
ES_META = {"report_id": "mexico-2022-es", "country": "Mexico", "year": 2022, "round": "Eighth Evaluation Round",
           "thematic_area": "Medidas de Control", "document_code": "CICAD/doc.2676/22",
           "title": "México: Informe de Evaluación sobre Políticas de Drogas 2022", "language": "es"}
# "once" is Spanish for eleven, and an English stopword.
ONCE = "México desmanteló once laboratorios clandestinos en 2021."


# --------------------------------------------------------------------------- the tokenizer
@pytest.mark.parametrize("lang, forms", [
    ("es", ["incautación", "incautaciones", "incautacion", "incautados", "incautar"]),
    ("es", ["capacitación", "capacitaciones", "Capacitacion"]),
    ("pt", ["apreensão", "apreensões", "apreensao", "apreensoes"]),
    ("pt", ["capacitação", "capacitações", "capacitar"]),
    ("pt", ["nacional", "nacionais"]),
    ("pt", ["lei", "leis"]),
    ("pt", ["lavagem", "lavagens"]),
    ("fr", ["saisie", "saisies", "saisir"]),
    ("fr", ["contrôle", "contrôles", "contrôlées", "controlees", "contrôler"]),
    ("fr", ["capacité", "capacités", "capacite"]),
])
def test_inflections_and_missing_accents_share_a_stem(lang, forms):
    stems = {tuple(tokenize(f, lang)) for f in forms}
    assert len(stems) == 1 and len(next(iter(stems))) == 1, stems


@pytest.mark.parametrize("lang, text", [
    ("es", "¿Cuáles son las acciones que el país tiene para los laboratorios?"),
    ("pt", "Quais são as ações que o país tem para os laboratórios?"),
    ("fr", "Quelles sont les actions que le pays a pour les laboratoires ?"),
])
def test_each_language_drops_its_own_stopwords(lang, text):
    assert len(tokenize(text, lang)) == 2  # "acciones"/"ações"/"actions" and "laboratorios"/...


def test_english_stopwords_do_not_apply_to_spanish():
    assert tokenize("once", "en") == []  # an English stopword ...
    assert tokenize("once laboratorios", "es") == ["once", "laboratori"]  # ... Spanish for "eleven"
    assert tokenize("de los para la", "es") == []
    assert tokenize("de los para la", "en") == ["de", "los", "para", "la"]  # English keeps them


def test_french_elisions_and_ligatures():
    assert tokenize("l’évaluation d'une manœuvre", "fr") == ["evalu", "manoeuvr"]


def test_acronyms_and_numbers_stay_whole_in_every_language():
    for lang in ("es", "pt", "fr"):
        toks = tokenize("INDEP 2021 I2ES CICAD/doc.2676/22", lang)
        assert toks[:2] == ["indep", "2021"] and toks[2].startswith("i2e") and "2676" in toks
        assert tokenize("i2es", lang) == tokenize("I2ES", lang) == toks[2:3]


@pytest.mark.parametrize("given, key", [("es", "es"), ("ES", "es"), ("pt-BR", "pt"), ("fr_CA", "fr"),
                                        ("Spanish", "es"), ("Português", "pt"), ("de", "en"), ("", "en")])
def test_report_language_metadata_gives_the_tokenizer(given, key):
    assert language_key(given) == key


def test_query_terms_are_tokenised_per_language_once():
    q = QueryTerms("¿Cuántas incautaciones de bienes?")
    assert q("es") == {"incaut", "bien"}
    assert "de" in q("en")  # English does not know Spanish stopwords
    assert q("es") is q("es")


# --------------------------------------------------------------------------- LexicalIndex
def test_each_document_is_scored_with_the_query_in_its_own_language():
    index = LexicalIndex.build(["los bienes incautados y decomisados", "once laboratorios clandestinos",
                                "seized assets and confiscated property", "training once a year"],
                               ["es", "es", "en", "en"])
    assert index.languages == ("es", "en")
    s = index.scores("incautaciones")
    assert s[0] > 0 and s[1:].tolist() == [0, 0, 0]
    s = index.scores("once")
    assert s[1] > 0 and s[3] == 0  # Spanish "once" counts; in the English document it is a stopword
    assert index.scores("de los para").tolist() == [0, 0, 0, 0]


def test_languages_survive_save_and_load(tmp_path):
    index = LexicalIndex.build(["bienes incautados", "seized assets", "apreensão de drogas"], ["es", "en", "pt"])
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical", 3)
    assert loaded.languages == ("es", "en", "pt")
    for q in ("incautaciones", "seizures assets", "apreensões"):
        assert loaded.scores(q).tolist() == index.scores(q).tolist()
    assert loaded.scores("apreensoes")[2] > 0


def test_an_index_saved_before_languages_loads_as_english(tmp_path):
    index = LexicalIndex.build(["seized assets", "canine training"])
    index.save(tmp_path / "lexical")
    (tmp_path / "lexical" / "languages.json").unlink()
    loaded = LexicalIndex.load(tmp_path / "lexical", 2)
    assert loaded.languages == ("en",)
    assert loaded.scores("canine").tolist() == index.scores("canine").tolist()


def test_a_languages_file_that_does_not_cover_the_passages_is_refused(tmp_path):
    LexicalIndex.build(["a b c", "d e f"], ["es", "en"]).save(tmp_path / "lexical")
    with pytest.raises(ValueError):
        LexicalIndex.load(tmp_path / "lexical", 3)


# --------------------------------------------------------------------------- a library in two languages
@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    """The Spanish fixture report (plus one sentence with "once") and the tiny English report."""
    d = tmp_path_factory.mktemp("bilingual")
    corpus = d / "corpus"
    corpus.mkdir()
    text = (FIXTURES / "mem-2022-mexico-es.txt").read_text(encoding="utf-8")
    anchor = "dirigidos al personal que participa en operaciones de interdicción."
    assert anchor in text
    (corpus / "mem-2022-mexico-es.txt").write_text(text.replace(anchor, f"{anchor} {ONCE}", 1), encoding="utf-8")
    (corpus / "mem-2022-mexico-es.json").write_text(json.dumps(ES_META, ensure_ascii=False), encoding="utf-8")
    (corpus / "mem-2022-ruritania.txt").write_text(TINY_REPORT, encoding="utf-8")
    (corpus / "mem-2022-ruritania.json").write_text(TINY_META, encoding="utf-8")
    index = d / "index"
    manifest = build_index(corpus, index, [FakeEncoder()])
    return corpus, index, manifest


def lexical_units(assistant, question: str) -> dict[str, float]:
    """Best BM25 score per unit id for ``question`` (units with no match left out)."""
    lex = assistant.retriever.lexical.scores(question)
    out: dict[str, float] = {}
    for i, p in enumerate(assistant.passages):
        if lex[i] > 0:
            out[p.section_id] = max(out.get(p.section_id, 0.0), float(lex[i]))
    return out


@pytest.fixture(scope="module")
def bilingual_assistant(bilingual):
    corpus, index, _ = bilingual
    return Assistant.load(index, encoders=[FakeEncoder()], corpus_dir=corpus, calibration=None)


def test_the_manifest_counts_passages_per_language(bilingual):
    _, index, m = bilingual
    by_lang = m["lexical"]["passages_by_language"]
    assert set(by_lang) == {"es", "en"} and sum(by_lang.values()) == m["counts"]["passages"]
    assert json.loads((index / "lexical" / "languages.json").read_text())["languages"].keys() == {"es", "en"}


@pytest.mark.parametrize("question", ["incautaciones", "¿Cuántas incautaciones hubo?", "incautacion de bienes",
                                      "bienes incautados"])
def test_a_spanish_query_matches_spanish_inflections_in_the_spanish_report(bilingual_assistant, question):
    found = lexical_units(bilingual_assistant, question)
    assert {"mexico-2022-es/pa-8.1", "mexico-2022-es/summary-8"} <= set(found)
    assert all(u.startswith("mexico-2022-es/") for u in found)


def test_english_stopwords_do_not_apply_to_the_spanish_report(bilingual_assistant):
    found = lexical_units(bilingual_assistant, "once")
    assert list(found) == ["mexico-2022-es/pa-1.1"]  # Spanish "eleven"; a stopword for the English report
    assert lexical_units(bilingual_assistant, "de los para la con") == {}  # Spanish stopwords are dropped


def test_english_questions_still_find_the_english_report(bilingual_assistant):
    found = lexical_units(bilingual_assistant, "canine detection training")
    assert found and all(u.startswith("ruritania-2022/") for u in found)


def test_highlights_compare_terms_in_the_units_language(bilingual_assistant):
    a = bilingual_assistant.ask("¿Qué institución administra los bienes incautados?", k=5, report="mexico-2022-es",
                                config="lexical")
    top = a.passages[0]
    assert top.citation.section_id in ("mexico-2022-es/pa-8.1", "mexico-2022-es/summary-8")
    assert any("incautados" in h.text for h in top.highlights)


def test_reloading_gives_the_same_scores(bilingual):
    _, index, _ = bilingual
    data = load_index(index)
    assert data.lexical.languages == ("es", "en")
    scores = data.lexical.scores("incautaciones canine")
    assert np.count_nonzero(scores) >= 3


def test_a_rebuild_after_a_language_change_retokenises_only_that_report(bilingual, tmp_path):
    corpus, index, _ = bilingual
    work = tmp_path / "corpus"
    shutil.copytree(corpus, work)
    shutil.copytree(index, tmp_path / "index")
    meta = json.loads((work / "mem-2022-mexico-es.json").read_text(encoding="utf-8"))
    (work / "mem-2022-mexico-es.json").write_text(json.dumps({**meta, "language": "en"}), encoding="utf-8")
    m = build_index(work, tmp_path / "index", [FakeEncoder()])
    assert m["build"]["parsed"] == ["mexico-2022-es"]
    assert m["build"]["embedded"] == {"fake": []}  # the texts are the same: the vectors are reused
    assert m["lexical"]["passages_by_language"] == {"en": m["counts"]["passages"]}
