"""The MEM vocabulary (``data/mem_vocabulary.json``): member states and thematic areas, for scope checks.

Nothing about a particular country is written in code: the countries of the loaded reports come
from the index manifest, their names and demonyms from this file.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from .lexical import fold

VOCABULARY = Path(__file__).with_name("data") / "mem_vocabulary.json"


@lru_cache(maxsize=1)
def vocabulary() -> dict:
    return json.loads(VOCABULARY.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _states() -> dict[str, tuple[str, ...]]:
    return {name: tuple(sorted({fold(a) for a in aliases + [name]})) for name, aliases in
            vocabulary()["member_states"].items()}


def country_aliases(countries: Iterable[str]) -> frozenset[str]:
    """Folded names and demonyms of the given countries (unknown countries: their own folded name).

    >>> sorted(country_aliases(["Mexico"]))[:3]
    ['mexicain', 'mexicaine', 'mexican']
    """
    out: set[str] = set()
    for c in set(countries):  # a library repeats its countries; each is folded once per process
        out |= _aliases(c)
    return frozenset(out)


@lru_cache(maxsize=1024)
def _aliases(country: str) -> frozenset[str]:
    return frozenset(_states().get(country, ())) | {fold(country)}


@lru_cache(maxsize=4096)
def _phrase_re(phrase: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)")


@lru_cache(maxsize=4096)
def _first_word(phrase: str) -> str:
    m = re.search(r"\w+", phrase)
    return m.group(0) if m else phrase


def countries_named(text: str) -> dict[str, str]:
    """Member states named in ``text``: {country: the alias found}, matched on folded words.

    >>> countries_named("How does Colombia compare with the Mexican approach?")
    {'Colombia': 'colombia', 'Mexico': 'mexican'}
    """
    t = fold(text)
    words = set(re.findall(r"\w+", t))
    found = {}
    for name, aliases in _states().items():
        # the phrase search only for aliases whose first word the text has (a set lookup, not a regex, per alias)
        hit = next((a for a in aliases if _first_word(a) in words and _phrase_re(a).search(t)), None)
        if hit:
            found[name] = hit
    return found


@lru_cache(maxsize=1024)  # asked per question for every report of the library: fold each title once
def area_of(thematic_area: str) -> str | None:
    """The MEM thematic area (vocabulary key) a report's ``thematic_area`` metadata names, if any.

    >>> area_of("Measures to Control and Counter the Illicit Cultivation, Production, Trafficking ...")
    'supply_reduction'
    """
    t = fold(thematic_area)
    return next((key for key, area in vocabulary()["thematic_areas"].items()
                 if any(fold(title) in t for title in area["title"])), None)


@lru_cache(maxsize=4096)
def _marker_res(marker: str) -> tuple[re.Pattern, ...]:
    """A marker is a phrase ("harm reduction") or words that must all occur, in any order
    ("school + prevention"); each word or phrase also matches with a plural ending."""
    return tuple(re.compile(r"(?<!\w)" + r"[\s-]+".join(map(re.escape, part.split())) + r"(?:s|es)?(?!\w)")
                 for part in fold(marker).split("+") if part.strip())


def marker_in(marker: str, text: str) -> bool:
    """Whether every part of a vocabulary marker occurs in (folded) ``text``.

    >>> marker_in("school + prevention", "Which prevention programmes run in schools?")
    True
    >>> marker_in("school + prevention", "How does Mexico prevent diversion?"), marker_in("treatment", "treatments")
    (False, True)
    >>> marker_in("drug checking", "drug-checking services"), marker_in("harm reduction", "harm  reduction")
    (True, True)
    """
    return _in_folded(marker, fold(text))


def _in_folded(marker: str, folded: str) -> bool:
    return all(rx.search(folded) for rx in _marker_res(marker))


def _first_part_in(marker: str, folded: str) -> bool:
    """A cheap test before the regular expressions: the marker's first word (without a plural ending) is in
    the text at all — most questions name no marker, and this skips ~95% of the searches."""
    return _stem_of(marker) in folded


@lru_cache(maxsize=4096)
def _stem_of(marker: str) -> str:
    word = fold(marker).split("+")[0].split()[0] if fold(marker).split() else fold(marker)
    return word[:-1] if len(word) > 4 and word.endswith("s") else word


def other_areas_named(text: str, own: Iterable[str | None]) -> dict[str, str]:
    """Thematic areas other than ``own`` whose marker words ``text`` uses: {area: the marker found}.

    >>> other_areas_named("What harm reduction services exist?", ["supply_reduction"])
    {'demand_reduction': 'harm reduction'}
    >>> other_areas_named("Does Mexico have a national drug observatory?", ["supply_reduction"])
    {'research': 'national drug observatory'}
    """
    mine = set(own)
    out = {}
    t = fold(text)  # once, not once per marker
    for key, area in vocabulary()["thematic_areas"].items():
        if key in mine:
            continue
        # the most specific marker the question uses: "national drug observatory", not "drug observatory" —
        # the report may name another body's observatory, never a national one
        hits = [w for w in area["words"] if _first_part_in(w, t) and _in_folded(w, t)]
        if hits:
            out[key] = max(hits, key=lambda w: len(fold(w)))
    return out


def area_report(key: str) -> str:
    """Which MEM report covers a thematic area, in words."""
    return vocabulary()["thematic_areas"][key]["report"]
