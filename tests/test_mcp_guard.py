"""MCP answers every line and checks arguments exactly as HTTP does (issue 13, fault 3): in process through
the SDK client, and ``memqa mcp`` as a process over stdio, through the SDK's stdio client and raw lines."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path

import anyio
import pytest
from fastapi.testclient import TestClient
from mcp import Client, ClientSession
from mcp.client.stdio import StdioServerParameters, stdio_client
from memqa.api.app import create_app

from memqa.mcp_server import create_server
from test_build_safety import cli_env

ION = "ION focal points"
WRONG = [
    ({"question": ION, "k": "5"}, "k must be an integer from 1 to 20, got '5'"),
    ({"question": ION, "k": True}, "k must be an integer from 1 to 20, got True"),
    ({"question": ION, "objective": "2"}, "objective must be an integer from 1 to 12 or left empty, got '2'"),
    ({"question": ION, "objetive": 2}, "objetive: unknown field"),
    ({"question": ION, "objective": 2, "kind": "preface"}, "no citable unit matches objective 2, kind 'preface'"),
    ({"question": "a b " * 300}, "the limit is 512 tokens"),
]


def _in_process(assistant, body) -> None:
    async def main():
        with anyio.fail_after(120):
            async with Client(create_server(assistant)) as client:
                await body(client)

    anyio.run(main)


@pytest.mark.parametrize("args, message", WRONG, ids=["k-string", "k-true", "objective-string", "unknown-field",
                                                      "filters-match-nothing", "token-cap"])
def test_mcp_rejects_what_http_rejects_with_the_same_one_line_message(fake_assistant, args, message):
    with TestClient(create_app(fake_assistant)) as http:
        r = http.post("/ask", json=args)
    if "no citable unit" in message:  # HTTP: a valid request whose answer is nothing -> a notice (200)
        assert r.status_code == 200 and message[1:] in r.json()["notice"]
    else:
        assert r.status_code == 422 and message in r.json()["error"]

    async def body(client):
        result = await client.call_tool("search_report", args)
        text = result.content[0].text
        assert result.is_error and message in text
        assert "\n" not in text and "validation error" not in text and "pydantic" not in text
        assert not (await client.call_tool("search_report", {"question": ION})).is_error

    _in_process(fake_assistant, body)


@pytest.mark.parametrize("tool, args, message", [
    ("get_section", {"id": 5}, "id must be a string, got 5"),
    ("get_section", {"id": "pa-2.4", "extra": 1}, "extra: unknown field; the accepted fields are id"),
    ("list_sections", {"verbose": True}, "verbose: unknown field; the accepted fields are detail"),
    ("search_report", {"question": "ION \ud800"}, "lone surrogate (U+D800)"),
])
def test_other_tools_take_exactly_their_arguments(fake_assistant, tool, args, message):
    async def body(client):
        r = await client.call_tool(tool, args)
        assert r.is_error and message in r.content[0].text and "\n" not in r.content[0].text

    _in_process(fake_assistant, body)


# ---------------------------------------------------------------------- memqa mcp as a process
@pytest.fixture(scope="module")
def fake_project(tmp_path_factory, mexico_corpus) -> Path:
    from memqa.build import build_index
    from memqa.encoders import FakeEncoder

    d = tmp_path_factory.mktemp("mcp")
    shutil.copytree(mexico_corpus, d / "corpus")
    build_index(d / "corpus", d / "index", [FakeEncoder()])
    return d


class RawMCP:
    """``memqa mcp`` over stdio, one raw line at a time; every read has a deadline (a hang fails the test)."""

    def __init__(self, project: Path) -> None:
        self.proc = subprocess.Popen([sys.executable, "-m", "memqa.cli", "mcp", "--index", "index", "--corpus",
                                      "corpus"], cwd=project, env=cli_env(), stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def send(self, line: str | bytes) -> None:
        self.proc.stdin.write((line.encode() if isinstance(line, str) else line) + b"\n")
        self.proc.stdin.flush()

    def reply(self, timeout: float = 30) -> dict:
        out: list[bytes] = []
        reader = threading.Thread(target=lambda: out.append(self.proc.stdout.readline()), daemon=True)
        reader.start()
        reader.join(timeout)
        assert out and out[0], f"no reply within {timeout}s (the server dropped the line)"
        return json.loads(out[0])

    def call(self, rid: int, name: str, arguments: dict) -> dict:
        self.send(json.dumps({"jsonrpc": "2.0", "id": rid, "method": "tools/call",
                              "params": {"name": name, "arguments": arguments}}))
        return self.reply()

    def close(self) -> str:
        self.proc.stdin.close()
        self.proc.wait(timeout=30)
        return self.proc.stderr.read().decode()


@pytest.mark.slow
def test_raw_lines_each_get_a_reply_and_the_server_keeps_answering(fake_project):
    mcp = RawMCP(fake_project)
    try:
        mcp.send(json.dumps({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-06-18", "capabilities": {}, "clientInfo": {"name": "raw", "version": "1"}}}))
        assert mcp.reply(120)["result"]["serverInfo"]["name"] == "memqa"
        mcp.send(json.dumps({"jsonrpc": "2.0", "method": "notifications/initialized"}))

        mcp.send("this is not JSON")
        r = mcp.reply()
        assert r["id"] is None and r["error"]["code"] == -32700

        mcp.send(b"\xff\xfe{ broken")
        assert mcp.reply()["error"]["code"] == -32700

        # A lone surrogate is valid JSON; the SDK's parser refused it and dropped the request silently.
        mcp.send('{"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": "search_report", '
                 '"arguments": {"question": "ION \\ud800 focal points"}}}')
        r = mcp.reply()
        assert r["id"] == 7 and r["result"]["isError"] is True and "U+D800" in r["result"]["content"][0]["text"]

        mcp.send('{"jsonrpc": "2.0", "id": 8, "method": "tools/list", "params": {"cursor": "\\udc00"}}')
        r = mcp.reply()
        assert r["id"] == 8 and r["error"]["code"] == -32602

        mcp.send("[1, 2, 3]")
        assert mcp.reply()["error"]["code"] == -32600
        mcp.send('{"jsonrpc": "2.0", "id": 9}')
        r = mcp.reply()
        assert r["id"] == 9 and r["error"]["code"] == -32600

        r = mcp.call(10, "search_report", {"question": ION, "k": "5"})
        assert r["result"]["isError"] and "k must be an integer from 1 to 20, got '5'" in r["result"]["content"][0]["text"]

        r = mcp.call(11, "search_report", {"question": ION, "k": 1})
        assert r["id"] == 11 and not r["result"].get("isError")
        assert "Priority Action 2.4" in r["result"]["content"][0]["text"]
    finally:
        stderr = mcp.close()
    assert "Traceback" not in stderr


@pytest.mark.slow
def test_the_sdk_stdio_client_gets_the_same_errors_as_http(fake_project):
    params = StdioServerParameters(command=sys.executable, args=["-m", "memqa.cli", "mcp", "--index", "index",
                                                                 "--corpus", "corpus"],
                                   env=cli_env(), cwd=str(fake_project))

    async def main():
        with anyio.fail_after(180):
            async with stdio_client(params) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                for args, message in WRONG:
                    r = await session.call_tool("search_report", args)
                    assert r.is_error and message in r.content[0].text, (args, r.content[0].text)
                r = await session.call_tool("search_report", {"question": ION, "k": 2})
                assert not r.is_error

    anyio.run(main)
