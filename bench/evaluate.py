"""Time of `mediasynth evaluate` on 1,000 train images: 250 photo-like texture crops in 4
classes (the generator of tests/report/quality) expanded with 3 variants each (brightness/contrast +
colour jitter, originals kept), scored on a 200-image test folder made darker with a blue
cast.

    python bench/evaluate.py [--probe linear|cnn] [--seeds 5] [--repeats 1]

Each repeat is a fresh `python -m mediasynth evaluate OUT --test DIR` process (imports
included); the wall time and the CPU time of the process are printed with the verdict. The
trees are made once under bench/data/evaluate (seeded: same bytes every time).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATA = ROOT / "bench" / "data" / "evaluate"
PIPELINE = {"version": 1, "seed": 0, "variants": 3,
            "image": [{"type": "image.brightness_contrast", "brightness_range": [-0.1, 0.05],
                       "contrast_range": [0.35, 1.0]},
                      {"type": "image.color_jitter", "brightness": 0, "contrast": 0,
                       "saturation": 0.3, "hue": 0.08}],
            "dataset": {"split": {"train": 1.0, "val": 0.0}, "keep_originals": True}}


def make_data() -> tuple[Path, Path]:
    from tests.report.quality.generated import darken_cast, expand_tree, texture_tree

    out, test = DATA / "out", DATA / "test"
    if not (out / "manifest.jsonl").is_file():
        src = texture_tree(DATA / "src", per_class=63, seed=1, distinct=0.7)
        for extra in sorted((DATA / "src").glob("*/06[2-9].png"))[:2]:  # 250 sources
            extra.unlink()
        texture_tree(test, per_class=50, seed=2, nuisance=darken_cast, distinct=0.7)
        expand_tree(src, out, PIPELINE)
    return out, test


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--probe", default="linear", choices=("linear", "cnn"))
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--repeats", type=int, default=1)
    args = parser.parse_args()
    out, test = make_data()
    rows = sum(1 for line in (out / "manifest.jsonl").open() if '"split":"train"' in line)
    print(f"OUT: {rows} train images; test: {sum(1 for _ in test.rglob('*.png'))} images")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "NO_ALBUMENTATIONS_UPDATE": "1"}
    for _ in range(args.repeats):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "mediasynth", "evaluate", str(out),
                               "--test", str(test), "--probe", args.probe, "--seeds",
                               str(args.seeds), "--json", "-q"], env=env, check=True,
                              capture_output=True, text=True)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        result = json.loads(done.stdout)
        delta = result["deltas"]["real+augmented vs real"]
        print(f"{args.probe}, {args.seeds} seeds: wall {wall:.1f} s, CPU {cpu:.1f} s; "
              f"real+augmented vs real {delta['macro_f1']['mean']:+.3f} "
              f"{delta['macro_f1']['ci95']} {delta['verdict']}")
        for label in ("online vs real", "online vs real+augmented"):
            if label in result["deltas"]:
                d = result["deltas"][label]
                print(f"  {label} {d['macro_f1']['mean']:+.3f} {d['macro_f1']['ci95']} "
                      f"{d['verdict']}")


if __name__ == "__main__":
    main()
