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

import contextlib
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .language import detect
from .lexical import QueryTerms, fold, language_key, tokenize
from .numwords import has_number_word
from .references import named_actions
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
# A law's title names what it governs, not a body: "the Federal Law for the Administration and Disposal of Public
# Sector Assets" does not answer "which agency administers seized assets?" (the Institute... INDEP does)
LAW_TITLE_RE = re.compile(r"\b(?:Laws?|Act|Code|Decree|Regulations?|Ley|Código|Decreto|Reglamento)\b"
                          r"(?:\s+(?:of|for|on|to|the|and|in|de|del|la|el|los|las|y|para|sobre|[A-Z][\w'’-]*)"
                          r"|,\s+(?:and\s+|y\s+)?[A-Z][\w'’-]*)*")
PLACE_RE = re.compile(r"\b(state|states|city|port|airport|border|region|municipalit\w*|[A-Z][a-z]+ (?:State|City))\b")

MAX_UNITS = 3  # unit search: segments of the top units
MAX_LIST_ITEMS = 20  # a lead-in brings at most this many items/rows (a cut list answers "is X among them?" wrongly)
LEXICAL_WEIGHT = 0.2
RANK_PRIOR = (0.1, 0.04, 0.0)  # bonus by the rank of the segment's unit
TYPE_BONUS = 0.08  # the segment has what the question type asks for
TYPE_PENALTY = 0.06  # it has not (count without a number, date without a date, ...)
# Facts are stated in the priority action; CICAD's judgement in the evaluative summary.
KIND_PRIOR = {"judgement": {"evaluative_summary": 0.05}, "other": {"evaluative_summary": -0.03}}
GAP_RE = re.compile(r"\b(gaps?|shortcomings?|weakness\w*|deficien\w*|lack\w*|fail\w*|not (meet|met|do|done|use)|"
                    r"carencias?|deficiencias?|brechas?|debilidades|falencias?|lacunes?|faiblesses?|defici[eê]ncias?)\b",
                    re.I)
ALL_RE = re.compile(r"\b(all|every|todas|todos|tous|toutes)\b", re.I)
GAP_BONUS = 0.08  # a question about gaps: the negated findings answer it
LIST_TYPES = frozenset({"list", "law", "organisation", "description"})


def _is_header(segs: list, pos: int) -> bool:
    """A table's header: a row with no row before it."""
    return segs[pos].kind == "row" and (pos == 0 or segs[pos - 1].kind != "row")


def _position(segs: list, seg) -> int:
    """Where ``seg`` is among its unit's segments ``segs``."""
    return next(i for i, x in enumerate(segs) if x.index == seg.index)


def _header_of(segs: list, pos: int) -> int:
    """The position of the header of the table that holds the row at ``pos``."""
    while pos > 0 and segs[pos - 1].kind == "row":
        pos -= 1
    return pos


YESNO_RE = dict(QTYPE_PATTERNS)["yesno"]
QUESTION_WORDS = frozenset(
    "que qu quel quelle quels quelles quoi comment ou quand combien qui pourquoi lequel laquelle lesquels lesquelles "
    "cual cuales como donde cuando cuanto cuanta cuantos cuantas quien quienes por para "
    "qual quais onde quanto quanta quantos quantas quem porque".split())
LEADING_CLAUSE_RE = re.compile(r"^[^,?]{3,120},\s*")  # "When Mexico designs policy, does it consider ...?"
# The wh-word and what directly follows it: "Who *attended* the July 2021 meeting?", "Which *agencies* ...?"
WH_FOCUS_RE = re.compile(r"\b(who|whom|which|what|when|where|how many|how much|how)\s+(?:(?:is|are|was|were|do|does|did|"
                         r"has|have|had|the|a|an|of)\s+)*(\w+)", re.I)


def question_focus(question: str, lang: str) -> frozenset[str]:
    """The word the question asks about, right after its wh-word, as the unit's language tokenises it
    (English questions; empty when there is none). Surrounding context words ("the July 2021 meeting")
    match the sentence before the answer as well as the answer; the focus word tells them apart.

    >>> sorted(question_focus("Who attended the July 1, 2021 bilateral meeting?", "en"))
    ['attend']
    """
    m = WH_FOCUS_RE.search(question)
    return frozenset(tokenize(m.group(2), lang)[:1]) if m else frozenset()


