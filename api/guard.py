"""Protections around the HTTP app that do not depend on any route: allowed hosts, security headers,
HEAD, JSON nesting depth, and a notice when the corpus changed under a running server.

* ``GuardMiddleware`` (pure ASGI, so it never buffers a body or hides a disconnect):
  - refuses a ``Host`` header that is not allowed with 421 (DNS rebinding: a web page on
    ``evil.example`` that resolves to 127.0.0.1 must not read the local service). ``memqa serve``
    allows the loopback names and the bound host by default; ``--allow-host`` / ``MEMQA_ALLOWED_HOSTS``
    add names, ``*`` turns the check off (behind a proxy that checks hosts itself);
  - adds ``Content-Security-Policy``, ``X-Frame-Options: DENY``, ``X-Content-Type-Options: nosniff``,
    ``Referrer-Policy: no-referrer`` to every response (``/docs`` may run Swagger UI's inline
    start-up script);
  - answers ``HEAD`` on every ``GET`` route (``/``, ``/health`` ...) with the GET's headers and no body.
* ``json_depth`` bounds nesting before ``json.loads`` would recurse (a 1,000-level body was a 500).
* ``stale_answer`` is the /ask answer while the corpus no longer matches the index.
"""
from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Iterable

from memqa.safety import check_question_tokens, filters_match_nothing
from memqa.types import Answer

from .scheduler import wait_disconnect

LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
HOSTS_ENV = "MEMQA_ALLOWED_HOSTS"
SHORT_QUESTION = 200  # characters
LARGE_BODY_BYTES = 1024
MAX_JSON_DEPTH = 32  # a request is one flat object; 32 leaves room for any sane client

CSP = ("default-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; "
       "form-action 'self'")
DOCS_CSP = ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
DOCS_PATHS = ("/docs", "/redoc")
SECURITY_HEADERS = ((b"x-content-type-options", b"nosniff"), (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"), (b"cross-origin-resource-policy", b"same-origin"))


def allowed_hosts(bind_host: str, extra: Iterable[str] = ()) -> list[str]:
    """The default list for ``memqa serve``: loopback names, the bound host (unless a wildcard), ``extra``.

    >>> allowed_hosts("127.0.0.1", ["memqa.example.org"])
    ['127.0.0.1', 'localhost', '::1', 'memqa.example.org']
    """
    hosts = list(LOOPBACK_HOSTS)
    if bind_host not in ("0.0.0.0", "::", "") and bind_host.strip("[]") not in hosts:
        hosts.append(bind_host.strip("[]"))
    for h in extra:
        h = h.strip().lower()
        if h and h not in hosts:
            hosts.append(h)
    return hosts


def hosts_from_env(value: str) -> list[str]:
    return [h.strip() for h in value.split(",") if h.strip()]


def host_name(header: str) -> str:
    """``"127.0.0.1:8000"`` -> ``"127.0.0.1"``, ``"[::1]:8000"`` -> ``"::1"``, lower-cased."""
    header = header.strip().lower()
    if header.startswith("["):
        return header[1:].split("]", 1)[0]
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


class GuardMiddleware:
    """Host check, security headers and HEAD support for an ASGI app (see the module docstring)."""

    def __init__(self, app, allowed_hosts: Iterable[str] | None = None) -> None:
        self.app = app
        hosts = [h.lower() for h in allowed_hosts] if allowed_hosts is not None else ["*"]
        self.any_host = "*" in hosts
        self.hosts = frozenset(hosts)

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        host = headers.get(b"host")
        if not self.any_host and host is not None:
            name = host_name(host.decode("latin-1"))
            if name not in self.hosts:
                await _send_json(send, 421, {
                    "error": f"this server does not answer for host {name!r}; open it as http://127.0.0.1:<port> "
                             f"or start memqa serve with --allow-host {name} (env {HOSTS_ENV})."})
                return
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}
        path = scope["path"].removeprefix(scope.get("root_path") or "")  # behind a proxy at /memqa: /memqa/docs
        csp = (DOCS_CSP if path.startswith(DOCS_PATHS) else CSP).encode()

        async def guarded_send(message) -> None:
            if message["type"] == "http.response.start":
                names = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in names]
                if b"content-security-policy" not in names:
                    extra.append((b"content-security-policy", csp))
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            elif head and message["type"] == "http.response.body":
                if message.get("more_body", False):
                    return  # swallow the body; the final empty chunk below ends the response
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, guarded_send)


