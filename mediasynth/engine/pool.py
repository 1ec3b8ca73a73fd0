"""A process pool where a crashing or hanging task costs one source, not the run.

Each worker is a process with its own pipe. The parent tracks what every worker is doing
and since when: a worker that dies (segfault, OOM kill) or overruns the per-source time
limit is killed and replaced, and its source gets `failed` rows with reason `crashed` or
`timeout`. (concurrent.futures would mark the whole pool broken on the first crash.)
"""

from __future__ import annotations

import contextlib
import multiprocessing as mp
import os
import time
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from typing import Any

THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMEXPR_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}


def _context():
    method = "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload(["mediasynth.engine.worker"])
    return ctx


def _worker_main(conn, fn: Callable, context: Any) -> None:
    os.environ.update(THREAD_ENV)
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    while True:
        try:
            task = conn.recv()
        except (EOFError, KeyboardInterrupt):
            return
        if task is None:
            return
        index, item = task
        try:
            conn.send((index, "ok", fn(item, context)))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
            conn.send((index, "error", exc))


class _Worker:
    def __init__(self, ctx, fn, context):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, fn, context), daemon=True)
        self.proc.start()
        child.close()
        self.task: tuple[int, Any] | None = None
        self.started = 0.0

    def give(self, index: int, item: Any) -> None:
        self.task = (index, item)
        self.started = time.monotonic()
        self.conn.send((index, item))

    def kill(self) -> None:
        if self.proc.is_alive():
            self.proc.kill()
        self.proc.join(5)
        self.conn.close()

    def stop(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.send(None)
        self.proc.join(5)
        if self.proc.is_alive():
            self.proc.kill()
            self.proc.join(5)
        self.conn.close()


def run_pool(
    fn: Callable[[Any, Any], Any],
    items: list[Any],
    context: Any,
    *,
    workers: int,
    timeout_s: float,
) -> Iterator[tuple[int, str, Any]]:
    """Yield (index, status, value) as items finish: status "ok" (value = fn's result),
    "error" (value = the exception fn raised), "crashed" (value = exit code) or "timeout"."""
    if not items:
        return
    os.environ.update(THREAD_ENV)  # inherited by forkserver/spawn children at start
    ctx = _context()
    pending = deque(enumerate(items))
    pool = [_Worker(ctx, fn, context) for _ in range(max(1, min(workers, len(items))))]
    try:
        for w in pool:
            if pending:
                w.give(*pending.popleft())
        while any(w.task is not None for w in pool):
            busy = [w for w in pool if w.task is not None]
            ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy], timeout=1.0)
            now = time.monotonic()
            for i, w in enumerate(pool):
                if w.task is None:
                    continue
                index = w.task[0]
                if w.conn in ready:
                    try:
                        got_index, status, value = w.conn.recv()
                    except (EOFError, OSError):
                        got_index, status, value = index, "crashed", w.proc.exitcode
                    if status == "crashed":
                        w.kill()
                        pool[i] = w = _Worker(ctx, fn, context)
                    else:
                        w.task = None
                    yield got_index, status, value
                elif w.proc.sentinel in ready or not w.proc.is_alive():
                    w.proc.join(1)
                    code = w.proc.exitcode
                    w.kill()
                    pool[i] = w = _Worker(ctx, fn, context)
                    yield index, "crashed", code
                elif now - w.started > timeout_s:
                    w.kill()
                    pool[i] = w = _Worker(ctx, fn, context)
                    yield index, "timeout", timeout_s
                else:
                    continue
                if w.task is None and pending:
                    w.give(*pending.popleft())
    finally:
        for w in pool:
            if w.task is not None:
                w.kill()
            else:
                w.stop()
