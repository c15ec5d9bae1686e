"""Does the report answer the question? Signals from one retrieval -> answerable + confidence.

Passages are always returned; this only decides how they are presented. The signals are
measured on the retrieval itself (no extra model call):

* ``dense_top`` / ``sent_top`` — e5 cosine of the best passage window / best single sentence;
* ``dense_margin`` — best unit minus fifth-best unit (a flat list means nothing stands out);
* ``lex_top`` — BM25 score of the best unit per known query term (English questions);
* ``unknown_terms`` / ``unknown_frac`` — query words the report never uses (English questions);
* ``key_coverage`` — share of the question's key terms (numbers, years, acronyms, names) that
  appear in the top units' text;
* ``quantity_gap`` — the question asks for a quantity ("how many", "cuántos", "combien"...) but
  the best sentences hold no number (a "how many" question is no gap when the top unit holds a list or
  table of the counted thing — its lead-in or header names it — or the question says it counts a list);
  ``asks_person`` — it asks who heads/directs something (MEM reports name institutions, not people);
* ``after_report`` — it names a year after the report's that the top unit does not mention;
* ``asks_opinion`` — it asks for an opinion or a policy choice ("Should Mexico...?", "Is X a failure?"),
  not what the report or CICAD states.

Two logistic models, fitted by ``eval/calibrate.py`` on the development question sets, give
p(answerable) and p(the top unit answers | answerable); ``calibration.json`` holds their weights and
the cuts: below ``threshold`` memqa abstains (chosen for at most ~3% false abstentions); ``high`` needs
both p(answerable) >= ``high_answerable`` and p(top answers) >= ``high`` (chosen for top-1 precision
on leave-one-set-out predictions).
"""
from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import groupby
from pathlib import Path

import numpy as np

from .errors import CalibrationError
from .extract import answer_model, candidates, fits, question_type
from .lexical import fold, tokenize
from .numwords import has_number_word
from .translation import query_terms, terminology
from .vocabulary import area_of, area_report, countries_named, country_aliases, marker_in, other_areas_named

FEATURES = ("dense_top", "sent_top", "dense_margin", "lex_top", "unknown_terms", "unknown_frac", "idf_coverage",
            "key_coverage", "quantity_gap", "asks_person", "other_country", "other_report", "other_area", "type_gap",
            "fused_margin", "is_en", "answer_p", "answer_in_top", "asks_opinion",
            "after_report", "x_lex_top", "x_idf_coverage")
# "the 2019 MEM evaluation", "seventh round", "ronda de 2019": a question about another evaluation report.
REPORT_WORD_RE = re.compile(r"\b(mem|evaluation|evaluaci[oó]n|avalia[cç][aã]o|[ée]valuation|round|ronda|rodada|cycle|"
                            r"ciclo|report|informe|relat[oó]rio|rapport)\b", re.I)
ORDINALS = {
    # English, Spanish (m./f., apocopated), Portuguese (m./f.) and French, accents folded
    **dict.fromkeys(("first", "primero", "primer", "primera", "primeiro", "premier", "premiere", "1st"), 1),
    **dict.fromkeys(("second", "segundo", "segunda", "deuxieme", "seconde", "2nd"), 2),
    **dict.fromkeys(("third", "tercero", "tercer", "tercera", "terceiro", "terceira", "troisieme", "3rd"), 3),
    **dict.fromkeys(("fourth", "cuarto", "cuarta", "quarto", "quarta", "quatrieme", "4th"), 4),
    **dict.fromkeys(("fifth", "quinto", "quinta", "cinquieme", "5th"), 5),
    **dict.fromkeys(("sixth", "sexto", "sexta", "sixieme", "6th"), 6),
    **dict.fromkeys(("seventh", "septimo", "septima", "setimo", "setima", "septieme", "7th"), 7),
    **dict.fromkeys(("eighth", "octavo", "octava", "oitavo", "oitava", "huitieme", "8th"), 8),
    **dict.fromkeys(("ninth", "noveno", "novena", "nono", "nona", "neuvieme", "9th"), 9),
}
# A number that states a quantity (not a year, a date part or a document code like 43/19).
QUANTITY_NUM_RE = re.compile(r"(?<![\d/.-])(?!(?:19|20)\d\d\b)\d[\d,.]*(?![\d/])")
YEAR_RE = re.compile(r"\b(?:19|20)\d\d\b")
DATE_RE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
                     r"\s+\d{1,2}(?:st|nd|rd|th)?\b|\b\d{1,2}\s+(?:de\s+)?(January|February|March|April|May|June|July|"
                     r"August|September|October|November|December)\b", re.I)


