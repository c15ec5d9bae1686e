"""The direct answer: the shortest verbatim evidence (sentence, list item, table row) that answers.

1. ``question_type`` classifies what the question asks for (count, date, person, organisation,
   place, law, yes/no, list, judgement, description) in English, Spanish, Portuguese and French.
2. Candidates are the segments of the top units; each is scored by its dense cosine with the
   question, the share of question terms it holds, its unit's rank, and whether it has the kind
   of content the type asks for (a number for "how many", a date for "when", named bodies for
   "which agencies", a negation for a yes/no question answered "no").
3. A lead-in ("Several agencies function as focal points, including:") brings the list items or
   table rows it introduces; a table's header row is never the answer on its own.

Pure: works on the retriever's public structure and one retrieval.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .lexical import QueryTerms, fold, tokenize
from .types import AnswerUnit, Citation, DirectAnswer

QTYPE_PATTERNS: tuple[tuple[str, re.Pattern], ...] = tuple((name, re.compile(rx, re.I)) for name, rx in (
    ("count", r"\b(how (many|much)|number of|what (was|is) the (total|number|amount|value|budget)|cu[aá]nt[oa]s?|"
              r"qu[eé] cantidad|quant[oa]s|combien)\b"),
    ("date", r"\b(when|what year|since when|in which year|cu[aá]ndo|desde cu[aá]ndo|en qu[eé] a[nñ]o|quando|em que ano|"
             r"quand|en quelle ann[ée]e|depuis quand)\b"),
    ("person", r"\b(who (is|was|heads|leads|directs|runs|chairs)|qui[eé]n|quem|qui (est|dirige))\b"),
    # ("evaluates" alone is not a judgement cue: "who coordinates and evaluates the programs?" asks for a body)
    ("judgement", r"\b(cicad|assess\w*|evaluative|recommend\w*|gaps?|shortcomings?|deficienc\w*|concern\w*|"
                  r"recomend\w*|recomenda\w*|lacunes?|recommand\w*|insuficien\w*|brechas?)\b"),
    ("law", r"\b(law|laws|legislation|act|decree|regulation|statute|ley|leyes|legislaci[oó]n|decreto|reglamento|lei|"
            r"leis|loi|d[ée]cret|r[eè]glement)\b"),
    ("organisation", r"\b(which|what) (agenc|institution|bod|organi[sz]ation|entit|ministr|department|office|authorit)\w*|"
                     r"\b(qu[eé]|cu[aá]les?) (agencia|institucion|organismo|entidad|dependencia|secretaria|autoridad|"
                     r"ministerio|oficina)\w*|"
                     r"\b(qual|quais|que) (ag[eê]ncia|institui[cç]|orgao|organismo|entidade|autoridade|secretaria|minist[eé]rio)\w*|"
                     r"\b(quell?e?s?) (agence|institution|organisme|autorite|ministere|entite|administration)\w*|"
                     r"\bwho (is responsible|administers|manages|coordinates|participates)"),
    ("place", r"\b(where|in which (state|city|region|port|airport)s?|d[oó]nde|en qu[eé] (estado|ciudad)|onde|o[uù])\b"),
    # Spanish may open with the verb ("¿Tiene México...?"); French asks by inversion ("Le Mexique
    # utilise-t-il...?", "Existe-t-il...?") or "est-ce que"
    ("yesno", r"^\s*[¿]?\s*(does|do|did|is|are|was|were|has|have|had|can|will|isn'?t|doesn'?t|hasn'?t|"
              r"(?!(?:que|qu|quel\w*|quoi|comment|ou|quand|combien|qui|pourquoi|cual\w*|como|donde|cuando|"
              r"cuant\w*|quien\w*|qual|quais|onde|quando|quant\w*|quem|por)\b)"  # not after a question word
              r"(?:(?:\w+\s+){0,3}(usa|cuenta|tiene|ha|participa|realiza|utiliza|existe|posee|dispone|aplica)|"
              r"(?:\w+\s+){0,3}\w+-t-(?:il|elle)|(?:\w+\s+){0,3}\w+-(?:il|elle)s?)|"
              r"existe|hay|tem|possui|est-ce|y a-t-il)\b"),
    ("list", r"\b(which|what|list|name|cu[aá]les|qu[eé]|quais|quels?|quelles?)\b.*\b(\w+s)\b"),
))
NEGATION_RE = re.compile(
    r"\b(not|no|none|never|lacks?|without|neither|nor|does not|has not|did not|no cuenta|no tiene|no ha|no utiliza|"
    r"no usa|carece|sin|n[aã]o|ne pas|n'a pas|aucun|sans)\b", re.I)
NUMBER_RE = re.compile(r"(?<![\w/])\d[\d,.]*(?![\w/])")
DATE_RE = re.compile(r"\b(1[89]\d\d|20\d\d)\b|\b(January|February|March|April|May|June|July|August|September|"
                     r"October|November|December|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|"
                     r"octubre|noviembre|diciembre)\b", re.I)
# CICAD's own name is in every evaluative-summary sentence ("CICAD notes that..."): it names the evaluator,
# not a body that answers "which agency".
EVALUATOR_RE = re.compile(r"\b(?:OAS/)?CICAD\b")
ORG_RE = re.compile(r"\b[A-Z][A-Z0-9]{2,}\b|\b(?:Ministry|Secretariat|Agency|Office|Institute|Commission|Council|"
                    r"Unit|Guard|Navy|Army|Police|Attorney|Administration|Service|Center|Centre)\b")
LAW_RE = re.compile(r"\b(Law|Act|Code|Decree|Regulation|NOM-|Ley|Código|Decreto|Reglamento)\b")
PLACE_RE = re.compile(r"\b(state|states|city|port|airport|border|region|municipalit\w*|[A-Z][a-z]+ (?:State|City))\b")

MAX_UNITS = 3  # unit search: segments of the top units
MAX_LIST_ITEMS = 12  # a lead-in brings at most this many items/rows
LEXICAL_WEIGHT = 0.2
RANK_PRIOR = (0.1, 0.04, 0.0)  # bonus by the rank of the segment's unit
TYPE_BONUS = 0.08  # the segment has what the question type asks for
TYPE_PENALTY = 0.06  # it has not (count without a number, date without a date, ...)
# Facts are stated in the priority action; CICAD's judgement in the evaluative summary.
KIND_PRIOR = {"judgement": {"evaluative_summary": 0.05}, "other": {"evaluative_summary": -0.03}}
GAP_RE = re.compile(r"\b(gaps?|shortcomings?|weakness\w*|deficien\w*|lack\w*|fail\w*|not (meet|met|do|done|use)|"
                    r"carencias?|deficiencias?|brechas?|debilidades|falencias?|lacunes?|faiblesses?|defici[eê]ncias?)\b",
                    re.I)
GAP_BONUS = 0.08  # a question about gaps: the negated findings answer it
LIST_TYPES = frozenset({"list", "law", "organisation", "description"})


def question_type(question: str) -> str:
    """What the question asks for.

    >>> [question_type(q) for q in ("How many labs were dismantled?", "When did Mexico join?",
    ...   "Which agencies are ION focal points?", "¿México usa el sistema I2ES?", "pill press training")]
    ['count', 'date', 'organisation', 'yesno', 'description']
    """
    q = fold(question)  # accents folded: "institución" matches "institucion"
    for name, rx in QTYPE_PATTERNS:
        if rx.search(q):
            return name
    return "description"


def fits(qtype: str, text: str) -> bool | None:
    """Whether a segment has the content the type asks for (None: the type does not say)."""
    if qtype == "count":
        return bool(NUMBER_RE.search(DATE_RE.sub(" ", text)))
    if qtype == "date":
        return bool(DATE_RE.search(text))
    if qtype in ("organisation", "person"):
        return bool(ORG_RE.search(EVALUATOR_RE.sub(" ", text)))
    if qtype == "law":
        return bool(LAW_RE.search(text))
    if qtype == "place":
        return bool(PLACE_RE.search(text))
    return None


@dataclass(frozen=True)
class _Seg:
    unit: int
    index: int  # segment index in the retriever
    start: int  # offsets in the unit text
    end: int
    kind: str


def _unit_segments(retriever, unit: int) -> list[_Seg]:
    segs = retriever.segments
    return [_Seg(unit, gi, segs[gi].start, segs[gi].end, segs[gi].kind) for gi in retriever.segments_of(unit)]


def _expand_lead_in(retriever, seg: _Seg, chosen: list[_Seg], qtype: str = "description") -> list[_Seg]:
    """A lead-in ending in ':' (or a table header row) brings the items or rows that follow it; so does
    any sentence directly followed by a list when the question asks for a list of things."""
    text = retriever.sections[seg.unit].text
    segs = _unit_segments(retriever, seg.unit)
    pos = next(i for i, s in enumerate(segs) if s.index == seg.index)
    if qtype in LIST_TYPES and seg.kind == "sentence" and not text[seg.start : seg.end].rstrip().endswith(":"):
        # A topic sentence restating the question ("Mexico has strengthened its framework against money
        # laundering.") is often followed by the lead-in of the list that answers it: take that list too.
        nxt = segs[pos + 1] if pos + 1 < len(segs) else None
        if (nxt is not None and nxt.kind == "sentence" and text[nxt.start : nxt.end].rstrip().endswith(":")
                and pos + 2 < len(segs) and segs[pos + 2].kind in ("item", "row")):
            return _expand_lead_in(retriever, nxt, [*chosen, nxt], qtype)
    followed = pos + 1 < len(segs) and segs[pos + 1].kind in ("item", "row") and seg.kind == "sentence"
    is_lead = text[seg.start : seg.end].rstrip().endswith(":") or (followed and qtype in LIST_TYPES)
    is_header = seg.kind == "row" and (pos == 0 or segs[pos - 1].kind != "row")
    if not (is_lead or is_header):
        return chosen
    out = list(chosen)
    for s in segs[pos + 1 : pos + 1 + MAX_LIST_ITEMS]:
        if s.kind not in ("item", "row"):
            break
        out.append(s)
    return out


def _row_end(text: str, seg: _Seg) -> int:
    r"""A table row quoted to the end of its line: its empty last cells are kept, so "… \tX\t" (ticked in the
    first of two columns) stays distinct from "… \t\tX" (ticked in the second).

    >>> _row_end("Measure\tX\t\nNext", _Seg(0, 0, 0, 9, "row")), _row_end("a\tb c", _Seg(0, 0, 0, 3, "row"))
    (10, 3)
    """
    line_end = text.find("\n", seg.end)
    line_end = len(text) if line_end < 0 else line_end
    tail = text[seg.end : line_end]
    return line_end if tail and not tail.strip(" \t") and "\t" in tail else seg.end


def extract(question: str, qtype: str, retriever, order: list[int], segment_scores: np.ndarray,
            q_terms: QueryTerms) -> DirectAnswer | None:
    """The direct answer from the top units in ``order`` (None when there are no candidates)."""
    cands = [s for rank, unit in enumerate(order[:MAX_UNITS]) for s in _unit_segments(retriever, unit)]
    if not cands:
        return None
    prior = {unit: RANK_PRIOR[min(r, len(RANK_PRIOR) - 1)] for r, unit in enumerate(order[:MAX_UNITS])}
    kind_prior = KIND_PRIOR["judgement" if qtype == "judgement" else "other"]
    asks_gap = bool(GAP_RE.search(question))
    best, best_score = None, -np.inf
    dense = np.asarray(segment_scores[np.array([s.index for s in cands])], dtype=np.float64)  # one lookup
    for s, cosine in zip(cands, dense):
        text = retriever.sections[s.unit].text[s.start : s.end]
        if s.start < retriever.sections[s.unit].body_start:
            continue  # the heading restates the title; it is not evidence
        score = float(cosine) + prior[s.unit]
        score += kind_prior.get(retriever.sections[s.unit].kind, 0.0)
        if asks_gap and NEGATION_RE.search(text):
            score += GAP_BONUS
        lang = retriever.unit_language[s.unit]
        wanted = q_terms(lang)
        if wanted:
            score += LEXICAL_WEIGHT * len(wanted & set(tokenize(text, lang))) / len(wanted)
        fit = fits(qtype, text)
        if fit is True:
            score += TYPE_BONUS
        elif fit is False:
            score -= TYPE_PENALTY
        if score > best_score:
            best, best_score = s, score
    if best is None:
        return None
    chosen = _expand_lead_in(retriever, best, [best], qtype)
    units = []
    for s in chosen:
        sec = retriever.sections[s.unit]
        end = _row_end(sec.text, s) if s.kind == "row" else s.end
        units.append(AnswerUnit(text=sec.text[s.start : end], start=sec.start_char + s.start,
                                end=sec.start_char + end, citation=Citation.of(sec, span=(s.start, end))))
    polarity = None
    if qtype == "yesno":
        polarity = "no" if NEGATION_RE.search(units[0].text) else "yes"
    return DirectAnswer(type=qtype, text="\n".join(u.text.strip(" \n\r") for u in units), units=tuple(units),
                        polarity=polarity)
