"""Dev tool: every retriever's unit scores once per gold question, then many fusion settings in seconds.

    python eval/explore.py [gold.jsonl ...]

Scores come from ``Assistant.retriever.retrieve`` (the retrieve stage ``ask`` uses); each setting's
runs are scored with ranx through ``memqa.evaluate.score_runs``, as ``memqa eval`` scores them.
"""
from __future__ import annotations

import itertools
import sys
import warnings
from pathlib import Path

import numpy as np

from memqa.assistant import Assistant
from memqa.evaluate import load_gold, score_runs
from memqa.ranking import RankConfig, fuse, top_k

warnings.simplefilter("ignore")
ALL = RankConfig("all", {"en": {"lexical": 1, "dense:minilm": 1, "dense:e5": 1}, "other": {"dense:e5": 1}})
METRICS = ("hit_rate@1", "hit_rate@5", "mrr@10")


def scores(a, cache, gold, cfg) -> dict:
    everything = np.ones(len(a.sections), bool)
    qrels = {g.id: {a.resolve_section(x).id: 1 for x in g.gold} for g in gold if g.gold}
    run = {g.id: {a.sections[i].id: 10.0 - r for r, i in enumerate(top_k(fuse(us, cfg, lang, everything), 10))}
           for g, (lang, us) in zip(gold, cache) if g.gold}
    return score_runs(qrels, {"x": run}, METRICS)["x"]


def main():
    a = Assistant.load("index", load_all=True, calibration=None)
    files = sys.argv[1:] or ["eval/gold.jsonl", "eval/gold_holdout.jsonl"]
    golds = [load_gold(Path(f)) for f in files]
    caches = [[(r.lang, r.unit_scores) for r in (a.retriever.retrieve(g.question, ALL) for g in gold)]
              for gold in golds]
    for gold, cache in zip(golds, caches):
        wrong = [(g.lang, lang, g.question) for g, (lang, _) in zip(gold, cache) if (g.lang == "en") != (lang == "en")]
        print("language detection errors:", len(wrong), wrong[:5])
    grid = []
    en = {"lexical": 1.5, "dense:e5": 1, "sent:e5": 1}
    for lex, mini, se5, smini in itertools.product([0, 0.25, 0.5], [0, 0.5], [0, 0.5, 1], [0, 0.5]):
        other = {"lexical": lex, "dense:minilm": mini, "dense:e5": 1, "sent:e5": se5, "sent:minilm": smini}
        cfg = RankConfig("x", {"en": en, "other": other}, "score")
        grid.append(([scores(a, c, g, cfg) for c, g in zip(caches, golds)], other))
    grid.sort(key=lambda t: -sum(r["mrr@10"] + r["hit_rate@1"] for r in t[0]))
    print("  ".join(f"{Path(f).stem}: " + "/".join(METRICS) for f in files))
    for res, other in grid[:25]:
        print("  ".join(" ".join(f"{r[m]:.3f}" for m in METRICS) for r in res), other)


if __name__ == "__main__":
    main()