def has_quantity(text: str) -> bool:
    """True when text states a number that is not a year, a date or a document code.

    >>> has_quantity("219 operations were carried out"), has_quantity("on January 7, 2020 (CNDH 43/19)")
    (True, False)
    >>> has_quantity("The meeting covered four areas")  # a number in words (numwords.py)
    True
    """
    return bool(QUANTITY_NUM_RE.search(DATE_RE.sub(" ", text))) or has_number_word(text)
MONEY_Q_RE = re.compile(r"\b(budgets?|presupuestos?|or[cç]amentos?|budg[eé]t|price|precio|pre[cç]o|prix|costs?|costo|"
                        r"custo|co[uû]t|fund(?:s|ing)|financiaci[oó]n|financiamento|financement|pesos|dollars|"
                        r"d[oó]lares|euros|usd|how much money|cu[aá]nto dinero|quanto dinheiro|combien d'argent)\b", re.I)
MONEY_RE = re.compile(r"(?:[$€£]|\b(?:US\$|USD|MXN|pesos|dollars|d[oó]lares|euros|reais)\b)\s*\d|\d[\d,.]*\s*(?:"
                      r"million|billion|millones|mil millones|milh[oõ]es|millions|milliards|pesos|dollars|d[oó]lares|"
                      r"euros|USD|MXN)\b", re.I)


# A weight, volume or area asked for ("how many kilos of heroin", "cuántas toneladas", "combien d'hectares"): the
# answer states a number with such a unit, not any number.
MEASURE_Q_RE = re.compile(r"\b(kilos?|kilograms?|kilogramos?|quilos?|quilogramas?|kilogrammes?|kg|tons?|tonnes?|"
                          r"toneladas?|hect[aá]re(?:a|as|s)?|hectares?|litros?|liters?|litres?|grams?|gramos?|gramas?|"
                          r"grammes?)\b", re.I)
MEASURE_RE = re.compile(r"\d[\d,.]*\s*(?:million |millones de |milh[oõ]es de |millions de )?(?:kilos?|kilograms?|"
                        r"kilogramos?|quilos?|quilogramas?|kilogrammes?|kgs?|tons?|tonnes?|toneladas?|hect[aá]re\w*|"
                        r"hectares?|ha|litros?|liters?|litres?|l|grams?|gramos?|gramas?|grammes?|g)\b", re.I)


def has_measure(text: str) -> bool:
    """True when text states a weight, volume or area.

    >>> has_measure("1,234 kilograms of cocaine"), has_measure("3.5 ha of poppy"), has_measure("219 operations")
    (True, True, False)
    """
    return bool(MEASURE_RE.search(text))


def has_money(text: str) -> bool:
    """True when text states a sum of money.

    >>> has_money("a budget of 1,200 million pesos"), has_money("US$ 5 for each"), has_money("219 operations")
    (True, True, False)
    """
    return bool(MONEY_RE.search(text))


CALIBRATION = Path(__file__).with_name("data") / "calibration.json"
# "How many X are listed / marked Yes?": a count the reader makes from a list or table, not a stated number.
COUNT_RE = re.compile(r"\b(how many|cu[aá]nt[oa]s|quant[oa]s|combien)\b", re.I)
MIN_COUNTABLE = 3  # list items or table rows
# "How many ... are listed / marked / in the table": the question itself asks to count a list.
LIST_WORD_RE = re.compile(r"\b(list|listed|lists|table|marked|enumera\w*|lista\w*|tabla|tabela|tableau|liste|"
                          r"aparecen|aparecem|figurent|marcad[oa]s|marqu[ée]e?s)\b", re.I)


def _countable(retriever, units, question: str, lang: str) -> bool:
    """Whether a unit holds a list or table (at least ``MIN_COUNTABLE`` items or rows) of the thing the
    question counts: the question says it counts a list or table, or the first word after "how many" is in
    the list's lead-in or the table's header row (in the report's language ``lang``; a Spanish question's word is
    not translated: with its MEM term, "¿Cuántos laboratorios clandestinos se desmantelaron?" passed over a list of
    trainings on clandestine laboratories — 10 unanswerable development questions — for 4 answerable ones).
    A list of something else ("How many labs were dismantled?" over a list of trainings) is no count."""
    m = COUNT_RE.search(question)
    counted = tokenize(question[m.end():], lang)[:1] if m else []
    if not counted:
        return False
    says_list = bool(LIST_WORD_RE.search(question))
    for u in units:
        text = retriever.sections[u].text
        segs = [retriever.segments[g] for g in retriever.segments_of(u)]
        j = 0
        for listed, run in groupby(segs, key=lambda g: g.kind in ("item", "row")):
            n = len(list(run))
            if listed and n >= MIN_COUNTABLE:
                if says_list:
                    return True
                # the lead-in before the run and, for a table, its first (header) row
                heads = ([segs[j - 1]] if j else []) + ([segs[j]] if segs[j].kind == "row" else [])
                if counted[0] in set(tokenize(" ".join(text[g.start : g.end] for g in heads), lang)):
                    return True
            j += n
    return False

