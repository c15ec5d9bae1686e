"""The HTTP service: ``create_app(assistant)`` builds the FastAPI app; ``serve(...)`` runs it (``memqa serve``).

Endpoints (manual at ``/docs``, schema at ``/openapi.json``):

* ``POST /ask``                — a question (+ k and the filters objective, kind, report, country, year,
  round, thematic_area, language) -> cited passages (the shape of ``memqa ask --json``);
* ``GET /reports``             — the library: every report with its metadata and counts;
* ``GET /compare``             — one priority action side by side across reports, each with its citation;
* ``GET /sections``            — the table of contents: every citable unit with passage/token counts;
* ``GET /sections/{id}``       — one unit in full with its citation (ids contain "/": ``mexico-2022/pa-2.4``);
* ``GET /health``              — status, encoders, index manifest summary, uptime;
* ``GET /tools/openai.json``   — the OpenAI function-calling definition of the search tool;
* ``GET /`` and ``/static/*``  — the web page in ``api/static/`` (relative URLs: works under a sub-path);
* ``GET /docs``                — the manual, from local files (``api/docs.py``; no CDN).

Errors: every failure is a JSON body ``{"error": "<what is wrong and what to do>", ...}`` with a 4xx
status (400 malformed JSON / not UTF-8 / empty body / nested too deep, 404 unknown section or route, 405
wrong method, 408 request too slow, 413 body over 64 KiB, 415 not JSON, 421 host not allowed, 422
invalid question or options, 503 a model fault or a full queue).
A catch-all handler answers 500 JSON as a last resort; the test suite shows no input reaches it.

Concurrency: ``/ask`` hands the model call to dedicated model threads through a bounded queue that
runs the cheapest questions first (``api.scheduler``), so the event loop keeps answering ``/health``
and the cheap endpoints meanwhile; a full queue is a 503 with ``Retry-After``. Hosts, security
headers, HEAD and JSON depth: ``api.guard``; request-head and body timeouts (408): ``api.timeouts``.

Startup: ``serve`` loads the index and the encoders and runs one warm-up query (on the model
thread) *before* uvicorn binds the port, so ``/health`` answering means the service is ready. A missing, stale or corrupt
index makes it refuse to start: one line ``memqa: <message naming memqa build>`` on stderr, exit
code 2, no traceback. The server binds 127.0.0.1 unless told otherwise and sends no CORS headers
unless origins are configured (``cors_origins`` or env ``MEMQA_CORS_ORIGINS``, comma-separated).
"""
import json
import logging
import os
import sys
import time
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import Body, FastAPI, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.middleware.cors import CORSMiddleware
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException as StarletteHTTPException

import memqa
from memqa.contract import (
    ION_QUESTION,
    PRIORITY_ACTION_PATTERN,
    QUESTION_PATTERN,
    SCORECARD_STATUSES,
    check_args,
    compare_args_model,
    error_details,
    summary,
)
from memqa.encoders import quiet_openmp, set_threads
from memqa.errors import BadQuestionError, MemqaError, NotFoundError
from memqa.limits import MAX_QUESTION_CHARS
from memqa.tokens import count_tokens
from memqa.toolspec import scorecard_tool_model
from memqa.types import Answer, Comparison, ReportEntry, ScorecardRow, SectionFull, TocEntry

from .body import ApiError, JSONBodyRoute
from .docs import install_docs
from .guard import HOSTS_ENV, BusyGate, GuardMiddleware, allowed_hosts, guarded_ask, hosts_from_env
from .scheduler import ClientGone, ModelQueue, QueueFull
from .schemas import AskRequest, ErrorOut, HealthOut, ToolList, ask_request_model

log = logging.getLogger(__name__)

STATIC_DIR = Path(__file__).resolve().parent / "static"
CORS_ENV = "MEMQA_CORS_ORIGINS"


class JSONOut(JSONResponse):
    """JSON as UTF-8; a lone surrogate (legal in JSON input) is written back as its \\uXXXX escape."""

    def render(self, content: Any) -> bytes:
        return json.dumps(content, ensure_ascii=False, allow_nan=False, separators=(",", ":")).encode(
            "utf-8", "backslashreplace"
        )


def error(status_code: int, message: str, headers: dict[str, str] | None = None, **extra: Any) -> JSONOut:
    return JSONOut({"error": message, **extra}, status_code=status_code, headers=headers)


def _err(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: {"model": ErrorOut} for c in (*codes, 500)}


