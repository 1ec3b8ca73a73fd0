"""The synth parent's memory against the item count: planning 20,000 vs 200,000 items, and
a short real run (2,000 vs 10,000 tiny items, 2 workers).

    python bench/synth_plan_memory.py [--runs 2000,10000] [--modes plan,legacy,run]

Each measurement is a fresh interpreter (peak RSS is a lifetime figure): it imports
mediasynth and numpy, reads its RSS (`baseline`), then plans (or runs) and reads its peak RSS
(resource.getrusage ru_maxrss, the parent only: workers are other processes) and the peak of
Python allocations during the plan (tracemalloc). `plan` is engine/synth_plan.make_synth_plan
then every work unit made once (as the runner feeds them to the pool); `legacy` is what
engine/synth_run.py held before (a class name, a SplitItem, an (index, class, split) tuple
and a job per chunk, and every planned path), for comparison.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _rss_mb() -> float:
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _current_rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(mode: str, count: int, out: str | None) -> dict:
    """In this (fresh) process: baseline RSS, then the plan or run, then peak RSS."""
    import time
    import tracemalloc

    from mediasynth.core.registry import lookup
    from mediasynth.engine import synth_plan

    shapes = lookup("synth.shapes")(width=32, height=32)
    split = {"train": 0.8, "val": 0.1, "test": 0.1}
    baseline = _current_rss_mb()
    start = time.perf_counter()
    tracemalloc.start()
    if mode == "plan":
        plan = synth_plan.make_synth_plan(shapes, count=count, seed=0, split=split)
        units = sum(1 for _ in plan.chunks(range(len(plan))))
        assert units == -(-count // synth_plan.CHUNK)
    elif mode == "legacy":
        from mediasynth.engine.split import SplitItem, SplitSpec, split_items

        classes = synth_plan.class_plan(shapes.classes(), count)
        placed = split_items([SplitItem(str(i), c) for i, c in enumerate(classes)],
                             SplitSpec(split, seed=0))
        splits = {key: a.split for key, a in placed.assignments.items()}
        items = [(i, c, splits[str(i)]) for i, c in enumerate(classes)]
        jobs = [tuple(items[i:i + 16]) for i in range(0, len(items), 16)]
        rels = [(synth_plan.item_path(shapes, i, c, s), s) for i, c, s in items]
        planned = {p for rel, s in rels for p in (rel, *shapes.side_files(rel, s))}
        assert len(jobs) and planned
    else:  # a real run: tiny tones, 2 workers
        from mediasynth.engine.synth_runner import run_synth

        tracemalloc.stop()
        tones = lookup("synth.tones")(duration_s_range=(0.02, 0.02), sample_rate=8000)
        result = run_synth(tones, out, count=count, seed=0, split=split, workers=2)
        assert result.exit_code == 0
    traced = tracemalloc.get_traced_memory()[1] / 2**20 if tracemalloc.is_tracing() else None
    return {"mode": mode, "count": count, "baseline_mb": round(baseline, 1),
            "peak_mb": round(_rss_mb(), 1), "traced_peak_mb":
            None if traced is None else round(traced, 1),
            "seconds": round(time.perf_counter() - start, 2)}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", default="2000,10000", help="item counts of the real runs")
    parser.add_argument("--modes", default="plan,legacy,run",
                        help="what to measure: plan, legacy (before), run")
    parser.add_argument("--child", nargs=3, metavar=("MODE", "COUNT", "OUT"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        mode, count, out = args.child
        print(json.dumps(measure(mode, int(count), out)))
        return
    import shutil
    import tempfile

    rows = []
    modes = set(args.modes.split(","))
    jobs = [(m, n) for m in ("plan", "legacy") if m in modes for n in (20_000, 200_000)]
    jobs += [("run", int(n)) for n in args.runs.split(",") if n and "run" in modes]
    for mode, count in jobs:
        tmp = tempfile.mkdtemp(prefix="synth_mem_")
        try:
            done = subprocess.run([sys.executable, __file__, "--child", mode, str(count),
                                   str(Path(tmp) / "out")], capture_output=True, text=True,
                                  check=True, cwd=ROOT)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        rows.append(json.loads(done.stdout.strip().splitlines()[-1]))
        print(rows[-1], flush=True)
    print("\n| what | items | parent RSS before MB | parent peak RSS MB | growth MB | "
          "Python allocations peak MB | seconds |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    names = {"plan": "plan (synth_plan + every work unit)",
             "legacy": "plan as synth_run.py held it (before)",
             "run": "real run (tones 20 ms, 8 kHz, 2 workers)"}
    for r in rows:
        traced = "-" if r["traced_peak_mb"] is None else f"{r['traced_peak_mb']:.1f}"
        print(f"| {names[r['mode']]} | {r['count']:,} | {r['baseline_mb']:.0f} | "
              f"{r['peak_mb']:.0f} | {r['peak_mb'] - r['baseline_mb']:.0f} | {traced} | "
              f"{r['seconds']:.1f} |")


if __name__ == "__main__":
    main()