QUANTITY_RE = re.compile(
    r"\b(how (many|much)|what (was|is) the (total|number|amount|value|price|budget|rate)|number of|"
    r"cu[aá]nt[oa]s?|qu[eé] cantidad|quant[oa]s?|combien|quel (est le )?(nombre|montant|budget)|"
    r"cu[aá]l (?:es|fue|era) (?:el|la) (?:valor|monto|n[uú]mero|total|cantidad|cifra)|"
    r"qual (?:é|foi|era) (?:o|a) (?:valor|montante|n[uú]mero|total|quantidade)|"
    r"quel(?:le)? (?:est|était|a été) (?:le|la) (?:valeur|montant|nombre|total|quantité)|"
    # a money amount, price, share or rate asked for anywhere in the question
    r"budgets?|presupuestos?|or[cç]amentos?|price|precio|pre[cç]o|prix|percentage|porcentaje|percentagem|"
    r"pourcentage|(?:in|en|em) (?:pesos|dollars|d[oó]lares|usd))\b", re.I)
# The holder of a position asked for by name ("Who is the director of INDEP?", "Who heads the FIU?"): the report
# names bodies, rarely people. Not "who is the competent authority", "who is in charge of", "who is it meant for".
PERSON_RE = re.compile(
    r"\b(who (?:is|was|are|were) (?:the |its |their |[\w-]+['’]s )?(?:current |new |former )?(?:director|head|chief|commander|"
    r"secretary|minister|president|chair(?:man|woman|person)?|leader|governor|attorney general|prosecutor general)s?|"
    r"who (?:heads|headed|directs|directed|chairs|chaired|commands|commanded)|"
    r"name of the (?:director|head|minister|commander|secretary|president)|"
    r"qui[eé]n (?:es|era|fue) (?:el |la )?(?:actual |nuev[oa] )?(?:director|directora|jef[ea]|comandante|titular|"
    r"secretari[oa]|ministr[oa]|presidente|presidenta)|qui[eé]n (?:dirige|dirig[ií]a|encabeza|encabezaba|comanda)|"
    r"quem (?:é|era|foi) (?:o |a )?(?:atual |nov[oa] )?(?:diretor|diretora|chefe|comandante|titular|secret[aá]ri[oa]|"
    r"ministr[oa]|presidente|presidenta)|quem (?:dirige|dirigia|chefia|comanda)|"
    r"qui (?:est|était) (?:le |la |l')?(?:actuel(?:le)? |nouve(?:au|lle) )?(?:directeur|directrice|chef|commandant|"
    r"secr[ée]taire|ministre|pr[ée]sident|pr[ée]sidente)|qui (?:dirige|dirigeait|commande))\b", re.I)
