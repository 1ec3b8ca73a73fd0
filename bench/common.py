"""Shared helpers for the benchmark scripts: timing, machine facts, result tables."""

from __future__ import annotations

import ctypes
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RESULTS = HERE / "results"


def single_thread_env() -> None:
    for var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMBA_NUM_THREADS"):
        os.environ[var] = "1"
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "python": platform.python_version()}


def compile_package() -> None:
    """Write mediasynth's .pyc files, as `pip install .` does: with an editable install and
    PYTHONDONTWRITEBYTECODE set, every fresh process would otherwise recompile the package,
    a start-up cost an installed mediasynth does not pay."""
    import compileall

    import mediasynth

    compileall.compile_dir(Path(mediasynth.__file__).parent, quiet=1)


def interleaved(table: list[tuple[str, list[str]]], *, repeats: int,
                work: Path) -> dict[str, list[float]]:
    """Run each (name, command) `repeats` times, runners interleaved so machine drift hits
    them alike, `work` emptied before each run; returns wall times per name."""
    compile_package()
    times: dict[str, list[float]] = {name: [] for name, _ in table}
    for _ in range(repeats):
        for name, cmd in table:
            fresh(work)
            start = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            times[name].append(time.perf_counter() - start)
            print(f"{name}: {times[name][-1]:.2f} s", flush=True)
    fresh(work)
    return times


def become_subreaper() -> None:
    """Make this process a child subreaper (Linux): orphaned descendants of the commands it
    runs (fork server, its workers, FFmpeg) are re-parented here, so once reaped their CPU
    time lands in RUSAGE_CHILDREN."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        raise SystemExit("prctl(PR_SET_CHILD_SUBREAPER) failed")


def reap_all(timeout: float = 5.0) -> None:
    """Reap every finished descendant, waiting up to `timeout` s for stragglers."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            if time.monotonic() > deadline:
                return
            time.sleep(0.01)


def _children_cpu() -> float:
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return ru.ru_utime + ru.ru_stime


def timed_tree(cmd: list[str], *, env: dict | None = None,
               cwd: Path | None = None) -> tuple[float, float]:
    """(wall s, CPU s of the whole process tree) of one command; call become_subreaper()
    first or the CPU time misses processes that outlive their parent."""
    reap_all(0)
    cpu0, start = _children_cpu(), time.perf_counter()
    subprocess.run(cmd, check=True, cwd=cwd, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL, env=env)
    wall = time.perf_counter() - start
    reap_all()
    return wall, _children_cpu() - cpu0


def interleaved_tree(table: list[tuple[str, list[str]]], *, repeats: int, work: Path,
                     env: dict | None = None, cwd: Path | None = None
                     ) -> tuple[dict[str, list[float]], dict[str, list[float]]]:
    """As interleaved(), with the order of the runners reversed every other repeat (ABBA,
    so a runner is not always the one after the same neighbour) and the CPU time of each
    command's whole process tree measured beside its wall time: returns (wall, cpu) per
    name. CPU time is the steadier figure on a VM shared with other jobs."""
    compile_package()
    become_subreaper()
    wall: dict[str, list[float]] = {name: [] for name, _ in table}
    cpu: dict[str, list[float]] = {name: [] for name, _ in table}
    for rep in range(repeats):
        for name, cmd in (table if rep % 2 == 0 else table[::-1]):
            fresh(work)
            w, c = timed_tree(cmd, env=env, cwd=cwd)
            wall[name].append(w)
            cpu[name].append(c)
            print(f"{name}: {w:.2f} s wall, {c:.2f} s CPU", flush=True)
    fresh(work)
    return wall, cpu


def paired(times: dict[str, list[float]], a: str, b: str) -> tuple[float, float, float, float]:
    """a/b as (ratio of medians, median of the per-repeat ratios, lowest, highest)."""
    pairs = sorted(x / y for x, y in zip(times[a], times[b]))
    return (median(times[a]) / median(times[b]), median(pairs), pairs[0], pairs[-1])


def fresh(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def run_cli(*args: str) -> None:
    import sys

    subprocess.run([sys.executable, "-m", "mediasynth", *args], check=True)


def report(title: str, rows: list[tuple[str, float, float]], unit: str, baseline: str | None,
           extra: dict | None = None) -> str:
    """rows: (runner, median seconds, items). Prints and returns a markdown table with the
    throughput and the ratio to each runner in `baseline`."""
    lines = [f"### {title}", "", f"machine: {json.dumps(machine())}", "",
             f"| runner | median s | {unit}/s | vs {baseline} |", "| --- | ---: | ---: | ---: |"]
    base = next((items / t for name, t, items in rows if name == baseline), None)
    for name, t, items in rows:
        rate = items / t
        ratio = f"{rate / base:.2f}x" if base else "-"
        lines.append(f"| {name} | {t:.2f} | {rate:.1f} | {ratio} |")
    if extra:
        lines += [""] + [f"- {k}: {v}" for k, v in extra.items()]
    text = "\n".join(lines) + "\n"
    print(text)
    RESULTS.mkdir(parents=True, exist_ok=True)
    return text


def median(values: list[float]) -> float:
    return statistics.median(values)
