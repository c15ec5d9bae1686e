"""The MEM glossary: everyday words of English questions also search the report's official terms (BM25)."""
from __future__ import annotations

import json

import numpy as np

from memqa.glossary import GLOSSARY, expand, official_terms


def test_every_entry_is_an_official_term_with_everyday_phrases():
    terms = json.loads(GLOSSARY.read_text(encoding="utf-8"))["terms"]
    assert len(terms) >= 30
    for official, everyday in terms.items():
        assert official.strip() and everyday and all(p.strip() for p in everyday), official


def test_plurals_and_accents_match_and_unrelated_words_do_not():
    assert "clandestine laboratories" in official_terms("Where were the Drug Labs found?")
    assert "alternative development" in official_terms("crop substitutions in Guerrero")
    assert official_terms("dogmatic positions") == []  # "dog" matches as a word only
    assert expand("Which agencies are ION focal points?") == "Which agencies are ION focal points?"


def test_a_paraphrase_reaches_the_official_wording_through_bm25(fake_assistant):
    r = fake_assistant.retriever
    plain = r.lexical.scores("who handles confiscated property")
    expanded = r.lexical.scores(expand("who handles confiscated property"))
    forfeited = [i for i, p in enumerate(fake_assistant.passages) if "forfeited assets" in p.text]
    assert forfeited and float(np.max(expanded[forfeited])) > float(np.max(plain[forfeited]))
    a = fake_assistant.rank("who handles confiscated property")
    assert np.isfinite(a.retrieval.unit_scores["lexical"][r.unit_index["mexico-2022/pa-8.1"]])


def test_questions_in_other_languages_are_not_expanded(fake_assistant, monkeypatch):
    import memqa.retrieval as retrieval

    seen = []
    monkeypatch.setattr(retrieval, "expand", lambda q: seen.append(q) or q)
    fake_assistant.rank("¿Quién administra los bienes confiscados en México?")
    assert seen == []
    fake_assistant.rank("Who manages confiscated property in Mexico?")
    assert seen == ["Who manages confiscated property in Mexico?"]