# A question that asks for an opinion or a normative choice ("Should Mexico legalize...?", "Is X a good idea /
# a failure / more effective than Y?") rather than what the report or CICAD states; en/es/pt/fr.
OPINION_RE = re.compile(
    r"^\W*(should|ought|deber[ií]a|deveria|devrait)\b|\bdevrait-(il|elle)\b|"
    r"\b(should|deber[ií]a|deveria)\s+(mexico|m[eé]xico|the (country|government))\b|"
    r"\b(good|bad|wise|right|wrong) (?:[\w-]+ ){0,2}(idea|choice|decision|call|approach)\b|\bwas it (wise|right|a mistake)\b|"
    # "Has the strategy failed?", "¿fracasó?", "fracassou?", "a-t-elle échoué ?"; "the best / el mejor / o melhor X"
    r"\bfracass\w*|\bfracas[oó]\b|\b(a|ont)(-t-(il|elle)s?)? [ée]chou[ée]|\b(has|have|did)\b[^?]*\bfail(ed)?\s*\?\s*$|"
    r"\b(the (best|worst)|el (mejor|peor)|la (mejor|peor)|o (melhor|pior)|a (melhor|pior)|le (meilleur|pire)|"
    r"la (meilleure|pire))\b(?! (?:practices?|pr[aá]cticas?|pr[aá]ticas?|pratiques?)\b)|"
    r"\ban effective (way|means|tool)\b|"
    r"\b(most|more|less|mais|menos|plus|moins) (effective|efficient|successful|corrupt|eficaz|efica[cz]es|efectiv[oa]|"
    r"efficace)\b|\b(better|worse) (placed|than|off)\b|\b(mejor|melhor|pior|peor) (que|soluci[oó]n|opci[oó]n|op[cç][aã]o)\b|"
    r"\b(a |une? )?(failure|success|fracas[oa]|[ée]chec|r[ée]ussite|sucesso)\b|\bbem-sucedid[oa]s?\b|\bexitos[oa]\b|"
    r"\b(winning|losing)\b|\btoo (lenient|strict|soft|harsh|militari[sz]ed)\b|\btrop \w+|\bacertad[oa]\b|"
    r"\bfunciona bem\b|\bqu[eé] opina|\bopini[oó]n\b|"
    # "Does Mexico do enough?", "Who is to blame?", "Is X better at ... than Y?", "Vale a pena ...?"
    r"\b(do|does|did|is|are)\b[^?]*\b(enough|too little|too much)\s*\?|\bdo(?:es|ing)? (?:enough|too little)\b|"
    r"\ben fai[ts]?-(il|elle)s? assez\b|"
    r"\b(hace|hacen|faz|fazem) (lo |o )?suficiente\b|\b(bears?|to) (the )?(most )?blame\b|\bblame[sd]?\b|"
    r"\b(la )?culpa\b|\bresponsables? de la violencia\b|\b(better|worse) at\b|"
    r"\bvale (m[aá]s |mais )?(la |a )?pena\b|\bmerece la pena\b|\bvaut(-il)? (mieux|la peine)\b|\bworth it\b|"
    # "Is the National Guard effective in ...?", "¿Es eficaz la Guardia Nacional ...?"
    r"\b(is|are|was|were|es|son|fue|est|sont|[ée])\s+(?:[\w'’-]+\s+){0,5}?(effective|eficaz|efectiv[oa]|efficace|"
    r"efficient|eficiente|successful)\b(?! (?:way|means|tool))|"
    # "Is X effective / working / corrupt?" — a verdict on X asked of the reader, not of the report
    r"\b(is|are|was|were|es|son|fue|est[aá]n?|[ée]|est|sont)\b[^?]*\b(effective|efficient|working|succeeding|"
    r"failing|corrupt|eficaz|efectiv[oa]|funcionando|corrupt[oa]|efficace|corrompue?)\s*\?\s*$",
    re.I)
# ... unless it asks what CICAD or the report judged ("Did CICAD consider ... adequate?", "según la CICAD").
ATTRIBUTION_RE = re.compile(r"\b(according to|seg[uú]n|segundo|selon|did cicad|does cicad|the report|el informe|"
                            r"o relat[oó]rio|le rapport|cicad (consider|find|found|note|say)|"
                            # "What is CICAD's opinion on ...?", "¿Qué opina la CICAD?": CICAD's assessment is asked
                            r"cicad['’]?s? (opinion|view|position)|(opina|opini[oó]n de|opini[aã]o d[ae]|avis de) "
                            r"(la |a )?cicad)\b", re.I)


def asks_opinion(question: str) -> bool:
    """True when the question asks for an opinion or a policy choice rather than what the report states.

    >>> [asks_opinion(q) for q in ("Should Mexico legalize cannabis?", "Is Mexico winning its war on drugs?",
    ...     "La stratégie est-elle une réussite ?", "Is the Mexican government corrupt?",
    ...     "Is Mexico's drug strategy working?", "Did CICAD consider the agency adequately resourced?",
    ...     "Does Mexico measure the effectiveness of alternative development?")]
    [True, True, True, True, True, False, False]
    >>> [asks_opinion(q) for q in ("Is relying on the army a good policy choice?", "¿Fracasó la estrategia?",
    ...     "La stratégie a-t-elle échoué ?", "Is Sembrando Vida the best program in the region?",
    ...     "Which best practices did CICAD highlight?", "Did the operation fail to reach its targets?")]
    [True, True, True, True, False, False]
    """
    return bool(OPINION_RE.search(question)) and not ATTRIBUTION_RE.search(question)


KEY_RE = re.compile(r"\b(\d[\d,./-]*|[A-Z][A-Z0-9]{1,}[a-z]?|[A-Z][a-zà-ÿ]{2,})\b")
NOTICE = ("The report does not seem to answer this question; the passages below are the nearest ones, "
          "not an answer.")
NOTICE_TOO_SHORT = ("The question has no word memqa can search for; ask a full question or give key words "
                    "(e.g. 'ION focal points').")
NOTICE_OPINION = ("The question asks for an opinion or a policy choice; the report states what the country does and "
                  "CICAD's assessment of it, not opinions. Ask what the report says, e.g. 'What did CICAD find on "
                  "...?'.")
NOTICE_AFTER = ("The question asks about {year}, after this report ({held}) was written; a later MEM evaluation "
                "would answer it.")
NOTICE_MEDIUM = "The match is not certain: check that the cited passages answer the question."
NOTICE_EMPTY = "Nothing in the selected part of the library matches; widen or remove the filters."


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    confidence: str  # "high" | "medium" | "low"
    notice: str = ""
    signals: dict = field(default_factory=dict)


