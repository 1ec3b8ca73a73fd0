"""Dask executor vs the local process pool on the image bench job (same machine, same
worker count), in one run.

    python bench/data.py --only photos
    python bench/dask.py [--repeats 3] [--workers 2]

The Dask runner starts a LocalCluster of single-threaded worker processes (no address), so
cluster start-up is included, as it is for a user running `--executor dask` locally.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    DATA,
    RESULTS,
    interleaved,
    median,
    report,
    single_thread_env,
)
from image import PIPELINE, VARIANTS  # noqa: E402

single_thread_env()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--src", type=Path, default=DATA / "photos")
    args = parser.parse_args()
    photos = sorted(args.src.rglob("*.jpg"))
    if not photos:
        raise SystemExit("no photos: run `python bench/data.py --only photos` first")
    RESULTS.mkdir(parents=True, exist_ok=True)
    pipeline = RESULTS / "image_bench.yaml"
    pipeline.write_text(PIPELINE)
    work = RESULTS / "dask_out"
    base = [sys.executable, "-m", "mediasynth", "expand", str(args.src), str(work), "-p",
            str(pipeline), "--workers", str(args.workers), "-q"]
    table = [("local pool", base), ("dask LocalCluster", [*base, "--executor", "dask"])]
    times = interleaved(table, repeats=args.repeats, work=work)
    rows = [(name, median(times[name]), len(photos) * VARIANTS) for name, _ in table]
    report(f"Executors, {args.workers} workers, image bench job (median of {args.repeats})",
           rows, "outputs", "local pool",
           {"dask wall time / local wall time": f"{rows[1][1] / rows[0][1]:.2f}x"})


if __name__ == "__main__":
    main()
