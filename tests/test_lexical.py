"""BM25 side: a tokenizer that keeps acronyms and numbers, folds accents and drops stopwords."""
from __future__ import annotations

import numpy as np
import pytest

from memqa.lexical import LexicalIndex, fold, tokenize


def test_fold_lowercases_and_strips_accents():
    assert fold("México, Fiscalía, Ñandú") == "mexico, fiscalia, nandu"


def test_tokenize_stems_content_words():
    # Country names are content words: with many reports in the index they tell the reports apart.
    assert tokenize("Mexico's PEN Online pre-export notifications, 2019-2022") == [
        "mexico", "pen", "onlin", "pre", "export", "notif", "2019", "2022"]


@pytest.mark.parametrize("acronym", ["I2ES", "IONICS", "INCB", "CFIP", "mx908"])
def test_acronym_stays_one_token_in_any_case(acronym):
    assert len(tokenize(acronym)) == 1
    assert tokenize(acronym) == tokenize(acronym.lower()) == tokenize(f"the {acronym} system")[:1]


@pytest.mark.parametrize("text, numbers", [("in 1988 and 2019", ["1988", "2019"]), ("recommendation 43/19", ["43", "19"]),
                                           ("the 4 agencies", ["4"])])
def test_numbers_are_kept(text, numbers):
    assert [t for t in tokenize(text) if t.isdigit()] == numbers


def test_accented_and_plain_spellings_match():
    assert tokenize("Fiscalía General de la República") == tokenize("fiscalia general de la republica")


@pytest.mark.parametrize("text", ["the of and which", "is it not so", "the country's", "a b c"])
def test_stopwords_and_single_letters_are_dropped(text):
    assert tokenize(text) == []


def test_plural_and_singular_share_a_stem():
    assert tokenize("laboratories") == tokenize("laboratory")


@pytest.fixture
def index():
    return LexicalIndex.build([
        "customs officers receive training",
        "canine detection training for customs officers",
        "police officers receive training",
    ])


def test_bm25_ranks_the_document_with_the_rare_term_first(index):
    scores = index.scores("canine training")
    assert scores.shape == (3,) and scores.dtype == np.float32
    assert int(np.argmax(scores)) == 1
    assert scores[1] > scores[0] > 0 and scores[0] == pytest.approx(scores[2])


def test_bm25_rare_term_outweighs_a_common_one(index):
    scores = index.scores("police officers")
    assert int(np.argmax(scores)) == 2


@pytest.mark.parametrize("query", ["zebra", "the of and", ""])
def test_unknown_or_empty_query_scores_zero_everywhere(index, query):
    assert index.scores(query).tolist() == [0.0, 0.0, 0.0]


def test_known_terms_splits_the_query(index):
    assert index.known_terms("canine zebra training") == (["canin", "train"], ["zebra"])


def test_save_and_load_give_the_same_scores(index, tmp_path):
    index.save(tmp_path / "lexical")
    loaded = LexicalIndex.load(tmp_path / "lexical", 3)
    assert loaded.scores("canine customs").tolist() == index.scores("canine customs").tolist()


def test_a_document_of_only_stopwords_is_still_indexed():
    index = LexicalIndex.build(["the of and", "canine training"])
    assert index.n_docs == 2
    assert index.scores("canine").tolist()[0] == 0.0


def test_idf_is_higher_for_rarer_terms_and_highest_for_unknown_ones(index):
    canine, officers, unknown = (index.idf(t) for t in ("canin", "offic", "zebra"))
    assert unknown > canine > officers > 0
    assert canine == pytest.approx(np.log(1 + (3 - 1 + 0.5) / (1 + 0.5)))