CALIBRATION_FORMAT = "memqa-calibration/3"
REFIT = "python eval/calibrate.py"


@dataclass(frozen=True)
class Calibration:
    """A fitted answerability model and the record of what it was fitted for (checked on load)."""

    features: tuple[str, ...]
    mean: Mapping[str, float]
    scale: Mapping[str, float]
    coef: Mapping[str, float]
    intercept: float
    threshold: float  # p(answerable) below this: abstain
    high: float  # p(top unit answers | answerable) at or above this, with p(answerable) >= high_answerable: "high"
    high_answerable: float  # the stricter p(answerable) a "high" answer also needs
    coef_high: Mapping[str, float]  # second model, fitted on answerable questions: p(the top-ranked unit answers)
    intercept_high: float
    encoder: str  # the encoder whose scores the dense features are (e.g. "e5")
    fitted_on: Mapping[str, str] = field(default_factory=dict)  # question file -> sha256
    corpus: Mapping[str, str] = field(default_factory=dict)  # corpus file -> sha256 of the index fitted on
    stats: Mapping[str, float] = field(default_factory=dict)  # cross-validated and held-out rates

    def to_json(self) -> dict:
        return {"format": CALIBRATION_FORMAT, **{k: (list(v) if isinstance(v, tuple) else v)
                                                 for k, v in self.__dict__.items()}}


def load_calibration(path: Path = CALIBRATION, encoder: str | None = None) -> Calibration:
    """Read and check a calibration file: its format and feature list must match this code (and its
    encoder ``encoder``, when given); any mismatch is a CalibrationError naming ``python eval/calibrate.py``."""
    path = Path(path)
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as e:
        raise CalibrationError(f"no answerability calibration at {path}; run `{REFIT}` to fit it.") from e
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise CalibrationError(f"{path} is unreadable ({e}); run `{REFIT}` to refit it.") from e
    if not isinstance(d, dict) or d.get("format") != CALIBRATION_FORMAT:
        raise CalibrationError(f"{path} is not a {CALIBRATION_FORMAT} file; run `{REFIT}` to refit it.")
    if tuple(d.get("features", ())) != FEATURES:
        raise CalibrationError(f"{path} was fitted on other features than this memqa computes; run `{REFIT}`.")
    if encoder is not None and d.get("encoder") != encoder:
        raise CalibrationError(f"{path} was fitted on {d.get('encoder')!r} scores but the index is searched with "
                               f"{encoder!r}; run `{REFIT}` for this index (or build it with that encoder).")
    try:
        kw = {k: d[k] for k in ("mean", "scale", "coef", "intercept", "threshold", "high", "high_answerable", "encoder",
                                "coef_high", "intercept_high")}
        if not all(set(kw[k]) >= set(FEATURES) for k in ("mean", "scale", "coef", "coef_high")):
            raise KeyError("a feature weight")
        return Calibration(features=FEATURES, fitted_on=d.get("fitted_on", {}), corpus=d.get("corpus", {}),
                           stats=d.get("stats", {}), **kw)
    except (KeyError, TypeError) as e:
        raise CalibrationError(f"{path} lacks {e}; run `{REFIT}` to refit it.") from e


GENERIC_KEYS = frozenset({"cicad", "mem", "oas", "oea", "what", "which", "does"})


def key_terms(question: str, own: frozenset[str] = frozenset()) -> list[str]:
    """Numbers, acronyms and capitalised names, except the question's first word, the names of the
    loaded reports' countries (``own``, folded) and the names of the MEM itself.

    >>> key_terms("Which agencies in Mexico use PEN Online since 2019?", frozenset({"mexico"}))
    ['PEN', 'Online', '2019']
    """
    words = KEY_RE.findall(question)
    first = re.match(r"\W*(\w+)", question)
    out = []
    for w in words:
        if first and w == first.group(1) and not w.isupper() and not w[0].isdigit():
            continue
        if fold(w) in GENERIC_KEYS or fold(w) in own:
            continue
        out.append(w)
    return out


def asks_other_report(question: str, meta: dict) -> bool:
    """True when the question names an evaluation year or round other than the report's.

    >>> asks_other_report("What did the 2019 MEM evaluation say?", {"year": 2022, "round": "Eighth Evaluation Round"})
    True
    >>> asks_other_report("MEM 2022 findings on precursors", {"year": 2022, "round": "Eighth Evaluation Round"})
    False
    >>> meta = {"year": 2022, "round": "Eighth Evaluation Round"}
    >>> [asks_other_report(q, meta) for q in ("What is planned for the 2024 stage of the eighth evaluation round?",
    ...     "Qu'a recommandé le deuxième cycle d'évaluation du MEM ?", "Quais foram as recomendações do quinto ciclo?")]
    [False, True, True]
    """
    q = fold(question)
    if not REPORT_WORD_RE.search(q):
        return False
    rnd = fold(str(meta.get("round", ""))).split()
    mine = next((ORDINALS[w] for w in rnd if w in ORDINALS), None)
    asked = {ORDINALS[w] for w in re.findall(r"[a-z0-9]+", q.lower()) if w in ORDINALS}
    if mine and asked:
        # a round named: the question is about this report's round (its schedule of years is in the preface)
        # or about another one
        return mine not in asked
    years = {int(y) for y in re.findall(r"\b(19[89]\d|20[0-4]\d)\b", q)}
    year = int(meta.get("year") or 0)
    return bool(years and year and year not in years)


