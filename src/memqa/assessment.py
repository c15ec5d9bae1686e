"""What the evaluative summary says about each priority action. Pure logic; the encoder is injected.

An objective's EVALUATIVE SUMMARY walks through its priority actions in order, a sentence or two
each, and says whether the country does what the action asks. This module

1. cuts a summary into clauses: sentences, cut again at "; however", ", therefore" and the like
   (``summary_clauses``);
2. reads a clause's verdict from its wording alone — positive, partial, gap or not applicable — in
   English, Spanish, Portuguese and French (``status_of``, from ``memqa.verdicts``);
3. aligns clauses to the priority actions they judge (``align``): the best e5 similarity of the clause
   to any sentence of each action (or its title), decoded with the summary's order as a monotonic
   constraint (Viterbi);
4. rolls the links up into one verdict per priority-action heading (``assessments``).

Method and settings were chosen by measurement against ``eval/assessment_gold.jsonl``
(see ``eval/assessment_explore.py``).
"""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np

from .errors import SettingsError
from .language import detect
from .segments import clean, segment
from .types import Section
from .verdicts import STATUSES, combine, status_of

__all__ = [
    "STATUSES", "Clause", "Link", "Assessment", "AlignConfig", "DEFAULT", "summary_clauses", "status_of",
    "combine", "action_pieces", "KnownPassages", "score_matrix", "decode", "link", "align", "assessments",
    "links_to_json", "links_from_json", "assessments_to_json", "assessments_from_json", "score_alignment",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Clause:
    """A sentence of a summary, or the part of one that judges a different action than the rest."""

    objective: int
    start: int  # offsets into the summary Section.text
    end: int
    text: str


@dataclass(frozen=True)
class Link:
    """A clause, the priority-action heading numbers it judges ("10.6"), its verdict and match score."""

    clause: Clause
    priority_actions: tuple[str, ...]
    status: str
    score: float


@dataclass(frozen=True)
class Assessment:
    """The summary's overall verdict on one priority-action heading, with the clauses that give it."""

    id: str  # heading id, "mexico-2022/pa-10.6"
    priority_action: str  # "10.6"
    status: str  # one of STATUSES; "none" when no clause judges it
    links: tuple[Link, ...]


@dataclass(frozen=True)
class AlignConfig:
    """Decoder settings. Scores are z-scores over one objective's clause x action matrix."""

    ordered: bool = True  # monotonic decoding in summary order; False = best action per clause
    lexical_weight: float = 0.0  # add this much of the lexical z-score to the dense one
    pair_cost: float = 1.75  # a clause judges two adjacent actions when the second scores above this
    skip_cost: float = 0.5  # cost of an action no clause judges (summaries cover every action)
    none_score: float = -1.0  # a clause scoring below this everywhere judges no action
    max_span: int = 2  # most adjacent actions one clause may judge

    def __post_init__(self) -> None:
        if self.max_span < 1:
            raise SettingsError(f"max_span of {self.max_span} lets a clause judge nothing; use 1 or more (default 2).")


DEFAULT = AlignConfig()

# ----------------------------------------------------------------------------------------- clauses
_CONNECTORS = (
    "therefore|thus|hence|however|but|por lo tanto|por consiguiente|por lo que|sin embargo|no obstante|pero|"
    "portanto|por isso|no entanto|contudo|porém|mas|donc|par conséquent|cependant|toutefois|mais"
)
# Where one sentence may pass to another action: after a semicolon, or ", therefore"/", however" ...
# ", y que los organismos...": a second that-clause in one sentence often judges the next priority action
# (Spanish editions join two verdicts this way); align() joins the pieces again if they judge the same one.
_SECOND_THAT = r"(?:and|y|e|et)\s+(?:that|que|qu['’])"
_CUT_RE = re.compile(rf"(?<=;)\s+|(?<=,)\s+(?=(?:{_CONNECTORS}|{_SECOND_THAT})\b)", re.I)
_TERMINAL_RE = re.compile(r"[.!?]['\"”’)\]]*$")
MIN_WORDS = 4  # a shorter piece stays with the one before it


def summary_clauses(summary: Section) -> tuple[Clause, ...]:
    """Candidate clauses of an evaluative summary, in order (offsets into ``summary.text``).

    Sentences come from ``memqa.segments``; a sentence is cut again after ";" and before
    ", therefore" / ", however" / ", and that" (and the Spanish, Portuguese and French equivalents). ``align``
    joins neighbouring pieces of one sentence back together when they judge the same action.

    >>> from memqa.types import Section
    >>> s = Section("r/summary-9", "r", "evaluative_summary", 9, None, (), "", None, "", 1, 1, 0, 0,
    ...     "Mexico does not use it; however, it does train staff. Mexico has a law.")
    >>> [c.text for c in summary_clauses(s)]
    ['Mexico does not use it;', 'however, it does train staff.', 'Mexico has a law.']
    >>> s2 = Section("r/summary-1", "r", "evaluative_summary", 1, None, (), "", None, "", 1, 1, 0, 0,
    ...     "La CICAD observa que México capacita al personal, y que los organismos promueven la perspectiva de género.")
    >>> [c.text for c in summary_clauses(s2)]
    ['La CICAD observa que México capacita al personal,', 'y que los organismos promueven la perspectiva de género.']
    """
    text, out = summary.text, []
    for span in segment(text, summary.body_start):
        starts = [span.start] + [m.end() for m in _CUT_RE.finditer(text, span.start, span.end)]
        pieces = []
        for a, b in zip(starts, starts[1:] + [span.end]):
            b = a + len(text[a:b].rstrip())
            if pieces and len(text[a:b].split()) < MIN_WORDS:
                pieces[-1] = (pieces[-1][0], b)
            else:
                pieces.append((a, b))
        out += [Clause(summary.objective or 0, a, b, text[a:b]) for a, b in pieces]
    return tuple(out)


# --------------------------------------------------------------------------------------- alignment
# A not-applicable clause about "the priority actions of this objective" judges all of them.
_GENERAL_RE = re.compile(
    r"\b(?:priority actions|this objective|acciones prioritarias|este objetivo|ações prioritárias|"
    r"actions prioritaires|cet objectif)\b", re.I,
)
_LEAD_RE = re.compile(r"^.{0,80}?\b(?:CICAD|GEG|MEM)\b.{0,60}?\b(?:that|que|qu['’])\s+", re.I | re.S)


def clause_query(text: str) -> str:
    """The clause as it is embedded: without its "Additionally, CICAD notes with satisfaction that"."""
    return re.sub(r"\s+", " ", _LEAD_RE.sub("", text, count=1)).strip()


def action_pieces(action: Section) -> list[str]:
    """What a clause is compared with: the heading title(s), then each sentence, item and row of the text.

    The text pieces are the same cleaned segments ``memqa.build`` embeds for highlights.
    """
    titles = "; ".join(h.title for h in action.headings) or action.title
    body = [clean(action.text[s.start : s.end]) for s in segment(action.text, action.body_start)]
    return [titles] + [b for b in body if b]


def action_passage(action: Section) -> str:
    """The action as one text (titles, then cleaned text), for the lexical scores."""
    return "\n".join(action_pieces(action))


_WORD_RE = re.compile(r"[^\W\d_]{3,}")
_STOP = frozenset(
    "the and for with that this these those from into its their has have had are was were been which who "
    "also well such other through including cicad notes observes recognizes country satisfaction additionally "
    "moreover furthermore likewise however los las del para con que por una sus como país".split()
)


def _terms(text: str) -> set[str]:
    return {w[:6] for w in _WORD_RE.findall(text.lower()) if w not in _STOP}


def lexical_scores(queries: Sequence[str], passages: Sequence[str]) -> np.ndarray:
    """(len(queries), len(passages)) idf-weighted overlap of 6-letter stems, cosine-normalised."""
    qs, ps = [_terms(q) for q in queries], [_terms(p) for p in passages]
    df: dict[str, int] = {}
    for p in ps:
        for w in p:
            df[w] = df.get(w, 0) + 1
    idf = {w: np.log((1 + len(ps)) / (1 + n)) + 1 for w, n in df.items()}
    out = np.zeros((len(qs), len(ps)), dtype=np.float32)
    for i, q in enumerate(qs):
        qn = np.sqrt(sum(idf.get(w, 1.0) ** 2 for w in q)) or 1.0
        for j, p in enumerate(ps):
            pn = np.sqrt(sum(idf[w] ** 2 for w in p)) or 1.0
            out[i, j] = sum(idf[w] ** 2 for w in q & p) / (qn * pn)
    return out


def zscore(x: np.ndarray) -> np.ndarray:
    """Standardise a whole matrix (not per row), so a clause unlike every action stays low."""
    sd = float(x.std()) if x.size else 0.0
    return (x - x.mean()) / (sd if sd > 1e-9 else 1.0) if x.size else x


class KnownPassages:
    """An encoder that serves passage vectors it already has and asks ``encoder`` for the rest.

    ``action_pieces`` are the same cleaned segment texts the index build embeds, so passing
    ``dict(zip(segment_texts, segment_vectors))`` here leaves only titles and clauses to encode.
    """

    def __init__(self, encoder, vectors: Mapping[str, np.ndarray]) -> None:
        self.encoder, self.vectors = encoder, vectors
        self.id, self.name, self.dim, self.max_tokens = encoder.id, encoder.name, encoder.dim, encoder.max_tokens

    def encode(self, texts: Sequence[str], *, kind: str = "passage") -> np.ndarray:
        if kind != "passage":
            return self.encoder.encode(texts, kind=kind)
        missing = [t for t in dict.fromkeys(texts) if t not in self.vectors]
        new = dict(zip(missing, self.encoder.encode(missing, kind="passage"))) if missing else {}
        rows = [self.vectors[t] if t in self.vectors else new[t] for t in texts]
        return np.stack(rows).astype(np.float32) if rows else np.zeros((0, self.dim), dtype=np.float32)

    def count_tokens(self, text: str) -> int:
        return self.encoder.count_tokens(text)


def score_matrix(clauses: Sequence[Clause], actions: Sequence[Section], encoder,
                 config: AlignConfig = DEFAULT) -> tuple[np.ndarray, np.ndarray]:
    """(cosine, decoder score), each (clauses x actions).

    cosine[i, j] is the best e5 cosine of clause i (as a query) with any piece of action j
    (``action_pieces``, as passages); the decoder score is its z-score over the matrix, plus
    ``config.lexical_weight`` times the lexical z-score.
    """
    queries = [clause_query(c.text) for c in clauses]
    pieces = [action_pieces(a) for a in actions]
    if not queries or not pieces:
        empty = np.zeros((len(queries), len(pieces)), dtype=np.float32)
        return empty, empty
    sims = encoder.encode(queries, kind="query") @ encoder.encode([p for ps in pieces for p in ps], kind="passage").T
    bounds = np.cumsum([0] + [len(ps) for ps in pieces])
    cos = np.stack([sims[:, a:b].max(axis=1) for a, b in zip(bounds, bounds[1:])], axis=1)
    z = zscore(cos)
    if config.lexical_weight:
        z = z + config.lexical_weight * zscore(lexical_scores(queries, ["\n".join(ps) for ps in pieces]))
    return cos, z


def decode(z: np.ndarray, config: AlignConfig = DEFAULT, skip: Sequence[bool] = ()) -> list[tuple[int, ...]]:
    """The action indices each clause judges, maximising the total score (Viterbi over actions in order).

    With ``config.ordered`` a clause stays on the previous clause's last action or moves forward; it
    judges up to ``max_span`` adjacent actions (each extra one costs ``pair_cost``) or none
    (``none_score``); each action no clause judges costs ``skip_cost``. Rows flagged in ``skip``
    judge nothing and leave the position where it was. Without ``ordered``: best action per row.

    >>> decode(np.array([[2.0, 0.0, 0.0], [0.0, 2.5, 2.4]]))
    [(0,), (1, 2)]
    >>> decode(np.array([[0.0, 3.0], [3.0, 0.5]]))  # the second row cannot go back to action 0
    [(1,), (1,)]
    """
    n, m = z.shape
    skip = list(skip) or [False] * n
    if not config.ordered:
        return [() if skip[i] or z[i].max() < config.none_score else (int(z[i].argmax()),) for i in range(n)]
    best = np.full(m + 1, -np.inf)  # best[p + 1]: best total so far with action p judged last (-1: none yet)
    best[0] = 0.0
    back: list[list[tuple[int, int, int]]] = []  # per clause, per p + 1: (previous p, first, last); first -1 = none
    for i in range(n):
        new = best.copy() if skip[i] else best + config.none_score
        ptr = [(p, -1, -1) for p in range(-1, m)]
        for a in range(m if not skip[i] else 0):
            for b in range(a, min(m, a + config.max_span)):
                emit = float(z[i, a : b + 1].sum()) - config.pair_cost * (b - a)
                for p in range(-1, a + 1):
                    s = best[p + 1] + emit - config.skip_cost * max(0, a - p - 1)
                    if s > new[b + 1]:
                        new[b + 1], ptr[b + 1] = s, (p, a, b)
        back.append(ptr)
        best = new
    p = int((best - config.skip_cost * (m - 1 - np.arange(-1, m))).argmax()) - 1
    out: list[tuple[int, ...]] = []
    for ptr in reversed(back):
        p, a, b = ptr[p + 1]
        out.append(() if a < 0 else tuple(range(a, b + 1)))
    return out[::-1]


def link(summary: Section, actions: Sequence[Section], clauses: Sequence[Clause], scores: np.ndarray,
         config: AlignConfig = DEFAULT, lang: str = "en", cosine: np.ndarray | None = None) -> tuple[Link, ...]:
    """Decode a (clauses x actions) score matrix into links: ``align`` without the encoder.

    A not-applicable clause about "the priority actions of this objective" judges all of them; a
    clause that judges nothing gets status "none". Neighbouring pieces of one sentence that judge the
    same actions become one link. ``Link.score`` is the mean ``cosine`` (default ``scores``) of the
    clause with its actions.
    """
    cosine = scores if cosine is None else cosine
    general = [status_of(c.text, lang) == "not_applicable" and bool(_GENERAL_RE.search(c.text)) for c in clauses]
    picks = decode(scores, config, general) if len(actions) else [()] * len(clauses)
    picks = [tuple(range(len(actions))) if g else p for g, p in zip(general, picks)]
    groups: list[list[int]] = []
    for i in range(len(clauses)):
        if i and picks[i] == picks[i - 1] and not _TERMINAL_RE.search(clauses[i - 1].text):
            groups[-1].append(i)
        else:
            groups.append([i])
    links = []
    for g in groups:
        first, last, idx = clauses[g[0]], clauses[g[-1]], picks[g[0]]
        text = summary.text[first.start : last.end]
        numbers = tuple(h.number for j in idx for h in actions[j].headings)
        score = float(np.mean([cosine[i, j] for i in g for j in idx])) if idx and not general[g[0]] else 0.0
        status = status_of(text, lang) if numbers else "none"
        links.append(Link(Clause(first.objective, first.start, last.end, text), numbers, status, round(score, 4)))
    return tuple(links)


def align(summary: Section, actions: Sequence[Section], encoder, config: AlignConfig = DEFAULT,
          lang: str | None = None) -> tuple[Link, ...]:
    """Link each clause of ``summary`` to the priority action(s) of its objective that it judges.

    ``actions`` are the objective's priority-action sections in report order (a joint unit such as
    8.1+8.2 counts once; its clauses judge both headings); ``encoder`` is any memqa Encoder (e5 was
    measured). ``lang`` ("en", "es", "pt", "fr") picks the status cues; None detects it.
    """
    clauses = summary_clauses(summary)
    lang = lang or detect(summary.text[summary.body_start:])
    cos, z = score_matrix(clauses, actions, encoder, config)
    return link(summary, actions, clauses, z, config, lang, cos)


def assessments(sections: Sequence[Section], encoder, config: AlignConfig = DEFAULT,
                lang: str | None = None) -> dict[str, Assessment]:
    """Verdict per priority-action heading id ("mexico-2022/pa-10.6") for every report in ``sections``.

    Each objective's summary is aligned once (``align``); a heading's status combines its links'
    (``combine``). Headings no clause judges, or whose objective has no summary, get "none".
    """
    out: dict[str, Assessment] = {}
    for report, objective in dict.fromkeys((s.report, s.objective) for s in sections if s.objective is not None):
        here = [s for s in sections if s.report == report and s.objective == objective]
        actions = [s for s in here if s.kind == "priority_action"]
        links: tuple[Link, ...] = ()
        for summary in (s for s in here if s.kind == "evaluative_summary"):
            links += align(summary, actions, encoder, config, lang)
            log.debug("%s: %d links over %d actions", summary.id, len(links), len(actions))
        for a in actions:
            for h in a.headings:
                mine = tuple(x for x in links if h.number in x.priority_actions)
                hid = f"{report}/pa-{h.number}"
                out[hid] = Assessment(hid, h.number, combine(x.status for x in mine), mine)
    return out


# ----------------------------------------------------------------------------------- serialisation
def links_to_json(links: Iterable[Link]) -> list[dict]:
    """Plain JSON-ready dicts (``json.dumps`` them as they are)."""
    return [asdict(x) for x in links]


def links_from_json(rows: Iterable[dict]) -> tuple[Link, ...]:
    """Inverse of ``links_to_json``."""
    return tuple(
        Link(Clause(**r["clause"]), tuple(r["priority_actions"]), r["status"], float(r["score"])) for r in rows
    )


def assessments_to_json(items: dict[str, Assessment]) -> dict[str, dict]:
    return {k: {"id": a.id, "priority_action": a.priority_action, "status": a.status,
                "links": links_to_json(a.links)} for k, a in items.items()}


def assessments_from_json(data: dict[str, dict]) -> dict[str, Assessment]:
    return {k: Assessment(v["id"], v["priority_action"], v["status"], links_from_json(v["links"]))
            for k, v in data.items()}


# -------------------------------------------------------------------------------------- evaluation
def _norm(text: str) -> str:
    return " ".join(text.split())


def score_alignment(pred: Iterable[Link], gold: Iterable[dict]) -> dict[str, float]:
    """Accuracy over gold clauses ({"objective", "clause", "priority_actions", "status"} rows).

    A gold clause counts for ``alignment_accuracy`` when a predicted link has the same text
    (whitespace aside) and the same set of priority actions, for ``status_accuracy`` when it has the
    same text and status; a clause the prediction cuts differently counts wrong for both.
    """
    by_text = {(x.clause.objective, _norm(x.clause.text)): x for x in pred}
    gold = list(gold)
    hits = [by_text.get((g["objective"], _norm(g["clause"]))) for g in gold]
    n = len(gold) or 1
    return {
        "alignment_accuracy": sum(h is not None and set(h.priority_actions) == set(g["priority_actions"])
                                  for h, g in zip(hits, gold)) / n,
        "status_accuracy": sum(h is not None and h.status == g["status"] for h, g in zip(hits, gold)) / n,
        "clause_accuracy": sum(h is not None for h in hits) / n,
        "clauses": float(len(gold)),
    }
