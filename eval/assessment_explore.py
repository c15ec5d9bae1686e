"""Compare ways of aligning evaluative-summary clauses to priority actions, against the hand-made gold.

Usage:  PYTHONPATH=src:. HF_HUB_OFFLINE=1 python eval/assessment_explore.py [--grid] [--save]

Methods (each scored with ``memqa.assessment.score_alignment`` over every gold clause):
  (a) lexical        idf-weighted overlap of 6-letter stems, clause vs action title+text
  (b) e5-argmax      e5 cosine, clause (query) vs action (passage), best action per clause
  (c) e5-order       the same cosines decoded in summary order (Viterbi, ``memqa.assessment.decode``)
  (d) e5+lexical     both z-scores added, decoded in summary order
"text": the action as one passage (title + text, truncated at 512 tokens); "sentence": the best
cosine over the action's title and each of its sentences/items/rows (memqa's default), plus
variants (title only, no title, raw clause text, clause embedded as a passage).
e5 vectors are cached in /tmp so a rerun takes seconds.
"""
from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from memqa.assessment import (
    DEFAULT,
    action_passage,
    action_pieces,
    align,
    clause_query,
    lexical_scores,
    link,
    score_alignment,
    status_of,
    summary_clauses,
    zscore,
)
from memqa.corpus import load_corpus, parse_corpus
from memqa.encoders import load_encoder

ROOT = Path(__file__).resolve().parent.parent
GOLD = ROOT / "eval" / "assessment_gold.jsonl"
CACHE = Path("/tmp/memqa-assessment-e5.npz")


class Cached:
    """e5 vectors by (kind, text), kept in an npz between runs."""

    def __init__(self, encoder, path: Path = CACHE):
        self.encoder, self.path, self.vecs, self.new = encoder, path, {}, 0
        if path.exists():
            data = np.load(path)
            self.vecs = {k: data[k] for k in data.files}

    @staticmethod
    def key(kind: str, text: str) -> str:
        return kind[0] + hashlib.sha1(text.encode()).hexdigest()

    def encode(self, texts, kind="passage"):
        missing = list(dict.fromkeys(t for t in texts if self.key(kind, t) not in self.vecs))
        if missing:
            for t, v in zip(missing, self.encoder.encode(missing, kind=kind)):
                self.vecs[self.key(kind, t)] = v
            self.new += len(missing)
        return np.stack([self.vecs[self.key(kind, t)] for t in texts]) if texts else np.zeros((0, 384), np.float32)

    def save(self):
        if self.new:
            np.savez(self.path, **self.vecs)


def load_gold(path: Path = GOLD) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def check_gold(report, gold) -> None:
    """Every gold clause occurs verbatim, and each objective's clauses tile its summary's text."""
    summaries = {s.objective: s for s in report.sections if s.kind == "evaluative_summary"}
    for g in gold:
        if g["clause"] not in report.text:
            sys.exit(f"gold clause not verbatim in the report: {g['clause'][:80]!r}")
    for obj, s in summaries.items():
        mine = [g["clause"] for g in gold if g["objective"] == obj]
        if " ".join(" ".join(mine).split()) != " ".join(s.text[s.body_start:].split()):
            sys.exit(f"gold clauses of objective {obj} do not cover its summary exactly")
    print(f"gold: {len(gold)} clauses, verbatim, tiling all {len(summaries)} summaries")