def reports_named(question: str, reports: Mapping[str, dict]) -> frozenset[str] | None:
    """The loaded reports a question points at — by its country, or by an evaluation year or round named with a
    report word ("the 2022 report", "the eighth round") — or None when it names none of them. With several
    reports of one country loaded, "In the 2022 report on Mexico, ..." is a question for mexico-2022 only;
    a year or country that no loaded report has selects nothing (the refusal's signals then judge it).

    >>> lib = {"mx19": {"country": "Mexico", "year": 2019, "round": "Seventh Evaluation Round"},
    ...        "mx22": {"country": "Mexico", "year": 2022, "round": "Eighth Evaluation Round"},
    ...        "pe22": {"country": "Peru", "year": 2022, "round": "Eighth Evaluation Round"}}
    >>> [sorted(reports_named(q, lib) or []) for q in ("In the 2022 report on Mexico, who are the ION focal points?",
    ...     "Según la octava ronda, ¿participa Perú en ION?", "What did Mexico do in 2021?",
    ...     "What did the 2024 evaluation say?", "Which agencies are ION focal points?")]
    [['mx22'], ['pe22'], ['mx19', 'mx22'], [], []]
    """
    picks = []
    named = set(countries_named(question))
    by_country = {r for r, m in reports.items() if m.get("country") in named}
    if by_country:
        picks.append(by_country)
    q = fold(question)
    if REPORT_WORD_RE.search(q):
        asked = {ORDINALS[w] for w in re.findall(r"[a-z0-9]+", q) if w in ORDINALS}
        years = {int(y) for y in re.findall(r"\b(19[89]\d|20[0-4]\d)\b", q)}
        by_round = {r for r, m in reports.items()
                    if asked & {ORDINALS[w] for w in fold(str(m.get("round", ""))).split() if w in ORDINALS}}
        by_year = {r for r, m in reports.items() if m.get("year") and int(m["year"]) in years}
        picks += [p for p in (by_round, by_year) if p]
    if not picks:
        return None
    both = set.intersection(*picks)
    return frozenset(both) if both else None