def server_timing(timings: dict, seconds: float) -> str:
    """``Server-Timing`` header: the library's stage timings and the whole ``ask`` call, in ms."""
    stages = {**timings, "ask": seconds}
    return ", ".join(f"{name};dur={1000 * value:.2f}" for name, value in stages.items())


# ------------------------------------------------------------------ error mapping


def validation_error(exc: RequestValidationError, model) -> JSONOut:
    """FastAPI's error list -> ``{"error": "k must be ...; question: ...", "details": [...]}`` (422)."""
    details = error_details(list(exc.errors()), model)
    if any(d["type"] == "json_invalid" for d in details):
        return error(400, "the request body is not valid JSON; send a JSON object, e.g. "
                          f'{{"question": "{ION_QUESTION}"}}.')
    return error(422, f"{summary(details)}. See /docs for the request format.", details=details)


def install_error_handlers(app: FastAPI, ask_model, models: dict | None = None) -> None:
    """``models``: the argument model of other paths (``{"/compare": CompareModel}``), whose rules word their
    422 messages ("priority_action must be a number 'N.M' such as '2.4'"); /ask's otherwise."""
    @app.exception_handler(ApiError)
    async def api_error(request: Request, exc: ApiError) -> JSONOut:
        return error(exc.status_code, exc.message, headers=exc.headers)

    @app.exception_handler(RequestValidationError)
    async def request_invalid(request: Request, exc: RequestValidationError) -> JSONOut:
        return validation_error(exc, (models or {}).get(request.url.path.rstrip("/") or "/", ask_model))

    @app.exception_handler(MemqaError)
    async def memqa_error(request: Request, exc: MemqaError) -> JSONOut:
        if isinstance(exc, NotFoundError):
            return error(404, str(exc))
        if isinstance(exc, BadQuestionError):
            return error(422, str(exc))
        log.error("service fault on %s %s: %s", request.method, request.url.path, exc)
        return error(503, str(exc))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONOut:
        path, method = request.url.path, request.method
        if exc.status_code == 404:
            return error(404, f"nothing at {path}; the endpoints are listed at /docs.")
        if exc.status_code == 405:
            allowed = [m.strip() for m in (exc.headers or {}).get("Allow", "").split(",") if m.strip()]
            return error(405, f"{method} is not allowed on {path}; use {' or '.join(allowed) or 'another method'}.",
                         headers=exc.headers, allowed=allowed)
        return error(exc.status_code, f"{exc.detail}; see /docs for the request format.", headers=exc.headers)

    @app.exception_handler(Exception)
    async def internal_error(request: Request, exc: Exception) -> JSONOut:
        # Last resort: a bug. Log it, answer JSON; the server keeps serving other requests.
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return error(500, f"internal error ({type(exc).__name__}); this is a bug in memqa — please report it "
                          "with the request that caused it.")


# ------------------------------------------------------------------ app factory


