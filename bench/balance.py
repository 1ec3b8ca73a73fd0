"""`balance: synthesize` vs `balance: oversample` on an imbalanced version of the image bench
job, in one run.

    python bench/data.py --only photos
    python bench/balance.py [--repeats 5] [--counts 40,10,4]

SRC (bench/data/photos_imbalanced, made here): the first 40 / 10 / 4 photos of bench classes
0 / 1 / 2. Pipeline: the image bench job (flip + rotate + brightness/contrast, 5 variants,
JPEG q95) with `dataset.balance` oversample or synthesize; both fill every class up to the
majority's 200 outputs, so both write the same number of files (600). synthesize also
embeds every source (in the workers), finds same-class neighbours (scikit-learn) and blends
each new minority output from its source and a partner. 1 worker, `--no-report`, fresh
processes, interleaved (ABBA); medians of wall time and of the process tree's CPU time.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import (  # noqa: E402
    DATA,
    RESULTS,
    interleaved_tree,
    median,
    paired,
    report,
    single_thread_env,
)
from image import PIPELINE  # noqa: E402

single_thread_env()


def make_imbalanced(photos: Path, counts: list[int]) -> Path:
    folder = DATA / "photos_imbalanced"
    shutil.rmtree(folder, ignore_errors=True)
    for i, count in enumerate(counts):
        files = sorted((photos / f"class{i}").glob("*.jpg"))[:count]
        if len(files) < count:
            raise SystemExit(f"class{i} has {len(files)} photos, fewer than {count}")
        (folder / f"class{i}").mkdir(parents=True)
        for path in files:
            shutil.copyfile(path, folder / f"class{i}" / path.name)
    return folder


def count_outputs(out: Path) -> int:
    return sum(1 for _ in out.rglob("*__v*.jpg"))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--counts", default="40,10,4")
    parser.add_argument("--src", type=Path, default=DATA / "photos")
    args = parser.parse_args()
    counts = [int(c) for c in args.counts.split(",")]
    src = make_imbalanced(args.src, counts)
    RESULTS.mkdir(parents=True, exist_ok=True)
    work = RESULTS / "balance_out"
    py = sys.executable
    table = []
    for strategy in ("oversample", "synthesize"):
        pipeline = RESULTS / f"balance_{strategy}.yaml"
        pipeline.write_text(PIPELINE + f"dataset: {{balance: {strategy}}}\n")
        table.append((f"balance: {strategy}", [py, "-m", "mediasynth", "expand", str(src),
                                                str(work), "-p", str(pipeline), "--workers",
                                                "1", "-q", "--no-report"]))
    outputs = {}
    for name, cmd in table:  # one untimed run each, to count what it writes
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(cmd, check=True)
        outputs[name] = count_outputs(work)
    wall, cpu = interleaved_tree(table, repeats=args.repeats, work=work)
    rows = [(name, median(wall[name]), outputs[name]) for name, _ in table]
    over, synth = table[0][0], table[1][0]
    w, c = paired(wall, synth, over), paired(cpu, synth, over)
    report(f"Balancing {'/'.join(map(str, counts))} photos up to the majority (median of "
           f"{args.repeats}, fresh processes, 1 worker)", rows, "outputs", over,
           {"outputs written (oversample, synthesize)":
            f"{outputs[over]}, {outputs[synth]}",
            "synthesize / oversample wall time (ratio of medians; median of pairs, range)":
            f"{w[0]:.3f}x; {w[1]:.3f}x ({w[2]:.3f}-{w[3]:.3f})",
            "synthesize speed vs oversample (1 / wall ratio)": f"{1 / w[0]:.2f}x",
            "synthesize / oversample CPU time of the process tree":
            f"{c[0]:.3f}x; {c[1]:.3f}x ({c[2]:.3f}-{c[3]:.3f})"})


if __name__ == "__main__":
    main()
