"""Worker-process setup: single-threaded native libraries and glibc keeping freed memory."""

from __future__ import annotations

import platform
import subprocess
import sys

import pytest

PAGE_FAULTS = r"""
import resource, sys
import numpy as np
if sys.argv[1] == "prepared":
    from mediasynth.engine.worker_process import prepare_worker_process
    prepare_worker_process()
frame = np.ones((360, 640, 3), np.uint8)
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(100):  # the frame path's pattern: fresh frame-sized arrays, then freed
    a = frame[:, ::-1].copy()
    b = a + 1
    c = np.ascontiguousarray(b[::2])
    del a, b, c
print(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
"""


def _faults(mode: str) -> int:
    out = subprocess.run([sys.executable, "-c", PAGE_FAULTS, mode], capture_output=True,
                         text=True, check=True)
    return int(out.stdout)


@pytest.mark.skipif(platform.system() != "Linux" or platform.libc_ver()[0] != "glibc",
                    reason="mallopt is glibc's")
def test_prepared_worker_reuses_freed_frames_instead_of_faulting_new_pages():
    plain, prepared = _faults("plain"), _faults("prepared")
    assert prepared * 10 < plain, (plain, prepared)


def test_prepared_worker_runs_native_libraries_single_threaded():
    code = ("from mediasynth.engine.worker_process import prepare_worker_process\n"
            "prepare_worker_process()\n"
            "import os, cv2\n"
            "print(os.environ['OMP_NUM_THREADS'], cv2.getNumThreads())")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["1", "1"]
