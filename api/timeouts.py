"""Request-head timeout for uvicorn: a connection must deliver a complete request head within
``HEADER_TIMEOUT`` seconds of opening (or of its previous response), or it is closed with a 408.

uvicorn closes idle keep-alive connections but has no limit on how long a request head may take:
a socket that sends nothing, or one byte every 2 s, held a connection open indefinitely (issue 13).
The body has its own deadline in ``api.body`` (``BODY_TIMEOUT``). Both are set with
``MEMQA_HEADER_TIMEOUT`` / ``MEMQA_BODY_TIMEOUT`` (seconds).
"""
from __future__ import annotations

import asyncio
import os

import h11
from uvicorn.protocols.http.h11_impl import H11Protocol

HEADER_TIMEOUT = 10.0
HEADER_ENV = "MEMQA_HEADER_TIMEOUT"
_408 = b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\nconnection: close\r\ncontent-length: "


def seconds_from_env(name: str, default: float) -> float:
    try:
        value = float(os.environ.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


class HeadTimeoutH11Protocol(H11Protocol):
    """uvicorn's h11 protocol plus a deadline on each request head (see the module docstring)."""

    header_timeout = HEADER_TIMEOUT
    _head_timer: asyncio.TimerHandle | None = None

    def _arm(self) -> None:
        self._disarm()
        self._head_timer = self.loop.call_later(self.header_timeout, self._head_timed_out)

    def _disarm(self) -> None:
        if self._head_timer is not None:
            self._head_timer.cancel()
            self._head_timer = None

    def connection_made(self, transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is not h11.IDLE:  # the head is complete (h11 stays IDLE until it is)
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing() and self.conn.their_state is h11.IDLE:
            self._arm()  # the next request on a kept-alive connection gets the same deadline

    def connection_lost(self, exc) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _head_timed_out(self) -> None:
        self._head_timer = None
        if self.transport.is_closing() or self.conn.their_state is not h11.IDLE:
            return
        body = (b'{"error": "the request head did not arrive within %d s; send the whole request at once."}'
                % int(self.header_timeout))
        self.transport.write(_408 + str(len(body)).encode() + b"\r\n\r\n" + body)
        self.transport.close()


def head_timeout_protocol(seconds: float) -> type[HeadTimeoutH11Protocol]:
    """A protocol class for ``uvicorn.run(http=...)`` with the given head deadline."""
    return type("HeadTimeoutH11Protocol", (HeadTimeoutH11Protocol,), {"header_timeout": float(seconds)})
