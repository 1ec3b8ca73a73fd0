"""Run the plan on a Dask distributed cluster (`--executor dask`).

`DaskPool` offers the same `map` as the local `WorkerPool`, so header checks and the work
both run on the cluster. Work units are sources (all variants of a source together); a
task carries several (each task costs scheduler and client CPU), fewer towards the end so
workers finish together, and a task Dask gives up on (KilledWorker) is retried one source
per task, so a file that kills workers costs that source only.
Workers write outputs straight into OUT, which must be on storage every worker and the
client see at the same path (NFS, a shared volume...), and return the manifest rows; the
client writes the manifest in plan order, so it is identical to the local executor's. A
worker that dies mid-task has its tasks retried elsewhere by Dask; outputs are atomic, so
nothing half-written survives (stray temp files are removed at the end of the run).

Without a scheduler address (`--scheduler` or $MEDIASYNTH_DASK_SCHEDULER) a LocalCluster
of `workers` single-threaded processes is started. Dask is imported only here.
"""

from __future__ import annotations

import multiprocessing.forkserver
import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

from mediasynth.core import modality
from mediasynth.core.errors import MediasynthError

MAX_BATCH = 16
# A LocalCluster's periodic housekeeping, slowed down: every process checks its event loop
# for blocking every 20 ms and samples CPU, memory and disk counters every 500 ms; in a
# worker each wake-up takes the GIL from the task running beside it. Work stealing is off:
# tasks wait on the scheduler (saturation 1.0), so there is nothing queued to steal, only
# its periodic balancing to pay for.
QUIET_CLUSTER = {"distributed.admin.tick.interval": "500ms",
                 "distributed.admin.system-monitor.interval": "5s",
                 "distributed.admin.system-monitor.disk": False,
                 "distributed.scheduler.work-stealing": False}


def _worker_check() -> str:
    """Runs on every worker: mediasynth and FFmpeg must be there."""
    import mediasynth
    from mediasynth.io.ffmpeg import ffmpeg_binary

    ffmpeg_binary()
    return mediasynth.__version__


def _call_batch(fn: Callable, items: list[Any], context: Any, modules: tuple[str, ...]
                ) -> list[tuple[str, Any]]:
    """fn over several items in one task: [(status, value)], status "ok" or "error";
    `modules`: modality packages to import first (core.modality.plugin_modules)."""
    from mediasynth.engine.worker_process import prepare_worker_process

    prepare_worker_process()
    modality.import_modules(modules)
    out = []
    for item in items:
        try:
            out.append(("ok", fn(item, context)))
        except Exception as exc:  # noqa: BLE001 - reported per item, like the local pool
            out.append(("error", exc))
    return out


def _start_fork_server() -> None:
    """Start the fork server LocalCluster's worker processes come from right away, with
    Dask and mediasynth preloaded: it imports them in its own process while this one reads
    the pipeline and walks SRC, and every worker then starts warm."""
    from mediasynth.engine.worker_process import worker_context

    if worker_context(("distributed",)).get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()


def _keep_our_fork_server_preload() -> None:
    """On first use of a fork server, distributed imports pandas, lz4 and others in this
    process to preload them into it (0.3 s of the client's start-up, measured with py-spy);
    ours is already running with its own preload, so that work would be wasted. Its
    once-only flag is set instead (a module attribute; harmless if a release drops it)."""
    import distributed.utils

    distributed.utils._forkserver_preload_set = True


