"""The lexical side: BM25 (bm25s) over passages, each report tokenised in its own language.

``tokenize(text, lang)`` folds accents and case, keeps acronyms and numbers whole, drops the
language's stopwords (``memqa.stopwords``) and stems with Snowball (PyStemmer) for English, Spanish,
Portuguese and French; any other language is tokenised as English, as every report was before
languages were told apart. Words are folded *before* they are stemmed, so a question typed without
accents ("incautacion", "apreensao") matches the report's accented words. For Portuguese and French a
light step first puts back what Snowball needs on folded words: Portuguese plurals are made singular
("ações" -> "ação", "nacionais" -> "nacional", "leis" -> "lei", "lavagens" -> "lavagem") and the "-ão" ending restored;
French "-ée(s)" restored — so singular and plural share a stem there as they do in English and Spanish.

``LexicalIndex`` is one BM25 index over the library whose passages hold the tokens of their report's
language, and a query is tokenised once per language of the library: each passage is scored with the
question tokenised in its own report's language. An index of English reports is exactly the English
BM25 index memqa always built.
"""
from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

from .limits import BM25_B, BM25_K1
from .stopwords import STOPWORDS as STOPWORDS_BY_LANGUAGE

STOPWORDS = STOPWORDS_BY_LANGUAGE["en"]
# "not"/"no" are stopwords for BM25 (every report sentence would match), negation is left to the dense side.
TOKEN_RE = re.compile(r"[a-z0-9]+(?:[.\-/][a-z0-9]+)*")
LANGUAGES = ("en", "es", "pt", "fr")
SNOWBALL = {"en": "english", "es": "spanish", "pt": "portuguese", "fr": "french"}
LANGUAGE_NAMES = {"english": "en", "ingles": "en", "anglais": "en", "spanish": "es", "espanol": "es",
                  "castellano": "es", "espagnol": "es", "portuguese": "pt", "portugues": "pt", "portugais": "pt",
                  "french": "fr", "frances": "fr", "francais": "fr"}
LEXICAL_FORMAT = "memqa-lexical/2"  # the bm25s folder plus languages.json: which passages are in which language
LANGUAGES_FILE = "languages.json"


@lru_cache(maxsize=8192)  # the answer stage folds the same report units question after question
def fold(text: str) -> str:
    """Lower-case and strip accents: "México" -> "mexico"."""
    text = unicodedata.normalize("NFKD", text.lower())
    return "".join(c for c in text if not unicodedata.combining(c))


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


def language_key(language: object) -> str:
    """The tokenizer language of a report's ``language`` metadata: en, es, pt or fr; English otherwise.

    >>> [language_key(x) for x in ("es", "pt-BR", "Français", "", None, "de")]
    ['es', 'pt', 'fr', 'en', 'en', 'en']
    """
    code = fold(str(language or "")).strip().replace("_", "-").split("-")[0]
    code = LANGUAGE_NAMES.get(code, code)
    return code if code in SNOWBALL else "en"


@lru_cache(maxsize=8)
def _stemmer(lang: str = "en"):
    import Stemmer

    return Stemmer.Stemmer(SNOWBALL[lang])


def _quiet_bm25s() -> None:
    """bm25s sets its own logger to DEBUG at import; a library should not print that."""
    import logging

    logging.getLogger("bm25s").setLevel(logging.WARNING)


WHOLE_RE = re.compile(r"[a-z]*\d[a-z0-9]*")
SPLIT_RE = re.compile(r"[.\-/]")
# Portuguese plurals on folded words, longest ending first: (ending, singular ending, shortest word).
PT_PLURALS = (("oes", "ao", 5), ("aes", "ao", 5), ("aos", "ao", 5), ("ais", "al", 6), ("eis", "el", 6),
              ("eis", "ei", 4), ("ns", "m", 5))


def _light(word: str, lang: str) -> str:
    """What Snowball needs back on a folded Portuguese or French word (see the module docstring).

    >>> [_light(w, "pt") for w in ("capacitacoes", "apreensao", "nacionais", "lavagens", "pais")]
    ['capacitação', 'apreensão', 'nacional', 'lavagem', 'pais']
    >>> _light("controlees", "fr")
    'controlées'
    """
    if lang == "pt":
        for end, singular, shortest in PT_PLURALS:
            if word.endswith(end) and len(word) >= shortest:
                word = word[: -len(end)] + singular
                break
        if word.endswith("cao") and len(word) >= 5:
            word = word[:-3] + "ção"
        elif word.endswith("ao") and len(word) >= 4:
            word = word[:-2] + "ão"
    elif lang == "fr":
        if word.endswith("ees") and len(word) >= 5:
            word = word[:-3] + "ées"
        elif word.endswith("ee") and len(word) >= 4:
            word = word[:-2] + "ée"
    return word