def main() -> None:
    report = parse_corpus(load_corpus(ROOT / "corpus"))[0]
    gold = load_gold()
    check_gold(report, gold)
    st = sum(status_of(g["clause"]) == g["status"] for g in gold)
    print(f"status_of on gold clause text: {st}/{len(gold)} = {st / len(gold):.3f}")
    for g in gold:
        if status_of(g["clause"]) != g["status"]:
            print("   status miss:", g["status"], status_of(g["clause"]), g["clause"][:100])

    t0 = time.time()
    enc = Cached(load_encoder("e5"))
    objs = []
    for s in (x for x in report.sections if x.kind == "evaluative_summary"):
        actions = [a for a in report.sections if a.kind == "priority_action" and a.objective == s.objective]
        objs.append((s, actions, summary_clauses(s)))

    def dense(clause_text, clause_kind, action_rep):
        out = []
        for _s, actions, clauses in objs:
            q = enc.encode([clause_text(c.text) for c in clauses], kind=clause_kind)
            if action_rep == "title":
                p = enc.encode(["; ".join(h.title for h in a.headings) for a in actions])
                out.append(q @ p.T)
            elif action_rep == "title+text":
                out.append(q @ enc.encode([action_passage(a) for a in actions]).T)
            else:  # best of the title and each sentence / item of the text (or the text alone)
                cols = []
                for a in actions:
                    pieces = action_pieces(a)[1:] if action_rep == "segments-only" else action_pieces(a)
                    cols.append((q @ enc.encode(pieces).T).max(axis=1))
                out.append(np.stack(cols, axis=1))
        return out

    def lexical():
        return [lexical_scores([clause_query(c.text) for c in clauses], [action_passage(a) for a in actions])
                for _s, actions, clauses in objs]

    def run(mats, config, zs=True):
        links = []
        for (s, actions, clauses), m in zip(objs, mats):
            links += link(s, actions, clauses, zscore(m) if zs else m, config)
        return links

    e5 = dense(clause_query, "query", "title+text")
    seg = dense(clause_query, "query", "segments")
    lex = lexical()
    argmax, order = replace(DEFAULT, ordered=False), DEFAULT

    def both(d, w):
        return [x for (s, a, c), dm, lx in zip(objs, d, lex) for x in link(s, a, c, zscore(dm) + w * zscore(lx), order)]

    rows = {
        "(a) lexical-argmax": run(lex, argmax),
        "(a) lexical-order": run(lex, order),
        "(b) e5-argmax text": run(e5, argmax),
        "(b) e5-argmax sentence": run(seg, argmax),
        "(c) e5-order text": run(e5, order),
        "(c) e5-order sentence": run(seg, order),
        "(d) e5+0.5lex-order text": both(e5, 0.5),
        "(d) e5+0.5lex-order sentence": both(seg, 0.5),
    }
    for name, (ct, kind, rep) in {
        "(c) e5-order title only": (clause_query, "query", "title"),
        "(c) e5-order sentence no title": (clause_query, "query", "segments-only"),
        "(c) e5-order sentence, raw clause": (lambda t: " ".join(t.split()), "query", "segments"),
        "(c) e5-order sentence, clause as passage": (clause_query, "passage", "segments"),
    }.items():
        rows[name] = run(dense(ct, kind, rep), order)
    # The library's own entry point, end to end (must equal "(c) e5-order sentence").
    rows["memqa.assessment.align (default)"] = [x for s, a, _c in objs for x in align(s, a, enc)]
    enc.save()
    print(f"(e5: {enc.new} new vectors, {time.time() - t0:.0f}s)\n")
    print(f"{'method':42} alignment  status  clauses")
    results = {}
    for name, links in rows.items():
        r = score_alignment(links, gold)
        results[name] = r
        print(f"{name:42} {r['alignment_accuracy']:.3f}     {r['status_accuracy']:.3f}   {r['clause_accuracy']:.3f}")
    for name in ("(a) lexical-order", "(c) e5-order text", "memqa.assessment.align (default)"):
        errors(name, rows[name], gold)
    grid("(c) e5-order text", e5, lex, run, gold)
    grid("(c) e5-order sentence (default)", seg, lex, run, gold)
    if "--save" in sys.argv:
        out = ROOT / "eval" / "results" / f"assessment-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}.json"
        out.write_text(json.dumps({"gold": str(GOLD.relative_to(ROOT)), "default": DEFAULT.__dict__,
                                   "results": results}, indent=1))
        print("saved", out.relative_to(ROOT))


def errors(name, links, gold):
    got = {(x.clause.objective, " ".join(x.clause.text.split())): x for x in links}
    print(f"\n{name} errors:")
    for g in gold:
        x = got.get((g["objective"], " ".join(g["clause"].split())))
        if x is None or set(x.priority_actions) != set(g["priority_actions"]) or x.status != g["status"]:
            print("  gold", g["priority_actions"], g["status"], "| got",
                  (x.priority_actions, x.status) if x else "(cut differently)", "|", g["clause"][:70])


def grid(name, dense, lex, run, gold):
    """How sensitive a method is to each decoder setting (alignment accuracy), one setting at a time."""
    if "--grid" not in sys.argv:
        return
    print(f"\nsensitivity of {name} (alignment accuracy):")
    for field, values in {"pair_cost": [1.0, 1.25, 1.5, 1.75, 2.0, 2.5, 3.0, 99], "skip_cost": [0, 0.5, 1.0, 2.0, 4.0],
                          "none_score": [-99, -2.0, -1.0, -0.5, 0.0], "lexical_weight": [0, 0.25, 0.5, 1.0]}.items():
        accs = []
        for v in values:
            cfg = replace(DEFAULT, **{field: v})
            mats = [zscore(d) + cfg.lexical_weight * zscore(lx) for d, lx in zip(dense, lex)]
            accs.append(f"{v}:{score_alignment(run(mats, cfg, zs=False), gold)['alignment_accuracy']:.3f}")
        print(f"  {field:15}", "  ".join(accs))


if __name__ == "__main__":
    main()
