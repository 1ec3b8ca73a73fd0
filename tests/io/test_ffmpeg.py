"""FFmpeg processes: the binary is the bundled one whatever is on PATH, and a child dies with
the process that started it (kill -9 of a worker leaves no FFmpeg writing on)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediasynth.core.errors import MediaError
from mediasynth.io import ffmpeg as F

ROOT = Path(__file__).resolve().parents[2]
# a worker-like process: start a long FFmpeg through the product's runner, from the main
# thread or from a thread that waits for it, and print both pids
WORKER = """
import os, sys, threading
from mediasynth.io import ffmpeg
from mediasynth.io.ffmpeg import run_ffmpeg
if sys.argv[3] == "preexec":  # the route taken where util-linux's setpriv is missing
    ffmpeg._pdeathsig_launcher = lambda: ()
args = ["-re", "-f", "lavfi", "-i", "anullsrc=r=8000", "-t", "120", "-f", "wav", "-y", sys.argv[2]]
print(os.getpid(), flush=True)
if sys.argv[1] == "thread":
    t = threading.Thread(target=run_ffmpeg, args=(args,), kwargs={"timeout_s": 600})
    t.start(); t.join()
else:
    run_ffmpeg(args, timeout_s=600)
"""


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(c) for c in text]
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def _wait_for(predicate, timeout_s: float) -> bool:
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
@pytest.mark.parametrize("route", ["default", "preexec"])
@pytest.mark.parametrize("spawned_from", ["main", "thread"])
def test_ffmpeg_dies_with_a_killed_worker(tmp_path, spawned_from, route):
    out = tmp_path / "long.wav"
    worker = subprocess.Popen([sys.executable, "-c", WORKER, spawned_from, str(out), route],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    child = None
    try:
        pid = int(worker.stdout.readline())
        assert _wait_for(lambda: _children(pid) and out.exists(), 20), "FFmpeg did not start"
        child, = _children(pid)
        assert os.getpgid(child) == os.getpgid(pid), "FFmpeg stays in the worker's group"
        assert os.getsid(child) == os.getsid(pid)
        os.kill(pid, signal.SIGKILL)
        worker.wait(10)
        assert _wait_for(lambda: not _alive(child), 2.0), "FFmpeg outlived its worker"
        size = out.stat().st_size
        time.sleep(0.3)
        assert out.stat().st_size == size, "nothing writes the temp file any more"
    finally:
        worker.kill()
        worker.wait()
        if child is not None and _alive(child):  # a failed run must not leave it behind
            os.kill(child, signal.SIGKILL)


def test_timeout_kills_the_child_and_says_so(tmp_path):
    started = time.monotonic()
    with pytest.raises(MediaError) as info:
        F.run_ffmpeg(["-re", "-f", "lavfi", "-i", "anullsrc", "-t", "60", "-f", "null", "-"],
                     timeout_s=0.5)
    assert info.value.code == "timeout" and time.monotonic() - started < 10


def test_the_bundled_ffmpeg_wins_over_one_on_path(tmp_path, monkeypatch):
    import imageio_ffmpeg

    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\necho 'ffmpeg version 5.1.6-0+deb12u1'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ.get('PATH', '')}")
    monkeypatch.delenv("MEDIASYNTH_FFMPEG", raising=False)
    F.ffmpeg_binary.cache_clear()
    try:
        assert F.ffmpeg_binary() == imageio_ffmpeg.get_ffmpeg_exe()
        monkeypatch.setenv("MEDIASYNTH_FFMPEG", str(fake))
        F.ffmpeg_binary.cache_clear()
        assert F.ffmpeg_binary() == str(fake)
    finally:
        F.ffmpeg_binary.cache_clear()