def tokenize(text: str, lang: str = "en") -> list[str]:
    """Stemmed content words in the language ``lang`` (en, es, pt, fr), acronyms and numbers kept whole.

    >>> tokenize("Mexico's PEN Online pre-export notifications, 2019-2022")
    ['mexico', 'pen', 'onlin', 'pre', 'export', 'notif', '2019', '2022']
    >>> tokenize("las incautaciones de los laboratorios", "es") == tokenize("incautación del laboratorio", "es")
    True
    """
    return list(_tokens(text, lang if lang in SNOWBALL else language_key(lang)))


@lru_cache(maxsize=16384)  # highlights and the direct answer tokenize the same report sentences question after question
def _tokens(text: str, lang: str = "en") -> tuple[str, ...]:
    stop = STOPWORDS_BY_LANGUAGE[lang]
    words: list[str] = []
    if lang != "en":
        text = text.replace("œ", "oe").replace("Œ", "OE").replace("æ", "ae").replace("Æ", "AE")
    for tok in TOKEN_RE.findall(fold(text)):
        parts = [tok] if WHOLE_RE.fullmatch(tok) else SPLIT_RE.split(tok)
        for p in parts:
            if len(p) < 2 and not p.isdigit():
                continue
            if p in stop or p == "s":
                continue
            words.append(p)
    if lang == "en":
        return tuple(_stemmer().stemWords(words))
    stems = _stemmer(lang).stemWords([w if WHOLE_RE.fullmatch(w) else _light(w, lang) for w in words])
    return tuple(s if s.isascii() else _strip_accents(s) for s in stems)


class QueryTerms:
    """A question's terms in each report language, tokenised when first asked for.

    >>> q = QueryTerms("¿Cuántas incautaciones?")
    >>> sorted(q("es")), bool(q)
    (['incaut'], True)
    """

    def __init__(self, question: str, source: str | None = None,
                 translate: Callable[[str, str, str], str] | None = None) -> None:
        self.question = question
        # the question's language and a translator (question, source, target) -> its terms in the target
        # language (translation.py): a Spanish question's terms in an English unit are its MEM terms in English
        self.source = language_key(source) if source else None
        self._translate = translate
        self._by: dict[str, frozenset[str]] = {}

    def __call__(self, lang: str = "en") -> frozenset[str]:
        lang = lang if lang in SNOWBALL else language_key(lang)
        got = self._by.get(lang)
        if got is None:
            words = tokenize(self.question, lang)
            if self._translate is not None and self.source and self.source != lang:
                words += tokenize(self._translate(self.question, self.source, lang), lang)
            got = self._by[lang] = frozenset(words)
        return got

    def __bool__(self) -> bool:
        return bool(self.question.strip())


def _runs(ids: np.ndarray) -> list[list[int]]:
    """Sorted positions as half-open runs: [0, 1, 2, 5] -> [[0, 3], [5, 6]]."""
    out: list[list[int]] = []
    for i in ids.tolist():
        if out and out[-1][1] == i:
            out[-1][1] = i + 1
        else:
            out.append([i, i + 1])
    return out


