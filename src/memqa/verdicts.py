"""The verdict a sentence of an evaluative summary states, read from its wording alone. Pure.

CICAD's summaries say "CICAD notes with satisfaction that Mexico has ..." (positive), "the country
does not use ..." (gap), "four of the five control measures ..." (partial) or "the priority actions of
this objective are not applicable". ``status_of`` reads those cues in English, Spanish, Portuguese and
French; it never looks at priority-action numbers. ``combine`` rolls several verdicts into one.
"""
from __future__ import annotations

import re
from collections.abc import Iterable

STATUSES = ("positive", "partial", "gap", "not_applicable", "none")

_NUMBERS = {
    **dict.fromkeys(("one", "uno", "una", "um", "uma", "un", "une"), 1),
    **dict.fromkeys(("two", "dos", "dois", "duas", "deux"), 2),
    **dict.fromkeys(("three", "tres", "três", "trois"), 3),
    **dict.fromkeys(("four", "cuatro", "quatro", "quatre"), 4),
    **dict.fromkeys(("five", "cinco", "cinq"), 5),
    **dict.fromkeys(("six", "seis"), 6),
    **dict.fromkeys(("seven", "siete", "sete", "sept"), 7),
    **dict.fromkeys(("eight", "ocho", "oito", "huit"), 8),
    **dict.fromkeys(("nine", "nueve", "nove", "neuf"), 9),
    **dict.fromkeys(("ten", "diez", "dez", "dix"), 10),
}
_NUM = "|".join(sorted(_NUMBERS, key=len, reverse=True)) + r"|\d{1,2}"
# "four of the five", "cuatro de las cinco", "quatro das cinco", "quatre des cinq"
_COUNT_RE = re.compile(rf"\b({_NUM})\s+(?:of(?:\s+the)?|de(?:\s+l[oa]s)?|d[oa]s|des|sur)\s+({_NUM})\b", re.I)

# Cues per language. Order of precedence: not applicable > partial > gap > positive.
_CUES = {
    "en": {
        "not_applicable": r"\bnot applicable\b|\bdoes not apply\b|\bdo not apply\b|\bN/A\b",
        "partial": r"\b(?:partially|partly|in part|to (?:some|a limited) extent|some of (?:the|its|these)|not all|"
                   r"not fully|not entirely|incomplete(?:ly)?|insufficient(?:ly)?|inadequate(?:ly)?)\b"
                   r"|\bhowever\b[^.;]*\bonly\b",
        "gap": r"\b(?:does|do|did|has|have|had|is|are|was|were|can|could|will|would)\s+(?:\w+\s+)?not\b(?!\s+only)"
               r"|\b(?:doesn|don|didn|hasn|haven|hadn|isn|aren|wasn|weren)['’]t\b|\b(?:lacks?|lacking|lack of)\b"
               r"|\b(?:has|have|had)\s+no\b|\bthere (?:is|are|was|were) no\b|\bno\s+(?:\w+\s+){1,4}(?:exists?|in place)\b"
               r"|\bnor\b|\bneither\b|\bnever\b|\bfailed to\b|\babsence of\b|\bnone of\b"
               r"|\bwithout\b(?!\s+(?:discrimination|prejudice|delay|exception))",
    },
    "es": {
        "not_applicable": r"\bno (?:le |les )?(?:aplica|aplican|corresponde|corresponden)\b|\bno (?:es|son|resulta|resultan) aplicables?\b"
                          r"|\binaplicables?\b",
        "partial": r"\b(?:parcialmente|en parte|de (?:forma|manera) (?:parcial|limitada|insuficiente)|algun[oa]s de|"
                   r"no tod[oa]s|no totalmente|no completamente|incomplet[oa]s?|insuficiente(?:s|mente)?)\b"
                   r"|\b(?:sin embargo|no obstante)\b[^.;]*\b(?:s[oó]lo|solamente|únicamente)\b",
        "gap": r"\bno\s+(?!obstante\b|s[oó]lo\b|solamente\b|únicamente\b)\w+|\bcarecen?\b|\bcarece de\b|\bni\b"
               r"|\bning[uú]n[oa]?\b|\btampoco\b|\bnunca\b|\bfalta de\b|\bausencia de\b"
               r"|\bsin\b(?!\s+(?:embargo|perjuicio|discriminaci[oó]n|demora|excepci[oó]n)\b)",
    },
    "pt": {
        "not_applicable": r"\bnão (?:se )?aplica(?:m)?\b|\bnão (?:é|são) aplicáve(?:l|is)\b|\bnão corresponde(?:m)?\b"
                          r"|\binaplicáve(?:l|is)\b",
        "partial": r"\b(?:parcialmente|em parte|de (?:forma|maneira) (?:parcial|limitada|insuficiente)|alguns dos|algumas das|"
                   r"nem tod[oa]s|não totalmente|não completamente|incomplet[oa]s?|insuficientes?)\b"
                   r"|\b(?:no entanto|contudo|porém)\b[^.;]*\b(?:s[oó]|somente|apenas)\b",
        "gap": r"\bnão\b|\bcarecem?\b|\bnem\b|\bnenhum(?:a)?\b|\btampouco\b|\bnunca\b|\bfalta de\b|\bausência de\b"
               r"|\bsem\b(?!\s+(?:prejuízo|discriminação|demora|exceção)\b)",
    },
    "fr": {
        "not_applicable": r"\bnon applicables?\b|\bne s['’]appliquen?t? pas\b|\bsans objet\b|\bn['’]est pas applicable\b"
                          r"|\bne sont pas applicables\b",
        "partial": r"\b(?:partiellement|en partie|de (?:façon|manière) (?:partielle|limitée|insuffisante)|"
                   r"certaine?s des|pas tou(?:s|tes)|pas entièrement|incomplète?s?|insuffisante?s?)\b"
                   r"|\b(?:cependant|toutefois|néanmoins)\b[^.;]*\b(?:seulement|uniquement|ne\s+\w+\s+que)\b",
        "gap": r"\bne\b|\bn['’]|\bpas de\b|\baucune?\b|\bjamais\b|\bmanque de\b|\babsence de\b|\bni\b"
               r"|\bsans\b(?!\s+(?:préjudice|discrimination|délai|exception)\b)",
    },
}
_CUES_RE = {lang: {k: re.compile(v, re.I) for k, v in cues.items()} for lang, cues in _CUES.items()}
# Where one sentence turns from one verdict to another.
_TURN_RE = re.compile(
    r";|\b(?:however|but|although|while|whereas|sin embargo|no obstante|pero|aunque|mientras que|"
    r"no entanto|contudo|porém|mas|embora|enquanto|cependant|toutefois|néanmoins|mais|bien que|alors que)\b",
    re.I,
)