def features(question: str, retrieval, retriever, order: list[int], reports: Mapping[str, dict]) -> dict[str, float]:
    """The signals above for one retrieval; ``order`` is the ranked unit indices (top ``JUDGE_DEPTH``),
    ``reports`` the manifest metadata of every loaded report by report id."""
    us = retrieval.unit_scores
    is_en = retrieval.lang == "en"
    enc = retriever.sentence_encoder
    dense, sent = us.get(f"dense:{enc}"), us.get(f"sent:{enc}")
    d_sorted = np.sort(dense[np.isfinite(dense)])[::-1] if dense is not None else np.zeros(5)
    top = order[:3]
    sections = retriever.sections
    lex_units = us.get("lexical")
    # Lexical signals in the language of the top unit's report (its BM25 index and tokenizer).
    lang = retriever.unit_language[top[0]] if top else "en"
    known, unknown = retriever.lexical.known_terms(question, lang)
    lex_best = float(lex_units[top[0]]) if (lex_units is not None and top) else 0.0
    lex_top = (lex_best if math.isfinite(lex_best) else 0.0) / (len(known) + 1)
    texts = " ".join(fold(sections[i].text) for i in top)
    own = country_aliases(m.get("country", "") for m in reports.values())
    keys = key_terms(question, own)
    cov = (sum(1 for k in keys if fold(k) in texts) / len(keys)) if keys else 1.0
    has_number = False
    # an amount of money asked for ("the budget in pesos") is answered by a sum of money, not by any number
    # and a weight, volume or area by a number with its unit
    stated = has_money if MONEY_Q_RE.search(question) else has_measure if MEASURE_Q_RE.search(question) else has_quantity
    seg_scores = retrieval.segment_scores.get(retriever.sentence_encoder)
    if seg_scores is not None:
        for i in top[:2]:
            idx = np.asarray(retriever.segments_of(i), dtype=np.int64)
            for gi in idx[np.argsort(-seg_scores[idx])[:3]] if len(idx) else ():
                g = retriever.segments[gi]
                if stated(sections[i].text[g.start : g.end]):
                    has_number = True
    q_terms = tokenize(question, lang)
    n_terms = max(1, len(q_terms))
    top_terms = set(tokenize(sections[top[0]].text + " " + sections[top[0]].title, lang)) if top else set()
    weights = [retriever.lexical.idf(t) for t in q_terms]
    idf_cov = sum(w for t, w in zip(q_terms, weights) if t in top_terms) / sum(weights) if weights else 1.0
    meta = reports.get(sections[top[0]].report, {}) if top else {}
    own_top = country_aliases([meta.get("country", "")]) if meta else frozenset()
    # another country named in the question and in none of its names in the top unit: "Estados Unidos" in a
    # Spanish question is the "United States" of the English report's text, not a country it lacks; but a
    # country the report names elsewhere ("Does Colombia have an early warning system?") is not the subject
    # of the unit that would answer
    other_country = float(bool(countries_absent(question, own_top, fold(sections[top[0]].text) if top else "")))
    other_report = float(asks_other_report(question, meta)) if top else 0.0
    # a year after the report's own that the answering unit never names ("What did INDEP do in 2023?" of a 2022
    # report): the report cannot know; a year it names (the round's schedule, a 2021-2025 plan) is a fact in it
    after_report = float(bool(top and meta.get("year") and any(
        int(y) > int(meta["year"]) and y not in sections[top[0]].text for y in YEAR_RE.findall(question))))
    areas = other_areas_named(question, {area_of(str(m.get("thematic_area", ""))) for m in reports.values()})
    other_area = float(any(not marker_in(w, texts) for w in areas.values()))
    qtype = question_type(question)
    type_gap = 0.0
    if qtype in ("date", "person", "law", "place") and seg_scores is not None and top:
        best = [(i, gi) for i in top[:2] for gi in retriever.segments_of(i)]
        best.sort(key=lambda t: -seg_scores[t[1]])
        type_gap = float(not any(fits(qtype, sections[i].text[retriever.segments[gi].start : retriever.segments[gi].end])
                                 for i, gi in best[:4]))
    answer_p = answer_in_top = 0.0
    if seg_scores is not None and top:
        # the answer-unit model (extract): how sure it is of one piece, and how much of its belief is in the
        # top unit — a question the top unit answers tends to have one piece there that stands out
        cands, x = candidates(question, qtype, retriever, list(top), seg_scores, query_terms(question, retrieval.lang),
                              retrieval.lang)
        if cands:
            z = answer_model().score(x)
            p = np.exp(z - z.max())
            p /= p.sum()
            answer_p = float(p.max())
            answer_in_top = float(sum(pi for c, pi in zip(cands, p) if c.unit == top[0]))
    # a question in another language than the top unit's report: the same lexical signals over its MEM terms
    # written in the report's language (translation.py; none when no term of the question is known)
    x_lex_top = x_idf_cov = 0.0
    if top and not is_en and "xlex" in us:
        x_known = retriever.lexical.known_terms(terminology().translate(question, retrieval.lang, lang), lang)[0]
        x_best = float(us["xlex"][top[0]])
        x_lex_top = (x_best if math.isfinite(x_best) else 0.0) / (len(x_known) + 1)
        x_w = [retriever.lexical.idf(t) for t in x_known]
        x_idf_cov = sum(w for t, w in zip(x_known, x_w) if t in top_terms) / sum(x_w) if x_w else 0.0
    fused = [float(retrieval.fused[i]) for i in order[:2]]
    fused_margin = fused[0] - fused[1] if len(fused) == 2 and all(map(math.isfinite, fused)) else 0.0
    return {
        "dense_top": float(d_sorted[0]) if len(d_sorted) else 0.0,
        "sent_top": float(np.max(sent[np.isfinite(sent)])) if sent is not None and np.isfinite(sent).any() else 0.0,
        "dense_margin": float(d_sorted[0] - d_sorted[min(4, len(d_sorted) - 1)]) if len(d_sorted) else 0.0,
        "lex_top": lex_top if is_en else 0.0,
        "unknown_terms": float(len(unknown)) if is_en else 0.0,
        "unknown_frac": len(unknown) / n_terms if is_en else 0.0,
        "idf_coverage": idf_cov if is_en else 0.0,
        "key_coverage": cov,
        "quantity_gap": float(bool(QUANTITY_RE.search(question)) and not has_number
                              and not _countable(retriever, top[:2], question, lang)),
        "asks_person": float(bool(PERSON_RE.search(question))),
        "other_country": other_country,
        "other_report": other_report,
        "other_area": other_area,
        "type_gap": type_gap,
        "fused_margin": fused_margin,
        "is_en": float(is_en),
        "answer_p": answer_p,
        "answer_in_top": answer_in_top,
        "asks_opinion": float(asks_opinion(question)),
        "after_report": after_report,
        "x_lex_top": x_lex_top,
        "x_idf_coverage": x_idf_cov,
    }


