"""Check a JSON request body before FastAPI parses it, so each fault gets its own status and message.

FastAPI alone answers a wrong content type or non-UTF-8 bytes with a generic 422/400; here a
missing or wrong ``Content-Type`` is a 415, and an empty body, bytes that are not UTF-8 and
malformed JSON are 400s whose message says what to send instead. Routes without a body are
untouched. The body Starlette caches on the request is reused by FastAPI, so it is read once.
"""
from __future__ import annotations

import asyncio
import email.message
import json
import os
from collections.abc import Awaitable, Callable

from fastapi.routing import APIRoute
from starlette.requests import Request
from starlette.responses import Response

from .guard import MAX_JSON_DEPTH, json_depth

EXAMPLE_BODY = '{"question": "Which agencies are ION focal points?"}'
MAX_BODY_BYTES = 64 * 1024  # a 2,000-character question is at most ~24 KiB of JSON, even all \u-escaped
BODY_TIMEOUT = float(os.environ.get("MEMQA_BODY_TIMEOUT", "10"))  # seconds for the whole body (slow clients)


class ApiError(Exception):
    """A client error with its HTTP status and a message that says what to do."""

    def __init__(self, status_code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.message = message
        self.headers = headers


def _is_json(content_type: str) -> tuple[bool, str | None]:
    """(is it application/json or application/*+json, its charset)."""
    msg = email.message.Message()
    msg["content-type"] = content_type
    sub = msg.get_content_subtype()
    ok = msg.get_content_maintype() == "application" and (sub == "json" or sub.endswith("+json"))
    return ok, msg.get_content_charset()


async def check_json_body(request: Request) -> None:
    """Raise ApiError (415 or 400) unless the request carries one well-formed UTF-8 JSON document."""
    content_type = request.headers.get("content-type")
    if not content_type:
        raise ApiError(415, f"the request has no Content-Type; send JSON with 'Content-Type: application/json', "
                            f"e.g. {EXAMPLE_BODY}.")
    ok, charset = _is_json(content_type)
    if not ok:
        raise ApiError(415, f"Content-Type {content_type!r} is not supported; send JSON with "
                            f"'Content-Type: application/json', e.g. {EXAMPLE_BODY}.")
    if charset not in (None, "utf-8", "utf8"):
        raise ApiError(415, f"charset {charset!r} is not supported; encode the JSON body as UTF-8.")
    body = await _read_capped(request)
    if not body.strip():
        raise ApiError(400, f"the request body is empty; send a JSON object, e.g. {EXAMPLE_BODY}.")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise ApiError(400, f"the request body is not valid UTF-8 (bad byte at offset {e.start}); "
                            "encode the JSON body as UTF-8.") from None
    if (depth := json_depth(text)) > MAX_JSON_DEPTH:  # json.loads recurses: ~1,000 levels was a RecursionError
        raise ApiError(400, f"the request body nests arrays/objects {depth} levels deep (the limit is "
                            f"{MAX_JSON_DEPTH}); send a flat JSON object, e.g. {EXAMPLE_BODY}.")
    try:
        json.loads(text)
    except json.JSONDecodeError as e:
        raise ApiError(400, f"the request body is not valid JSON ({e.msg} at line {e.lineno}, column {e.colno}); "
                            f"send a JSON object, e.g. {EXAMPLE_BODY}.") from None


async def _read_capped(request: Request) -> bytes:
    """The body, refusing (413) more than MAX_BODY_BYTES whether or not Content-Length is declared."""
    too_large = ApiError(413, f"the request body is larger than {MAX_BODY_BYTES // 1024} KiB; "
                              "questions are limited to 2,000 characters.")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise too_large
    chunks, size = [], 0
    try:
        async with asyncio.timeout(BODY_TIMEOUT):
            async for chunk in request.stream():
                size += len(chunk)
                if size > MAX_BODY_BYTES:
                    raise too_large
                chunks.append(chunk)
    except TimeoutError:
        raise ApiError(408, f"the request body did not arrive within {BODY_TIMEOUT:g} s; send it at once.",
                       headers={"Connection": "close"}) from None
    body = b"".join(chunks)
    request._body = body  # Starlette's body cache (as in FastAPI's custom-Request docs): FastAPI reads it next
    return body


class JSONBodyRoute(APIRoute):
    """An APIRoute whose body, when it has one, passes ``check_json_body`` first."""

    def get_route_handler(self) -> Callable[[Request], Awaitable[Response]]:
        handler = super().get_route_handler()
        if self.body_field is None:
            return handler

        async def checked(request: Request) -> Response:
            await check_json_body(request)
            return await handler(request)

        return checked
