"""Benchmark: a library of 100 reports (issue 17). Synthetic: copies of the bundled report.

    python eval/bench_library.py [--dir /tmp/memqa-lib] [--n 100] [--stages make,build,query,rss,add,omp,flat]

Stages (each prints a markdown table and adds its numbers to eval/results/bench_library-<stamp>.json):

* ``make``  — ``<dir>/corpus``: the bundled report plus n-1 copies under other report ids, countries and
  years (a fake ``.json`` per copy; the text is the same, see the caveat below);
* ``build`` — ``memqa build`` of that corpus from an empty index (e5 only, the default);
* ``query`` — warm in-process p50 of ``Assistant.ask`` over the gold questions vs the bare e5 query
  encode of the same questions in the same process, interleaved; unfiltered and with ``report=``;
* ``rss``   — resident memory of ``memqa serve`` on the library once it answers (and after 50 questions);
* ``add``   — ``memqa build`` after adding one new report (new text: its vectors are not cached) vs
  building that report alone into an empty index, both as whole ``memqa build`` processes;
* ``omp``   — the e5 query encode with and without FAISS's OpenMP threads competing (fresh processes);
* ``flat``  — FAISS flat inner-product search (k=100, one query, one thread) at 150 / 15k / 150k vectors
  (real e5 vectors of the library plus noise, gold questions as queries) vs SQ8, IVF and HNSW, to say
  from what size another index type would pay.

Caveat: the copies have the bundled report's text, so their vectors are identical and the build cache
(keyed by the embedded texts) embeds them once. The ``build`` stage therefore measures 1 embedding +
n parses, not n embeddings (~55 s each on 2 cores); the ``add`` stage uses a report with new text so its
goal (≤ 1.2× building that report alone) is measured honestly. Query time and memory do not depend on
the texts being different: the library holds n x 150 passages and n x 476 sentence vectors either way.
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
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
ROOT = Path(__file__).resolve().parent.parent
REPORT = ROOT / "corpus" / "mem-2022-mexico.txt"
META = json.loads((ROOT / "corpus" / "mem-2022-mexico.json").read_text(encoding="utf-8"))
COUNTRIES = ["Antigua and Barbuda", "Argentina", "Bahamas", "Barbados", "Belize", "Bolivia", "Brazil", "Canada",
             "Chile", "Colombia", "Costa Rica", "Dominica", "Dominican Republic", "Ecuador", "El Salvador",
             "Grenada", "Guatemala", "Guyana", "Haiti", "Honduras", "Jamaica", "Mexico", "Nicaragua", "Panama",
             "Paraguay", "Peru", "Saint Kitts and Nevis", "Saint Lucia", "Saint Vincent and the Grenadines",
             "Suriname", "Trinidad and Tobago", "United States", "Uruguay", "Venezuela"]
ROUNDS = {2022: "Eighth Evaluation Round", 2019: "Seventh Evaluation Round", 2014: "Sixth Evaluation Round"}
MEMQA = [sys.executable, "-m", "memqa.cli"]


def slug(name: str) -> str:
    return "-".join(name.lower().replace(".", "").split())


def make_library(corpus: Path, n: int) -> list[str]:
    """The bundled report plus n-1 copies with other metadata; returns the report ids."""
    if corpus.exists():
        shutil.rmtree(corpus)
    corpus.mkdir(parents=True)
    shutil.copy(REPORT, corpus / REPORT.name)
    (corpus / "mem-2022-mexico.json").write_text(json.dumps(META), encoding="utf-8")
    ids = [META["report_id"]]
    combos = [(c, y) for y in ROUNDS for c in COUNTRIES if (c, y) != ("Mexico", 2022)]
    for country, year in combos[: n - 1]:
        rid = f"{slug(country)}-{year}"
        meta = {**META, "report_id": rid, "country": country, "year": year, "round": ROUNDS[year],
                "document_code": f"CICAD/doc.synthetic/{rid}", "title": f"{country}: Evaluation Report {year} (synthetic copy)"}
        shutil.copy(REPORT, corpus / f"mem-{year}-{slug(country)}.txt")
        (corpus / f"mem-{year}-{slug(country)}.json").write_text(json.dumps(meta), encoding="utf-8")
        ids.append(rid)
    return ids


def new_report(corpus: Path, tag: str) -> str:
    """One report with new text (so no cached vectors): the bundled one with the country renamed."""
    text = REPORT.read_text(encoding="utf-8").replace("Mexico", "Ruritania").replace("Mexican", "Ruritanian")
    text = text.replace("MEXICO", "RURITANIA") + f"\n(synthetic report {tag})\n"
    rid = "ruritania-2022"
    (corpus / "mem-2022-ruritania.txt").write_text(text, encoding="utf-8")
    meta = {**META, "report_id": rid, "country": "Ruritania", "title": "Ruritania (synthetic)"}
    (corpus / "mem-2022-ruritania.json").write_text(json.dumps(meta), encoding="utf-8")
    return rid


def timed(cmd: list[str]) -> tuple[float, str]:
    t = time.perf_counter()
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    return time.perf_counter() - t, out.stdout


def stage_build(d: Path, res: dict) -> None:
    index = d / "index"
    shutil.rmtree(index, ignore_errors=True)
    seconds, out = timed(MEMQA + ["build", "--corpus", str(d / "corpus"), "--index", str(index)])
    res["build"] = {"command": f"memqa build --corpus {d / 'corpus'} --index {index}", "seconds": seconds,
                    "output": out.strip()}
    print(f"| `memqa build`, {len(list((d / 'corpus').glob('*.txt')))} reports, empty index (1 text embedded, "
          f"see caveat) | {seconds:.1f} s |")
    print(out)


def questions() -> list[str]:
    rows = [json.loads(line) for line in (ROOT / "eval/gold.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    return [r["question"] for r in rows]


def stage_query(d: Path, res: dict, rounds: int = 1) -> None:
    import resource

    from memqa.assistant import Assistant

    t = time.perf_counter()
    a = Assistant.load(d / "index")
    load_s = time.perf_counter() - t
    e5 = a.encoders["e5"]
    qs = questions() * rounds
    for q in qs[:5]:
        a.ask(q)
        e5.encode([q], kind="query")
    out = {"load_seconds": load_s, "questions": len(qs), "passages": len(a.passages),
           "sections": len(a.sections), "reports": len(a.reports)}
    for label, kw in (("all reports", {}), ("report=mexico-2022", {"report": "mexico-2022"}),
                      ("country=Peru", {"country": "Peru"})):
        bare, warm, stages = [], [], {}
        for q in qs:
            t = time.perf_counter()
            e5.encode([q], kind="query")
            bare.append(time.perf_counter() - t)
            t = time.perf_counter()
            r = a.run(q, **kw)
            warm.append(time.perf_counter() - t)
            for k, v in r.timings.items():
                stages.setdefault(k, []).append(v)
        row = {"bare_ms_p50": 1000 * statistics.median(bare), "warm_ms_p50": 1000 * statistics.median(warm),
               "warm_ms_p95": 1000 * sorted(warm)[int(0.95 * len(warm)) - 1],
               "stages_ms_p50": {k: 1000 * statistics.median(v) for k, v in stages.items()}}
        row["ratio"] = row["warm_ms_p50"] / row["bare_ms_p50"]
        out[label] = row
    out["rss_mb_in_process"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    res["query"] = out
    print(f"library: {out['reports']} reports, {out['sections']} units, {out['passages']} passages; "
          f"load {load_s:.1f} s; {len(qs)} questions\n")
    print("| filter | bare e5 encode p50 | warm ask p50 | ratio (goal ≤ 1.3×) | ask p95 | stages p50 (ms) |")
    print("|---|---|---|---|---|---|")
    for label in ("all reports", "report=mexico-2022", "country=Peru"):
        r = out[label]
        st = ", ".join(f"{k} {v:.1f}" for k, v in r["stages_ms_p50"].items())
        print(f"| {label} | {r['bare_ms_p50']:.1f} ms | {r['warm_ms_p50']:.1f} ms | {r['ratio']:.2f}× "
              f"{'✅' if r['ratio'] <= 1.3 else '❌'} | {r['warm_ms_p95']:.1f} ms | {st} |")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def stage_rss(d: Path, res: dict, port: int = 8765) -> None:
    import urllib.request

    cmd = MEMQA + ["serve", "--index", str(d / "index"), "--corpus", str(d / "corpus"), "--port", str(port)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    try:
        t0 = time.perf_counter()
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1).read()
                break
            except OSError:
                if proc.poll() is not None or time.perf_counter() - t0 > 600:
                    raise RuntimeError("memqa serve did not start") from None
                time.sleep(0.5)
        ready = time.perf_counter() - t0
        idle = rss_mb(proc.pid)
        for q in questions()[:50]:
            req = urllib.request.Request(f"http://127.0.0.1:{port}/ask", data=json.dumps({"question": q}).encode(),
                                         headers={"Content-Type": "application/json"})
            urllib.request.urlopen(req, timeout=60).read()
        busy = rss_mb(proc.pid)
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    res["rss"] = {"command": " ".join(cmd[2:]), "ready_seconds": ready, "rss_mb_ready": idle, "rss_mb_after_50": busy}
    print(f"| RSS of `memqa serve` (ready in {ready:.0f} s) | {idle:.0f} MB ready, {busy:.0f} MB after 50 questions "
          f"| ≤ 1536 MB {'✅' if max(idle, busy) <= 1536 else '❌'} |")


def stage_add(d: Path, res: dict) -> None:
    tag = datetime.now(UTC).strftime("%Y%m%dT%H%M%S")
    # the library as built, plus one report with new text
    lib = d / "add"
    shutil.rmtree(lib, ignore_errors=True)
    shutil.copytree(d / "corpus", lib / "corpus", copy_function=os.link)
    shutil.copytree(d / "index", lib / "index", copy_function=os.link)
    rid = new_report(lib / "corpus", tag)
    add_s, add_out = timed(MEMQA + ["build", "--corpus", str(lib / "corpus"), "--index", str(lib / "index")])
    alone = d / "alone"
    shutil.rmtree(alone, ignore_errors=True)
    (alone / "corpus").mkdir(parents=True)
    new_report(alone / "corpus", tag)
    alone_s, alone_out = timed(MEMQA + ["build", "--corpus", str(alone / "corpus"), "--index", str(alone / "index")])
    n = len(list((lib / "corpus").glob("*.txt")))
    res["add"] = {"report": rid, "library_reports": n, "build_after_add_seconds": add_s, "output": add_out.strip(),
                  "build_alone_seconds": alone_s, "alone_output": alone_out.strip(), "ratio": add_s / alone_s}
    print(f"| `memqa build` after adding {rid} to {n - 1} reports | {add_s:.1f} s | |")
    print(f"| `memqa build` of {rid} alone (empty index) | {alone_s:.1f} s | |")
    print(f"| ratio | {add_s / alone_s:.2f}× | ≤ 1.2× {'✅' if add_s / alone_s <= 1.2 else '❌'} |")
    print(add_out)


def realistic_vectors(n: int, base, rng, noise: float = 0.02):
    """n distinct unit vectors around the real e5 vectors of the bundled report (passages and sentences):
    each a real vector plus Gaussian noise (cosine ~0.9 to it), so they cluster as a real library does.
    Uniform random vectors would be the worst case for IVF/HNSW and say nothing about real recall."""
    import numpy as np

    x = base[rng.integers(0, len(base), n)] + rng.standard_normal((n, base.shape[1]), dtype=np.float32) * noise
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def stage_flat(res: dict, d: Path, k: int = 100, reps: int = 200) -> None:
    """Vector search alone (FAISS, one thread, k=100, one query at a time) at 150 / 15k / 150k vectors."""
    import faiss
    import numpy as np

    from memqa.encoders import load_encoder
    from memqa.store import load_index

    faiss.omp_set_num_threads(1)
    data = load_index(d / "index", verify=False)
    real = np.concatenate([data.dense["e5"].reconstruct_n(0, data.dense["e5"].ntotal), data.segment_vectors["e5"]])
    real = np.unique(real, axis=0)  # the library's copies repeat one report's vectors
    e5 = load_encoder("e5")
    q = e5.encode(questions()[:reps], kind="query")
    rng = np.random.default_rng(0)
    out = {}
    print(f"real e5 vectors of one report: {len(real)} (passages + sentences), {len(q)} gold questions as queries\n")
    print("| vectors | flat (exact) | SQ8 flat | IVF-flat (nlist 4√n, nprobe 16) | HNSW (M 32, efSearch 128) "
          "| recall@100 vs flat: SQ8 / IVF / HNSW |")
    print("|---|---|---|---|---|---|")
    for n in (150, 15_000, 150_000):
        x = realistic_vectors(n, real, rng)
        kk = min(k, n)

        def per_query(index, kk=kk):
            ts = []
            for i in range(len(q)):
                t = time.perf_counter()
                index.search(q[i : i + 1], kk)
                ts.append(time.perf_counter() - t)
            return 1000 * statistics.median(ts)

        flat = faiss.IndexFlatIP(x.shape[1])
        flat.add(x)
        _, truth = flat.search(q, kk)
        row = {"flat_ms": per_query(flat)}
        indexes = {"sq8": faiss.IndexScalarQuantizer(x.shape[1], faiss.ScalarQuantizer.QT_8bit,
                                                        faiss.METRIC_INNER_PRODUCT)}
        if n >= 1000:
            ivf = faiss.IndexIVFFlat(faiss.IndexFlatIP(x.shape[1]), x.shape[1], int(4 * np.sqrt(n)),
                                     faiss.METRIC_INNER_PRODUCT)
            ivf.nprobe = 16
            hnsw = faiss.IndexHNSWFlat(x.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
            hnsw.hnsw.efSearch = 128
            indexes.update(ivf=ivf, hnsw=hnsw)
        for name, index in indexes.items():
            t = time.perf_counter()
            if not index.is_trained:
                index.train(x)
            index.add(x)
            row[f"{name}_build_s"] = time.perf_counter() - t
            row[f"{name}_ms"] = per_query(index)
            _, got = index.search(q, kk)
            row[f"{name}_recall"] = float(np.mean([len(set(a) & set(b)) / kk for a, b in zip(truth, got)]))

        def cell(name: str, row: dict = row) -> str:
            return f"{row[name + '_ms']:.3f} ms (build {row[name + '_build_s']:.1f} s)" if name + "_ms" in row else "–"

        recalls = " / ".join(f"{row[m + '_recall']:.3f}" if m + "_recall" in row else "–" for m in ("sq8", "ivf", "hnsw"))
        print(f"| {n:,} | {row['flat_ms']:.3f} ms | {cell('sq8')} | {cell('ivf')} | {cell('hnsw')} | {recalls} |")
        out[str(n)] = row
    res["flat"] = out


OMP_PROBE = """
import json, statistics, sys, time
import faiss
from memqa.encoders import load_encoder
from memqa.store import load_index
threads, index_dir, qs = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
if threads not in ("default", "numpy"):
    faiss.omp_set_num_threads(int(threads))
