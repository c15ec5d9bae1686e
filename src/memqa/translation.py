"""Cross-lingual keyword search: a question's MEM terms in another report language (``data/mem_translations.json``).

A Spanish question about "bienes asegurados y decomisados" shares no word with an English report that says
"seized and forfeited assets", so BM25 cannot help it, and the multilingual encoder alone confuses
neighbouring priority actions. The terminology file maps each English term of the MEM reports to the words
Spanish, Portuguese and French users write for it (CICAD publishes the reports in all four languages). A
question is matched on stemmed words (plurals and accents do not matter, stopwords are skipped), longest
phrases first, and its terms are given in the report's language: the English term, or the first phrase of
that language. Language-neutral words — acronyms, numbers, proper names — carry over as they are.
Nothing here is specific to a question or a report.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from .lexical import QueryTerms, tokenize

TRANSLATIONS = Path(__file__).with_name("data") / "mem_translations.json"
LANGUAGES = ("en", "es", "pt", "fr")


@dataclass(frozen=True)
class Term:
    """One row of the terminology file: the term in each language (first phrase = the one given out)."""

    phrases: Mapping[str, tuple[str, ...]]

    def name(self, lang: str) -> str:
        return self.phrases[lang][0] if self.phrases.get(lang) else ""


@dataclass(frozen=True)
class Terminology:
    """Terms, and for each language the stemmed phrases that name them (longest first)."""

    terms: tuple[Term, ...]
    # lang -> first stem -> ((stems, term index), ...), longest phrase first
    patterns: Mapping[str, Mapping[str, tuple[tuple[tuple[str, ...], int], ...]]]

    def matches(self, question: str, lang: str) -> list[int]:
        """Indices of the terms the question names in ``lang``: each stemmed phrase found as a run of the
        question's stems, longer phrases first; words a longer phrase took are not matched again.

        >>> t = Terminology.of({"seized assets": {"es": ["bienes decomisados", "decomiso"]}})
        >>> t.matches("¿Quién administra los bienes decomisados?", "es"), t.matches("decomisos", "es")
        ([0], [0])
        """
        words = tokenize(question, lang)
        by_first = self.patterns.get(lang, {})
        spans = []  # (-length, start, term) of every phrase found
        for i, w in enumerate(words):
            for stems, term in by_first.get(w, ()):
                if tuple(words[i : i + len(stems)]) == stems:
                    spans.append((-len(stems), i, term))
        used = [False] * len(words)
        found: list[int] = []
        for neg, i, term in sorted(spans):
            if not any(used[i : i - neg]):
                used[i : i - neg] = [True] * -neg
                if term not in found:
                    found.append(term)
        return found

    def translate(self, question: str, source: str, target: str) -> str:
        """The terms the question (in ``source``) names, written in ``target`` ("" when none or when the
        languages are the same).

        >>> t = Terminology.of({"seized and forfeited assets": {"es": ["bienes decomisados"], "fr": ["biens saisis"]}})
        >>> t.translate("bienes decomisados", "es", "en"), t.translate("bienes decomisados", "es", "fr")
        ('seized and forfeited assets', 'biens saisis')
        """
        if source == target:
            return ""
        return " ".join(n for n in (self.terms[i].name(target) for i in self.matches(question, source)) if n)

    @classmethod
    def of(cls, rows: Mapping[str, Mapping[str, list[str]]]) -> Terminology:
        """From the file's ``terms``: English term -> {language: [phrases]}."""
        terms: list[Term] = []
        patterns: dict[str, list[tuple[tuple[str, ...], int]]] = {lang: [] for lang in LANGUAGES}
        for english, others in rows.items():
            phrases = {"en": (english,), **{lang: tuple(p) for lang, p in others.items() if lang in LANGUAGES}}
            k = len(terms)
            terms.append(Term(phrases))
            for lang, ps in phrases.items():
                for p in ps:
                    stems = tuple(tokenize(p, lang))
                    if stems:
                        patterns[lang].append((stems, k))
        indexed: dict[str, dict[str, list[tuple[tuple[str, ...], int]]]] = {}
        for lang, ps in patterns.items():
            for stems, k in sorted(set(ps), key=lambda t: (-len(t[0]), t[1])):
                indexed.setdefault(lang, {}).setdefault(stems[0], []).append((stems, k))
        return cls(tuple(terms), {lang: {w: tuple(v) for w, v in d.items()} for lang, d in indexed.items()})


@lru_cache(maxsize=1)
def terminology(path: Path = TRANSLATIONS) -> Terminology:
    rows = json.loads(path.read_text(encoding="utf-8"))["terms"]
    return Terminology.of(rows)


def query_terms(question: str, lang: str) -> QueryTerms:
    """The question's terms per report language, its MEM terms translated where the languages differ.

    >>> terms = query_terms("¿Quién administra los bienes decomisados?", "es")
    >>> sorted(terms("en") & {"asset", "manag"}), sorted(terms("es"))
    (['asset', 'manag'], ['administr', 'bien', 'decomis'])
    """
    return QueryTerms(question, lang, terminology().translate)
