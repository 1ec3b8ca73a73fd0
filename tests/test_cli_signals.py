"""A run killed from outside: SIGTERM ends it as Ctrl-C does (one line, exit 1, no worker
tracebacks); SIGKILL of the main process takes its workers and their FFmpeg children down
at once, so an immediate re-run finds OUT equal to its manifest and journal."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from mediasynth.engine import manifest as M
from mediasynth.engine.sink import JOURNAL, STATE_DIR

psutil = pytest.importorskip("psutil")
pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="parent-death signals are Linux's")

SAMPLES = Path(__file__).resolve().parent.parent / "samples"
RUN_FILES = {"manifest.jsonl", "labels.csv", "pipeline.yaml", "run.json", "report.html"}


def _video_src(tmp_path: Path) -> Path:
    """The bundled clips (MP4 with sound: every output goes through FFmpeg)."""
    src = tmp_path / "src"
    for cls in ("bouncing", "circular"):
        shutil.copytree(SAMPLES / cls, src / cls)
    return src


def _start(src: Path, out: Path, *extra: str) -> subprocess.Popen:
    """The CLI in a child process; its stderr goes to a file (`_stderr`): a pipe would stay
    open, and `communicate` wait, as long as any descendant lives."""
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1",
           "PYTHONPATH": os.pathsep.join(filter(None, [str(SAMPLES.parent),
                                                        os.environ.get("PYTHONPATH")]))}
    cmd = [sys.executable, "-m", "mediasynth", "expand", str(src), str(out), "--workers", "2",
           "-q", "--no-report", *extra]
    with open(out.parent / f"{out.name}.stderr", "ab") as err:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)


def _stderr(out: Path) -> str:
    return (out.parent / f"{out.name}.stderr").read_bytes().decode("utf-8", "replace")


def _busy_tree(proc: subprocess.Popen, timeout_s: float = 60.0) -> list:
    """The run's descendants once a worker has an FFmpeg child writing an output."""
    main = psutil.Process(proc.pid)
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        kids = main.children(recursive=True)
        if any("ffmpeg" in _name(k) for k in kids):
            return kids
        assert proc.poll() is None, _stderr(Path(proc.args[5]))
        time.sleep(0.02)
    raise AssertionError("no FFmpeg child appeared")


def _name(p) -> str:
    try:
        return p.name()
    except psutil.Error:
        return ""


def _writers(proc: subprocess.Popen, kids: list) -> list:
    """The processes that write outputs: workers (children of the fork server) and their
    FFmpeg children (not the fork server and resource tracker, which write nothing)."""
    helpers = {k.pid for k in kids if _parent_pid(k) == proc.pid}
    return [k for k in kids if k.pid not in helpers]


def _parent_pid(p) -> int | None:
    try:
        return p.ppid()
    except psutil.Error:
        return None


def _alive(p) -> bool:
    try:
        return p.status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


def _seconds_until_gone(kids: list, limit_s: float = 15.0) -> float:
    start = time.monotonic()
    while any(_alive(k) for k in kids) and time.monotonic() - start < limit_s:
        time.sleep(0.01)
    return time.monotonic() - start


def _unlisted(out: Path) -> set[str]:
    """Files in OUT that neither the manifest nor the journal names (nor run files)."""
    listed = {r["output"] for r in M.read_manifest(out) if r.get("output")}
    journal = (out / STATE_DIR / JOURNAL).read_bytes().decode("utf-8", "surrogateescape")
    listed |= set(journal.splitlines())
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    return {f for f in files if f not in listed and f not in RUN_FILES
            and not f.startswith((f"{STATE_DIR}/", "report_assets/"))}


