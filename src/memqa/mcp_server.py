"""The Model Context Protocol server: ``memqa mcp`` (stdio) or ``memqa mcp --http`` (streamable HTTP).

Four read-only tools over one ``Assistant`` loaded at startup:

* ``search_report(question, k=5, objective=None, max_tokens=None, kind, report, country, year, round,
  thematic_area, language)`` — cited passages, best first, from the part of the library the filters allow;
* ``get_section(id)`` — one citable unit in full;
* ``list_sections(detail=False)`` — the table of contents (compact unless ``detail``);
* ``compare(priority_action, reports=None, question=None)`` — one priority action side by side across reports.

Each result carries readable text (what the model quotes) and structured content (the shared JSON
shape of ``memqa.render`` plus ``tokens``). Bad arguments come back as tool errors (``is_error``)
whose text says how to fix the call; the server keeps answering. Descriptions, budget fitting and
the readable text live in ``memqa.tools`` so the HTTP API can offer the same tools.
"""
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
from .contract import SCORECARD_STATUSES, check_args
from .errors import MemqaError
from .limits import K_DEFAULT
from .mcp_guard import CheckedServer
from .tools import compare_result, scorecard_result, search_result, section_result, toc_result
from .toolspec import (
    GET_SECTION_ID,
    LIST_DETAIL,
    GetSectionArgs,
    ListSectionsArgs,
    compare_description,
    compare_parameters,
    compare_tool_model,
    get_section_description,
    instructions,
    list_sections_description,
    scorecard_description,
    scorecard_parameters,
    search_description,
    search_parameters,
    search_tool_model,
)

log = logging.getLogger(__name__)

READ_ONLY = ToolAnnotations(read_only_hint=True, destructive_hint=False, idempotent_hint=True,
                            open_world_hint=False)