e5 = load_encoder("e5")
index = load_index(index_dir, verify=False).dense["e5"]
if threads == "numpy":  # the same search as a numpy product on OpenBLAS's own threads
    import numpy as np
    from memqa.retrieval import stored_vectors
    X = stored_vectors(index)

    class NumpySearch:
        def search(self, v, k):
            s = X @ v[0]
            return np.argpartition(-s, k)[:k]
    index = NumpySearch()

def encode_p50():
    ts = []
    for q in qs:
        t = time.perf_counter(); e5.encode([q], kind="query"); ts.append(time.perf_counter() - t)
    return 1000 * statistics.median(ts)

encode_p50()
before = encode_p50()
te, ts = [], []
for q in qs:
    t = time.perf_counter(); v = e5.encode([q], kind="query"); te.append(time.perf_counter() - t)
    t = time.perf_counter(); index.search(v, 100); ts.append(time.perf_counter() - t)
print(json.dumps({"encode_ms_before_faiss": before, "encode_ms_with_faiss": 1000 * statistics.median(te),
                  "search_ms": 1000 * statistics.median(ts), "faiss_threads": threads}))
"""


def stage_omp(d: Path, res: dict) -> None:
    """The e5 query encode before and while the library is searched: FAISS with its default OpenMP threads,
    FAISS with one (what memqa sets), and a numpy product on OpenBLAS's threads, each in a fresh process."""
    qs = json.dumps(questions()[:100])
    out = {}
    print("| search (15,000 passages, k=100) | e5 encode p50, before any search | e5 encode p50, between searches "
          "| search p50 |")
    print("|---|---|---|---|")
    for threads in ("default", "1", "numpy"):
        run = subprocess.run([sys.executable, "-c", OMP_PROBE, threads, str(d / "index"), qs], check=True,
                             capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
        r = json.loads(run.stdout.strip().splitlines()[-1])
        out[threads] = r
        label = {"default": "FAISS, default OpenMP threads", "1": "FAISS, one thread (memqa)",
                 "numpy": "numpy product, OpenBLAS threads"}[threads]
        print(f"| {label} | {r['encode_ms_before_faiss']:.1f} ms | {r['encode_ms_with_faiss']:.1f} ms | "
              f"{r['search_ms']:.2f} ms |")
    res["omp"] = out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dir", default=str(Path(tempfile.gettempdir()) / "memqa-lib"))
    ap.add_argument("--n", type=int, default=100)
    ap.add_argument("--stages", default="make,build,query,rss,add,omp,flat")
    args = ap.parse_args()
    d = Path(args.dir)
    stages = [s.strip() for s in args.stages.split(",")]
    res: dict = {"n": args.n, "dir": str(d), "stages": stages, "cpus": os.cpu_count()}
    if "make" in stages:
        make_library(d / "corpus", args.n)
        print(f"made {args.n} reports in {d / 'corpus'}")
    if "build" in stages:
        stage_build(d, res)
    if "query" in stages:
        stage_query(d, res)
    if "rss" in stages:
        stage_rss(d, res)
    if "add" in stages:
        stage_add(d, res)
    if "omp" in stages:
        stage_omp(d, res)
    if "flat" in stages:
        stage_flat(res, d)
    out = ROOT / "eval/results"
    out.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    (out / f"bench_library-{stamp}.json").write_text(json.dumps(res, indent=1), encoding="utf-8")
    print(f"\nwrote eval/results/bench_library-{stamp}.json")
    return 0


if __name__ == "__main__":
    sys.exit(main())
