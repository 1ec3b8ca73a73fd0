"""Run the plan on a Dask distributed cluster (`--executor dask`).

`DaskPool` offers the same `map` as the local `WorkerPool`, so header checks and the work
both run on the cluster. Work units are sources (all variants of a source together).
Workers write outputs straight into OUT, which must be on storage every worker and the
client see at the same path (NFS, a shared volume...), and return the manifest rows; the
client writes the manifest in plan order, so it is identical to the local executor's. A
worker that dies mid-task has its tasks retried elsewhere by Dask; outputs are atomic, so
nothing half-written survives (stray temp files are removed at the end of the run).

Without a scheduler address (`--scheduler` or $MEDIASYNTH_DASK_SCHEDULER) a LocalCluster
of `workers` single-threaded processes is started. Dask is imported only here.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator
from typing import Any

from mediasynth.core.errors import MediasynthError


def _worker_check() -> str:
    """Runs on every worker: mediasynth and FFmpeg must be there."""
    import mediasynth
    from mediasynth.io.ffmpeg import ffmpeg_binary

    ffmpeg_binary()
    return mediasynth.__version__


def _call(fn: Callable, item: Any, context: Any) -> Any:
    from mediasynth.engine.worker_process import prepare_worker_process

    prepare_worker_process()
    return fn(item, context)


class DaskPool:
    """A Dask client (to a scheduler, or to a LocalCluster it starts) with `map`."""

    def __init__(self, workers: int | None, scheduler: str | None):
        try:
            import distributed  # noqa: F401
        except ImportError:
            raise MediasynthError("the Dask executor needs the dask extra: "
                                  "pip install 'mediasynth[dask]'") from None
        self.workers = workers or os.cpu_count() or 1
        self.address = scheduler or os.environ.get("MEDIASYNTH_DASK_SCHEDULER")
        self.client = None
        self.cluster = None
        self._error: BaseException | None = None
        self._starter: threading.Thread | None = None

    def __enter__(self) -> DaskPool:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def start_async(self) -> DaskPool:
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

            from mediasynth.engine.worker_process import THREAD_ENV

            # Dask's default MALLOC_TRIM_THRESHOLD_ of 64 KiB hands every freed frame back
            # to the OS, so each new image page-faults again (about +25 % CPU here); workers
            # also get single-threaded native libraries, like the local pool's.
            # The workers' statistical profiler (a thread sampling every stack every 10 ms)
            # is switched off too: it costs the GIL-bound Python parts of each task dearly.
            dask.config.set({"distributed.nanny.pre-spawn-environ": {
                "MALLOC_TRIM_THRESHOLD_": str(256 * 1024**2), **THREAD_ENV},
                "distributed.worker.profile.enabled": False})
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
        shared = self.client.scatter(context, broadcast=True, hash=False)
        futures = {self.client.submit(_call, fn, item, shared, pure=False): i
                   for i, item in enumerate(items)}
        for future in as_completed(futures):
            index = futures[future]
            try:
                yield index, "ok", future.result()
            except Exception as exc:  # noqa: BLE001 - the caller turns it into rows
                yield index, "error", exc

    def close(self) -> None:
        if self._starter is not None:
            self._starter.join()
            self._starter = None
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
