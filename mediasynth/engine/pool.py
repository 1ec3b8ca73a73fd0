"""A process pool where a crashing or hanging task costs one item, not the run.

Each worker is a process with its own pipe. The parent tracks what every worker is doing
and since when: a worker that dies (segfault, OOM kill) or overruns the per-item time limit
is killed and replaced, and the item is reported as `crashed` or `timeout`.
(concurrent.futures marks the whole pool broken on the first crash, and multiprocessing.Pool
hangs when a worker is killed.) One pool serves several phases (header checks, then the
work) so workers start once; a phase's shared context is sent to each worker once.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterator
from multiprocessing.connection import wait
from typing import Any

from mediasynth.core import modality
from mediasynth.engine.worker_process import (
    die_with_parent,
    prepare_worker_process,
    worker_context,
)


def _worker_main(conn, parent_pid: int) -> None:
    die_with_parent(parent_pid)
    prepare_worker_process()
    contexts: dict[int, Any] = {}
    try:
        _serve(conn, contexts)
    except (BrokenPipeError, ConnectionResetError, EOFError, KeyboardInterrupt):
        return  # the parent is gone or stopping us: nothing left to report to


def _serve(conn, contexts: dict[int, Any]) -> None:
    while True:
        message = conn.recv()
        if message is None:
            return
        if message[0] == "context":
            _, key, value, modules = message
            modality.import_modules(modules)
            contexts.clear()
            contexts[key] = value
            continue
        _, index, fn, key, item = message
        try:
            conn.send((index, "ok", fn(item, contexts[key])))
        except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
            conn.send((index, "error", exc))


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe()
        self.proc = ctx.Process(target=_worker_main, args=(child, os.getpid()), daemon=True)
        self.proc.start()
        child.close()
        self.task: int | None = None
        self.started = 0.0
        self.context_key: int | None = None

    def give(self, index: int, fn, key: int, context: Any, item: Any) -> None:
        if self.context_key != key:
            self.conn.send(("context", key, context, modality.plugin_modules()))
            self.context_key = key
        self.task = index
        self.started = time.monotonic()
        self.conn.send(("task", index, fn, key, item))

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


class WorkerPool:
    """`workers` processes, started on first use and stopped on close()."""

    _keys = itertools.count()

    def __init__(self, workers: int):
        self.size = max(1, workers)
        self._ctx = None
        self._workers: list[_Worker] = []
        self._starter: threading.Thread | None = None

    def start_async(self) -> WorkerPool:
        """Start every worker in the background (while the caller reads its pipeline and
        walks the source tree); the first `map` waits for them."""
        if self._starter is None and not self._workers:
            self._starter = threading.Thread(target=self._ensure, args=(self.size,), daemon=True)
            self._starter.start()
        return self
    def __enter__(self) -> WorkerPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _ensure(self, n: int) -> None:
        if self._starter is not None and threading.current_thread() is not self._starter:
            self._starter.join()
            self._starter = None
        if self._ctx is None:
            self._ctx = worker_context()
        while len(self._workers) < n:
            self._workers.append(_Worker(self._ctx))

    def _replace(self, i: int) -> _Worker:
        self._workers[i].kill()
        self._workers[i] = _Worker(self._ctx)
        return self._workers[i]

    def map(self, fn: Callable[[Any, Any], Any], items: list[Any], context: Any, *,
            timeout_s: float) -> Iterator[tuple[int, str, Any]]:
        """Yield (index, status, value) as items finish: "ok" (value = fn(item, context)),
        "error" (the exception fn raised), "crashed" (exit code) or "timeout"."""
        if not items:
            return
        key = next(self._keys)
        self._ensure(min(self.size, len(items)))
        pending = deque(enumerate(items))
        active = self._workers[: min(self.size, len(items))]
        try:
            for w in active:
                if pending:
                    w.give(*self._task(pending.popleft(), fn, key, context))
            while any(w.task is not None for w in active):
                busy = [w for w in active if w.task is not None]
                ready = wait([w.conn for w in busy] + [w.proc.sentinel for w in busy],
                             timeout=1.0)
                now = time.monotonic()
                for i, w in enumerate(active):
                    if w.task is None:
                        continue
                    index = w.task
                    if w.conn in ready:
                        try:
                            result = w.conn.recv()
                        except (EOFError, OSError):
                            result = index, "crashed", w.proc.exitcode
                            active[i] = w = self._replace(i)
                        w.task = None
                    elif w.proc.sentinel in ready or not w.proc.is_alive():
                        w.proc.join(1)
                        result = index, "crashed", w.proc.exitcode
                        active[i] = w = self._replace(i)
                    elif now - w.started > timeout_s:
                        active[i] = w = self._replace(i)
                        result = index, "timeout", timeout_s
                    else:
                        continue
                    # the next task goes out before the caller handles this result, so the
                    # worker never waits for the parent's bookkeeping
                    if w.task is None and pending:
                        w.give(*self._task(pending.popleft(), fn, key, context))
                    yield result
        except BaseException:  # the caller stops (an error, Ctrl-C, SIGTERM): stop busy workers
            for w in active:
                if w.task is not None:
                    w.kill()
            self._workers = [w for w in self._workers if w.proc.exitcode is None]
            raise

    @staticmethod
    def _task(entry, fn, key, context):
        index, item = entry
        return index, fn, key, context, item

    def close(self) -> None:
        if self._starter is not None:
            self._starter.join()
            self._starter = None
        for w in self._workers:
            if w.task is not None:
                w.kill()
            else:
                w.stop()
        self._workers = []


def make_pool(executor: str = "local", workers: int | None = None,
              scheduler: str | None = None):
    """The executor's pool: local worker processes, or a Dask client (imported only then)."""
    if executor == "dask":
        from mediasynth.engine.dask_executor import DaskPool

        return DaskPool(workers, scheduler)
    return WorkerPool(workers or os.cpu_count() or 1)


def run_pool(fn: Callable[[Any, Any], Any], items: list[Any], context: Any, *, workers: int,
             timeout_s: float) -> Iterator[tuple[int, str, Any]]:
    """One-phase convenience: a pool for `items` only."""
    with WorkerPool(workers) as pool:
        yield from pool.map(fn, items, context, timeout_s=timeout_s)
