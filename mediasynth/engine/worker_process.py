"""How worker processes (local pool or Dask) start, and the settings each applies once before
its first task.

- They come from a fork server that imported the engine and every transform once
  (PRELOAD), so each starts warm; spawn where the platform has no fork server.
- One thread per library: parallelism comes from processes, and oversubscribed BLAS or
  OpenCV thread pools only slow a full machine down.
- glibc malloc keeps freed blocks up to 64 MiB in its heap instead of returning each to
  the kernel: per-frame and per-image arrays (hundreds of KB to MBs) would otherwise be
  fresh mmap()s whose every page faults on first touch. Measured on the video frame path:
  the worker's own CPU time halves (docs/benchmarks.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import multiprocessing as mp
import os

THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMEXPR_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}

_M_TRIM_THRESHOLD = -1  # mallopt parameters, glibc's malloc.h
_M_MMAP_THRESHOLD = -3
KEEP_FREED_BYTES = 64 * 1024**2

# imported once by the fork server, so every worker starts with them loaded
PRELOAD = ["mediasynth.engine.preload"]

_done = False


def start_method() -> str:
    """How worker processes start: "forkserver" where the platform has it, else "spawn"."""
    return "forkserver" if "forkserver" in mp.get_all_start_methods() else "spawn"


def worker_context(extra_preload: tuple[str, ...] = ()):
    """The multiprocessing context worker processes start from: the fork server (with
    `extra_preload` and PRELOAD imported once) where the platform has one, else spawn.
    Either way the children inherit single-threaded native libraries (THREAD_ENV)."""
    os.environ.update(THREAD_ENV)
    method = start_method()
    ctx = mp.get_context(method)
    if method == "forkserver":
        ctx.set_forkserver_preload([*extra_preload, *PRELOAD])
    return ctx


def start_fork_server() -> None:
    """Start the fork server now (it imports PRELOAD in its own process, which is most of a
    worker's start-up), so that it overlaps the caller's own imports and reading of the
    pipeline and sources; the pool's first worker then comes from a server already warm."""
    import multiprocessing.forkserver

    if worker_context().get_start_method() == "forkserver":
        multiprocessing.forkserver.ensure_running()


_PR_SET_PDEATHSIG = 1  # prctl option, linux/prctl.h


def die_with_parent(run_pid: int) -> None:
    """End this worker the moment the run that started it (`run_pid`) dies, even by SIGKILL,
    so that it never goes on writing into an OUT whose lock is gone: a daemon thread waits
    on the run's pidfd (Linux >= 5.3; else polls every 0.2 s) and SIGKILLs this process;
    `prctl(PR_SET_PDEATHSIG)` does the same when the direct parent (the fork server) dies.
    FFmpeg children die with the worker (io/ffmpeg.py starts them with the same signal).
    Ctrl-C in a terminal reaches every process of the group: workers ignore it and leave it
    to the run, which stops them."""
    import signal
    import sys
    import threading

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    threading.Thread(target=_kill_self_when_gone, args=(run_pid,), daemon=True,
                     name="die-with-run").start()


def _kill_self_when_gone(pid: int) -> None:
    import select
    import signal
    import time

    try:
        fd = os.pidfd_open(pid)
    except ProcessLookupError:
        fd = None  # gone already
    except (AttributeError, OSError):  # no pidfd: poll
        while _alive(pid):
            time.sleep(0.2)
        fd = None
    if fd is not None:
        select.select([fd], [], [])
    os.kill(os.getpid(), signal.SIGKILL)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def prepare_worker_process() -> None:
    """Apply the settings above (idempotent; best effort where a platform lacks one)."""
    global _done
    if _done:
        return
    _done = True
    os.environ.update(THREAD_ENV)
    try:
        import cv2

        cv2.setNumThreads(1)
    except ImportError:
        pass
    _keep_freed_memory(KEEP_FREED_BYTES)


def _keep_freed_memory(limit_bytes: int) -> None:
    try:  # the process's own symbols hold libc's (ctypes.util.find_library runs ldconfig)
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt...)
        return
    mallopt(_M_MMAP_THRESHOLD, limit_bytes)
    mallopt(_M_TRIM_THRESHOLD, 2 * limit_bytes)
