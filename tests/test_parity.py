"""One argument contract on every surface: the CLI, HTTP, MCP and the OpenAI function schema accept the
same filters and the same ``k`` range, and refuse the same bad calls with the same sentence.

The contract is ``memqa.contract.SearchArgs``; a filter added there that a surface does not offer, or a
surface that grows its own range or its own message, fails here.
"""
from __future__ import annotations

import argparse
import re

import anyio
import jsonschema
import pytest
from fastapi.testclient import TestClient
from mcp.client import Client
from memqa.api.app import create_app

from memqa.cli import build_parser, main
from memqa.contract import SearchArgs, check_args, search_args_model
from memqa.errors import MemqaError
from memqa.limits import K_MAX
from memqa.mcp_server import create_server
from memqa.tools import call_tool
from memqa.toolspec import openai_tools, search_tool_model
from memqa.types import KINDS

CONTRACT = set(SearchArgs.model_fields)  # question, k, objective, kind, report (+ filters to come)
CHAT_ONLY = {"max_tokens"}  # the chat tools' token budget
CLI_ONLY = {"command", "func", "verbose", "home", "index", "corpus", "config", "json", "help"}
Q = "Which agencies are ION focal points?"


def _props(schema: dict) -> dict:
    return schema.get("properties", {})


def _k_range(prop: dict) -> tuple[int, int]:
    return prop["minimum"], prop["maximum"]


def _enum(prop: dict) -> list:
    for option in prop.get("anyOf", [prop]):
        if "enum" in option:
            return option["enum"]
        if "const" in option:
            return [option["const"]]
    return []


@pytest.fixture(scope="module")
def surfaces(fake_assistant):
    async def mcp_schema():
        async with Client(create_server(fake_assistant)) as client:
            tools = {t.name: t for t in (await client.list_tools()).tools}
            return tools["search_report"].input_schema

    http = TestClient(create_app(fake_assistant)).get("/openapi.json").json()["components"]["schemas"]["SearchArgs"]
    return {
        "http": http,
        "mcp": anyio.run(mcp_schema),
        "openai": openai_tools(fake_assistant)[0]["function"]["parameters"],
    }


def _cli_ask_options() -> dict[str, argparse.Action]:
    sub = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    return {a.dest: a for a in sub.choices["ask"]._actions}


def test_every_surface_takes_the_contracts_fields_and_no_others(surfaces):
    assert set(_props(surfaces["http"])) == CONTRACT
    assert set(_props(surfaces["openai"])) == CONTRACT | CHAT_ONLY
    assert set(_props(surfaces["mcp"])) == CONTRACT | CHAT_ONLY
    cli = set(_cli_ask_options()) - CLI_ONLY
    assert cli == CONTRACT, "a filter of memqa.contract.SearchArgs is missing from `memqa ask` (or one is extra)"


def test_every_surface_has_the_same_k_range(surfaces):
    contract = _k_range(_props(SearchArgs.model_json_schema())["k"])
    assert contract == (1, K_MAX)
    for name, schema in surfaces.items():
        assert _k_range(_props(schema)["k"]) == contract, name
    assert _cli_ask_options()["k"].default == SearchArgs.model_fields["k"].default


def test_the_listed_values_are_the_indexs(surfaces, fake_assistant):
    for name in ("http", "openai"):
        props = _props(surfaces[name])
        assert _enum(props["kind"]) == list(KINDS), name
        assert _enum(props["objective"]) == fake_assistant.objectives, name
        assert _enum(props["report"]) == fake_assistant.reports, name


BAD = [
    {"k": 0}, {"k": K_MAX + 1}, {"k": "5"}, {"objective": 13}, {"kind": "annex"}, {"report": "peru-2020"},
    {"objetive": 3},
]
IDS = ["k=0", "k=max+1", "k-string", "objective", "kind", "report", "unknown-field"]


@pytest.mark.parametrize("bad", BAD, ids=IDS)
def test_every_surface_refuses_a_bad_call_with_the_same_sentence(fake_assistant, surfaces, capsys, fake_index,
                                                                  mexico_corpus, bad):
    args = {"question": Q, **bad}
    with pytest.raises(MemqaError) as contract:
        check_args(search_args_model(fake_assistant.objectives, fake_assistant.reports), args)
    sentence = str(contract.value)
    with pytest.raises(MemqaError) as chat:  # the chat tools' model: the contract plus max_tokens
        check_args(search_tool_model(fake_assistant), args)
    chat_sentence = str(chat.value)
    assert chat_sentence.replace(", max_tokens", "") == sentence

    r = TestClient(create_app(fake_assistant)).post("/ask", json=args)
    assert r.status_code == 422 and r.json()["error"].startswith(sentence.rstrip(".")), r.json()

    with pytest.raises(MemqaError, match=re.escape(chat_sentence)):
        call_tool(fake_assistant, "search_report", args)
    assert not jsonschema.Draft202012Validator(surfaces["openai"]).is_valid(args)

    async def mcp():
        async with Client(create_server(fake_assistant)) as client:
            result = await client.call_tool("search_report", args)
            return result.is_error, result.content[0].text

    is_error, text = anyio.run(mcp)
    assert is_error and chat_sentence in text, text

    flags = {"k": "-k", "objective": "--objective", "kind": "--kind", "report": "--report"}
    (field, value), = bad.items()
    if field in flags and not (field == "k" and isinstance(value, str)):  # (argparse reads "-k 5" as 5)
        code = main(["ask", "--index", str(fake_index), "--corpus", str(mexico_corpus), flags[field], str(value), Q])
        out, err = capsys.readouterr()
        assert (code, out) == (2, "") and err == f"memqa: {sentence}\n"
