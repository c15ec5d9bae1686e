"""Query expansion from the MEM glossary (``data/mem_glossary.json``): everyday words -> official terms.

The report says "alternative development", "seized and forfeited assets", "narcotic drugs and psychotropic
substances"; people ask about "crop substitution", "confiscated property", "opioids and sedatives". BM25
cannot match words the report never uses, so an English question that contains an everyday phrase of the
glossary also searches the official term (appended to the lexical query; the dense encoders see the
question as asked). Nothing here is specific to a question or a report.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

from .lexical import fold

GLOSSARY = Path(__file__).with_name("data") / "mem_glossary.json"


@lru_cache(maxsize=1)
def _patterns() -> tuple[tuple[re.Pattern, str], ...]:
    terms = json.loads(GLOSSARY.read_text(encoding="utf-8"))["terms"]
    out = []
    for official, everyday in terms.items():
        alts = "|".join(re.escape(fold(p).lower()) for p in sorted(everyday, key=len, reverse=True))
        out.append((re.compile(r"(?<!\w)(?:" + alts + r")(?:s|es)?(?!\w)"), official))
    return tuple(out)


def official_terms(question: str) -> list[str]:
    """The official terms whose everyday phrases the question uses.

    >>> official_terms("who manages confiscated property from crop-substitution areas?")
    ['alternative development', 'seized forfeited assets', 'administration disposition']
    >>> official_terms("Which agencies are ION focal points?")
    []
    """
    q = fold(question).lower()
    return [official for rx, official in _patterns() if rx.search(q)]


def expand(question: str) -> str:
    """The question followed by the official terms of the everyday phrases it uses (for BM25)."""
    extra = official_terms(question)
    return f"{question} {' '.join(extra)}" if extra else question
