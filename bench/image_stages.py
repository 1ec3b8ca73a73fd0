"""Where an image output's time goes: mediasynth's per-output path stage by stage next to
the same pixel work in bare OpenCV calls, on the image bench's job (bench/image.py), in one
process, interleaved, `--repeats` times (medians of each stage's total over all outputs).

    python bench/data.py --only photos      # once
    python bench/image_stages.py [--repeats 3]

A diagnostic, not a ratio against an anchor: it shows which stages of mediasynth's path
cost more than the OpenCV floor and by how much (start-up, planning and the report are
left out: bench/image.py times the whole command). Both passes run with a worker's
settings (one OpenCV thread, glibc keeping freed arrays).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import shutil
import sys
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, RESULTS, median, single_thread_env  # noqa: E402
from image import PIPELINE, VARIANTS  # noqa: E402

single_thread_env()


class Stages:
    """Adds the time since the previous mark to the named stage."""

    def __init__(self) -> None:
        self.totals: dict[str, float] = defaultdict(float)
        self.last = time.perf_counter()

    def mark(self, stage: str) -> None:
        now = time.perf_counter()
        self.totals[stage] += now - self.last
        self.last = now


def mediasynth_pass(paths: list[Path], out: Path) -> dict[str, float]:
    from mediasynth.core.compose import run_chain
    from mediasynth.core.config import load_pipeline
    from mediasynth.core.rng import rng_from_record, seed_record
    from mediasynth.image.handler import image_stats
    from mediasynth.io.image_io import encode_image, read_image

    spec = RESULTS / "image_bench.yaml"
    spec.write_text(PIPELINE)
    pipeline = load_pipeline(spec)
    s = Stages()
    for path in paths:
        image = read_image(path)
        s.mark("decode")
        for variant in range(VARIANTS):
            rng = rng_from_record(seed_record(pipeline.seed, path.name, variant))
            s.mark("seed")
            moved, record = run_chain(pipeline.image, image, rng)
            s.mark("pixel ops")
            data = encode_image(moved, "jpeg", jpeg_quality=95)
            s.mark("encode")
            image_stats(moved.pixels)
            s.mark("statistics")
            tmp = out / f".tmp-{path.stem}-{variant}.jpg"
            tmp.write_bytes(data)
            s.mark("write")
            hashlib.sha256(data).hexdigest()
            record.to_dict()
            s.mark("hash + record")
            os.replace(tmp, out / f"{path.stem}__v{variant:03d}.jpg")
            s.mark("rename")
    return dict(s.totals)


def opencv_pass(paths: list[Path], out: Path) -> dict[str, float]:
    import cv2
    import numpy as np

    cv2.setNumThreads(1)
    rng = random.Random(0)
    s = Stages()
    for path in paths:
        image = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
        h, w = image.shape[:2]
        s.mark("decode")
        for variant in range(VARIANTS):
            px = cv2.flip(image, 1) if rng.random() < 0.5 else image
            m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-15, 15), 1.0)
            px = cv2.warpAffine(px, m, (w, h), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_CONSTANT)
            a, b = rng.uniform(0.8, 1.2), rng.uniform(-0.2, 0.2) * 255
            px = cv2.LUT(px, np.clip(np.arange(256) * a + b, 0, 255).astype(np.uint8))
            s.mark("pixel ops")
            _, buf = cv2.imencode(".jpg", cv2.cvtColor(px, cv2.COLOR_RGB2BGR),
                                   [cv2.IMWRITE_JPEG_QUALITY, 95])
            s.mark("encode")
            (out / f"{path.stem}__v{variant:03d}.jpg").write_bytes(buf.tobytes())
            s.mark("write")
    return dict(s.totals)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--src", type=Path, default=DATA / "photos")
    args = parser.parse_args()
    from mediasynth.engine.worker_process import prepare_worker_process

    prepare_worker_process()  # both passes under a worker's settings (threads, malloc)
    paths = sorted(args.src.rglob("*.jpg"))
    if not paths:
        raise SystemExit(f"no photos under {args.src}: run python bench/data.py --only photos")
    out = RESULTS / "image_stages_out"
    runs: dict[str, list[dict[str, float]]] = {"mediasynth": [], "opencv": []}
    for _ in range(args.repeats):
        for name, one_pass in (("mediasynth", mediasynth_pass), ("opencv", opencv_pass)):
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir(parents=True)
            runs[name].append(one_pass(paths, out))
    shutil.rmtree(out, ignore_errors=True)
    stages = list(dict.fromkeys(k for r in runs["mediasynth"] + runs["opencv"] for k in r))
    outputs = len(paths) * VARIANTS
    print(f"### Per-output stages, {len(paths)} photos x {VARIANTS} variants "
          f"(median of {args.repeats}, seconds over all {outputs} outputs)\n")
    print("| stage | mediasynth s | bare OpenCV s | ms per output over OpenCV |")
    print("| --- | ---: | ---: | ---: |")
    sums = {"mediasynth": 0.0, "opencv": 0.0}
    for stage in stages:
        ours = median([r.get(stage, 0.0) for r in runs["mediasynth"]])
        floor = median([r.get(stage, 0.0) for r in runs["opencv"]])
        sums["mediasynth"] += ours
        sums["opencv"] += floor
        print(f"| {stage} | {ours:.3f} | {floor:.3f} | {1000 * (ours - floor) / outputs:+.2f} |")
    print(f"| total | {sums['mediasynth']:.3f} | {sums['opencv']:.3f} | "
          f"{1000 * (sums['mediasynth'] - sums['opencv']) / outputs:+.2f} |")


if __name__ == "__main__":
    main()