class DaskPool:
    """A Dask client (to a scheduler, or to a LocalCluster it starts) with `map`."""

    def __init__(self, workers: int | None, scheduler: str | None):
        import importlib.util

        if importlib.util.find_spec("distributed") is None:  # imported by the starter thread
            raise MediasynthError("the Dask executor needs the dask extra: "
                                  "pip install 'mediasynth[dask]'") from None
        self.workers = workers or os.cpu_count() or 1
        self.address = scheduler or os.environ.get("MEDIASYNTH_DASK_SCHEDULER")
        self.client = None
        self.cluster = None
        self._error: BaseException | None = None
        self._starter: threading.Thread | None = None

    @property
    def size(self) -> int:
        """Worker processes asked for (a remote cluster may have others)."""
        return self.workers

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start_async(self) -> DaskPool:
        if not self.address:
            _start_fork_server()
        self._starter = threading.Thread(target=self._start_safely, daemon=True)
        self._starter.start()
        return self

    def _start_safely(self) -> None:
        try:
            self._start()
        except BaseException as exc:  # noqa: BLE001 - re-raised by the first map()
            self._error = exc

    def _start(self) -> None:
        from distributed import Client, LocalCluster

        if self.address:
            try:
                self.client = Client(self.address, timeout="15s")
            except (OSError, TimeoutError) as exc:
                raise MediasynthError(
                    f"cannot reach the Dask scheduler at {self.address}: {exc}") from None
        else:
            import dask

            # Workers come from the fork server started in start_async() (warm, and with
            # single-threaded native libraries); Dask's pre-spawn environment would not
            # reach them, so memory tuning happens in each worker (prepare_worker_process).
            # The workers' statistical profiler (a thread sampling every stack every 10 ms)
            # is off: it costs the GIL-bound Python parts of each task dearly. Each worker
            # holds only the task it runs (saturation 1.0, not Dask's 1.1): when a file kills
            # its worker, Dask counts the death against every task the worker held, and an
            # innocent task queued beside the culprit would fail after a few deaths.
            from mediasynth.engine.worker_process import start_method

            dask.config.set({"distributed.worker.profile.enabled": False,
                             "distributed.worker.multiprocessing-method": start_method(),
                             "distributed.scheduler.worker-saturation": 1.0,
                             **QUIET_CLUSTER})
            _keep_our_fork_server_preload()
            self.cluster = LocalCluster(n_workers=self.workers, threads_per_worker=1,
                                        processes=True, dashboard_address=None,
                                        memory_limit=0)
            self.client = Client(self.cluster)
        if not self.client.scheduler_info().get("workers"):
            self.client.wait_for_workers(1, timeout=120)
        try:
            found = self.client.run(_worker_check)
        except Exception as exc:  # noqa: BLE001 - any failure here means unusable workers
            raise MediasynthError(f"Dask workers cannot run mediasynth or find FFmpeg: {exc}"
                                  ) from None
        import mediasynth

        stale = {w: v for w, v in found.items() if v != mediasynth.__version__}
        if stale:
            raise MediasynthError(f"Dask workers run another mediasynth version: {stale} "
                                  f"(client {mediasynth.__version__})")

    def _ready(self) -> None:
        if self._starter is not None:
            self._starter.join()
            self._starter = None
        elif self.client is None and self._error is None:
            self._start()
        if self._error is not None:
            raise self._error

    def map(self, fn: Callable[[Any, Any], Any], items: list[Any], context: Any, *,
            timeout_s: float) -> Iterator[tuple[int, str, Any]]:
        """Yield (index, status, value) as tasks finish: "ok" or "error" (the exception,
        e.g. KilledWorker once Dask gave up retrying). Per-task time limits are Dask's
        business; FFmpeg's own time limits still apply inside tasks."""
        if not items:
            return
        from distributed import as_completed

        self._ready()
        # the context travels inside each task (a few KB): scattered data would be lost for
        # good if every worker holding it died, cancelling the tasks that need it
        futures: dict[Any, range] = {}

        def submit(batch: range):
            future = self.client.submit(_call_batch, fn, [items[i] for i in batch], context,
                                        modality.plugin_modules(), pure=False)
            futures[future] = batch
            return future

        running = as_completed([submit(batch) for batch in self._batches(len(items))])
        for future in running:
            batch = futures.pop(future)
            try:
                results = future.result()
            except Exception as exc:  # noqa: BLE001 - the caller turns it into rows
                if len(batch) > 1:  # e.g. a file that kills workers: find it alone
                    for i in batch:
                        running.add(submit(range(i, i + 1)))
                    continue
                results = [("error", exc)]
            for index, (status, value) in zip(batch, results):
                yield index, status, value

    def _batches(self, n: int) -> list[range]:
        """Index ranges, one per task. Each task costs the scheduler and client several ms
        of CPU on machines that also compute, so tasks carry several items; sizes shrink
        towards the end (guided scheduling) so the last tasks still balance the workers."""
        workers = len(self.client.scheduler_info().get("workers", {})) or self.workers
        out, start = [], 0
        while start < n:
            size = max(1, min(MAX_BATCH, -(-(n - start) // (4 * workers))))
            out.append(range(start, min(n, start + size)))
            start += size
        return out

    def close(self) -> None:
        if self._starter is not None:
            self._starter.join()
            self._starter = None
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