def asks_yes_no(question: str, lang: str | None = None) -> bool:
    """Whether the question is put as a yes/no question, whatever it asks about ("Did CICAD find gaps in...?"
    is a judgement asked yes/no; "When Mexico designs policy, does it consider...?" is not a date question).

    >>> [asks_yes_no(q) for q in ("Did CICAD find gaps?", "When Mexico designs policy, does it consider uses?",
    ...                           "When was the law passed?", "¿Tiene México un sistema?", "Which agencies?")]
    [True, True, False, True, False]
    >>> [asks_yes_no(q) for q in ("O México divulga os resultados dos programas?", "Según la CICAD, ¿existen mecanismos?",
    ...                           "Com que frequência são oferecidos os cursos?", "¿Qué instituciones participan?")]
    [True, True, False, False]
    """
    q = fold(question).strip()
    if YESNO_RE.search(q) or YESNO_RE.search(LEADING_CLAUSE_RE.sub("", q, count=1)):
        return True
    # Spanish, Portuguese and French ask yes/no by intonation ("¿Participan las comunidades...?", "O México
    # divulga...?"): a question mark and no question word among the first words of the main clause.
    if "?" not in q or (lang or detect(question)) == "en":
        return False
    main = LEADING_CLAUSE_RE.sub("", q.lstrip("¿ "), count=1).lstrip("¿ ")
    return not any(w in QUESTION_WORDS for w in re.findall(r"\w+", main)[:2])


YES_NO_CELL_RE = re.compile(r"^\s*(yes|no|si|sim|nao|oui|non)\b", re.I)


def _asked_cell(question: str, text: str, segs: list[_Seg], pos: int, lang: str) -> str | None:
    """In a table whose cells say Yes/No per column ("COFEPRIS | Yes, ... | Yes | No"), the cell of the row
    under the column whose header shares the most words with the question; None when no header does."""
    h = _header_of(segs, pos)
    header = text[segs[h].start : _row_end(text, segs[h])].split("\t")
    cells = text[segs[pos].start : _row_end(text, segs[pos])].split("\t")
    wanted = set(tokenize(question, lang))
    overlap = [len(wanted & set(tokenize(c, lang))) if i else 0 for i, c in enumerate(header)]
    j = int(np.argmax(overlap)) if overlap else 0
    if not overlap or overlap[j] == 0 or j >= len(cells) or not YES_NO_CELL_RE.match(fold(cells[j])):
        return None
    return fold(cells[j]).lower()


