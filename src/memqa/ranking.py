"""Fusion of retriever scores and grouping of passage hits to citable units. Pure numpy.

Every retriever gives one score per passage (dense cosine per encoder, BM25) or per segment
(dense sentence scores). Scores are first grouped to their citable unit by max, so the fused
top-k are k distinct units; units are then fused by weighted reciprocal rank (RRF) or by a
weighted sum of min-max normalised scores.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

NEG = -np.inf


@dataclass(frozen=True)
class RankConfig:
    """How to combine retrievers. ``weights`` maps a language group ("en" or "other") to
    retriever weights; a retriever name is "lexical", "dense:<enc>" or "sent:<enc>"."""

    name: str
    weights: Mapping[str, Mapping[str, float]]
    fusion: str = "rrf"  # "rrf" | "score"
    rrf_k: int = 60
    description: str = ""

    def for_language(self, lang: str) -> Mapping[str, float]:
        return self.weights.get(lang) or self.weights.get("en" if lang == "en" else "other") or self.weights["en"]

    def encoders(self) -> set[str]:
        return {r.split(":", 1)[1] for ws in self.weights.values() for r, w in ws.items() if ":" in r and w > 0}


def group_max(scores: np.ndarray, owner: np.ndarray, n_groups: int) -> np.ndarray:
    """Max score per group; groups with no member get -inf.

    >>> group_max(np.array([1., 3., 2.]), np.array([0, 0, 2]), 3).tolist()
    [3.0, -inf, 2.0]
    """
    out = np.full(n_groups, NEG, dtype=np.float64)
    np.maximum.at(out, owner, scores.astype(np.float64))
    return out


def ranks(scores: np.ndarray) -> np.ndarray:
    """1-based rank of each entry (ties broken by position); -inf entries get rank 0 (= absent).

    >>> ranks(np.array([0.2, 0.9, -np.inf])).tolist()
    [2, 1, 0]
    """
    order = np.argsort(-scores, kind="stable")
    r = np.empty(len(scores), dtype=np.int64)
    r[order] = np.arange(1, len(scores) + 1)
    r[~np.isfinite(scores)] = 0
    return r


def rrf(unit_scores: Mapping[str, np.ndarray], weights: Mapping[str, float], k: int = 60) -> np.ndarray:
    """Weighted reciprocal rank fusion: sum of w / (k + rank).

    >>> rrf({"a": np.array([2., 1.]), "b": np.array([1., 2.])}, {"a": 1, "b": 1}, k=60).round(5).tolist()
    [0.03252, 0.03252]
    """
    n = len(next(iter(unit_scores.values())))
    fused = np.zeros(n, dtype=np.float64)
    for name, w in weights.items():
        if w <= 0 or name not in unit_scores:
            continue
        r = ranks(unit_scores[name])
        fused += np.where(r > 0, w / (k + r), 0.0)
    return fused


def minmax(x: np.ndarray) -> np.ndarray:
    """Finite values scaled to 0..1, absent (-inf) ones 0. Equal finite values carry no order, so they get 0
    when every entry has one, and 1 when some are absent: a retriever that found only tied units (BM25 on
    one matching unit, or on copies of one text) still lifts them above the units it did not find.

    >>> minmax(np.array([2.0, -np.inf])).tolist(), minmax(np.array([2.0, 2.0])).tolist()
    ([1.0, 0.0], [0.0, 0.0])
    """
    finite = np.isfinite(x)
    if not finite.any():
        return np.zeros_like(x, dtype=np.float64)
    lo, hi = x[finite].min(), x[finite].max()
    out = np.zeros_like(x, dtype=np.float64)
    if hi > lo:
        out[finite] = (x[finite] - lo) / (hi - lo)
    elif not finite.all():
        out[finite] = 1.0
    return out


def score_fusion(unit_scores: Mapping[str, np.ndarray], weights: Mapping[str, float]) -> np.ndarray:
    """Weighted sum of min-max normalised scores."""
    n = len(next(iter(unit_scores.values())))
    fused = np.zeros(n, dtype=np.float64)
    for name, w in weights.items():
        if w > 0 and name in unit_scores:
            fused += w * minmax(unit_scores[name])
    return fused


def fuse(unit_scores: Mapping[str, np.ndarray], config: RankConfig, lang: str, mask: np.ndarray) -> np.ndarray:
    """Fused score per unit; units outside ``mask`` get -inf."""
    weights = config.for_language(lang)
    masked = {k: np.where(mask, v, NEG) for k, v in unit_scores.items()}
    if config.fusion == "score":
        fused = score_fusion(masked, weights)
    else:
        fused = rrf(masked, weights, config.rrf_k)
    return np.where(mask, fused, NEG)


def top_k(fused: np.ndarray, k: int) -> list[int]:
    order = np.argsort(-fused, kind="stable")
    return [int(i) for i in order[:k] if np.isfinite(fused[i])]
