"""The Model Context Protocol server: ``memqa mcp`` (stdio) or ``memqa mcp --http`` (streamable HTTP).

Three read-only tools over one ``Assistant`` loaded at startup:

* ``search_report(question, k=5, objective=None, max_tokens=None)`` — cited passages, best first;
* ``get_section(id)`` — one citable unit in full;
* ``list_sections()`` — the table of contents.

Each result carries readable text (what the model quotes) and structured content (the shared JSON
shape of ``memqa.render`` plus ``tokens``). Bad arguments come back as tool errors (``is_error``)
whose text says how to fix the call; the server keeps answering. Descriptions, budget fitting and
the readable text live in ``memqa.tools`` so the HTTP API can offer the same tools.
"""
from __future__ import annotations

import contextlib
import logging
import sys
from pathlib import Path
from typing import Annotated

from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp_types import CallToolResult, TextContent, ToolAnnotations
from pydantic import Field

from . import __version__
from .errors import MemqaError
from .tools import (
    ARG_DESCRIPTIONS,
    CORPUS_BLURB,
    GET_SECTION_DESCRIPTION,
    K_DEFAULT,
    K_MAX,
    LIST_SECTIONS_DESCRIPTION,
    MIN_MAX_TOKENS,
    OBJECTIVES,
    SEARCH_REPORT_DESCRIPTION,
    search_result,
    section_result,
    toc_result,
)

log = logging.getLogger(__name__)

INSTRUCTIONS = (
    "memqa answers questions from CICAD MEM drug-policy evaluation reports with verbatim, cited passages. "
    + CORPUS_BLURB
    + " Call search_report with the user's question; quote the passages and give their citations "
    "(label and lines). Use get_section for a whole priority action and list_sections for the contents. "
    "If a result says the report does not seem to answer the question, say so rather than guessing."
)

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)

# Ranges are advertised in the schema but checked by memqa.tools, whose messages say how to fix a call
# (pydantic's ge/le would answer with a validation dump instead).
Question = Annotated[str, Field(description=ARG_DESCRIPTIONS["question"],
                                json_schema_extra={"minLength": 1, "maxLength": 2000})]
K = Annotated[int, Field(description=ARG_DESCRIPTIONS["k"], json_schema_extra={"minimum": 1, "maximum": K_MAX})]
Objective = Annotated[int | None, Field(description=ARG_DESCRIPTIONS["objective"],
                                        json_schema_extra={"minimum": OBJECTIVES[0], "maximum": OBJECTIVES[1]})]
MaxTokens = Annotated[int | None, Field(description=ARG_DESCRIPTIONS["max_tokens"],
                                        json_schema_extra={"minimum": MIN_MAX_TOKENS})]
SectionId = Annotated[str, Field(description=ARG_DESCRIPTIONS["id"])]


def _result(text: str, structured: dict) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)


def create_server(assistant) -> MCPServer:
    """An MCPServer exposing search_report, get_section and list_sections over ``assistant``.

    Tool functions are synchronous; the SDK runs them on worker threads (``Assistant.ask`` is thread-safe).
    """
    server = MCPServer(name="memqa", title="MEM report assistant", version=__version__,
                       instructions=INSTRUCTIONS, log_level="WARNING")

    @server.tool(name="search_report", title="Search the MEM report", description=SEARCH_REPORT_DESCRIPTION,
                 annotations=READ_ONLY)
    def search_report(question: Question, k: K = K_DEFAULT, objective: Objective = None,
                      max_tokens: MaxTokens = None) -> CallToolResult:
        try:
            return _result(*search_result(assistant, question, k=k, objective=objective, max_tokens=max_tokens))
        except MemqaError as e:
            raise ToolError(str(e)) from e

    @server.tool(name="get_section", title="Read one section", description=GET_SECTION_DESCRIPTION,
                 annotations=READ_ONLY)
    def get_section(id: SectionId) -> CallToolResult:
        try:
            return _result(*section_result(assistant.resolve_section(id)))
        except MemqaError as e:
            raise ToolError(f"{e} Call list_sections to see every id.") from e

    @server.tool(name="list_sections", title="Table of contents", description=LIST_SECTIONS_DESCRIPTION,
                 annotations=READ_ONLY)
    def list_sections() -> CallToolResult:
        return _result(*toc_result(assistant.sections))

    return server


def load_assistant(index_dir: str | Path, corpus_dir: str | Path | None):
    """Load the index once; anything a model library prints goes to stderr (stdout is the protocol)."""
    from .assistant import Assistant

    with contextlib.redirect_stdout(sys.stderr):
        return Assistant.load(index_dir, corpus_dir=corpus_dir)


def run(index_dir: str | Path = "index", corpus_dir: str | Path | None = "corpus", http: bool = False,
        host: str = "127.0.0.1", port: int = 8001) -> None:
    """Serve until stdin closes (stdio) or until interrupted (``http``, at ``http://host:port/mcp``).

    A missing or stale index raises the ``MemqaError`` from ``Assistant.load`` (its message names
    ``memqa build``); the CLI turns it into one line on stderr and exit code 2.
    """
    assistant = load_assistant(index_dir, corpus_dir)
    server = create_server(assistant)
    log.info("memqa MCP server: %d citable units from %s", len(assistant.sections), ", ".join(assistant.reports))
    if http:
        if host not in ("127.0.0.1", "localhost", "::1"):
            log.warning("serving MCP on %s: the server has no authentication; keep it on a trusted network", host)
        print(f"memqa MCP server on http://{host}:{port}/mcp", file=sys.stderr, flush=True)
        server.run("streamable-http", host=host, port=port)
    else:
        server.run("stdio")