def _polarity(question: str, retriever, picked: list[_Seg]) -> str:
    """"yes" or "no" as the evidence reads: the first quotable piece that takes a side — a sentence by its
    negation, a table row by the column its mark is in (a header row takes none) — flipped when the question
    asks about a shortcoming ("Did CICAD find gaps...?": a finding that Mexico does not do something is a yes)."""
    negative = False
    first = picked[0] if picked else None
    rows = [s for s in picked if s.kind == "row" and first is not None and s.unit == first.unit]
    if rows:
        segs = _unit_segments(retriever, first.unit)
        heads = {x.index for i, x in enumerate(segs) if _is_header(segs, i)}
        rows = [s for s in rows if s.index not in heads]
    if rows and ALL_RE.search(question):
        # "Has Mexico adopted *all* the measures?": one row ticked No in the table answers no
        segs = _unit_segments(retriever, first.unit)
        text = retriever.sections[first.unit].text
        if any(_row_negative(text, segs, _position(segs, r)) for r in rows):
            return "yes" if GAP_RE.search(question) else "no"
    if first is not None and first.kind == "row" and len(rows) > 1:
        # a table answers: the row that names what the question asks about takes the side
        lang = retriever.unit_language[first.unit]
        wanted = set(tokenize(question, lang))
        text = retriever.sections[first.unit].text
        best = max(rows, key=lambda r: len(wanted & set(tokenize(text[r.start : r.end].split("\t")[0], lang))))
        picked = [best, *[s for s in picked if s is not best]]
    for s in picked:
        text = retriever.sections[s.unit].text
        if s.kind == "row":
            segs = _unit_segments(retriever, s.unit)
            pos = _position(segs, s)
            if _is_header(segs, pos):
                continue  # a header row: the rows under it take the side
            cell = _asked_cell(question, text, segs, pos, retriever.unit_language[s.unit])
            negative = YES_NO_CELL_RE.match(cell).group(1) in NO_HEADERS if cell else _row_negative(text, segs, pos)
        else:
            negative = bool(NEGATION_RE.search(text[s.start : s.end]))
        break
    return "no" if negative != bool(GAP_RE.search(question)) else "yes"


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
        return bool(NUMBER_RE.search(DATE_RE.sub(" ", text))) or has_number_word(text)
    if qtype == "date":
        return bool(DATE_RE.search(text))
    if qtype in ("organisation", "person"):
        return bool(ORG_RE.search(LAW_TITLE_RE.sub(" ", EVALUATOR_RE.sub(" ", text))))
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
    if seg.kind == "heading":
        return chosen
    text = retriever.sections[seg.unit].text
    segs = _unit_segments(retriever, seg.unit)
    pos = _position(segs, seg)
    if qtype in LIST_TYPES and seg.kind == "sentence" and not text[seg.start : seg.end].rstrip().endswith(":"):
        # A topic sentence restating the question ("Mexico has strengthened its framework against money
        # laundering.") is often followed by the lead-in of the list that answers it: take that list too.
        nxt = segs[pos + 1] if pos + 1 < len(segs) else None
        if (nxt is not None and nxt.kind == "sentence" and text[nxt.start : nxt.end].rstrip().endswith(":")
                and pos + 2 < len(segs) and segs[pos + 2].kind in ("item", "row")):
            return _expand_lead_in(retriever, nxt, [*chosen, nxt], qtype)
    if qtype in LIST_TYPES and seg.kind == "item":
        # an item answers a question about a list of things: the whole list, with its lead-in, answers it
        # ("which laws...?" picked two of three laws and not the sentence that says what they are)
        first = pos
        while first > 0 and segs[first - 1].kind == "item":
            first -= 1
        if first > 0 and segs[first - 1].kind == "sentence":
            lead = segs[first - 1]
            whole = _expand_lead_in(retriever, lead, [*chosen, lead], "description")
            return [x for i, x in enumerate(whole) if x not in whole[:i]]
    followed = pos + 1 < len(segs) and segs[pos + 1].kind in ("item", "row") and seg.kind == "sentence"
    is_lead = text[seg.start : seg.end].rstrip().endswith(":") or (followed and qtype in LIST_TYPES)
    is_header = _is_header(segs, pos)
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


# The answer-unit model: a linear score over the features below, one weight each. Fitted by
# eval/fit_answers.py (a softmax over each question's candidates, trained on the development sets' labelled
# answer units) and stored in data/answer_model.json; without that file the hand-set weights apply.
ANSWER_MODEL = Path(__file__).with_name("data") / "answer_model.json"
FEATURES = ("cosine", "cosine_gap", "lexical", "lexical_idf", "rank1", "rank2", "summary_judgement",
            "summary_other", "fit", "misfit", "gap_negation", "neg_question_neg", "neg_question_pos", "item", "row",
            "lead_in", "first", "restates_title", "log_tokens", "header_row", "novel_terms", "foreign_cosine",
            "foreign_lexical", "list_answer", "heading", "heading_named", "heading_named_verdict", "focus",
            "inherited")
HAND_WEIGHTS = {"cosine": 1.0, "lexical": LEXICAL_WEIGHT, "rank1": RANK_PRIOR[1] - RANK_PRIOR[0],
                "rank2": RANK_PRIOR[2] - RANK_PRIOR[0], "summary_judgement": KIND_PRIOR["judgement"]["evaluative_summary"],
                "summary_other": KIND_PRIOR["other"]["evaluative_summary"], "fit": TYPE_BONUS, "misfit": -TYPE_PENALTY,
                "gap_negation": GAP_BONUS, "heading": -1.0, "heading_named": 1.0}
MARK_RE = re.compile(r"^\s*[Xx✓✔]\s*$")
NO_HEADERS = frozenset({"no", "nao", "non"})


@dataclass(frozen=True)
class AnswerModel:
    """Feature weights (over standardised features when ``mean``/``scale`` are given)."""

    weights: tuple[float, ...]
    mean: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()

    def score(self, x: np.ndarray) -> np.ndarray:
        if self.mean:
            x = (x - np.asarray(self.mean)) / np.asarray(self.scale)
        return x @ np.asarray(self.weights)


def load_answer_model(path: Path = ANSWER_MODEL) -> AnswerModel:
    """The fitted model, or the hand-set weights when the file is absent."""
    try:
        d = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return AnswerModel(tuple(HAND_WEIGHTS.get(f, 0.0) for f in FEATURES))
    if tuple(d["features"]) != FEATURES:
        raise ValueError(f"{path} was fitted for other features; refit it: python eval/fit_answers.py")
    return AnswerModel(tuple(d["weights"]), tuple(d["mean"]), tuple(d["scale"]))


