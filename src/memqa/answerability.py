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
  the best sentences hold no number; ``asks_person`` — it asks who heads/directs something
  (MEM reports name institutions, not people).

A logistic model over these signals, fitted by ``eval/calibrate.py`` on the gold set's
answerable and unanswerable questions, gives p(answerable); ``calibration.json`` holds its
weights and the threshold. The threshold is chosen for at most ~3% false abstentions.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .lexical import fold, tokenize

FEATURES = ("dense_top", "sent_top", "dense_margin", "lex_top", "unknown_terms", "unknown_frac", "idf_coverage",
            "key_coverage", "quantity_gap", "asks_person", "other_country", "other_report", "is_en")
# "the 2019 MEM evaluation", "seventh round", "ronda de 2019": a question about another evaluation report.
REPORT_WORD_RE = re.compile(r"\b(mem|evaluation|evaluaci[oó]n|avalia[cç][aã]o|[ée]valuation|round|ronda|rodada|cycle|"
                            r"ciclo|report|informe|relat[oó]rio|rapport)\b", re.I)
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8,
            "ninth": 9, "primera": 1, "segunda": 2, "tercera": 3, "cuarta": 4, "quinta": 5, "sexta": 6,
            "septima": 7, "octava": 8, "novena": 9, "setima": 7, "oitava": 8, "premier": 1, "septieme": 7,
            "huitieme": 8}
# OAS member states (English/Spanish/Portuguese/French spellings, folded); a question about another
# country than the report's is usually not answered by it.
MEMBER_STATES = frozenset(
    """antigua barbuda argentina argentine bahamas barbados belize bolivia brazil brasil bresil canada
    chile chili colombia colombie costa rica dominica dominican dominicana ecuador equateur salvador grenada
    granada guatemala guyana haiti honduras jamaica jamaique nicaragua panama paraguay peru perou kitts
    lucia vincent grenadines suriname trinidad tobago uruguay venezuela""".split()
)
# A number that states a quantity (not a year, a date part or a document code like 43/19).
QUANTITY_NUM_RE = re.compile(r"(?<![\d/.-])(?!(?:19|20)\d\d\b)\d[\d,.]*(?![\d/])")
DATE_RE = re.compile(r"\b(January|February|March|April|May|June|July|August|September|October|November|December)"
                     r"\s+\d{1,2}(?:st|nd|rd|th)?\b|\b\d{1,2}\s+(?:de\s+)?(January|February|March|April|May|June|July|"
                     r"August|September|October|November|December)\b", re.I)


def has_quantity(text: str) -> bool:
    """True when text states a number that is not a year, a date or a document code.

    >>> has_quantity("219 operations were carried out"), has_quantity("on January 7, 2020 (CNDH 43/19)")
    (True, False)
    """
    return bool(QUANTITY_NUM_RE.search(DATE_RE.sub(" ", text)))
CALIBRATION = Path(__file__).with_name("calibration.json")

QUANTITY_RE = re.compile(
    r"\b(how (many|much)|what (was|is) the (total|number|amount|value|price|budget|rate)|number of|"
    r"cu[aá]nt[oa]s?|qu[eé] cantidad|quant[oa]s?|combien|quel (est le )?(nombre|montant|budget))\b", re.I)
PERSON_RE = re.compile(
    r"\b(who (is|was|heads|leads|directs|runs|chairs)|name of the (director|head|minister|commander)|"
    r"qui[eé]n (es|era|dirige|encabeza)|quem (é|dirige|chefia)|qui (est|dirige))\b", re.I)
KEY_RE = re.compile(r"\b(\d[\d,./-]*|[A-Z][A-Z0-9]{1,}[a-z]?|[A-Z][a-zà-ÿ]{2,})\b")
NOTICE = ("The report does not seem to answer this question; the passages below are the nearest ones, "
          "not an answer.")
NOTICE_MEDIUM = "The match is not certain: check that the cited passages answer the question."


@dataclass(frozen=True)
class Verdict:
    answerable: bool
    confidence: str  # "high" | "medium" | "low"
    notice: str = ""
    signals: dict = field(default_factory=dict)


@lru_cache(maxsize=1)
def load_calibration(path: str = str(CALIBRATION)) -> dict:
    p = Path(path)
    if not p.exists():
        return {}
    return json.loads(p.read_text(encoding="utf-8"))


def key_terms(question: str) -> list[str]:
    """Numbers, acronyms and capitalised names, except the question's first word and 'Mexico'."""
    words = KEY_RE.findall(question)
    first = re.match(r"\W*(\w+)", question)
    out = []
    for w in words:
        if first and w == first.group(1) and not w.isupper() and not w[0].isdigit():
            continue
        if fold(w) in {"mexico", "mexique", "mexican", "cicad", "mem", "oas", "oea", "what", "which", "does"}:
            continue
        out.append(w)
    return out


