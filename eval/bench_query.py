"""Benchmark: warm query time vs the bare encoder, and `memqa build` time.

    python eval/bench_query.py [--index index] [--n 200] [--no-build]

A warm query is everything `Assistant.ask` does (detect language, encode, search, fuse, group,
highlight, judge answerability). The bare encoder time is `encode([question], kind="query")` of
the same encoder(s) the configuration uses, for the same questions, in the same run.
Goal (issue 3): warm query ≤ 1.3× bare encoder; build of the bundled report ≤ 60 s on 2 cores.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parent.parent


def questions(n: int) -> list[str]:
    qs = [json.loads(line)["question"] for line in (ROOT / "eval/gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [qs[i % len(qs)] for i in range(n)]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--index", default=str(ROOT / "index"))
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    from memqa.assistant import Assistant

    a = Assistant.load(args.index)
    qs = questions(args.n)
    encs = [a.encoders[e] for e in sorted(a.encoders)]
    for q in qs[:5]:  # warm up both paths
        a.ask(q)
        for e in encs:
            e.encode([q], kind="query")
    bare, warm = [], []
    for q in qs:
        t = time.perf_counter()
        for e in encs:
            e.encode([q], kind="query")
        bare.append(time.perf_counter() - t)
        t = time.perf_counter()
        a.ask(q)
        warm.append(time.perf_counter() - t)
    res = {
        "questions": len(qs), "encoders": [e.id for e in encs],
        "bare_encoder_ms_median": 1000 * statistics.median(bare), "warm_query_ms_median": 1000 * statistics.median(warm),
        "bare_encoder_ms_mean": 1000 * statistics.mean(bare), "warm_query_ms_mean": 1000 * statistics.mean(warm),
        "warm_query_ms_p95": 1000 * sorted(warm)[int(0.95 * len(warm)) - 1],
    }
    res["ratio_median"] = res["warm_query_ms_median"] / res["bare_encoder_ms_median"]
    if not args.no_build:
        tmp = Path(tempfile.mkdtemp())
        try:
            t = time.perf_counter()
            subprocess.run([sys.executable, "-m", "memqa.cli", "build", "--index", str(tmp / "index"),
                            "--corpus", str(ROOT / "corpus")], check=True, capture_output=True)
            res["build_seconds"] = time.perf_counter() - t
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
    res["per_encoder"] = {}
    for eid in ("minilm", "e5"):
        code = (  # noqa: UP031 - the snippet itself contains braces
            "import time,json,statistics;t=time.perf_counter();"
            "from memqa.encoders import load_encoder;e=load_encoder(%r);e.encode(['warm up'],kind='query');"
            "c=time.perf_counter()-t;qs=json.loads(%r);ts=[]\n"
            "for q in qs:\n s=time.perf_counter();e.encode([q],kind='query');ts.append(time.perf_counter()-s)\n"
            "print(json.dumps({'cold_start_s':c,'query_ms_median':1000*statistics.median(ts)}))"
        ) % (eid, json.dumps(qs[:100]))
        out = subprocess.run([sys.executable, "-c", code], check=True, capture_output=True, text=True).stdout
        res["per_encoder"][eid] = json.loads(out.strip().splitlines()[-1])
    print("| encoder | cold start (import + load + first query) | query encode, median |\n|---|---|---|")
    for eid, r in res["per_encoder"].items():
        print(f"| {eid} | {r['cold_start_s']:.2f} s | {r['query_ms_median']:.1f} ms |")
    print()
    print("| measure | value | goal |\n|---|---|---|")
    print(f"| bare encoder ({'+'.join(res['encoders'])}), median | {res['bare_encoder_ms_median']:.1f} ms | |")
    print(f"| warm query (ask), median | {res['warm_query_ms_median']:.1f} ms | |")
    print(f"| warm query p95 | {res['warm_query_ms_p95']:.1f} ms | |")
    ok = "✅" if res["ratio_median"] <= 1.3 else "❌"
    print(f"| warm / bare (median) | {res['ratio_median']:.2f}× | ≤ 1.3× {ok} |")
    if "build_seconds" in res:
        ok = "✅" if res["build_seconds"] <= 60 else "❌"
        print(f"| `memqa build` (MiniLM + e5, whole process) | {res['build_seconds']:.1f} s | ≤ 60 s {ok} |")
    out = ROOT / "eval/results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"bench_query-{stamp}.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