_MODEL: AnswerModel | None = None


def answer_model() -> AnswerModel:
    global _MODEL
    if _MODEL is None:
        _MODEL = load_answer_model()
    return _MODEL


def _row_negative(text: str, segs: list[_Seg], pos: int) -> bool:
    """A table row ticked under a "No" column (the header is the first row of its table)."""
    h = _header_of(segs, pos)
    if h == pos:
        return False
    header = [fold(c).strip().lower() for c in text[segs[h].start : _row_end(text, segs[h])].split("\t")]
    cells = text[segs[pos].start : _row_end(text, segs[pos])].split("\t")
    return any(MARK_RE.match(c) and i < len(header) and header[i] in NO_HEADERS for i, c in enumerate(cells))


@dataclass(frozen=True)
class _Static:
    """What a candidate's features need from its own text (the same for every question; cached per unit)."""

    seg: _Seg
    text: str
    terms: frozenset[str]
    negative: bool
    header: bool
    lead_in: bool
    first: bool
    restates_title: float
    heading: bool  # the heading line ("Priority Action 2.4: Promote ...")
    context: frozenset[str]  # the terms of the sentence it points back at ("The meeting..."; empty: none)


def _evict_oldest(cache: dict) -> None:
    """Drop the oldest entry; model threads share these caches, so a lost race only skips one eviction."""
    with contextlib.suppress(RuntimeError, StopIteration):
        cache.pop(next(iter(cache)), None)


UNIT_CACHE = 4096  # units whose candidates' text features are kept (a few KB each)


def _static(retriever, unit: int) -> tuple[list[_Static], frozenset[str]]:
    """The candidates of a unit with their text features (a priority action's heading flagged as such, other
    units' headings left out), and the unit title's terms."""
    cache = retriever.__dict__.setdefault("_answer_static", {})
    got = cache.get(unit)
    if got is not None:
        return got
    sec = retriever.sections[unit]
    lang = retriever.unit_language[unit]
    segs = _unit_segments(retriever, unit)
    title = frozenset(tokenize(sec.title, lang))
    out: list[_Static] = []
    head = sec.text[: sec.body_start].strip()
    if sec.kind == "priority_action" and head:
        # the heading restates the title: evidence only for a question about the action itself ("what does
        # priority action 2.4 call for?"); it has no vector of its own (index -1)
        start = sec.text.index(head)
        out.append(_Static(_Seg(unit, -1, start, start + len(head), "heading"), head, frozenset(tokenize(head, lang)),
                           False, False, False, False, 1.0, True, frozenset()))
    for pos, s in enumerate(segs):
        text = sec.text[s.start : s.end]
        if s.start < sec.body_start:
            continue
        have = frozenset(tokenize(text, lang))
        negative = bool(NEGATION_RE.search(text)) or (s.kind == "row" and _row_negative(sec.text, segs, pos))
        prev = out[-1] if out and not out[-1].heading else None
        # the sentence it points back at: the one before, or, through a run of such sentences, the run's start
        context = (prev.context or prev.terms) if (prev is not None and s.kind == prev.seg.kind == "sentence"
                                                   and refers_back(text, prev.terms, lang)) else frozenset()
        out.append(_Static(s, text, have, negative, _is_header(segs, pos), text.rstrip().endswith(":"),
                           not any(not o.heading for o in out), len(have & title) / len(have) if have else 0.0,
                           False, context))
    if len(cache) >= UNIT_CACHE:
        _evict_oldest(cache)
    cache[unit] = (out, title)
    return out, title


# A sentence that opens by pointing back ("The meeting was attended by...", "This system operates...", "Dicho
# programa...") is about what the sentence before it names: it shares that sentence's terms. A definite article
# points back only when the noun after it is in the sentence before ("The meeting" after "a Bilateral Meeting").
_POINTER = {"en": r"this|these|that|those|such|said|it|they|its|their",
            "es": r"este|esta|estos|estas|ese|esa|esos|esas|dicho|dicha|dichos|dichas|su|sus",
            "pt": r"este|esta|estes|estas|esse|essa|esses|essas|tal|tais|seu|sua|seus|suas",
            "fr": r"ce|cet|cette|ces|ledit|ladite|lesdits|lesdites|son|sa|ses|leur|leurs|il|elle|ils|elles"}
