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

from .encoders import Encoder
from .language import detect
from .limits import WINDOW_DENSE_FALLBACK
from .ranking import RankConfig, fuse, group_max, minmax
from .store import IndexData
from .types import Passage, Section


@dataclass(frozen=True)
class Retrieval:
    """Everything one query computed before it is turned into an answer (eval uses it too)."""

    lang: str
    unit_scores: Mapping[str, np.ndarray]  # retriever name -> score per unit, filter mask applied
    passage_scores: Mapping[str, np.ndarray]  # retriever name -> score per passage
    segment_scores: Mapping[str, np.ndarray]  # encoder id -> cosine per segment
    fused: np.ndarray  # fused score per unit; -inf outside the filter mask
    timings: Mapping[str, float]  # seconds per stage


class Retriever:
    """Scores a question against one loaded index with the given encoders."""

    def __init__(self, data: IndexData, encoders: Mapping[str, Encoder]) -> None:
        self.data = data
        self.encoders = MappingProxyType(dict(encoders))
        self.sections: tuple[Section, ...] = data.sections
        self.passages: tuple[Passage, ...] = data.passages
        self.segments = data.segments
        self.lexical = data.lexical
        self.unit_index: Mapping[str, int] = MappingProxyType({s.id: i for i, s in enumerate(self.sections)})
        self.unit_of_passage = np.array([self.unit_index[p.section_id] for p in self.passages], dtype=np.int64)
        self.unit_of_segment = np.array([self.unit_index[g.section_id] for g in self.segments], dtype=np.int64)
        passages_of: dict[int, list[int]] = {}
        for pi, si in enumerate(self.unit_of_passage):
            passages_of.setdefault(int(si), []).append(pi)
        segments_of: dict[int, list[int]] = {}
        for gi, si in enumerate(self.unit_of_segment):
            segments_of.setdefault(int(si), []).append(gi)
        self._passages_of = {k: tuple(v) for k, v in passages_of.items()}
        self._segments_of = {k: tuple(v) for k, v in segments_of.items()}
        self.sentence_encoder = self.sentence_encoder_of(self.encoders)

    @staticmethod
    def sentence_encoder_of(encoders: Mapping[str, Encoder]) -> str:
        """The encoder whose sentence scores drive highlights and answerability: e5 when loaded."""
        return next((e for e in ("e5", "minilm") if e in encoders), next(iter(encoders)))

    def passages_of(self, unit: int) -> tuple[int, ...]:
        """Passage indices of a unit, in text order."""
        return self._passages_of.get(unit, ())

    def segments_of(self, unit: int) -> tuple[int, ...]:
        """Segment (sentence, list item, table row) indices of a unit, in text order."""
        return self._segments_of.get(unit, ())

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
        p_scores, u_scores, g_scores = {}, {}, {}
        for eid, q in qvecs.items():
            index = self.data.dense[eid]
            n = index.ntotal
            sims, ids = index.search(q[None, :], n)
            s = np.full(n, -np.inf, dtype=np.float32)
            s[ids[0]] = sims[0]
            p_scores[f"dense:{eid}"] = s
            u_scores[f"dense:{eid}"] = group_max(s, self.unit_of_passage, n_units)
            g = self.data.segment_vectors[eid] @ q
            g_scores[eid] = g
            u_scores[f"sent:{eid}"] = group_max(g, self.unit_of_segment, n_units)
        # BM25 always runs (under a millisecond; answerability uses it in every language). A passage
        # sharing no word with the question is absent from the lexical ranking, not ranked last.
        lex = self.lexical.scores(question)
        lex = np.where(lex > 0, lex, -np.inf).astype(np.float32)
        p_scores["lexical"] = lex
        u_scores["lexical"] = group_max(lex, self.unit_of_passage, n_units)
        # Filters apply to every unit score, so what the answer stage judges is what is returned.
        u_scores = {name: np.where(mask, v, -np.inf) for name, v in u_scores.items()}
        fused = fuse(u_scores, config, lang, mask)
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
                total += w * minmax(np.asarray(r.passage_scores[name])[list(cands)].astype(np.float64))
        return cands[int(np.argmax(total))]
