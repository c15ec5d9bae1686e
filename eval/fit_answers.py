"""Fit the answer-unit model: which segment of the top units is the direct answer.

    python eval/fit_answers.py [--gold eval/gold.jsonl eval/heldout2.jsonl eval/heldout3.jsonl] [--check FILE ...]
                               [--c 1.0] [--dry-run]

For every question with labelled answer units, ``Assistant.rank`` (the default configuration, as ``ask``)
gives the top units; ``extract.candidates`` gives every candidate segment and its features. A candidate is
right when the answer it would give (the segment, plus the list or rows a lead-in brings) overlaps a gold
answer unit. The model is a conditional logit — a softmax over each question's candidates, linear in the
standardised features, L2-regularised (``--c`` is the inverse strength) — fitted by L-BFGS.

Prints answer accuracy with the hand-set weights and with the fitted model: leave-one-file-out (each gold
file predicted by a model fitted on the others) and on the ``--check`` files (never fitted on). Writes
``src/memqa/data/answer_model.json`` atomically unless ``--dry-run``.
"""
from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import numpy as np
from scipy.optimize import minimize

from memqa import extract as X
from memqa.assistant import Assistant
from memqa.evaluate import gold_spans, load_gold
from memqa.translation import query_terms


def right(a, qtype: str, s, spans) -> bool:
    """Whether choosing segment ``s`` gives an answer that overlaps a gold span (as ``extract`` builds it)."""
    r = a.retriever
    for c in X._expand_lead_in(r, s, [s], qtype):
        sec = r.sections[c.unit]
        end = X._row_end(sec.text, c) if c.kind == "row" else c.end
        a0, b0 = sec.start_char + c.start, sec.start_char + end
        if any(a0 < e and b < b0 for b, e in spans):
            return True
    return False


def collect(a, path: str) -> list[tuple[np.ndarray, np.ndarray]]:
    """One (features, right) pair per question with labelled answer units (``right`` may be all False)."""
    out = []
    for g in load_gold(path):
        spans = gold_spans(a, g.answer_units)
        if not spans or not g.gold:
            continue
        rk = a.rank(g.question)
        if not rk.order:
            out.append((np.zeros((0, len(X.FEATURES))), np.zeros(0, bool)))
            continue
        qtype = X.question_type(g.question)
        seg_scores = rk.retrieval.segment_scores[a.retriever.sentence_encoder]
        cands, x = X.candidates(g.question, qtype, a.retriever, list(rk.order[: X.MAX_UNITS]), seg_scores,
                                query_terms(g.question, rk.retrieval.lang))
        out.append((x, np.array([right(a, qtype, s, spans) for s in cands], bool)))
    return out


def fit(groups, c: float) -> X.AnswerModel:
    train = [(x, y) for x, y in groups if len(x) and y.any()]
    allx = np.vstack([x for x, _ in train])
    mean, scale = allx.mean(0), allx.std(0)
    scale[scale == 0] = 1.0
    zs = [((x - mean) / scale, y) for x, y in train]

    def loss(w):
        total, grad = 0.5 / c * w @ w, w / c
        for z, y in zs:
            s = z @ w
            s -= s.max()
            p = np.exp(s)
            p /= p.sum()
            # -log of the probability mass on the right candidates
            pr = p[y].sum()
            total -= np.log(pr + 1e-12)
            q = np.where(y, p / (pr + 1e-12), 0.0)
            grad = grad + z.T @ (p - q)
        return total, grad

    w0 = np.zeros(len(X.FEATURES))
    res = minimize(loss, w0, jac=True, method="L-BFGS-B")
    return X.AnswerModel(tuple(float(v) for v in res.x), tuple(float(v) for v in mean), tuple(float(v) for v in scale))


def accuracy(groups, model: X.AnswerModel, ratio: float | None = None) -> float:
    """Share of questions answered right: the best candidate, plus the runner-up when its probability is
    at least ``ratio`` times the best's (``X.RUNNER_UP_RATIO`` by default)."""
    ratio = X.RUNNER_UP_RATIO if ratio is None else ratio
    ok = 0
    for x, y in groups:
        if len(x):
            ok += bool(y[X.chosen(model.score(x), ratio)].any())
    return ok / max(1, len(groups))


RATIOS = (1.0, 0.7, 0.5, 0.35, 0.25, 0.15)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--gold", nargs="+", default=["eval/gold.jsonl", "eval/heldout2.jsonl", "eval/heldout3.jsonl",
                                                 "eval/heldout4.jsonl", "eval/heldout5.jsonl", "eval/heldout6.jsonl",
                                                 "eval/heldout7.jsonl", "eval/heldout8.jsonl", "eval/heldout9.jsonl",
                                                 "eval/heldout10.jsonl", "eval/heldout11.jsonl", "eval/heldout12.jsonl",
                                                 "eval/heldout13.jsonl", "eval/heldout14.jsonl"])
    ap.add_argument("--check", nargs="*", default=[])
    ap.add_argument("--index", default="index")
    ap.add_argument("--c", type=float, default=1.0)
    ap.add_argument("--dry-run", action="store_true")
    args = ap.parse_args()
    hand = X.AnswerModel(tuple(X.HAND_WEIGHTS.get(f, 0.0) for f in X.FEATURES))
    try:
        X.answer_model()
    except ValueError:  # the shipped model predates a feature change: rank with the hand-set weights meanwhile
        X._MODEL = hand
    a = Assistant.load(args.index)
    data = {p: collect(a, p) for p in args.gold}
    checks = {p: collect(a, p) for p in args.check}
    print(f"{'file':28s} {'n':>4s} {'hand':>6s} {'fitted (LOFO)':>14s}  runner-up ratio: " +
          " ".join(f"{r:>5.2f}" for r in RATIOS))
    for p, groups in data.items():
        others = fit([g for q, gs in data.items() if q != p for g in gs], args.c)
        print(f"{Path(p).name:28s} {len(groups):4d} {accuracy(groups, hand, 2):6.3f} {accuracy(groups, others, 2):14.3f}  "
              + " ".join(f"{accuracy(groups, others, r):5.3f}" for r in RATIOS))
    model = fit([g for gs in data.values() for g in gs], args.c)
    for p, groups in checks.items():
        print(f"{Path(p).name:28s} {len(groups):4d} {accuracy(groups, hand):6.3f} {accuracy(groups, model):14.3f}  (check)")
    for f, w in sorted(zip(X.FEATURES, model.weights), key=lambda t: -abs(t[1])):
        print(f"  {f:20s} {w:+.3f}")
    if args.dry_run:
        return
    doc = {"features": list(X.FEATURES), "weights": list(model.weights), "mean": list(model.mean),
           "scale": list(model.scale), "fitted_on": [Path(p).name for p in args.gold], "c": args.c}
    fd, tmp = tempfile.mkstemp(dir=X.ANSWER_MODEL.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    os.replace(tmp, X.ANSWER_MODEL)
    print(f"wrote {X.ANSWER_MODEL}")


if __name__ == "__main__":
    main()
