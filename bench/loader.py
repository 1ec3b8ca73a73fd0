"""Loader overhead: iterating `MediaDataset` vs calling the same reader and pipeline
directly, on the same files, in one process (no DataLoader workers, so only the dataset's
own cost is measured).

    python bench/data.py --only photos
    python bench/loader.py [--repeats 5]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import DATA, median, report, single_thread_env  # noqa: E402

single_thread_env()


def main() -> None:
    import numpy as np

    from mediasynth.core.config import pipeline_from_config
    from mediasynth.io.image_io import read_image
    from mediasynth.loaders import MediaDataset

    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--src", type=Path, default=DATA / "photos")
    args = parser.parse_args()
    pipeline = pipeline_from_config({"version": 1, "image": [
        {"type": "image.random_resized_crop", "width": 224, "height": 224},
        {"type": "image.flip_horizontal", "p": 0.5},
        {"type": "image.color_jitter", "brightness": 0.2, "contrast": 0.2, "saturation": 0.2}]})
    ds = MediaDataset(args.src, pipeline, kinds=("image",))
    paths = [item.path for item in ds.items]
    labels = [ds.class_to_idx[item.label] for item in ds.items]
    import cv2

    cv2.setNumThreads(1)

    def via_dataset(i):
        return ds[i]

    def direct(i):
        rng = np.random.Generator(np.random.PCG64(np.random.SeedSequence(0, spawn_key=(0, i))))
        return pipeline.image.run(read_image(paths[i]), rng), labels[i]

    # item by item, alternating, so machine drift hits both the same way
    times = {"MediaDataset": [], "direct pipeline calls": []}
    for _ in range(args.repeats):
        spent = dict.fromkeys(times, 0.0)
        for i in range(len(paths)):
            for name, fn in (("direct pipeline calls", direct), ("MediaDataset", via_dataset)):
                start = time.perf_counter()
                fn(i)
                spent[name] += time.perf_counter() - start
        for name in times:
            times[name].append(spent[name])
    rows = [(name, median(t), len(paths)) for name, t in times.items()]
    overhead = rows[0][1] / rows[1][1] - 1
    report(f"Loader overhead ({len(paths)} photos, median of {args.repeats})", rows, "items",
           "direct pipeline calls", {"overhead": f"{overhead * 100:.1f} %"})


if __name__ == "__main__":
    main()