def create_app(assistant, *, cors_origins: list[str] | None = None, static_dir: Path | None = STATIC_DIR,
               warm_up: bool = False, model_threads: int = 1, allowed_hosts: list[str] | None = None,
               corpus_watch=None, model_queue: ModelQueue | None = None, spread: bool = False) -> FastAPI:
    """The FastAPI app over a loaded ``memqa.assistant.Assistant`` (tests pass one with the fake encoder).

    ``warm_up`` runs one question on the model thread before returning (``serve`` does; tests don't).
    ``allowed_hosts`` (None: any) are the Host names answered; ``corpus_watch`` (a
    ``memqa.freshness.CorpusWatch``) turns answers into a notice once the corpus changed (api.guard).

    Example: ``TestClient(create_app(assistant)).post("/ask", json={"question": "ION focal points"})``.
    """
    started = time.monotonic()
    manifest = assistant.data.manifest
    AskModel = ask_request_model(list(assistant.objectives), list(assistant.reports),
                                 library=assistant.library.values)
    CompareModel = compare_args_model(list(assistant.reports))
    library = list(assistant.library.entries)
    counts = {s.id: (len(assistant.passages_of(s)), count_tokens(s.text)) for s in assistant.sections}
    toc = [TocEntry.of(s, *counts[s.id]) for s in assistant.sections]
    full = {s.id: SectionFull.of(s, *counts[s.id], assistant.report_meta(s.report) or None,
                                 assistant.assessments_of(s)) for s in assistant.sections}
    first_pa = next((s.id for s in assistant.sections if s.kind == "priority_action"), toc[0].id if toc else "")

    # ``spread``: a question that runs alone, nothing waiting, encodes on every core (serve turns it on).
    model = model_queue or ModelQueue(model_threads, spread=set_threads if spread else None,
                                      cores=os.cpu_count() or 1)

    def answer_for(body: AskRequest) -> tuple[Answer, str]:
        t0 = time.perf_counter()
        result = assistant.run(body.question, k=body.k, **body.filters())
        return result.answer, server_timing(dict(result.timings), time.perf_counter() - t0)

    if warm_up:  # the first call pays lazy model set-up; keep it off the first user's request
        model.run(assistant.ask, "warm-up question", k=1)

    app = FastAPI(
        title="memqa",
        version=memqa.__version__,
        default_response_class=JSONOut,
        docs_url=None,  # served from local files by install_docs, not from a CDN
        redoc_url=None,
        description="Cited answers from CICAD MEM drug-policy evaluation reports. Ask a question with "
        "`POST /ask`; every passage comes with its report, priority action and source lines. "
        "Errors are JSON `{\"error\": ...}` with a message that says what to change.",
    )
    app.router.route_class = JSONBodyRoute
    app.add_middleware(BusyGate, queue=model)
    app.add_middleware(GuardMiddleware, allowed_hosts=allowed_hosts)
    install_error_handlers(app, AskModel, {"/compare": CompareModel, "/scorecard": scorecard_tool_model(assistant)})
    install_docs(app)
    if cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["GET", "POST"],
                           allow_headers=["Content-Type"])

    ReportId = Literal.__getitem__(tuple(assistant.reports)) if assistant.reports else str  # noqa: N806
    Status = Literal.__getitem__(SCORECARD_STATUSES)  # noqa: N806

    def only_params(request: Request, *names: str) -> None:
        """422 for a query parameter the endpoint does not take (a misspelt ``reprot`` was silently ignored)."""
        unknown = [k for k in request.query_params if k not in names]
        if unknown:
            takes = f"the accepted parameters are {', '.join(names)}" if names else "it takes no parameters"
            raise ApiError(422, f"unknown query parameter {unknown[0]!r} on {request.url.path}; {takes}.")

    def fresh_or_503() -> None:
        """Cited text and line numbers only from an index that matches the corpus (the /ask notice's rule)."""
        if corpus_watch is not None and (state := corpus_watch.check()).status == "stale":
            raise ApiError(503, f"{state.message} Until then, cited text and line numbers could point at text that "
                                "has changed. Restart memqa serve after the rebuild.")

    @app.post("/ask", response_model=Answer, responses=_err(400, 413, 415, 422, 503), tags=["answers"],
              summary="Ask a question; get cited passages")
    async def ask(
        body: Annotated[AskModel, Body(openapi_examples={
            "question": {"summary": "Just a question", "value": {"question": ION_QUESTION}},
            "filtered": {"summary": "Top 3 within one objective",
                         "value": {"question": "How does Mexico control chemical precursors?", "k": 3,
                                   "objective": assistant.objectives[0] if assistant.objectives else 1}},
        })],
        response: Response,
        request: Request,
    ) -> Answer:
        """The top ``k`` citable units for the question, each with its best passage, highlighted
        sentences and a citation (report, priority action, title, source lines). ``answerable`` is
        false and ``notice`` explains why when the report does not seem to answer the question.
        The ``Server-Timing`` header gives the time of each stage and of the whole search in ms.
        Runs on the model thread, so concurrent requests do not block the server."""
        try:
            answer, timing = await guarded_ask(assistant, model, corpus_watch, answer_for, body, request)
        except QueueFull as e:
            return error(503, f"the server is busy ({'long questions' if e.heavy else 'questions'} queued); retry in "
                              f"{e.retry_after} s.", headers={"Retry-After": str(e.retry_after)})
        except ClientGone:
            return Response(status_code=499)  # nobody is listening; the job was discarded
        response.headers["Server-Timing"] = timing
        return answer

    @app.get("/sections", response_model=list[TocEntry], responses=_err(503), tags=["sections"],
             summary="Table of contents")
    async def sections(request: Request, report: ReportId | None = None) -> list[TocEntry]:
        """Every citable unit in report order (of one ``report``, or of the library), with its number of
        passages and tokens."""
        only_params(request, "report")
        fresh_or_503()
        return toc if report is None else [t for t in toc if t.report == report]

    @app.get("/sections/{section_id:path}", response_model=SectionFull, responses=_err(404, 503), tags=["sections"],
             summary="One citable unit in full")
    async def section(
        request: Request,
        section_id: Annotated[str, PathParam(description="A section id from /sections or from a citation; "
                                             "a joint unit is also found by its second heading.",
                                             examples=[first_pa])],
    ) -> SectionFull:
        """The unit's full text and the citation to quote. Unknown ids get a 404 naming valid ones."""
        only_params(request)
        fresh_or_503()
        return full[assistant.resolve_section(section_id).id]

    @app.get("/reports", response_model=list[ReportEntry], responses=_err(), tags=["library"],
             summary="The library of reports")
    async def report_list(request: Request) -> list[ReportEntry]:
        """Each report's metadata (``corpus/<file>.json``: id, source file, country, year, MEM round, thematic
        area, CICAD document code, title, language — what a citation names and the values the /ask filters
        take) and its numbers of citable units, priority-action headings and passages."""
        only_params(request)
        return library

    @app.get("/compare", response_model=Comparison, responses=_err(404, 422, 503), tags=["library"],
             summary="One priority action across reports")
    async def compare(
        request: Request,
        priority_action: Annotated[str, Query(
            description="The priority action's number 'N.M' ('Priority Action 2.4' and 'pa-2.4' also work).",
            pattern=PRIORITY_ACTION_PATTERN, examples=["2.4"])],
        reports: Annotated[list[str] | None, Query(
            description="Only these report ids: repeat the parameter or separate ids with commas "
                        "(default: every report that has the priority action).",
            json_schema_extra={"items": {"type": "string", "enum": list(assistant.reports)}})] = None,
        question: Annotated[str | None, Query(
            description="Optional: show each report's window that best matches this question.",
            min_length=1, max_length=MAX_QUESTION_CHARS, pattern=QUESTION_PATTERN)] = None,
    ) -> Comparison:
        """The priority action side by side: for each report that has it, its title, its text (whole, or the
        window that best matches ``question``) and the citation of exactly that text; ``missing`` lists the
        reports that lack it. A 404 when no report has it, a 422 naming the valid ids for an unknown report."""
        only_params(request, "priority_action", "reports", "question")
        fresh_or_503()
        for name in ("priority_action", "question"):
            if len(request.query_params.getlist(name)) > 1:
                raise BadQuestionError(f"{name} is given {len(request.query_params.getlist(name))} times; give it once.")
        ids = [r.strip() for part in reports or [] for r in part.split(",")] if reports is not None else None
        args = {k: v for k, v in {"priority_action": priority_action, "reports": ids, "question": question}.items()
                if v is not None}
        a = check_args(CompareModel, args)
        if a.question is None:
            return assistant.compare(a.priority_action, reports=a.reports)
        return await model.arun(assistant.compare, a.priority_action, reports=a.reports, question=a.question)

    @app.get("/scorecard", response_model=list[ScorecardRow], responses=_err(422, 503), tags=["sections"],
             summary="CICAD's verdict on every priority action")
    async def scorecard(request: Request, report: ReportId | None = None,
                        status: Status | None = None) -> list[ScorecardRow]:
        """Every priority-action heading (of one report, or of the library) with CICAD's assessment:
        status (positive, gap, partial, not_applicable, none), the evaluative-summary clause(s) verbatim
        and their citation; ``status`` keeps the rows of one verdict (e.g. ``gap``)."""
        only_params(request, "report", "status")
        fresh_or_503()
        return [r for r in assistant.scorecard(report) if status is None or r.assessment.status == status]

    @app.get("/health", response_model=HealthOut, responses=_err(), tags=["service"], summary="Readiness")
    async def health() -> JSONOut:
        """``status: ok`` once the index and encoders are loaded, with the index's provenance."""
        fresh = corpus_watch.check() if corpus_watch is not None else None
        return JSONOut({
            "status": "stale" if fresh is not None and fresh.status == "stale" else "ok",
            "corpus": {"status": fresh.status, "message": fresh.message} if fresh is not None else
                      {"status": "unchecked", "message": "no corpus folder given; the index is not checked"},
            "memqa_version": memqa.__version__,
            "uptime_seconds": round(time.monotonic() - started, 3),
            "answerability_calibrated": assistant.calibration is not None,
            "encoders": [{"id": e["id"], "name": e["name"], "dim": e["dim"], "loaded": e["id"] in assistant.encoders}
                         for e in manifest.get("encoders", [])],
            "index": {
                "format": manifest.get("format"),
                "memqa_version": manifest.get("memqa_version"),
                "created_at": manifest.get("created_at"),
                "counts": manifest.get("counts", {}),
                "corpus": [{"source": c["source"], "report_id": c["report_id"], "sha256": c["sha256"]}
                           for c in manifest.get("corpus", [])],
                "reports": list(assistant.reports),
            },
        })

    @app.get("/tools/openai.json", response_model=ToolList, responses=_err(), tags=["service"],
             summary="OpenAI function-calling tool definition")
    def openai_tool_list() -> JSONOut:
        """The ``tools`` list to give an OpenAI-compatible model so it can call memqa's search."""
        from memqa.toolspec import openai_tools

        return JSONOut(openai_tools(assistant))

    @app.get("/", include_in_schema=False)
    async def index_page() -> FileResponse:
        page = static_dir / "index.html" if static_dir is not None else None
        if page is None or not page.is_file():
            raise ApiError(404, "the web page is not installed (api/static/index.html is missing); "
                                "reinstall memqa, or use the API directly: see /docs.")
        return FileResponse(page)

    if static_dir is not None and static_dir.is_dir():
        app.mount("/static", StaticFiles(directory=static_dir), name="static")
    return app


