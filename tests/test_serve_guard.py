"""A real ``memqa serve`` process over loopback (issue 13): silent and slow sockets are closed, hosts
checked, HEAD answered, a corpus edited under the running server reported stale. The fake-encoder
index keeps these quick; the abandoned-heavy-requests test uses the real models."""
from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from conftest import stop_process
from test_api_server import free_port
from test_build_safety import cli_env

pytestmark = pytest.mark.slow
HEADER_TIMEOUT = 2
BODY_TIMEOUT = 2


def start(index: Path, corpus: Path, log: Path, *extra: str, ready: float = 180):
    port = free_port()
    env = cli_env(MEMQA_HEADER_TIMEOUT=str(HEADER_TIMEOUT), MEMQA_BODY_TIMEOUT=str(BODY_TIMEOUT))
    out = log.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "memqa.cli", "serve", "--port", str(port), "--index", str(index),
                             "--corpus", str(corpus), *extra], stdout=out, stderr=subprocess.STDOUT, env=env)
    base = f"http://127.0.0.1:{port}"
    t0 = time.monotonic()
    while True:
        if proc.poll() is not None:
            pytest.fail(f"memqa serve exited with {proc.returncode}:\n{log.read_text()}")
        if time.monotonic() - t0 > ready:
            stop_process(proc)
            pytest.fail(f"memqa serve not ready:\n{log.read_text()}")
        try:
            if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                return proc, port
        except httpx.TransportError:
            pass
        time.sleep(0.2)


@pytest.fixture
def fake_server(tmp_path, mexico_corpus):
    from memqa.build import build_index
    from memqa.encoders import FakeEncoder

    shutil.copytree(mexico_corpus, tmp_path / "corpus")
    build_index(tmp_path / "corpus", tmp_path / "index", [FakeEncoder()])
    proc, port = start(tmp_path / "index", tmp_path / "corpus", tmp_path / "serve.log", "--allow-host", "memqa.test")
    yield port, tmp_path / "corpus"
    stop_process(proc)


def closed_after(sock: socket.socket, limit: float) -> tuple[float, bytes]:
    """Seconds until the server closes ``sock`` (reading what it sent), failing after ``limit``."""
    sock.settimeout(limit)
    t0, data = time.monotonic(), b""
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            return time.monotonic() - t0, data
        data += chunk


def test_a_silent_socket_is_closed_after_the_header_timeout(fake_server):
    port, _ = fake_server
    with socket.create_connection(("127.0.0.1", port)) as s:
        seconds, data = closed_after(s, HEADER_TIMEOUT + 5)
    assert HEADER_TIMEOUT - 0.5 <= seconds <= HEADER_TIMEOUT + 2
    assert data.startswith(b"HTTP/1.1 408")


def test_a_one_byte_at_a_time_request_head_is_cut_off(fake_server):
    port, _ = fake_server
    head = b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: " + b"a" * 100
    with socket.create_connection(("127.0.0.1", port)) as s:
        t0 = time.monotonic()
        try:
            for byte in head:
                s.sendall(bytes([byte]))
                time.sleep(0.25)  # a slowloris: one byte every 250 ms, never finishing the head
        except OSError:
            pass  # the server closed the connection under us
        elapsed = time.monotonic() - t0
        assert elapsed < HEADER_TIMEOUT + 3
        _, data = closed_after(s, 5)
    assert data.startswith(b"HTTP/1.1 408") or data == b""


def test_a_slow_body_gets_408_and_the_connection_is_closed(fake_server):
    port, _ = fake_server
    with socket.create_connection(("127.0.0.1", port)) as s:
        s.sendall(b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                  b"Content-Length: 60\r\n\r\n{")
        seconds, data = closed_after(s, BODY_TIMEOUT + 10)
    assert data.startswith(b"HTTP/1.1 408")
    assert b"did not arrive within" in data
    assert seconds <= BODY_TIMEOUT + 3


def test_hosts_headers_and_head_on_the_real_server(fake_server):
    port, _ = fake_server
    base = f"http://127.0.0.1:{port}"
    assert httpx.get(f"{base}/health", headers={"host": "evil.example"}).status_code == 421
    assert httpx.get(f"{base}/health", headers={"host": "memqa.test"}).status_code == 200  # --allow-host
    assert httpx.get(f"http://localhost:{port}/health").status_code == 200
    r = httpx.head(f"{base}/health")
    assert r.status_code == 200 and r.content == b""
    r = httpx.head(f"{base}/")
    assert r.status_code == 200 and r.headers["x-frame-options"] == "DENY"
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    deep = '{"question": ' + "[" * 5000 + "]" * 5000 + "}"
    r = httpx.post(f"{base}/ask", content=deep, headers={"content-type": "application/json"})
    assert r.status_code == 400 and "levels deep" in r.json()["error"]


def test_a_corpus_edited_under_the_running_server_is_reported_stale(fake_server):
    port, corpus = fake_server
    base = f"http://127.0.0.1:{port}"
    assert httpx.post(f"{base}/ask", json={"question": "ION focal points"}).json()["passages"]
    meta = corpus / "mem-2022-mexico.json"
    meta.write_text(json.dumps({**json.loads(meta.read_text(encoding="utf-8")), "year": 2023}), encoding="utf-8")
    health = httpx.get(f"{base}/health").json()
    assert health["status"] == "stale" and "mem-2022-mexico.json changed" in health["corpus"]["message"]
    body = httpx.post(f"{base}/ask", json={"question": "ION focal points"}).json()
    assert body["passages"] == [] and "memqa build" in body["notice"]


def test_abandoned_heavy_requests_do_not_delay_the_next_question(real_index, mexico_corpus, tmp_path):
    """Ten 2,000-character questions whose clients hang up at once: the next question is not made to wait
    for them (before: 59.6 s behind ten abandoned jobs)."""
    proc, port = start(real_index, mexico_corpus, tmp_path / "serve.log")
    try:
        heavy = json.dumps({"question": ("How does Mexico coordinate the national drug policy with its states? "
                                         * 30)[:2000]}).encode()
        t_idle = time.monotonic()
        assert httpx.post(f"http://127.0.0.1:{port}/ask", json={"question": "ION focal points"}, timeout=60).is_success
        idle = time.monotonic() - t_idle
        for _ in range(10):
            with socket.create_connection(("127.0.0.1", port)) as s:
                s.sendall(b"POST /ask HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                          b"Content-Length: %d\r\n\r\n" % len(heavy) + heavy)
        time.sleep(0.2)
        t0 = time.monotonic()
        r = httpx.post(f"http://127.0.0.1:{port}/ask", json={"question": "ION focal points"}, timeout=60)
        waited = time.monotonic() - t0
        print(f"normal question: {idle * 1000:.0f} ms idle, {waited * 1000:.0f} ms after 10 abandoned heavy ones")
        assert r.status_code == 200
        assert waited < max(3.0, 5 * idle)
    finally:
        stop_process(proc)