def _partial(text: str, cues: dict[str, re.Pattern]) -> bool:
    counts = ((_NUMBERS.get(x.lower()) or int(x), _NUMBERS.get(y.lower()) or int(y)) for x, y in _COUNT_RE.findall(text))
    return bool(cues["partial"].search(text)) or any(x < y for x, y in counts)


def combine(statuses: Iterable[str]) -> str:
    """One verdict from several: all positive -> positive, all gap -> gap, a mix -> partial.

    Not-applicable counts only when nothing else is said; "none" is ignored.

    >>> combine(["positive", "gap"]), combine(["gap", "not_applicable"]), combine([])
    ('partial', 'gap', 'none')
    """
    said = {s for s in statuses if s != "none"}
    if not said:
        return "none"
    if said == {"not_applicable"}:
        return "not_applicable"
    said.discard("not_applicable")
    return said.pop() if len(said) == 1 else "partial"


def status_of(text: str, lang: str = "en") -> str:
    """The verdict a clause states, from its wording only (never from priority-action numbers).

    ``lang`` is "en", "es", "pt" or "fr"; any other value applies every language's cues.

    >>> status_of("CICAD notes with satisfaction that Mexico has an early warning system.")
    'positive'
    >>> status_of("CICAD observa que el país no cuenta con un sistema de alerta temprana.", "es")
    'gap'
    >>> status_of("Mexico does not consider licit traditional uses; however, it includes environmental measures.")
    'partial'
    """
    if not re.search(r"\w", text):
        return "none"
    langs = [lang] if lang in _CUES_RE else list(_CUES_RE)
    if any(_CUES_RE[x]["not_applicable"].search(text) for x in langs):
        return "not_applicable"
    if any(_partial(text, _CUES_RE[x]) for x in langs):
        return "partial"
    # "does not do A; however, it does B": each side of a turn has its own verdict.
    parts = [p for p in _TURN_RE.split(text) if len(re.findall(r"\w+", p)) >= 2] or [text]
    return combine("gap" if any(_CUES_RE[x]["gap"].search(p) for x in langs) else "positive" for p in parts)
