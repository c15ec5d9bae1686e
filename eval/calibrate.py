"""Fit the answerability models (logistic regressions over retrieval signals) on the development sets.

    python eval/calibrate.py [--gold eval/gold.jsonl eval/calibration.jsonl ...] [--check eval/gold_holdout.jsonl]

Writes src/memqa/data/calibration.json atomically: feature means/scales, the coefficients of two models —
p(answerable), and p(the top-ranked unit answers | answerable) fitted on the answerable questions — and
three cuts: ``threshold`` on p(answerable), below which memqa abstains (the highest whose false-abstention
rate on answerable questions stays within --max-false, 3%), and the pair (``high_answerable``, ``high``)
that labels an answer "high": the widest share of answerable questions whose top-1 precision reaches
--high-precision while at most --max-unanswerable-high of unanswerable questions get the label.

Every cut is chosen on out-of-fold predictions grouped by question file (leave one file out): each file
was written by another person in another session, and random folds, which mix a writer's questions into
training, flattered the cuts (a 'high' cut at a random-fold precision of 0.994 measured 0.93 on the next
fresh set). Prints the out-of-fold rates and the cut curve.
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
    """Feature rows from the same ``Assistant.rank`` that ``ask`` uses (signals of the verdict);
    y = answerable, y_top = answerable and the top-ranked unit is a gold unit."""
    X, y, y_top = [], [], []
    for g in gold:
        r = a.rank(g.question)
        f = r.verdict.signals
        X.append([f[k] for k in FEATURES])
        y.append(1 if g.gold else 0)
        want = {a.resolve_section(x).id for x in g.gold}
        y_top.append(1 if g.gold and r.order and a.sections[r.order[0]].id in want else 0)
    return np.array(X, float), np.array(y), np.array(y_top)


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
    ap.add_argument("--gold", nargs="+", default=["eval/gold.jsonl", "eval/calibration.jsonl", "eval/heldout2.jsonl",
                                                 "eval/heldout3.jsonl", "eval/heldout4.jsonl", "eval/heldout5.jsonl",
                                                 "eval/heldout6.jsonl", "eval/heldout7.jsonl", "eval/heldout8.jsonl", "eval/heldout9.jsonl",
                                                 "eval/heldout10.jsonl", "eval/heldout11.jsonl", "eval/heldout12.jsonl",
                                                 "eval/heldout13.jsonl", "eval/heldout14.jsonl"],
                    help="question files to fit on (missing files are skipped)")
    ap.add_argument("--check", default="eval/gold_holdout.jsonl")
    ap.add_argument("--index", default="index")
    ap.add_argument("--max-false", type=float, default=0.03)
    # 0.99 pooled, for a goal of 0.97 on any one unseen set: at 0.98 pooled (2,525 questions, 15 files) five files
    # were under 0.97 out of fold, and a blind set (heldout15) scored 0.95; at 0.99 one file is (0.947)
    ap.add_argument("--high-precision", type=float, default=0.99,
                    help="top-1 precision (leave-one-file-out, pooled) among the answerable questions labelled high")
    ap.add_argument("--max-unanswerable-high", type=float, default=0.05,
                    help="at most this share of unanswerable questions may be labelled high (leave-one-file-out)")
    ap.add_argument("--C-high", type=float, default=0.1, help="inverse regularisation of the high model")
    ap.add_argument("--C", type=float, default=0.1, help="inverse regularisation; 0.1 generalised best to the held-out set")
    args = ap.parse_args()
    a = Assistant.load(args.index, calibration=None)
    files = [f for f in args.gold if Path(f).exists()]
    rows = [(i, q) for i, f in enumerate(files) for q in load_gold(Path(f))]
    X, y, y_top = matrix(a, [q for _, q in rows])
    groups = np.array([i for i, _ in rows])
    # out-of-fold probabilities, one fold per question file
    cv, cv_top = np.zeros(len(y)), np.zeros(len(y))
    for k in np.unique(groups):
        tr, te = groups != k, groups == k
        cv[te] = proba(fit(X[tr], y[tr], args.C), X[te])
        ans = tr & (y == 1)
        cv_top[te] = proba(fit(X[ans], y_top[ans], args.C_high), X[te])
    grid = np.linspace(0.05, 0.95, 91)
    ok = [t for t in grid if rates(cv, y, t)[1] <= args.max_false]
    t = max(ok) if ok else 0.05
    ab, fa = rates(cv, y, t)
    print(f"leave-one-file-out on {' + '.join(files)} ({len(y)} questions, {int((y == 0).sum())} unanswerable): "
          f"threshold {t:.2f} abstains on {ab:.2f} of unanswerable, {fa:.3f} of answerable")

    def labelled(ha, h):
        return (cv >= max(t, ha)) & (cv_top >= h)

    def precision(sel):
        # top-1 precision among the answerable questions labelled high — the goal's and `memqa eval`'s definition
        s = sel & (y == 1)
        return float(y_top[s].mean()) if s.sum() >= 10 else 0.0

    # "high": the pair of cuts with the widest coverage of answerable questions that meets both constraints
    best = (-1.0, 0.99, 0.99)
    for ha in np.linspace(0.2, 0.98, 40):
        for h in np.linspace(0.30, 0.99, 70):
            sel = labelled(ha, h)
            if (sel & (y == 1)).sum() < 10:
                break
            if precision(sel) >= args.high_precision and sel[y == 0].mean() <= args.max_unanswerable_high:
                best = max(best, (float(sel[y == 1].mean()), float(ha), float(h)))
                break  # the lowest h that meets them for this ha
    _, high_ans, high = best
    for h in (0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9):
        sel = labelled(high_ans, h)
        print(f"  p(answerable) >= {max(t, high_ans):.2f}, p(top) >= {h:.2f}: {float(sel[y == 1].mean()):.2f} of "
              f"answerable, precision {precision(sel):.3f}, {float(sel[y == 0].mean()):.3f} of unanswerable")
    sel = labelled(high_ans, high)
    print(f"high-confidence cuts p(answerable) >= {high_ans:.2f} and p(top) >= {high:.2f}: {float(sel[y == 1].mean()):.2f} "
          f"of answerable questions are 'high', top-1 precision among them {precision(sel):.3f}; "
          f"{float(sel[y == 0].mean()):.3f} of unanswerable questions are 'high'")
    for k, f in enumerate(files):
        m = groups == k
        sk = sel & m
        print(f"    {f}: abstains on {float((cv[m & (y == 0)] < t).mean()) if (m & (y == 0)).any() else float('nan'):.2f}"
              f" of unanswerable, {float((cv[m & (y == 1)] < t).mean()):.3f} of answerable; high on "
              f"{float(sk[y == 1].sum() / max(1, (m & (y == 1)).sum())):.2f} at {precision(sk) if (sk & (y == 1)).sum() >= 10 else float('nan'):.3f}")
    model = fit(X, y, args.C)
    mean, scale, m = model
    top_model = fit(X[y == 1], y_top[y == 1], args.C_high)
    m_top = top_model[2]
    # the two models are standardised differently: fold the top model's mean/scale into its weights
    t_mean, t_scale = top_model[0], top_model[1]
    coef_top = m_top.coef_[0] * scale / t_scale
    intercept_top = float(m_top.intercept_[0] + np.sum(m_top.coef_[0] * (mean - t_mean) / t_scale))
    stats = {"n": int(len(y)), "n_unanswerable": int((y == 0).sum()), "cv_abstention_unanswerable": round(ab, 3),
             "cv_false_abstention": round(fa, 3), "cv": "leave one question file out",
             "cv_high_share_answerable": round(best[0], 3), "cv_high_precision": round(precision(sel), 3),
             "cv_high_unanswerable": round(float(sel[y == 0].mean()), 3)}
    if args.check and Path(args.check).exists():
        Xh, yh, yh_top = matrix(a, load_gold(Path(args.check)))
        ph = proba(model, Xh)
        hab, hfa = rates(ph, yh, t)
        hsel = (proba(top_model, Xh) >= high) & (ph >= max(t, high_ans))
        stats.update(holdout_abstention_unanswerable=round(hab, 3), holdout_false_abstention=round(hfa, 3),
                     holdout_high_share_answerable=round(float(hsel[yh == 1].mean()), 3),
                     holdout_high_precision=round(float(yh_top[hsel].mean()), 3) if hsel.any() else None)
        print(f"held out: 'high' on {stats['holdout_high_share_answerable']:.2f} of answerable, precision "
              f"{stats['holdout_high_precision']}")
        print(f"held out {args.check}: abstains on {hab:.2f} of unanswerable, {hfa:.3f} of answerable")
    calib = Calibration(
        features=FEATURES, mean=dict(zip(FEATURES, mean.round(6).tolist())),
        scale=dict(zip(FEATURES, scale.round(6).tolist())), coef=dict(zip(FEATURES, m.coef_[0].round(6).tolist())),
        intercept=float(m.intercept_[0]), threshold=round(float(t), 3), high=round(float(high), 3),
        high_answerable=round(float(max(t, high_ans)), 3),
        coef_high=dict(zip(FEATURES, coef_top.round(6).tolist())), intercept_high=intercept_top,
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
