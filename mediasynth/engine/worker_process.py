"""Settings every worker process (local pool or Dask) applies once before its first task.

- One thread per library: parallelism comes from processes, and oversubscribed BLAS or
  OpenCV thread pools only slow a full machine down.
- glibc malloc keeps freed blocks up to 64 MiB in its heap instead of returning each to
  the kernel: per-frame and per-image arrays (hundreds of KB to MBs) would otherwise be
  fresh mmap()s whose every page faults on first touch. Measured on the video frame path:
  the worker's own CPU time halves (docs/benchmarks.md).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os

THREAD_ENV = {"OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
              "NUMEXPR_NUM_THREADS": "1", "NUMBA_NUM_THREADS": "1", "VECLIB_MAXIMUM_THREADS": "1"}

_M_TRIM_THRESHOLD = -1  # mallopt parameters, glibc's malloc.h
_M_MMAP_THRESHOLD = -3
KEEP_FREED_BYTES = 64 * 1024**2

_done = False


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
    name = ctypes.util.find_library("c")
    if name is None:
        return
    try:
        libc = ctypes.CDLL(name)
        mallopt = libc.mallopt
    except (OSError, AttributeError):  # not glibc (macOS, musl without mallopt...)
        return
    mallopt(_M_MMAP_THRESHOLD, limit_bytes)
    mallopt(_M_TRIM_THRESHOLD, 2 * limit_bytes)
