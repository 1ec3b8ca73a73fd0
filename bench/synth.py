"""Generation throughput: `synth.shapes` vs scikit-image's `random_shapes` on a like-for-like
scene (256x256, 1-5 shapes from circle/rectangle/triangle/ellipse, plain background), and
`synth.tones` in seconds of audio per second. In memory, one process, no file writing.

    pip install scikit-image
    python bench/synth.py [--count 500]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from common import median, report, single_thread_env  # noqa: E402

single_thread_env()


def main() -> None:
    import numpy as np
    from skimage.draw import random_shapes

    from mediasynth.core.registry import lookup

    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    ours = lookup("synth.shapes")(width=256, height=256, objects_range=(1, 5),
                                  shapes=("circle", "rectangle", "triangle", "ellipse"),
                                  backgrounds=("solid",), max_overlap=1.0)
    ours_aa_bg = lookup("synth.shapes")(width=256, height=256, objects_range=(1, 5))

    def run_ours(gen):
        def run():
            for i in range(args.count):
                gen.generate(np.random.default_rng(i))
        return run

    def run_skimage():
        for i in range(args.count):
            random_shapes((256, 256), max_shapes=5, min_shapes=1, channel_axis=-1, rng=i,
                          allow_overlap=True, min_size=40, max_size=150)

    runners = [("mediasynth synth.shapes (masks, boxes, polygons)", run_ours(ours)),
               ("skimage random_shapes (boxes)", run_skimage),
               ("mediasynth, all shapes + textured backgrounds", run_ours(ours_aa_bg))]
    times = {name: [] for name, _ in runners}
    for _ in range(args.repeats):
        for name, fn in runners:
            start = time.perf_counter()
            fn()
            times[name].append(time.perf_counter() - start)
    rows = [(name, median(times[name]), args.count) for name, _ in runners]
    report(f"Shape scene generation, 256x256, {args.count} scenes (median of {args.repeats})",
           rows, "images", "skimage random_shapes (boxes)")

    tones = lookup("synth.tones")(sample_rate=16000, duration_s_range=(1.0, 1.0))
    count = args.count
    start = time.perf_counter()
    for i in range(count):
        tones.generate(np.random.default_rng(i))
    elapsed = time.perf_counter() - start
    report("Tone generation, 16 kHz, 1 s items, all signal classes", [
        ("mediasynth synth.tones", elapsed, count)], "audio-s", None)


if __name__ == "__main__":
    main()
