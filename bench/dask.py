"""Dask executor vs the local process pool on the image bench job (same machine, same
worker count), in one run.

    python bench/data.py --only photos
    python bench/dask.py [--repeats 3] [--workers 2]
    python bench/dask.py --scaling [--repeats 3] [--variants 20]
    python bench/dask.py --crossover 1,5,20 [--repeats 2]

The Dask runner starts a LocalCluster of single-threaded worker processes (no address), so
cluster start-up is included, as it is for a user running `--executor dask` locally.

`--scaling`: the distributed path measured for scale, one core against two. Two clusters are
started once and kept running, as a user's cluster is: on core 0 (taskset) a scheduler and
one `dask worker`; on cores 0 and 1 a scheduler and two workers, one pinned to each core.
Every run is a fresh `mediasynth expand --executor dask --scheduler ADDRESS` (report on) on
the same cores as its cluster, interleaved between the two: the client and the scheduler
take their CPU from the cores measured, as the image bench's one-core run does.
`--variants N` makes N variants per photo instead of the image bench's 5: about 0.85 s of
each run (the client's start-up, header checks, planning, the report) does not scale, and on
the 5-variant job it is a sixth of the 2-worker run; a longer job shows the distributed
path's throughput.

Every run also records the CPU time of the command's whole process tree (client, scheduler,
nannies, workers, fork servers): on a machine shared with other jobs, wall time measures the
share of the cores a run got as much as the run itself. `--crossover V1,V2,...`: the local
pool against the LocalCluster at several job lengths (variants per photo), to find where
the cluster's fixed start-up stops mattering.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    DATA,
    RESULTS,
    interleaved,
    interleaved_tree,
    median,
    paired,
    report,
    single_thread_env,
)
from image import PIPELINE, VARIANTS  # noqa: E402

single_thread_env()


def on_cores(cores: list[int]) -> list[str]:
    return ["taskset", "-c", ",".join(map(str, cores))]


@contextlib.contextmanager
def pinned_cluster(port: int, cores: list[int]):
    """A scheduler on 127.0.0.1:`port` and one single-threaded worker per core, each pinned
    with taskset; yields the address once every worker has joined."""
    address = f"tcp://127.0.0.1:{port}"
    dask = str(Path(sys.executable).with_name("dask"))
    procs = [subprocess.Popen([*on_cores(cores), dask, "scheduler", "--host", "127.0.0.1", "--port", str(port),
                               "--no-dashboard"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)]
    try:
        for core in cores:
            procs.append(subprocess.Popen(
                [*on_cores([core]), dask, "worker", address, "--nworkers", "1",
                 "--nthreads", "1", "--no-dashboard", "--no-nanny"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
        # (in a child: this file's name shadows the dask package here)
        wait = ("import sys; from distributed import Client; "
                "c = Client(sys.argv[1], timeout=60); c.wait_for_workers(int(sys.argv[2]), "
                "timeout=60); c.close()")
        subprocess.run([sys.executable, "-c", wait, address, str(len(cores))], check=True,
                       cwd="/", stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        yield address
    finally:
        for proc in reversed(procs):
            proc.terminate()
        for proc in procs:  # a worker whose scheduler is gone may linger (and spin): kill it
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def scaling(args, base: list[str], work: Path, photos: int) -> None:
    if shutil.which("taskset") is None or (os.cpu_count() or 1) < 2:
        raise SystemExit("--scaling needs taskset and two cores")
    with pinned_cluster(8791, [0]) as one, pinned_cluster(8792, [0, 1]) as two:
        table = [("dask, 1 core", [*on_cores([0]), *base[:-3], "--workers", "1", "-q",
                                     "--executor", "dask", "--scheduler", one]),
                 ("dask, 2 cores", [*on_cores([0, 1]), *base[:-3], "--workers", "2", "-q",
                                      "--executor", "dask", "--scheduler", two])]
        times = interleaved(table, repeats=args.repeats, work=work)
    rows = [(name, median(times[name]), photos * args.variants) for name, _ in table]
    report(f"Dask scaling, image bench job with {args.variants} variants, running clusters "
           f"(median of {args.repeats})",
           rows, "outputs", "dask, 1 core",
           {"2 workers / 1 worker": f"{rows[0][1] / rows[1][1]:.2f}x"})


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--src", type=Path, default=DATA / "photos")
    parser.add_argument("--scaling", action="store_true",
                        help="1 vs 2 pinned workers of running clusters")
    parser.add_argument("--variants", type=int, default=VARIANTS,
                        help="variants per photo (the image bench job has 5)")
    parser.add_argument("--crossover", default="",
                        help="comma-separated variants per photo: local vs dask at each")
    args = parser.parse_args()
    photos = sorted(args.src.rglob("*.jpg"))
    if not photos:
        raise SystemExit("no photos: run `python bench/data.py --only photos` first")
    RESULTS.mkdir(parents=True, exist_ok=True)
    pipeline = RESULTS / "dask_bench.yaml"
    pipeline.write_text(PIPELINE.replace(f"variants: {VARIANTS}\n",
                                         f"variants: {args.variants}\n"))
    work = RESULTS / "dask_out"
    base = [sys.executable, "-m", "mediasynth", "expand", str(args.src), str(work), "-p",
            str(pipeline), "--workers", str(args.workers), "-q"]
    if args.scaling:
        return scaling(args, base, work, len(photos))
    if args.crossover:
        return crossover(args, work, len(photos))
    executors(args, base, work, len(photos))


def executors(args, base: list[str], work: Path, photos: int) -> tuple[float, float]:
    """Local pool vs LocalCluster on one job; returns (local wall s, dask/local wall)."""
    table = [("local pool", base), ("dask LocalCluster", [*base, "--executor", "dask"])]
    times, cpu = interleaved_tree(table, repeats=args.repeats, work=work)
    rows = [(name, median(times[name]), photos * args.variants) for name, _ in table]
    wall = paired(times, "dask LocalCluster", "local pool")
    tree = paired(cpu, "dask LocalCluster", "local pool")
    report(f"Executors, {args.workers} workers, image bench job, {args.variants} variants "
           f"(median of {args.repeats})", rows, "outputs", "local pool",
           {"dask wall time / local wall time": f"{wall[0]:.2f}x (per repeat: "
            + ", ".join(f"{a / b:.2f}" for a, b in zip(times["dask LocalCluster"],
                                                       times["local pool"])) + ")",
            "dask CPU / local CPU (whole process tree)": f"{tree[0]:.2f}x (local "
            f"{median(cpu['local pool']):.1f} s, dask {median(cpu['dask LocalCluster']):.1f} s)"})
    return rows[0][1], wall[0]


def crossover(args, work: Path, photos: int) -> None:
    """executors() at each job length of --crossover (variants per photo)."""
    lines = ["| variants per photo | outputs | local pool s | dask / local wall |",
             "| ---: | ---: | ---: | ---: |"]
    for variants in [int(v) for v in args.crossover.split(",")]:
        args.variants = variants
        pipeline = RESULTS / "dask_bench.yaml"
        pipeline.write_text(PIPELINE.replace(f"variants: {VARIANTS}\n",
                                             f"variants: {variants}\n"))
        base = [sys.executable, "-m", "mediasynth", "expand", str(args.src), str(work), "-p",
                str(pipeline), "--workers", str(args.workers), "-q"]
        local_s, ratio = executors(args, base, work, photos)
        lines.append(f"| {variants} | {photos * variants} | {local_s:.2f} | {ratio:.2f}x |")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