_ARTICLE = {"en": r"the", "es": r"el|la|los|las", "pt": r"o|a|os|as", "fr": r"le|la|les|l'"}
_OPENING = {lang: re.compile(rf"^\W*(?:(?P<pointer>{_POINTER[lang]})|(?P<article>{_ARTICLE[lang]}))\b\s*(?P<rest>.*)",
                             re.I | re.S) for lang in _POINTER}


def refers_back(text: str, previous_terms: frozenset[str], lang: str) -> bool:
    """Whether a sentence opens by pointing back at the one before it (whose terms are ``previous_terms``).

    >>> prev = frozenset(tokenize("On July 1, 2021, a Bilateral Meeting was held.", "en"))
    >>> [refers_back(t, prev, "en") for t in ("The meeting covered four areas.", "This system operates daily.",
    ...                                       "The Navy seized 3 tons.", "Mexico has a law.")]
    [True, True, False, False]
    """
    m = _OPENING.get(lang, _OPENING["en"]).match(text)
    if m is None:
        return False
    if m.group("pointer"):
        return True
    head = tokenize(m.group("rest")[:40], lang)[:1]
    return bool(head) and head[0] in previous_terms


RECENT = 32  # candidate sets kept per retriever: the verdict and the direct answer of one question share one


def candidates(question: str, qtype: str, retriever, order: list[int], segment_scores: np.ndarray,
               q_terms: QueryTerms, lang: str | None = None) -> tuple[list[_Seg], np.ndarray]:
    """The answer candidates (segments of the top units; see ``_static``) and their ``FEATURES`` rows.
    ``lang`` is the question's language (detected when not given). The answerability verdict and the direct
    answer of a question ask for the same set; the second gets the first's (keyed by question, units and the
    score array it was computed from)."""
    recent = retriever.__dict__.setdefault("_answer_recent", {})
    key = (question, qtype, tuple(order[:MAX_UNITS]), id(segment_scores), lang)
    hit = recent.get(key)
    if hit is not None and hit[0] is segment_scores:
        return hit[1], hit[2]
    segs, x = _candidates(question, qtype, retriever, order, segment_scores, q_terms, lang)
    if len(recent) >= RECENT:
        _evict_oldest(recent)
    recent[key] = (segment_scores, segs, x)
    return segs, x


