"""The MCP server through the official SDK's clients.

* in process (``mcp.Client(server)``) over the fake-encoder index: tool list, schemas, errors — fast;
* ``memqa mcp`` as a real subprocess over stdio and over streamable HTTP against the real index (slow).
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import anyio
import pytest
from mcp import Client, ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from mcp.client.streamable_http import streamable_http_client

from conftest import stop_process
from memqa.mcp_server import create_server
from memqa.tokens import count_tokens
from memqa.toolspec import openai_tools

TIMEOUT = 300  # seconds for a whole session, model loading included, on a busy 2-core machine
ENV = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}


def _text(result) -> str:
    assert len(result.content) == 1 and result.content[0].type == "text"
    return result.content[0].text


def _in_process(assistant, body) -> None:
    async def main():
        with anyio.fail_after(120):
            async with Client(create_server(assistant)) as client:
                await body(client)

    anyio.run(main)


def _check_search(result, budget: int | None = None) -> str:
    assert not result.is_error, _text(result)
    text, data = _text(result), result.structured_content
    assert data["tokens"] == count_tokens(text)
    assert f"[{data['tokens']} tokens" in text
    if budget is not None:
        assert data["tokens"] <= budget and data["max_tokens"] == budget
    assert data["passages"] or data.get("answer"), text
    for p in data["passages"]:
        c = p["citation"]
        # Every passage's citation heading is in the text, right before its passage.
        head = f"[{p['rank']}] {c['label']} — {c['title']}  ({c['source']}, lines {c['start_line']}–{c['end_line']})\n"
        assert head in text
        body = text[text.index(head) + len(head):]
        first_line = body.split("\n", 1)[0].strip()
        assert first_line.removesuffix(" […]") in p["text"]
        assert body.split("\n\n[", 1)[0].endswith(" […]") == p["trimmed"]  # a cut passage says so
    return text


# ---------------------------------------------------------------------------- in process, fake encoder
def test_lists_four_documented_tools(fake_assistant):
    async def body(client):
        tools = {t.name: t for t in (await client.list_tools()).tools}
        assert set(tools) == {"search_report", "get_section", "list_sections", "compare", "scorecard"}
        for t in tools.values():
            assert t.annotations.read_only_hint is True
            assert "CICAD MEM" in t.description
        assert "Mexico 2022" in tools["search_report"].description
        assert "lines" in tools["search_report"].description and "quot" in tools["search_report"].description
        schema = tools["search_report"].input_schema
        assert schema["required"] == ["question"]
        ref = openai_tools(fake_assistant)[0]["function"]["parameters"]["properties"]
        for name, prop in schema["properties"].items():
            assert prop["description"] == ref[name]["description"]
            for bound in ("minimum", "maximum", "minLength", "maxLength"):
                assert prop.get(bound) == ref[name].get(bound), (name, bound)
        assert tools["get_section"].input_schema["required"] == ["id"]
        assert set(tools["list_sections"].input_schema["properties"]) == {"detail"}
        assert tools["list_sections"].input_schema.get("required", []) == []
        assert "drug-policy" in client.instructions

    _in_process(fake_assistant, body)


def test_search_get_and_list_in_process(fake_assistant):
    async def body(client):
        text = _check_search(await client.call_tool("search_report", {"question": "ION focal points", "k": 3}))
        assert "[1] " in text and "[3] " in text
        r = await client.call_tool("get_section", {"id": "pa-2.4"})
        assert not r.is_error and r.structured_content["citation"]["section_id"] == "mexico-2022/pa-2.4"
        assert r.structured_content["tokens"] == count_tokens(_text(r))
        r = await client.call_tool("list_sections", {})
        assert not r.is_error and r.structured_content["count"] == 76
        assert "\n  pa-5.4  Promote the incorporation of competent national authorities in the…\n" in _text(r)
        r = await client.call_tool("list_sections", {"detail": True})
        assert "mexico-2022/pa-5.4  Priority Action 5.4 — " in _text(r)
        r = await client.call_tool("get_section", {"id": "Priority Action 5.4"})
        assert not r.is_error and r.structured_content["id"] == "mexico-2022/pa-5.4"
        assert r.structured_content["citation"]["cite"].startswith("CICAD, *Mexico: Evaluation Report")

    _in_process(fake_assistant, body)


@pytest.mark.parametrize("tool, args, message", [
    ("search_report", {"question": ""}, "question is empty"),
    ("search_report", {"question": "   "}, "question is empty"),
    ("search_report", {"question": "x" * 2001}, "the limit is 2000"),
    ("search_report", {"question": "ION", "k": 0}, "k must be an integer from 1 to 20"),
    ("search_report", {"question": "ION", "k": 21}, "k must be an integer from 1 to 20"),
    ("search_report", {"question": "ION", "objective": 13}, "objective must be an integer from 1 to 12"),
    ("search_report", {"question": "ION", "max_tokens": 10}, "max_tokens must be an integer of at least 50"),
    ("search_report", {"question": "ION", "max_tokens": 50}, "use max_tokens="),
    ("search_report", {"k": 3}, "question"),
    ("search_report", {"question": "ION", "k": "many"}, "k"),
    ("get_section", {"id": "mexico-2022/pa-99.9"}, "Call list_sections"),
    ("get_section", {}, "id"),
])
def test_bad_arguments_are_tool_errors_and_the_server_keeps_answering(fake_assistant, tool, args, message):
    async def body(client):
        r = await client.call_tool(tool, args)
        assert r.is_error
        assert message in _text(r)
        _check_search(await client.call_tool("search_report", {"question": "ION focal points", "k": 2}))

    _in_process(fake_assistant, body)


# ---------------------------------------------------------------------------- real subprocess, real index
def _memqa(*args: str) -> list[str]:
    return [sys.executable, "-m", "memqa.cli", *args]


def _stdio(real_index: Path, corpus: Path, tmp_path: Path, body) -> None:
    params = StdioServerParameters(
        command=sys.executable, args=_memqa("mcp", "--index", str(real_index), "--corpus", str(corpus))[1:],
        env=ENV, cwd=str(tmp_path),
    )
    log = tmp_path / "server-stderr.log"

    async def main():
        with log.open("w") as errlog, anyio.fail_after(TIMEOUT):
            async with stdio_client(params, errlog=errlog) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                await body(session)

    try:
        anyio.run(main)
    except BaseException:
        print(log.read_text(), file=sys.stderr)  # the server's own log, to see why
        raise


@pytest.mark.slow
def test_stdio_server_answers_with_citations(real_index, mexico_corpus, tmp_path):
    async def body(session):
        names = {t.name for t in (await session.list_tools()).tools}
        assert names == {"search_report", "get_section", "list_sections", "compare", "scorecard"}

        r = await session.call_tool("search_report", {"question": "Which agencies are ION focal points?"})
        text = _check_search(r)
        assert "Priority Action 2.4 — " in text
        top = r.structured_content["passages"][0]["citation"]
        assert (top["priority_action"], top["section_id"]) == ("2.4", "mexico-2022/pa-2.4")
        assert r.structured_content["answerable"] is True

        r = await session.call_tool("get_section", {"id": "mexico-2022/pa-5.4"})
        assert not r.is_error
        assert "I2ES" in _text(r) and _text(r).startswith("Priority Action 5.4 — ")
        assert r.structured_content["citation"]["priority_action"] == "5.4"
        assert "I2ES" in r.structured_content["text"]

        # Bad calls come back as tool errors; the server keeps answering after each.
        for tool, args in [("search_report", {"question": ""}), ("search_report", {"question": "ION", "k": 0}),
                           ("get_section", {"id": "mexico-2022/pa-42.1"})]:
            bad = await session.call_tool(tool, args)
            assert bad.is_error, (tool, args)
            assert "Error executing tool" in _text(bad)
        again = await session.call_tool("get_section", {"id": "pa-2.4"})
        assert not again.is_error and "Priority Action 2.4" in _text(again)

        r = await session.call_tool("list_sections", {})
        assert r.structured_content["count"] == 76

    _stdio(real_index, mexico_corpus, tmp_path, body)


@pytest.mark.slow
def test_stdio_server_respects_token_budgets(real_index, mexico_corpus, tmp_path):
    async def body(session):
        question = {"question": "Which agencies are ION focal points?", "k": 5}
        whole = await session.call_tool("search_report", question)
        full_tokens = whole.structured_content["tokens"]
        assert full_tokens > 400
        shown = []
        for budget in (150, 400, 1000):
            r = await session.call_tool("search_report", {**question, "max_tokens": budget})
            text = _check_search(r, budget)
            passages = r.structured_content["passages"]
            # The direct answer comes first and survives the tightest budget; passages fill what is left.
            assert r.structured_content["answer"]["units"][0]["citation"]["priority_action"] == "2.4"
            assert text.index("ANSWER (") < (text.index("[1] ") if passages else len(text))
            assert not passages or passages[0]["citation"]["priority_action"] == "2.4"
            assert [p["rank"] for p in passages] == list(range(1, len(passages) + 1))
            shown.append(sum(len(p["text"]) for p in passages))
            if budget >= full_tokens:
                assert r.structured_content["omitted_passages"] == 0 and "cut short" not in text
        assert shown == sorted(shown) and shown[0] < shown[-1]
        small = await session.call_tool("search_report", {**question, "max_tokens": 50})
        assert small.is_error and "is too small" in _text(small) and "use max_tokens=" in _text(small)

    _stdio(real_index, mexico_corpus, tmp_path, body)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(proc: subprocess.Popen, port: int, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"memqa mcp --http exited with {proc.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.5)
    raise AssertionError(f"memqa mcp --http did not listen on port {port} within {timeout}s")


@pytest.mark.slow
def test_streamable_http_server(real_index, mexico_corpus, tmp_path):
    port = _free_port()
    log = tmp_path / "server-stderr.log"
    with log.open("w") as errlog:
        proc = subprocess.Popen(
            _memqa("mcp", "--http", "--port", str(port), "--index", str(real_index), "--corpus", str(mexico_corpus)),
            env=ENV, cwd=tmp_path, stdout=errlog, stderr=errlog,
        )
    try:
        _wait_for_port(proc, port, TIMEOUT)

        async def main():
            with anyio.fail_after(120):
                async with streamable_http_client(f"http://127.0.0.1:{port}/mcp") as (read, write), \
                        ClientSession(read, write) as session:
                    await session.initialize()
                    r = await session.call_tool("search_report", {"question": "Which agencies are ION focal points?",
                                                                   "max_tokens": 400})
                    _check_search(r, 400)
                    assert r.structured_content["passages"][0]["citation"]["priority_action"] == "2.4"

        anyio.run(main)
    except BaseException:
        print(log.read_text(), file=sys.stderr)
        raise
    finally:
        stop_process(proc, 30)
    assert f"http://127.0.0.1:{port}/mcp" in log.read_text()


@pytest.mark.slow
def test_missing_index_exits_2_with_one_line(tmp_path, mexico_corpus):
    r = subprocess.run(
        _memqa("mcp", "--index", str(tmp_path / "no-index"), "--corpus", str(mexico_corpus)),
        check=False, env=ENV, cwd=tmp_path, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL,
    )
    assert r.returncode == 2
    assert r.stdout == ""
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("memqa: ") and "memqa build" in lines[0]
    assert "Traceback" not in r.stderr