# ------------------------------------------------------------------ running


def cors_from_env() -> list[str] | None:
    value = os.environ.get(CORS_ENV, "")
    origins = [o.strip() for o in value.split(",") if o.strip()]
    return origins or None


def serve(host: str = "127.0.0.1", port: int = 8000, index_dir: str | Path = "index",
          corpus_dir: str | Path | None = "corpus", cors_origins: list[str] | None = None,
          root_path: str = "", allow_hosts: list[str] | None = None) -> None:
    """Load the index, warm the models, then run uvicorn. Refuses to start (exit 2) on a bad index.

    ``root_path`` is the sub-path a reverse proxy serves memqa under (e.g. "/memqa"): the web page and
    /docs work without it (relative URLs); with it, /openapi.json names that prefix, so the manual's
    "Try it out" calls go through the proxy too. ``allow_hosts`` (and env ``MEMQA_ALLOWED_HOSTS``) are
    Host names served besides the loopback names and ``host``; ``*`` turns the check off. See
    SECURITY.md for every limit and how to change it.
    """
    import uvicorn

    from memqa.assistant import Assistant
    from memqa.freshness import CorpusWatch

    from .timeouts import HEADER_ENV, HEADER_TIMEOUT, head_timeout_protocol, seconds_from_env

    # One model thread per core, each encode on one core when questions overlap, every core for a question
    # that runs alone (see api/scheduler.py for the measurement). Must be set before the encoders' OpenMP
    # runtimes start; MEMQA_MODEL_THREADS=1 restores one thread with every core inside each call.
    threads = int(os.environ.get("MEMQA_MODEL_THREADS", os.cpu_count() or 1))
    if threads > 1:
        os.environ.setdefault("OMP_NUM_THREADS", "1")
    quiet_openmp()
    spread = threads > 1 and os.environ.get("MEMQA_SPREAD", "1") != "0"
    t0 = time.monotonic()
    hosts = allowed_hosts(host, [*(allow_hosts or []), *hosts_from_env(os.environ.get(HOSTS_ENV, ""))])
    try:
        assistant = Assistant.load(index_dir, corpus_dir=corpus_dir)
        watch = CorpusWatch(assistant.data.manifest, corpus_dir) if corpus_dir is not None else None
        app = create_app(assistant, cors_origins=cors_origins if cors_origins is not None else cors_from_env(),
                         warm_up=True, model_threads=threads, allowed_hosts=hosts, corpus_watch=watch,
                         spread=spread)
    except MemqaError as e:
        print(f"memqa: {e}", file=sys.stderr)
        sys.exit(2)
    if watch is not None and watch.check().status == "stale":
        print(f"memqa: {watch.check().message}", file=sys.stderr)
        sys.exit(2)
    print(f"memqa: index and encoders ({', '.join(assistant.encoders)}) ready in {time.monotonic() - t0:.1f}s; "
          f"serving http://{host}:{port} (API manual at /docs)", file=sys.stderr)
    uvicorn.run(app, host=host, port=port, log_level="info", root_path=root_path.rstrip("/"),
                http=head_timeout_protocol(seconds_from_env(HEADER_ENV, HEADER_TIMEOUT)))
