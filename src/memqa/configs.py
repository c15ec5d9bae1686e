"""Named ranking configurations compared by ``memqa eval``; ``DEFAULT_CONFIG`` is what users get.

Defaults are chosen by measurement on eval/gold.jsonl (see README, Quality).
"""
from __future__ import annotations

from .ranking import RankConfig


def _c(name: str, en: dict, other: dict | None = None, fusion: str = "rrf", description: str = "") -> RankConfig:
    return RankConfig(name=name, weights={"en": en, "other": other if other is not None else en}, fusion=fusion,
                      description=description)


CONFIGS: dict[str, RankConfig] = {
    c.name: c
    for c in [
        _c("lexical", {"lexical": 1.0}, description="BM25 only"),
        _c("dense-minilm", {"dense:minilm": 1.0}, description="MiniLM over passage windows"),
        _c("dense-e5", {"dense:e5": 1.0}, description="multilingual-e5-small over passage windows"),
        _c("hybrid-minilm", {"lexical": 1.0, "dense:minilm": 1.0}, description="BM25 + MiniLM, RRF"),
        _c("hybrid-e5", {"lexical": 1.0, "dense:e5": 1.0}, description="BM25 + e5, RRF"),
        _c("ensemble", {"dense:minilm": 1.0, "dense:e5": 1.0}, description="MiniLM + e5, RRF"),
        _c(
            "hybrid",
            {"lexical": 1.0, "dense:minilm": 1.0, "dense:e5": 1.0, "sent:e5": 0.5},
            {"dense:e5": 1.0, "sent:e5": 0.5},
            description="language-aware: BM25 + MiniLM + e5 (+ e5 sentences) for English; e5 only otherwise",
        ),
    ]
}
DEFAULT_CONFIG = CONFIGS["hybrid"]
