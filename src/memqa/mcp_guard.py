"""MCP hardening: the same argument checks as HTTP, and a reply to every line a client sends.

* ``CheckedServer`` checks a tool call before the SDK runs it (the argument models themselves are
  checked by ``memqa.mcp_server._ContractServer``, its subclass): a lone surrogate anywhere in the
  arguments, then for ``search_report`` the token cap and the filter check of ``memqa.safety``, as
  ``POST /ask`` does. Every failure is a tool error of one line, never a pydantic dump. A corpus
  changed since the build (``memqa.freshness.CorpusWatch``) makes search and section calls fail with
  a message naming ``memqa build`` instead of citing lines that moved.
* Over stdio, ``checked_lines`` screens each incoming line before the SDK parses it. The SDK drops
  a line it cannot parse without any reply — and its parser refuses a lone surrogate such as
  ``"\\ud800"``, legal in JSON — so the client waited forever. Now a line that is not JSON gets
  JSON-RPC error -32700 (id null), a JSON value that is not a JSON-RPC message -32600, and a
  message holding a lone surrogate an error reply to its id (a tool error for ``tools/call``).
"""
from __future__ import annotations

import json
import logging
import sys
from io import TextIOWrapper

import anyio
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.server.stdio import stdio_server
from mcp.shared.message import SessionMessage
from mcp_types import INVALID_PARAMS, INVALID_REQUEST, PARSE_ERROR, ErrorData, JSONRPCError, JSONRPCResponse
from mcp_types import jsonrpc_message_adapter as message_adapter

from .contract import check_args
from .errors import MemqaError
from .safety import check_filters_match, check_question_tokens, check_text, lone_surrogate

log = logging.getLogger(__name__)


class CheckedServer(MCPServer):
    """An ``MCPServer`` whose tool calls are checked as HTTP checks /ask (see the module docstring)."""

    def __init__(self, assistant, *args, corpus_watch=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.assistant = assistant
        self.corpus_watch = corpus_watch

    def check_call(self, name: str, arguments: dict) -> None:
        """Raise ``MemqaError`` (one line) when ``name``'s arguments would not be accepted by HTTP."""
        from .toolspec import search_tool_model

        check_text(arguments)
        # every tool that quotes the report with line numbers (list_sections gives lines too)
        if name in ("search_report", "get_section", "compare", "scorecard", "list_sections") \
                and self.corpus_watch is not None:
            state = self.corpus_watch.check()
            if state.status == "stale":
                raise MemqaError(f"{state.message} Restart memqa mcp after the rebuild.")
        if name == "search_report":
            a = check_args(search_tool_model(self.assistant), arguments)
            check_filters_match(self.assistant, a.objective, a.kind, a.report)
            check_question_tokens(self.assistant.encoders, self.assistant.check_question(a.question))

    async def call_tool(self, name, arguments, context=None):
        try:
            self.check_call(name, dict(arguments or {}))
        except MemqaError as e:  # worded as the SDK words errors raised inside a tool
            raise ToolError(f"Error executing tool {name}: {e}") from None
        return await super().call_tool(name, arguments, context)

    async def run_stdio_async(self) -> None:
        """stdio, with every line screened by ``checked_lines`` (fd 1 is still claimed by the SDK)."""
        source = anyio.wrap_file(TextIOWrapper(sys.stdin.buffer, encoding="utf-8", errors="replace"))
        screen = LineScreen(source)
        async with stdio_server(stdin=screen) as (read_stream, write_stream):
            screen.attach(write_stream)
            await self._lowlevel_server.run(read_stream, write_stream,
                                            self._lowlevel_server.create_initialization_options())


def screen_line(line: str):
    """``(forward, reply)`` for one incoming line: forward it to the SDK, and/or answer it ourselves."""
    if not line.strip():
        return False, None
    try:
        msg = json.loads(line)
    except (ValueError, RecursionError) as e:
        log.info("MCP: a line is not JSON (%s)", type(e).__name__)
        return False, JSONRPCError(jsonrpc="2.0", id=None, error=ErrorData(
            code=PARSE_ERROR, message="Parse error: the line is not JSON; send one JSON-RPC message per line."))
    rid = msg.get("id") if isinstance(msg, dict) else None
    if isinstance(rid, bool) or not isinstance(rid, str | int):
        rid = None
    if (found := lone_surrogate(msg)) is not None:
        text = (f"the request contains a lone surrogate ({found}), which is not text; send valid Unicode "
                "(a surrogate pair encodes one character).")
        log.info("MCP: %s", text)
        if rid is None:
            return False, None  # a notification: nothing to answer
        if msg.get("method") == "tools/call":
            return False, JSONRPCResponse(jsonrpc="2.0", id=rid, result={
                "content": [{"type": "text", "text": text[0].upper() + text[1:]}], "isError": True})
        return False, JSONRPCError(jsonrpc="2.0", id=rid, error=ErrorData(code=INVALID_PARAMS,
                                                                          message=f"Invalid params: {text}"))
    try:
        message_adapter.validate_json(line, by_name=False)
    except Exception:  # noqa: BLE001 - any shape the SDK refuses
        return False, JSONRPCError(jsonrpc="2.0", id=rid, error=ErrorData(
            code=INVALID_REQUEST, message="Invalid Request: not a JSON-RPC 2.0 message (jsonrpc, id, method, "
                                          "params)."))
    return True, None


class LineScreen:
    """The stdin lines the SDK may parse; the others answered through the server's write stream."""

    def __init__(self, source) -> None:
        self.source = source
        self.replies = None
        self._ready = anyio.Event()

    def attach(self, write_stream) -> None:
        self.replies = write_stream
        self._ready.set()

    def __aiter__(self):
        return self._lines()

    async def _lines(self):
        async for line in self.source:
            forward, reply = screen_line(line)
            if reply is not None:
                await self._ready.wait()
                try:
                    await self.replies.send(SessionMessage(reply))
                except (anyio.ClosedResourceError, anyio.BrokenResourceError):
                    return
            if forward:
                yield line
