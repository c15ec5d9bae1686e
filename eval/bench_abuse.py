"""Abuse benchmark: ordinary-question latency of the real ``memqa serve`` while hostile clients hammer it.

    .venv/bin/python eval/bench_abuse.py [--index index] [--corpus corpus] [--n 100]
                                         [--heavy 4] [--abandoned 4] [--slow 16] [--over-cap 1]

1. starts ``python -m memqa.cli serve`` on a free port (real models from the index) and waits for /health;
2. **idle**: asks ``--n`` gold questions one at a time: p50/p95/p99;
3. **abuse**: the same questions again while, at the same time,
   * ``--heavy`` clients send 2,000-character questions (~400 e5 tokens, the costliest accepted) back to back,
     ignoring 503s;
   * ``--abandoned`` clients send the same heavy question and hang up at once, again and again;
   * ``--slow`` clients open connections and send one byte every 2 s (slowloris), reconnecting when cut off;
   * ``--over-cap`` clients send 2,000-emoji questions (2,006 tokens, refused with 422);
4. reports both distributions, the ratio of the p99s (goal <= 3), what the abusers got (status counts),
   and writes ``eval/results/bench_abuse-<timestamp>.json`` with the index manifest summary.
"""
from __future__ import annotations

import argparse
import collections
import json
import os
import platform
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_http import free_port, load_questions, percentiles  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
P99_GOAL = 3.0
HEAVY = ("How does Mexico coordinate its national drug policy with the states and municipalities, and which "
         "agencies are responsible for prevention, treatment, and the control of chemical precursors? " * 12)[:2000]
OVER_CAP = "\U0001f600" * 2000


def start_server(index: str, corpus: str, log: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false",
           "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT), os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.Popen([sys.executable, "-m", "memqa.cli", "serve", "--port", str(port), "--index", index,
                             "--corpus", corpus], stdout=log.open("wb"), stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    while time.monotonic() - t0 < 300:
        if proc.poll() is not None:
            sys.exit(f"memqa serve exited with {proc.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.TransportError:
            pass
        time.sleep(0.3)
    proc.kill()
    sys.exit("memqa serve was not ready after 300 s")


def timed_questions(base: str, questions: list[str]) -> tuple[list[float], collections.Counter]:
    latencies, statuses = [], collections.Counter()
    with httpx.Client(base_url=base, timeout=120) as c:
        for q in questions:
            t0 = time.perf_counter()
            r = c.post("/ask", json={"question": q, "k": 5})
            latencies.append(time.perf_counter() - t0)
            statuses[r.status_code] += 1
    return latencies, statuses


class Abusers:
    def __init__(self, base: str, heavy: int, abandoned: int, slow: int, over_cap: int) -> None:
        self.base, self.port = base, int(base.rsplit(":", 1)[1])
        self.stop = threading.Event()
        self.counts: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
        self.threads = ([threading.Thread(target=self.heavy, args=(HEAVY, "heavy")) for _ in range(heavy)]
                        + [threading.Thread(target=self.heavy, args=(OVER_CAP, "over_cap")) for _ in range(over_cap)]
                        + [threading.Thread(target=self.abandoned) for _ in range(abandoned)]
                        + [threading.Thread(target=self.slow) for _ in range(slow)])

    def __enter__(self):
        for t in self.threads:
            t.daemon = True
            t.start()
        time.sleep(2)  # let the queue fill before measuring
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=10)

    def heavy(self, question: str, kind: str) -> None:
        with httpx.Client(base_url=self.base, timeout=120) as c:
            while not self.stop.is_set():
                try:
                    self.counts[kind][c.post("/ask", json={"question": question}).status_code] += 1
                except httpx.TransportError as e:
                    self.counts[kind][type(e).__name__] += 1
                time.sleep(0.01)

    def abandoned(self) -> None:
        body = json.dumps({"question": HEAVY}).encode()
        request = (b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   b"Content-Length: %d\r\n\r\n" % len(body)) + body
        while not self.stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                    s.sendall(request)
                self.counts["abandoned"]["sent"] += 1
            except OSError as e:
                self.counts["abandoned"][type(e).__name__] += 1
            time.sleep(0.05)

    def slow(self) -> None:
        head = b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n" + b"X-Slow: " + b"a" * 500
        while not self.stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=5) as s:
                    self.counts["slow"]["connections"] += 1
                    for byte in head:
                        if self.stop.wait(2.0):
                            return
                        s.sendall(bytes([byte]))
            except OSError:
                self.counts["slow"]["cut_off"] += 1


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--index", default=os.environ.get("MEMQA_INDEX") or "index")
    p.add_argument("--corpus", default=os.environ.get("MEMQA_CORPUS") or "corpus")
    p.add_argument("--gold", default=str(ROOT / "eval" / "gold.jsonl"))
    p.add_argument("--n", type=int, default=100)
    p.add_argument("--heavy", type=int, default=4)
    p.add_argument("--abandoned", type=int, default=4)
    p.add_argument("--slow", type=int, default=16)
    p.add_argument("--over-cap", type=int, default=1)
    p.add_argument("--out", default=str(ROOT / "eval" / "results"))
    args = p.parse_args()

    questions = load_questions(Path(args.gold), args.n)
    log = Path(tempfile.mkdtemp(prefix="bench-abuse-")) / "serve.log"
    proc, base = start_server(args.index, args.corpus, log)
    try:
        health = httpx.get(f"{base}/health").json()
        timed_questions(base, questions[:5])  # warm the connection path
        idle, idle_status = timed_questions(base, questions)
        load_idle = os.getloadavg()[0]
        with Abusers(base, args.heavy, args.abandoned, args.slow, args.over_cap) as abusers:
            abused, abused_status = timed_questions(base, questions)
            load_abuse = os.getloadavg()[0]
        abuse_counts = {k: dict(v) for k, v in abusers.counts.items()}
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    i, a = percentiles(idle), percentiles(abused)
    ratio = a["p99_ms"] / i["p99_ms"]
    result = {
        "benchmark": "bench_abuse",
        "created_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {"cpus": os.cpu_count(), "platform": platform.platform(), "python": platform.python_version()},
        "mix": {"normal_questions": args.n, "heavy_clients": args.heavy, "abandoning_clients": args.abandoned,
                "slow_clients": args.slow, "over_cap_clients": args.over_cap},
        "idle": {**i, "status": dict(idle_status), "load_1m": load_idle},
        "abuse": {**a, "status": dict(abused_status), "load_1m": load_abuse},
        "p99_ratio": round(ratio, 2), "goal": P99_GOAL, "met": ratio <= P99_GOAL,
        "abusers": abuse_counts,
        "index": health.get("index", {}), "encoders": health.get("encoders", []),
        "latencies_s": {"idle": idle, "abuse": abused},
    }
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"bench_abuse-{datetime.now(UTC).strftime('%Y%m%dT%H%M%SZ')}.json"
    path.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print("| phase | p50 ms | p95 ms | p99 ms | statuses |\n|---|---|---|---|---|")
    print(f"| idle | {i['p50_ms']:.1f} | {i['p95_ms']:.1f} | {i['p99_ms']:.1f} | {dict(idle_status)} |")
    print(f"| abuse | {a['p50_ms']:.1f} | {a['p95_ms']:.1f} | {a['p99_ms']:.1f} | {dict(abused_status)} |")
    print(f"\np99 under abuse / idle p99 = {ratio:.2f} (goal <= {P99_GOAL}): {'met' if ratio <= P99_GOAL else 'NOT met'}")
    print(f"abusers: {json.dumps(abuse_counts)}")
    print(f"wrote {path}")
    return 0 if ratio <= P99_GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