def asks_other_report(question: str, meta: dict) -> bool:
    """True when the question names an evaluation year or round other than the report's.

    >>> asks_other_report("What did the 2019 MEM evaluation say?", {"year": 2022, "round": "Eighth Evaluation Round"})
    True
    >>> asks_other_report("MEM 2022 findings on precursors", {"year": 2022, "round": "Eighth Evaluation Round"})
    False
    """
    q = fold(question)
    if not REPORT_WORD_RE.search(q):
        return False
    years = {int(y) for y in re.findall(r"\b(19[89]\d|20[0-4]\d)\b", q)}
    year = int(meta.get("year") or 0)
    if years and year and year not in years:
        return True
    rnd = fold(str(meta.get("round", ""))).split()
    mine = next((ORDINALS[w] for w in rnd if w in ORDINALS), None)
    asked = {ORDINALS[w] for w in re.findall(r"[a-z]+", q) if w in ORDINALS}
    return bool(mine and asked and mine not in asked)


def features(question: str, retrieval, assistant, order: list[int]) -> dict[str, float]:
    """The signals above for one retrieval; ``order`` is the ranked unit indices."""
    us = retrieval.unit_scores
    is_en = retrieval.lang == "en"
    dense = us.get("dense:e5", us.get("dense:minilm"))
    sent = us.get("sent:e5", us.get("sent:minilm"))
    d_sorted = np.sort(dense[np.isfinite(dense)])[::-1] if dense is not None else np.zeros(5)
    top = order[:3]
    lex_units = us.get("lexical")
    known, unknown = assistant.data.lexical.known_terms(question)
    lex_best = float(lex_units[top[0]]) if (lex_units is not None and top) else 0.0
    lex_top = (lex_best if math.isfinite(lex_best) else 0.0) / (len(known) + 1)
    texts = " ".join(fold(assistant.sections[i].text) for i in top)
    keys = key_terms(question)
    cov = (sum(1 for k in keys if fold(k) in texts) / len(keys)) if keys else 1.0
    has_number = False
    if top:
        seg_scores = next(iter(retrieval.segment_scores.values()), None)
        if seg_scores is not None:
            owners = assistant._g_owner
            for i in top[:2]:
                idx = np.where(owners == i)[0]
                if len(idx):
                    best = idx[np.argsort(-seg_scores[idx])[:3]]
                    for gi in best:
                        g = assistant.data.segments[gi]
                        if has_quantity(assistant.sections[i].text[g.start : g.end]):
                            has_number = True
    q_terms = tokenize(question)
    n_terms = max(1, len(q_terms))
    idf = assistant.data.lexical.idf
    top_terms = set(tokenize(assistant.sections[top[0]].text + " " + assistant.sections[top[0]].title)) if top else set()
    weights = [idf(t) for t in q_terms]
    idf_cov = sum(w for t, w in zip(q_terms, weights) if t in top_terms) / sum(weights) if weights else 1.0
    q_words = set(re.findall(r"\w+", fold(question)))
    others = {w for w in q_words & MEMBER_STATES} - {fold(assistant.sections[top[0]].report.split("-")[0])} if top else set()
    other_country = float(any(w not in texts for w in others))
    other_report = float(asks_other_report(question, assistant.report_meta(assistant.sections[top[0]].report)) if top else 0.0)
    return {
        "dense_top": float(d_sorted[0]) if len(d_sorted) else 0.0,
        "sent_top": float(np.max(sent[np.isfinite(sent)])) if sent is not None and np.isfinite(sent).any() else 0.0,
        "dense_margin": float(d_sorted[0] - d_sorted[min(4, len(d_sorted) - 1)]) if len(d_sorted) else 0.0,
        "lex_top": lex_top if is_en else 0.0,
        "unknown_terms": float(len(unknown)) if is_en else 0.0,
        "unknown_frac": len(unknown) / n_terms if is_en else 0.0,
        "idf_coverage": idf_cov if is_en else 0.0,
        "key_coverage": cov,
        "quantity_gap": float(bool(QUANTITY_RE.search(question)) and not has_number),
        "asks_person": float(bool(PERSON_RE.search(question))),
        "other_country": other_country,
        "other_report": other_report,
        "is_en": float(is_en),
    }


def probability(f: dict[str, float], calib: dict) -> float | None:
    if not calib:
        return None
    mean, scale, coef = calib["mean"], calib["scale"], calib["coef"]
    z = calib["intercept"] + sum(coef[k] * (f[k] - mean[k]) / scale[k] for k in FEATURES)
    return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))


def judge_retrieval(question: str, retrieval, assistant, order: list[int]) -> Verdict:
    f = features(question, retrieval, assistant, order)
    calib = load_calibration()
    p = probability(f, calib)
    signals = {**{k: round(v, 4) for k, v in f.items()}, "p_answerable": None if p is None else round(p, 4)}
    if p is None:  # uncalibrated install: never abstain
        return Verdict(True, "medium", "", signals)
    if p < calib["threshold"]:
        return Verdict(False, "low", NOTICE, signals)
    if p < calib.get("high", 0.8):
        return Verdict(True, "medium", NOTICE_MEDIUM, signals)
    return Verdict(True, "high", "", signals)


def judge(question: str, retrieval, assistant, hits) -> Verdict:
    order = [assistant._sec_index[h.citation.section_id] for h in hits]
    if not order:
        order = [int(i) for i in np.argsort(-retrieval.fused)[:3]]
    return judge_retrieval(question, retrieval, assistant, order)