class _ContractServer(CheckedServer):
    """An MCPServer that checks every call against memqa's argument models first (``memqa.toolspec``):
    the SDK would drop an unknown argument ("objetive") and turn "5" into 5; HTTP and function calling
    refuse both, so MCP answers with the same one-line sentence (naming the accepted fields). Its base
    ``memqa.mcp_guard.CheckedServer`` adds the token cap, the filter check, the corpus watch and an answer
    to every stdio line (lone surrogates, garbage)."""

    def __init__(self, *args, argument_models: dict, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._argument_models = argument_models

    async def call_tool(self, name, arguments, context=None):
        model = self._argument_models.get(name)
        if model is not None:
            try:
                check_args(model, arguments or {})
            except MemqaError as e:  # worded as errors raised inside a tool (and CheckedServer's)
                raise ToolError(f"Error executing tool {name}: {e}") from e
        return await super().call_tool(name, arguments, context)


def _result(text: str, structured: dict) -> CallToolResult:
    return CallToolResult(content=[TextContent(type="text", text=text)], structured_content=structured)


def create_server(assistant, corpus_watch=None) -> MCPServer:
    """An MCPServer exposing search_report, get_section, list_sections, compare and scorecard over ``assistant``.

    Tool functions are synchronous; the SDK runs them on worker threads (``Assistant.ask`` is thread-safe).
    """
    server = _ContractServer(assistant, name="memqa", title="MEM report assistant", version=__version__,
                             instructions=instructions(assistant), log_level="WARNING", corpus_watch=corpus_watch,
                             argument_models={"search_report": search_tool_model(assistant),
                                              "get_section": GetSectionArgs, "list_sections": ListSectionsArgs,
                                              "compare": compare_tool_model(assistant)})
    # Argument schemas and checks come from memqa.contract (as HTTP's); the advertised ranges are in the
    # schema, and the checks answer with one line that says how to fix the call.
    props = search_parameters(assistant)["properties"]

    def arg(name: str, tp):
        return Annotated[tp, Field(description=props[name].get("description", ""),
                                   json_schema_extra={k: v for k, v in props[name].items()
                                                      if k in ("minimum", "maximum", "minLength", "maxLength",
                                                               "enum")})]

    Question, K, Objective = arg("question", str), arg("k", int), arg("objective", int | None)
    MaxTokens, Kind, Report = arg("max_tokens", int | None), arg("kind", str | None), arg("report", str | None)
    sprops = scorecard_parameters(assistant)["properties"]
    ScorecardReport = Annotated[str | None, Field(description=sprops["report"]["description"])]
    ScorecardStatus = Annotated[str | None, Field(
        description=sprops["status"]["description"],
        json_schema_extra={"enum": [*SCORECARD_STATUSES, None]})]
    Country, Year, Round = arg("country", str | None), arg("year", int | None), arg("round", str | None)
    ThematicArea, Language = arg("thematic_area", str | None), arg("language", str | None)
    SectionId = Annotated[str, Field(description=GET_SECTION_ID)]
    cprops = compare_parameters(assistant)["properties"]
    PriorityAction = Annotated[str, Field(description=cprops["priority_action"]["description"])]
    Reports = Annotated[list[str] | None, Field(description=cprops["reports"]["description"])]
    CompareQuestion = Annotated[str | None, Field(description=cprops["question"]["description"])]
    ListDetail = Annotated[bool, Field(description=LIST_DETAIL)]

    @server.tool(name="search_report", title="Search the MEM reports", description=search_description(assistant),
                 annotations=READ_ONLY)
    def search_report(question: Question, k: K = K_DEFAULT, objective: Objective = None,
                      max_tokens: MaxTokens = None, kind: Kind = None, report: Report = None,
                      country: Country = None, year: Year = None, round: Round = None,
                      thematic_area: ThematicArea = None, language: Language = None) -> CallToolResult:
        try:
            return _result(*search_result(assistant, question, k=k, objective=objective, max_tokens=max_tokens,
                                          kind=kind, report=report, country=country, year=year, round=round,
                                          thematic_area=thematic_area, language=language))
        except MemqaError as e:
            raise ToolError(str(e)) from e

    @server.tool(name="compare", title="Compare a priority action across reports",
                 description=compare_description(assistant), annotations=READ_ONLY)
    def compare(priority_action: PriorityAction, reports: Reports = None,
                question: CompareQuestion = None) -> CallToolResult:
        try:
            return _result(*compare_result(assistant, priority_action, reports=reports, question=question))
        except MemqaError as e:
            raise ToolError(f"{e} Call list_sections to see each report's priority actions.") from e

    @server.tool(name="get_section", title="Read one section", description=get_section_description(assistant),
                 annotations=READ_ONLY)
    def get_section(id: SectionId) -> CallToolResult:
        try:
            section = assistant.resolve_section(id)
            return _result(*section_result(section, assistant.report_meta(section.report),
                                           assistant.assessments_of(section)))
        except MemqaError as e:
            raise ToolError(f"{e} Call list_sections to see every id.") from e

    @server.tool(name="list_sections", title="Table of contents", description=list_sections_description(assistant),
                 annotations=READ_ONLY)
    def list_sections(detail: ListDetail = False) -> CallToolResult:
        return _result(*toc_result(assistant.sections, bool(detail), assistant.report_metas))

    @server.tool(name="scorecard", title="CICAD's verdicts", annotations=READ_ONLY,
                 description=scorecard_description(assistant))
    def scorecard(report: ScorecardReport = None, status: ScorecardStatus = None) -> CallToolResult:
        try:
            return _result(*scorecard_result(assistant, report, status))
        except MemqaError as e:
            raise ToolError(str(e)) from e

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
    from .encoders import quiet_openmp
    from .freshness import CorpusWatch

    quiet_openmp()  # a long-running process: idle encoder threads sleep between questions (encoders.py)
    assistant = load_assistant(index_dir, corpus_dir)
    server = create_server(assistant, CorpusWatch(assistant.data.manifest, corpus_dir) if corpus_dir else None)
    log.info("memqa MCP server: %d citable units from %s", len(assistant.sections), ", ".join(assistant.reports))
    if http:
        if host not in ("127.0.0.1", "localhost", "::1"):
            log.warning("serving MCP on %s: the server has no authentication; keep it on a trusted network", host)
        print(f"memqa MCP server on http://{host}:{port}/mcp", file=sys.stderr, flush=True)
        server.run("streamable-http", host=host, port=port)
    else:
        server.run("stdio")