def countries_absent(question: str, own: frozenset[str], folded_texts: str) -> list[str]:
    """Countries other than the report's that the question names and the top units name under none of
    their names (English, Spanish, Portuguese or French).

    >>> countries_absent("¿Cuándo se reunieron México y Estados Unidos?", frozenset({"mexico"}),
    ...                  "the united states-mexico high level security group")
    []
    >>> countries_absent("¿Qué hace Perú?", frozenset({"mexico"}), "the united states-mexico group")
    ['Peru']
    """
    others = [name for name, alias in countries_named(question).items() if alias not in own]
    return [n for n in others if not any(_phrase_in(a, folded_texts) for a in country_aliases([n]))]


def _phrase_in(phrase: str, folded_text: str) -> bool:
    return re.search(r"(?<!\w)" + re.escape(phrase) + r"(?!\w)", folded_text) is not None


def probability(f: Mapping[str, float], calib: Calibration | None, high: bool = False) -> float | None:
    """p(answerable) — or, with ``high``, p(the top unit answers | answerable) — under the logistic
    models; None without a calibration."""
    if calib is None:
        return None
    coef, b = (calib.coef_high, calib.intercept_high) if high else (calib.coef, calib.intercept)
    z = b + sum(coef[k] * (f[k] - calib.mean[k]) / calib.scale[k] for k in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def scope_notice(question: str, f: Mapping[str, float], reports: Mapping[str, dict]) -> str:
    """Why the library does not answer, and which MEM report would — from the manifest and vocabulary."""
    metas = list(reports.values())
    if not metas:
        return ""
    held = "; ".join(f"{m.get('country')} {m.get('year')} ({m.get('round')})" for m in metas[:3])
    if f.get("other_area"):
        areas = other_areas_named(question, [area_of(str(m.get("thematic_area", ""))) for m in metas])
        if areas:
            key, word = next(iter(areas.items()))
            return (f"The loaded report(s) — {held} — evaluate '{metas[0].get('thematic_area')}'; "
                    f"'{word}' is evaluated in {area_report(key)}, which is not in this library.")
    if f.get("other_country"):
        own = {m.get("country") for m in metas}
        named = [c for c in countries_named(question) if c not in own]
        if named:
            return (f"This library holds the MEM report(s) on {', '.join(sorted(own))}, not on {named[0]}; "
                    f"{named[0]}'s MEM evaluation report would answer this.")
    if f.get("other_report"):
        return (f"This library holds {held}; the question asks about another MEM evaluation (year or round), "
                "whose report is not loaded.")
    return ""


def _refusal(question: str, f: Mapping[str, float], reports: Mapping[str, dict]) -> str:
    """Why the model refused, when a signal says so plainly (an opinion, a year after the report), else NOTICE."""
    if f.get("asks_opinion"):
        return NOTICE_OPINION
    metas = list(reports.values())
    if f.get("after_report") and metas:
        mine = max(int(m.get("year") or 0) for m in metas)
        later = [y for y in YEAR_RE.findall(question) if int(y) > mine]
        if later:
            held = "; ".join(f"{m.get('country')} {m.get('year')}" for m in metas[:3])
            return NOTICE_AFTER.format(year=later[0], held=held)
    return NOTICE


def judge(question: str, retrieval, retriever, order: list[int], reports: Mapping[str, dict],
          calib: Calibration | None) -> Verdict:
    """Answerable + confidence for one retrieval, from the top ``JUDGE_DEPTH`` units in ``order``."""
    f = features(question, retrieval, retriever, order, reports)
    p = probability(f, calib)
    signals = {**{k: round(v, 4) for k, v in f.items()}, "p_answerable": None if p is None else round(p, 4)}
    if not order:
        return Verdict(False, "low", NOTICE_EMPTY, signals)
    if not any(len(t) >= 2 for t in tokenize(question)):  # "x", "q", "?": nothing to match on
        return Verdict(False, "low", NOTICE_TOO_SHORT, signals)
    scope = scope_notice(question, f, reports)
    if scope:  # a question about another thematic area, country or evaluation: the library does not hold it
        return Verdict(False, "low", scope, signals)
    if p is None:  # no calibration given (tests with a fake encoder): never abstain
        return Verdict(True, "medium", "", signals)
    if p < calib.threshold:
        return Verdict(False, "low", _refusal(question, f, reports), signals)
    p_top = probability(f, calib, high=True)
    signals["p_top_answers"] = round(p_top, 4)
    if p < calib.high_answerable or p_top < calib.high:
        return Verdict(True, "medium", NOTICE_MEDIUM, signals)
    return Verdict(True, "high", "", signals)