def test_sigkill_of_the_run_takes_workers_and_ffmpeg_down(tmp_path):
    src, out = _video_src(tmp_path), tmp_path / "out"
    proc = _start(src, out, "-n", "30")
    writers = _writers(proc, _busy_tree(proc))
    proc.kill()
    gone_s = _seconds_until_gone(writers)
    proc.wait()
    # before: workers and FFmpeg went on writing into OUT for seconds after the lock was gone
    assert gone_s < 1.0, f"workers outlived the run by {gone_s:.2f} s"
    rerun = _start(src, out, "-n", "2")  # at once, with other options
    assert rerun.wait(timeout=300) == 0, _stderr(out)
    time.sleep(1.0)  # anything orphaned would write by now
    assert not _unlisted(out)
    assert not list(out.rglob(".mediasynth-tmp-*"))
    rows = M.read_manifest(out)
    assert {r["variant"] for r in rows if r["split"] == "train"} <= {0, 1, -1}


def test_sigterm_is_an_interrupt_in_one_line(tmp_path):
    src, out = _video_src(tmp_path), tmp_path / "out"
    proc = _start(src, out, "-n", "30")
    kids = _busy_tree(proc)
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=60) == 1, _stderr(out)
    text = _stderr(out)
    assert text.strip().splitlines() == [
        "mediasynth: interrupted; re-run the same command to resume"], text
    assert _seconds_until_gone(kids) < 5.0
    assert not list(out.rglob(".mediasynth-tmp-*"))


def _synth(out: Path, generator: str, *args: str) -> subprocess.Popen:
    """`mediasynth synth` in a child process (stderr to a file, see `_start`)."""
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1"}
    cmd = [sys.executable, "-m", "mediasynth", "synth", generator, str(out), "--workers", "2",
           "-q", "--no-report", *args]
    with open(out.parent / f"{out.name}.stderr", "ab") as err:
        return subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, env=env)


def _tree(out: Path) -> dict[str, str]:
    """sha256 of every file in OUT, its lock (the last run's pid) aside."""
    import hashlib

    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file() and p.name != "lock"}


SYNTH_RUNS = {
    "shapes": ["--count", "160", "--split", "0.8,0.1,0.1", "--set", "width=64",
               "--set", "height=64"],
    "tones": ["--count", "60", "--split", "0.5,0.5", "--set", "duration_s_range=[0.5, 1.0]"],
    "video": ["--count", "10", "--set", "duration_s=0.5", "--set", "width=64",
              "--set", "height=48"],
}


def _reached(out: Path, point: str, rows: int) -> bool:
    """Whether a synth run writing OUT has reached `point`: "locked" (OUT/.mediasynth made),
    "rows" (at least `rows` manifest lines appended) or "final" (labels.csv written: the
    manifest is final; annotations and the card follow)."""
    if point == "locked":
        return (out / STATE_DIR).is_dir()
    if point == "final":
        return (out / M.LABELS).is_file()
    try:
        return (out / M.MANIFEST).read_bytes().count(b"\n") >= rows
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.parametrize("generator", sorted(SYNTH_RUNS))
def test_synth_killed_at_any_point_and_rerun_equals_an_uninterrupted_run(generator, tmp_path):
    """SIGKILL at several points of the run (OUT just locked, rows appended, the final
    manifest written): the re-run's OUT is byte-identical to a run never interrupted."""
    args = SYNTH_RUNS[generator]
    count = int(args[args.index("--count") + 1])
    ref = tmp_path / "ref"
    proc = _synth(ref, generator, *args)
    assert proc.wait(timeout=600) == 0, _stderr(ref)
    reference = _tree(ref)
    killed_while_running = 0
    points = [("locked", 0), ("rows", 1), ("rows", count // 3), ("rows", 2 * count // 3),
              ("rows", count - 1), ("final", 0)]
    for i, (point, rows) in enumerate(points):
        out = tmp_path / f"out{i}"
        proc = _synth(out, generator, *args)
        deadline = time.monotonic() + 600
        while proc.poll() is None and not _reached(out, point, rows) \
                and time.monotonic() < deadline:
            time.sleep(0.002)
        killed_while_running += proc.poll() is None
        proc.kill()
        proc.wait()
        rerun = _synth(out, generator, *args)
        assert rerun.wait(timeout=600) == 0, _stderr(out)
        assert _tree(out) == reference, f"killed at {point} {rows}"
        assert not list(out.rglob(".mediasynth-tmp-*"))
    assert killed_while_running >= len(points) - 1  # the kills landed mid-run