class LexicalIndex:
    """BM25 over a list of documents, each tokenised in its language; scores come back for every document.

    One BM25 index over the whole library (document frequencies and lengths shared, so scores compare
    across reports), whose documents carry the tokens of their own language; ``languages`` records
    which documents are in which language so a query is tokenised accordingly.
    """

    def __init__(self, retriever, n_docs: int, languages: dict[str, np.ndarray] | None = None) -> None:
        self._r = retriever
        self._vocab = retriever.vocab_dict
        self.n_docs = n_docs
        self._langs = languages or {"en": np.arange(n_docs, dtype=np.int64)}

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self._langs)

    @classmethod
    def build(cls, texts: Sequence[str], languages: Sequence[str] | None = None) -> LexicalIndex:
        langs = [language_key(x) for x in languages] if languages is not None else ["en"] * len(texts)
        return cls.from_tokens([tokenize(t, lang) or ["__empty__"] for t, lang in zip(texts, langs)], langs)

    @classmethod
    def from_tokens(cls, corpus_tokens: Sequence[Sequence[str]], languages: Sequence[str] | None = None) -> LexicalIndex:
        """BM25 over documents already tokenized with ``tokenize`` in ``languages`` (one per document;
        default English) — the build caches tokens per report."""
        import bm25s

        _quiet_bm25s()
        langs = [language_key(x) for x in languages] if languages is not None else ["en"] * len(corpus_tokens)
        if len(langs) != len(corpus_tokens):
            raise ValueError("one language per document")
        r = bm25s.BM25(k1=BM25_K1, b=BM25_B)
        r.index([list(t) for t in corpus_tokens], show_progress=False)
        by = {lang: np.array([i for i, x in enumerate(langs) if x == lang], dtype=np.int64)
              for lang in dict.fromkeys(langs)}
        return cls(r, len(corpus_tokens), by)

    def scores(self, query: str) -> np.ndarray:
        """BM25 score of every document for ``query`` tokenised in the document's language (zeros where no
        query word is known)."""
        return self.scores_in(dict.fromkeys(self._langs, query))

    def scores_in(self, queries: Mapping[str, str]) -> np.ndarray:
        """BM25 score of every document for the query written in its language (``queries``: language ->
        query; documents in a language without one score 0).

        >>> ix = LexicalIndex.build(["seized assets", "money laundering", "decomiso de bienes"], ["en", "en", "es"])
        >>> [bool(x > 0) for x in ix.scores_in({"en": "assets"})], bool(ix.scores_in({"es": "bienes"})[2] > 0)
        ([True, False, False], True)
        """
        if len(self._langs) == 1:  # one language: no per-language copy
            lang = self.languages[0]
            toks = [t for t in tokenize(queries.get(lang, ""), lang) if t in self._vocab]
            if not toks:
                return np.zeros(self.n_docs, dtype=np.float32)
            return np.asarray(self._r.get_scores(toks), dtype=np.float32)
        out = np.zeros(self.n_docs, dtype=np.float32)
        for lang, ids in self._langs.items():
            toks = [t for t in tokenize(queries.get(lang, ""), lang) if t in self._vocab]
            if toks:
                out[ids] = np.asarray(self._r.get_scores(toks), dtype=np.float32)[ids]
        return out

    def idf(self, term: str) -> float:
        """Inverse document frequency of a stemmed term (unknown terms get the maximum)."""
        if not hasattr(self, "_df"):
            # bm25s keeps scores as a CSC matrix (documents x vocabulary): column sizes are document frequencies.
            self._df = np.diff(np.asarray(self._r.scores["indptr"]))
        i = self._vocab.get(term)
        df = 0 if i is None else int(self._df[i])
        return float(np.log(1 + (self.n_docs - df + 0.5) / (df + 0.5)))

    def known_terms(self, query: str, lang: str = "en") -> tuple[list[str], list[str]]:
        """(query terms found in the index, query terms it has never seen), the query tokenised in ``lang``."""
        toks = tokenize(query, lang)
        return [t for t in toks if t in self._vocab], [t for t in toks if t not in self._vocab]

    def save(self, folder: Path) -> None:
        self._r.save(str(folder), show_progress=False)
        meta = {"format": LEXICAL_FORMAT, "n_docs": self.n_docs,
                "languages": {lang: _runs(ids) for lang, ids in self._langs.items()}}
        (Path(folder) / LANGUAGES_FILE).write_text(json.dumps(meta), encoding="utf-8")

    @classmethod
    def load(cls, folder: Path, n_docs: int) -> LexicalIndex:
        """Load a saved index; one without ``languages.json`` (built before reports had languages) has every
        document in English, as it was built."""
        import bm25s

        _quiet_bm25s()
        folder = Path(folder)
        r = bm25s.BM25.load(str(folder))
        spec = folder / LANGUAGES_FILE
        if not spec.is_file():
            return cls(r, n_docs)
        meta = json.loads(spec.read_text(encoding="utf-8"))
        if not isinstance(meta, dict) or meta.get("format") != LEXICAL_FORMAT or meta.get("n_docs") != n_docs:
            raise ValueError(f"{spec} does not describe {n_docs} passages in format {LEXICAL_FORMAT}")
        langs: dict[str, np.ndarray] = {}
        seen = np.zeros(n_docs, dtype=bool)
        for lang, runs in meta["languages"].items():
            if lang not in SNOWBALL:
                raise ValueError(f"{spec}: unknown language {lang!r}")
            ids = np.concatenate([np.arange(a, b, dtype=np.int64) for a, b in runs] or [np.zeros(0, np.int64)])
            if len(ids) and (ids.min() < 0 or ids.max() >= n_docs or seen[ids].any()):
                raise ValueError(f"{spec}: passage runs out of range or overlapping")
            seen[ids] = True
            langs[lang] = ids
        if not seen.all():
            raise ValueError(f"{spec}: {int((~seen).sum())} passages have no language")
        return cls(r, n_docs, langs)