def _candidates(question: str, qtype: str, retriever, order: list[int], segment_scores: np.ndarray,
                q_terms: QueryTerms, lang: str | None = None) -> tuple[list[_Seg], np.ndarray]:
    asks_gap = bool(GAP_RE.search(question))
    asks_neg = bool(NEGATION_RE.search(question))
    lexical = getattr(retriever, "lexical", None)
    foreign = float(language_key(lang or detect(question)) != "en")
    named = named_actions(question)
    verdict = qtype in ("judgement", "yesno") or asks_yes_no(question, lang)  # "does Mexico meet 7.3?" is no title
    focus_of = {}  # unit language -> the question's focus word, tokenised in it
    segs_out, rows = [], []
    fit_memo = retriever.__dict__.setdefault("_answer_fits", {})  # (segment, question type) -> fits()
    if len(fit_memo) > 50 * UNIT_CACHE:
        fit_memo.clear()
    for rank, unit in enumerate(order[:MAX_UNITS]):
        sec = retriever.sections[unit]
        statics, title = _static(retriever, unit)
        wanted = q_terms(retriever.unit_language[unit])
        idf = {t: lexical.idf(t) for t in wanted} if lexical is not None else {t: 1.0 for t in wanted}
        novel = wanted - title  # what the question adds to the unit's own topic
        total, total_novel = sum(idf.values()), sum(idf[t] for t in novel)
        summary = sec.kind == "evaluative_summary"
        names_this = bool(named) and any(h.number in named for h in sec.headings)
        ulang = retriever.unit_language[unit]
        if ulang not in focus_of:
            focus_of[ulang] = question_focus(question, ulang) if not foreign else frozenset()
        focus = focus_of[ulang]
        for c in statics:
            s = c.seg
            key = (s.index, qtype)
            if key not in fit_memo:
                fit_memo[key] = fits(qtype, c.text)
            fit = fit_memo[key]
            common = wanted & c.terms
            inherited = (wanted & c.context) - common  # the question's terms only the sentence pointed at has
            rows.append([
                0.0, 0.0,
                len(common) / len(wanted) if wanted else 0.0,
                sum(idf[t] for t in common) / total if total > 0 else 0.0,
                float(rank == 1), float(rank == 2),
                float(summary and qtype == "judgement"), float(summary and qtype != "judgement"),
                float(fit is True), float(fit is False),
                float(asks_gap and c.negative), float(asks_neg and c.negative), float(asks_neg and not c.negative),
                float(s.kind == "item"), float(s.kind == "row"), float(c.lead_in),
                float(c.first), c.restates_title, float(np.log1p(len(c.terms))), float(c.header),
                sum(idf[t] for t in novel & c.terms) / total_novel if total_novel > 0 else 0.0, 0.0, 0.0,
                float(qtype in LIST_TYPES and (s.kind == "item" or c.lead_in)),
                float(c.heading), float(c.heading and names_this), float(c.heading and names_this and verdict),
                float(bool(focus & c.terms)),
                sum(idf[t] for t in inherited) / total if total > 0 else 0.0,
            ])
            segs_out.append(s)
    x = np.asarray(rows, dtype=np.float64).reshape(len(rows), len(FEATURES))
    if len(rows):
        idx = np.array([s.index for s in segs_out])
        x[:, 0] = np.asarray(segment_scores[np.maximum(idx, 0)], dtype=np.float64)  # one lookup
        for i in np.flatnonzero(idx < 0):  # a heading: the best cosine of its unit's pieces
            same = [j for j, t in enumerate(segs_out) if t.unit == segs_out[i].unit and t.index >= 0]
            x[i, 0] = x[same, 0].max() if same else 0.0
        x[:, 1] = x[:, 0] - x[:, 0].max()  # how far below the best cosine
        x[:, FEATURES.index("foreign_cosine")] = foreign * x[:, 1]
        x[:, FEATURES.index("foreign_lexical")] = foreign * x[:, FEATURES.index("lexical_idf")]
    return segs_out, x


RUNNER_UP_RATIO = 0.5  # the runner-up joins the answer when its probability is at least this share of the best's


def chosen(scores: np.ndarray, ratio: float = RUNNER_UP_RATIO) -> np.ndarray:
    """Indices of the candidates that make the answer: the best, and the runner-up when the model is torn
    between the two (softmax probability within ``ratio`` of the best's).

    >>> chosen(np.array([0.0, 2.0, 1.9])).tolist(), chosen(np.array([0.0, 2.0, 0.5])).tolist()
    ([1, 2], [1])
    """
    if len(scores) < 2:
        return np.arange(len(scores))
    top2 = np.argsort(-scores, kind="stable")[:2]
    return top2 if np.exp(scores[top2[1]] - scores[top2[0]]) >= ratio else top2[:1]


def extract(question: str, qtype: str, retriever, order: list[int], segment_scores: np.ndarray,
            q_terms: QueryTerms, model: AnswerModel | None = None, lang: str | None = None) -> DirectAnswer | None:
    """The direct answer from the top units in ``order`` (None when there are no candidates)."""
    cands, x = candidates(question, qtype, retriever, order, segment_scores, q_terms, lang)
    if not cands:
        return None
    scores = (model or answer_model()).score(x)
    picked: list[_Seg] = []
    for i in chosen(scores):  # the best candidate first, then the runner-up, each with the list it introduces
        s = cands[int(i)]
        picked += [c for c in _expand_lead_in(retriever, s, [s], qtype) if c not in picked]
    units = []
    first_seen = {u: i for i, u in reversed(list(enumerate(s.unit for s in picked)))}
    for s in sorted(picked, key=lambda s: (first_seen[s.unit], s.start)):  # each unit's pieces in reading order
        sec = retriever.sections[s.unit]
        end = _row_end(sec.text, s) if s.kind == "row" else s.end
        units.append(AnswerUnit(text=sec.text[s.start : end], start=sec.start_char + s.start,
                                end=sec.start_char + end, citation=Citation.of(sec, span=(s.start, end))))
    polarity = None
    count = _counted(question, retriever, picked) if qtype == "count" else None
    if qtype == "yesno" or asks_yes_no(question, lang):
        polarity = _polarity(question, retriever, picked)  # the best piece first, whatever the reading order
        qtype = "yesno" if qtype == "description" else qtype
    return DirectAnswer(type=qtype, text="\n".join(_reflow(u.text) for u in units), units=tuple(units),
                        polarity=polarity, count=count)


