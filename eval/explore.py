"""Dev tool: compute every retriever's unit scores once per gold question, then compare many
fusion settings in seconds. Usage: python eval/explore.py [gold.jsonl ...]"""
from __future__ import annotations

import itertools
import sys
import warnings
from pathlib import Path

import numpy as np

from memqa.assistant import Assistant
from memqa.evaluate import load_gold
from memqa.ranking import RankConfig, fuse, top_k

warnings.simplefilter("ignore")
ALL = RankConfig("all", {"en": {"lexical": 1, "dense:minilm": 1, "dense:e5": 1}, "other": {"dense:e5": 1}})


def metrics(assistant, cache, gold, cfg):
    h1 = h5 = mrr = 0.0
    n = 0
    for g, (lang, us) in zip(gold, cache):
        if not g.gold:
            continue
        want = {assistant.resolve_section(x).id for x in g.gold}
        order = top_k(fuse(us, cfg, lang, np.ones(len(assistant.sections), bool)), 10)
        ids = [assistant.sections[i].id for i in order]
        n += 1
        h1 += ids[0] in want
        h5 += bool(want & set(ids[:5]))
        rr = next((1 / (r + 1) for r, x in enumerate(ids) if x in want), 0)
        mrr += rr
    return h1 / n, h5 / n, mrr / n


def main():
    a = Assistant.load("index", load_all=True)
    files = sys.argv[1:] or ["eval/gold.jsonl", "eval/gold_holdout.jsonl"]
    golds = [load_gold(Path(f)) for f in files]
    caches = [[(r.lang, r.unit_scores) for r in (a.retrieve(g.question, ALL) for g in gold)] for gold in golds]
    # language detection check
    for gold, cache in zip(golds, caches):
        wrong = [(g.lang, lang, g.question) for g, (lang, _) in zip(gold, cache) if (g.lang == "en") != (lang == "en")]
        print("lang errors:", len(wrong), wrong[:5])
    grid = []
    en = {"lexical": 1.5, "dense:e5": 1, "sent:e5": 1}
    fusion, k = "score", 60
    for lex, mini, e5, se5, smini in itertools.product([0, 0.25, 0.5], [0, 0.5], [1], [0, 0.5, 1], [0, 0.5]):
        other = {"lexical": lex, "dense:minilm": mini, "dense:e5": e5, "sent:e5": se5, "sent:minilm": smini}
        cfg = RankConfig("x", {"en": en, "other": other}, fusion, k)
        res = [metrics(a, c, g, cfg) for c, g in zip(caches, golds)]
        grid.append((res, other, fusion, k))
    grid.sort(key=lambda t: -(t[0][0][2] + t[0][0][0] + t[0][1][2] + t[0][1][0]))
    for res, en, fusion, k in grid[:25]:
        print(" ".join(f"{x:.3f}" for r in res for x in r), fusion, k, en)


if __name__ == "__main__":
    main()
