"""The real server process (``memqa serve``) with the real models, over loopback HTTP.

Starts ``python -m memqa.cli serve`` on a free port with the session's real index, waits for
/health, asks with the real encoders, runs 32 concurrent clients, and checks that a missing or
stale index makes ``serve`` refuse to start with exit code 2 and a message naming ``memqa build``.
"""
from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from conftest import stop_process

pytestmark = pytest.mark.slow

ION = "Which agencies are ION focal points?"
QUESTIONS = [
    ION,
    "Does Mexico have drug treatment courts?",
    "How are chemical precursors controlled?",
    "canine detection courses",
    "¿Qué hace México contra el lavado de dinero?",
    "Which agency coordinates national drug policy?",
    "alternative development programmes",
    "How is the national drug observatory funded?",
]
COLD_START_LIMIT_SECONDS = 180  # generous: CI machines are shared; a typical start is well under a minute


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_command(index: Path, corpus: Path, port: int) -> list[str]:
    return [sys.executable, "-m", "memqa.cli", "serve", "--port", str(port), "--index", str(index),
            "--corpus", str(corpus)]


def server_env() -> dict[str, str]:
    return {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


@pytest.fixture(scope="module")
def server(real_index, mexico_corpus, tmp_path_factory):
    """(base URL, seconds from process start to /health ready)."""
    port = free_port()
    log = tmp_path_factory.mktemp("server") / "server.log"
    with log.open("wb") as out:
        t0 = time.perf_counter()
        proc = subprocess.Popen(serve_command(real_index, mexico_corpus, port), stdout=out, stderr=subprocess.STDOUT,
                                env=server_env())
        base = f"http://127.0.0.1:{port}"
        try:
            while True:
                if proc.poll() is not None:
                    pytest.fail(f"memqa serve exited with {proc.returncode}:\n{log.read_text()}")
                if time.perf_counter() - t0 > COLD_START_LIMIT_SECONDS:
                    pytest.fail(f"memqa serve not ready after {COLD_START_LIMIT_SECONDS}s:\n{log.read_text()}")
                try:
                    if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                        break
                except httpx.TransportError:
                    pass
                time.sleep(0.2)
            yield base, time.perf_counter() - t0
        finally:
            stop_process(proc, 20)


def cited(answer: dict) -> list[tuple[str, str]]:
    return [(p["citation"]["section_id"], p["text"]) for p in answer["passages"]]


def test_cold_start_to_health_is_bounded(server):
    base, cold_start = server
    health = httpx.get(f"{base}/health").json()
    print(f"cold start: {cold_start:.1f}s (process start to /health ready)")
    assert cold_start < COLD_START_LIMIT_SECONDS
    assert health["status"] == "ok"
    assert {e["id"] for e in health["encoders"]} == {"minilm", "e5"}


def test_the_real_model_cites_priority_action_2_4_for_ion_focal_points(server):
    base, _ = server
    r = httpx.post(f"{base}/ask", json={"question": ION, "k": 5}, timeout=60)
    assert r.status_code == 200
    labels = [p["citation"]["label"] for p in r.json()["passages"][:3]]
    assert "Priority Action 2.4" in labels


def test_32_concurrent_clients_get_correct_answers(server):
    base, _ = server
    with httpx.Client(base_url=base, timeout=120) as c:
        expected = {q: cited(c.post("/ask", json={"question": q, "k": 3}).json()) for q in QUESTIONS}
    start = threading.Barrier(32)

    def one_client(i: int) -> tuple[str, int, dict]:
        q = QUESTIONS[i % len(QUESTIONS)]
        with httpx.Client(base_url=base, timeout=120) as c:
            start.wait()
            r = c.post("/ask", json={"question": q, "k": 3})
            return q, r.status_code, r.json()

    with ThreadPoolExecutor(max_workers=32) as pool:
        results = list(pool.map(one_client, range(32)))
    assert [status for _, status, _ in results] == [200] * 32
    for q, _, body in results:
        assert cited(body) == expected[q], q
    ion_labels = [p["citation"]["label"] for p in results[0][2]["passages"]]
    assert "Priority Action 2.4" in ion_labels


def run_serve(index: Path, corpus: Path) -> subprocess.CompletedProcess:
    return subprocess.run(serve_command(index, corpus, free_port()), capture_output=True, text=True, timeout=120,
                          env=server_env())


def test_serve_refuses_to_start_without_an_index(tmp_path, mexico_corpus):
    done = run_serve(tmp_path / "no-index", mexico_corpus)
    assert done.returncode == 2
    assert "memqa build" in done.stderr
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("memqa: ")
    assert len(done.stderr.strip().splitlines()) == 1


def test_serve_refuses_a_stale_index(tmp_path, real_index, mexico_corpus):
    corpus = tmp_path / "corpus"
    shutil.copytree(mexico_corpus, corpus)
    report = corpus / "mem-2022-mexico.txt"
    report.write_text(report.read_text(encoding="utf-8") + "\nAn added line.\n", encoding="utf-8")
    done = run_serve(real_index, corpus)
    assert done.returncode == 2
    assert "memqa build" in done.stderr
    assert "Traceback" not in done.stderr
