"""Shared helpers for the benchmark scripts: timing, machine facts, result tables."""

from __future__ import annotations

import json
import os
import platform
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
