"""One answer shape: the frozen dataclasses of memqa.types are the truth; every surface must match them.

A field added to (or dropped from) a dataclass without the surfaces following — or a surface that
adds its own keys to the shared shape — fails here.
"""
from __future__ import annotations

import dataclasses
import json

import anyio
from fastapi.testclient import TestClient
from mcp.client import Client
from memqa.api.app import create_app

from memqa.cli import main
from memqa.mcp_server import create_server
from memqa.types import Answer, Citation, Highlight, Hit, ReportMeta, SectionFull, TocEntry

ION = "Which agencies are ION focal points?"
# Keys the chat tools add to the shared shape for budget fitting (documented in the README).
TOOL_EXTRAS = {"tokens", "max_tokens", "total_passages", "omitted_passages", "encoding"}


def names(cls) -> set[str]:
    return {f.name for f in dataclasses.fields(cls)}


def check_answer(d: dict, extras: set[str] = frozenset(), passage_extras: set[str] = frozenset()) -> None:
    assert set(d) == names(Answer) | extras
    for p in d["passages"]:
        assert set(p) == names(Hit) | passage_extras
        assert set(p["citation"]) == names(Citation)
        for h in p["highlights"]:
            assert set(h) == names(Highlight)


def test_cli_json_is_the_dataclass_shape(capsys, fake_index, mexico_corpus):
    assert main(["ask", "--index", str(fake_index), "--corpus", str(mexico_corpus), "--json", "-k", "3", ION]) == 0
    check_answer(json.loads(capsys.readouterr().out))


def test_http_answers_and_sections_are_the_dataclass_shape(fake_assistant):
    client = TestClient(create_app(fake_assistant))
    answer = client.post("/ask", json={"question": ION, "k": 3}).json()
    check_answer(answer)
    toc = client.get("/sections").json()
    assert all(set(e) == names(TocEntry) for e in toc)
    full = client.get(f"/sections/{toc[1]['id']}").json()
    assert set(full) == names(SectionFull) and set(full["citation"]) == names(Citation)
    assert all(set(r) == names(ReportMeta) for r in client.get("/reports").json())


def test_openapi_schemas_are_generated_from_the_dataclasses(fake_assistant):
    spec = TestClient(create_app(fake_assistant)).get("/openapi.json").json()["components"]["schemas"]
    for cls in (Answer, Hit, Citation, Highlight, TocEntry, SectionFull, ReportMeta):
        assert set(spec[cls.__name__]["properties"]) == names(cls), cls.__name__


def test_mcp_structured_content_is_the_dataclass_shape(fake_assistant):
    async def body():
        async with Client(create_server(fake_assistant)) as client:
            result = await client.call_tool("search_report", {"question": ION, "k": 2})
            check_answer(result.structured_content, TOOL_EXTRAS, {"trimmed"})

    anyio.run(body)
