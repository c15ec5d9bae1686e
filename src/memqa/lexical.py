"""The lexical side: a BM25 index (bm25s) over passages with an accent-folding, stemming tokenizer."""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from .limits import BM25_B, BM25_K1

STOPWORDS = frozenset(
    """a about above after again against all am an and any are as at be because been before being below
    between both but by can could did do does doing down during each few for from further had has have having
    he her here hers him his how i if in into is it its itself just me more most my no nor not of off on once
    only or other our ours out over own same she should so some such than that the their theirs them then there
    these they this those through to too under until up very was we were what when where which while who whom
    why will with would you your yours country""".split()
)
# "not"/"no" are stopwords for BM25 (every report sentence would match), negation is left to the dense side.
TOKEN_RE = re.compile(r"[a-z0-9]+(?:[.\-/][a-z0-9]+)*")


@lru_cache(maxsize=8192)  # the answer stage folds the same report units question after question
def fold(text: str) -> str:
    """Lower-case and strip accents: "México" -> "mexico"."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer

    return Stemmer.Stemmer("english")


def _quiet_bm25s() -> None:
    """bm25s sets its own logger to DEBUG at import; a library should not print that."""
    import logging

    logging.getLogger("bm25s").setLevel(logging.WARNING)


WHOLE_RE = re.compile(r"[a-z]*\d[a-z0-9]*")
SPLIT_RE = re.compile(r"[.\-/]")


def tokenize(text: str) -> list[str]:
    """Stemmed content words, with acronyms and numbers kept whole.

    >>> tokenize("Mexico's PEN Online pre-export notifications, 2019-2022")
    ['mexico', 'pen', 'onlin', 'pre', 'export', 'notif', '2019', '2022']
    """
    return list(_tokens(text))


@lru_cache(maxsize=16384)  # highlights and the direct answer tokenize the same report sentences question after question
def _tokens(text: str) -> tuple[str, ...]:
    words: list[str] = []
    for tok in TOKEN_RE.findall(fold(text)):
        parts = [tok] if WHOLE_RE.fullmatch(tok) else SPLIT_RE.split(tok)
        for p in parts:
            if len(p) < 2 and not p.isdigit():
                continue
            if p in STOPWORDS or p == "s":
                continue
            words.append(p)
    return tuple(_stemmer().stemWords(words))


class LexicalIndex:
    """BM25 over a list of documents; scores come back for every document (the corpus is small)."""

    def __init__(self, retriever, n_docs: int) -> None:
        self._r = retriever
        self._vocab = retriever.vocab_dict
        self.n_docs = n_docs

    @classmethod
    def build(cls, texts: Sequence[str]) -> LexicalIndex:
        return cls.from_tokens([tokenize(t) or ["__empty__"] for t in texts])

    @classmethod
    def from_tokens(cls, corpus_tokens: Sequence[Sequence[str]]) -> LexicalIndex:
        """BM25 over documents already tokenized with ``tokenize`` (the build caches tokens per report)."""
        import bm25s

        _quiet_bm25s()
        r = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        r.index([list(t) for t in corpus_tokens], show_progress=False)
        return cls(r, len(corpus_tokens))

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` (zeros when no query word is known)."""
        toks = [t for t in tokenize(query) if t in self._vocab]
        if not toks:
            return np.zeros(self.n_docs, dtype=np.float32)
        return np.asarray(self._r.get_scores(toks), dtype=np.float32)

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term (unknown terms get the maximum)."""
        if not hasattr(self, "_df"):
            # bm25s keeps scores as a CSC matrix (documents x vocabulary): column sizes are document frequencies.
            self._df = np.diff(np.asarray(self._r.scores["indptr"]))
        i = self._vocab.get(term)
        df = 0 if i is None else int(self._df[i])
        return float(np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)))

    def known_terms(self, query: str) -> tuple[list[str], list[str]]:
        """(query terms found in the index, query terms it has never seen)."""
        toks = tokenize(query)
        return [t for t in toks if t in self._vocab], [t for t in toks if t not in self._vocab]

    def save(self, folder: Path) -> None:
        self._r.save(str(folder), show_progress=False)

    @classmethod
    def load(cls, folder: Path, n_docs: int) -> LexicalIndex:
        import bm25s

        _quiet_bm25s()
        return cls(bm25s.BM25.load(str(folder)), n_docs)