class BusyGate:
    """503 for a large /ask body while the heavy lane of the model queue is full, before reading it.

    Clients that ignore Retry-After retry at once; refusing them after reading, parsing, validating
    and counting a 2,000-character question cost the event loop more than the answer it protects.
    A body over ``LARGE_BODY_BYTES`` holds a question of ~1,000 characters: heavy in any language.
    """

    def __init__(self, app, queue) -> None:
        self.app = app
        self.queue = queue

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == "/ask":
            length = dict(scope.get("headers") or []).get(b"content-length", b"")
            if length.isdigit() and int(length) > LARGE_BODY_BYTES and self.queue.full(heavy=True):
                await _send_json(send, 503, {"error": "the server is busy (long questions queued); retry in 2 s."},
                                 [(b"retry-after", b"2")])
                return
        await self.app(scope, receive, send)


async def _send_json(send, status: int, content: dict, headers: list | None = None) -> None:
    body = json.dumps(content, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
                            *SECURITY_HEADERS, (b"content-security-policy", CSP.encode()), *(headers or [])]})
    await send({"type": "http.response.body", "body": body})


_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(r"[\[\]{}]")


def json_depth(text: str) -> int:
    """The deepest nesting of arrays/objects in a JSON text, without parsing it (strings skipped).

    >>> json_depth('{"a": [1, {"b": "[[["}]}')
    3
    """
    depth = deepest = 0
    for m in _BRACKETS.finditer(_STRINGS.sub('""', text)):
        if m.group() in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def notice_answer(question: str, notice: str) -> Answer:
    """An answer with nothing to cite: ``answerable`` false, the reason in ``notice``."""
    return Answer(question=question, answerable=False, confidence="low", language="en", notice=notice, answer=None,
                  passages=())


def stale_answer(question: str, message: str) -> Answer:
    """The /ask answer while the corpus differs from the index: no passages (their lines would be wrong)."""
    return notice_answer(question, f"Not answered: {message} Until then, passages and their line numbers could "
                                   "point at text that has changed. Restart memqa serve after the rebuild.")


async def guarded_ask(assistant, model, corpus_watch, answer_for, body, request) -> tuple[Answer, str]:
    """/ask with the checks of issue 13, in order of cost: stale corpus (a notice, no passages), filters
    that match nothing, the token cap (422), then the model queue — cheapest first, 503 when full,
    discarded when the client disconnects (``api.scheduler``). Returns (answer, Server-Timing)."""
    if corpus_watch is not None and (state := corpus_watch.check()).status == "stale":
        return stale_answer(body.question, state.message), "stale;dur=0"
    if (message := filters_match_nothing(assistant, body.objective, body.kind, body.report)) is not None:
        # A valid request (the schema allows each filter) whose answer is "nothing": 200, not 422.
        return notice_answer(body.question, message[0].upper() + message[1:]), "filters;dur=0"
    question = assistant.check_question(body.question)
    if len(question) <= SHORT_QUESTION:  # counting a short question costs microseconds
        cost = check_question_tokens(assistant.encoders, question)
    else:  # up to a few ms for 2,000 characters: off the event loop
        cost = await asyncio.to_thread(check_question_tokens, assistant.encoders, question)
    return await model.arun(answer_for, body, cost=cost, disconnected=lambda: wait_disconnect(request.receive))