STATED_NUMBER_RE = re.compile(r"(?<![\d/.-])(?!(?:19|20)\d\d\b)\d[\d,.]*")
# "Article 12, paragraph 9", "Priority Action 2.4": numbers that name, not count
REFERENCE_RE = re.compile(r"\b(articles?|art\.|paragraphs?|p[aá]rrafos?|par[aá]grafos?|paragraphes?|priority actions?|"
                          r"acci[oó]n prioritaria|objectives?|objetivos?|sections?|chapters?|resolutions?|no\.)\s*"
                          r"\d[\d.]*(?:\s*(?:,|and|y|e|et)\s*\d[\d.]*)*", re.I)


# "How many days / years / pesos ...": a measure the text states, not a number of listed things
MEASURE_RE = re.compile(
    r"\b(?:how many|cu[aá]nt[oa]s|quant[oa]s|combien(?: de| d')?)\s*(days?|weeks?|months?|years?|hours?|minutes?|"
    r"times?|percent|tons?|tonnes?|kilos?|kilograms?|pesos|dollars|d[ií]as|semanas|meses|a[nñ]os|horas|veces|"
    r"toneladas|d[oó]lares|jours|semaines|mois|ans|ann[ée]es|heures|fois)\b|"
    # a duration: "how long", "¿cuánto tarda?", "quanto tempo", "combien de temps"
    r"\b(?:how long|cu[aá]nto (?:tiempo|tarda\w*|dura\w*|demora\w*)|quanto (?:tempo|demora\w*|dura\w*)|"
    r"combien de temps)\b", re.I)


def _counted(question: str, retriever, picked: list[_Seg]) -> int | None:
    """A count read off the answer: the items or rows (not a table's header row) of the first list or table in
    it — in a table ticked Yes/No, the rows on the side the question asks about ("marked No", "not adopted":
    the No rows; otherwise the Yes rows) — when there are at least two, no other piece states a number (then
    that number is the answer) and the question does not ask for a measure ("how many days")."""
    if MEASURE_RE.search(question):
        return None
    first = next((s for s in picked if s.kind in ("item", "row")), None)
    if first is None:
        return None
    segs = _unit_segments(retriever, first.unit)
    text = retriever.sections[first.unit].text
    pos = _position(segs, first)
    lo, hi = pos, pos
    while lo > 0 and segs[lo - 1].kind == first.kind:
        lo -= 1
    while hi + 1 < len(segs) and segs[hi + 1].kind == first.kind:
        hi += 1
    run = {x.index: i for i, x in enumerate(segs[lo : hi + 1], start=lo)}  # the one list or table that is counted
    listed, other, rows_negative = 0, [], []
    for s in picked:
        if s.kind in ("item", "row") and (s.unit != first.unit or s.index not in run):
            continue  # a piece of another list (a runner-up's) is not counted with this one
        if s.kind == "item":
            listed += 1
        elif s.kind == "row" and not _is_header(segs, run[s.index]):
            rows_negative.append(_row_negative(text, segs, run[s.index]))
        elif s.kind == "sentence":
            other.append(REFERENCE_RE.sub(" ", retriever.sections[s.unit].text[s.start : s.end]))
    if listed + len(rows_negative) < 2 or any(STATED_NUMBER_RE.search(t) or has_number_word(t) for t in other):
        return None
    if any(rows_negative):  # a Yes/No table
        asks_no = bool(NEGATION_RE.search(question))
        return listed + sum(n == asks_no for n in rows_negative)
    return listed + len(rows_negative)


HTML_TAG_RE = re.compile(r"</?[A-Za-z][^<>]*>")  # markup left in a report's text by its conversion


def _reflow(piece: str) -> str:
    r"""A piece as one line: a sentence that a page break cut ("…alternative\n\ndevelopment…") reads whole, and
    HTML markup a conversion left in the text (``<ul style=…>``) dropped; the units keep the verbatim text and
    its offsets.

    >>> _reflow("preventive alternative\n\n development programs \n")
    'preventive alternative development programs'
    >>> _reflow('Institutions\t<ul style="list-style-type: none"> • Online course')
    'Institutions\t • Online course'
    """
    text = HTML_TAG_RE.sub("", piece) if "<" in piece else piece
    return re.sub(r"[ \t]*\n\s*", " ", text.strip(" \n\r"))
