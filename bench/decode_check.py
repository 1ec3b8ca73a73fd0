"""Cost of the decode check of a copied original (io.ffmpeg.decode_failure) next to one
rendered variant of the same clip, in CPU seconds of the FFmpeg children:

    python bench/decode_check.py [--seconds 10] [--size 640x360] [--repeats 3]

The clip (testsrc2 H.264 + a sine in AAC) is made in a temporary folder; the variant is a
horizontal flip on the fused path (one decode + one encode). Medians over --repeats.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import numpy as np  # noqa: E402

from mediasynth.core.config import Budgets, pipeline_from_config  # noqa: E402
from mediasynth.io.ffmpeg import decode_failure, ffmpeg_binary  # noqa: E402
from mediasynth.video.handler import VideoHandler  # noqa: E402


def _children_cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _measure(run) -> tuple[float, float]:
    cpu, wall = _children_cpu_s(), time.perf_counter()
    run()
    return _children_cpu_s() - cpu, time.perf_counter() - wall


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--size", default="640x360")
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "clip.mp4"
        subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                        f"testsrc2=d={args.seconds}:r=30:s={args.size}", "-f", "lavfi", "-i",
                        f"sine=f=440:d={args.seconds}", "-c:v", "libx264", "-preset",
                        "veryfast", "-pix_fmt", "yuv420p", "-c:a", "aac", str(src)], check=True)
        handler = VideoHandler()
        video = handler.load(src, Budgets())
        pipeline = pipeline_from_config(
            {"version": 1, "video": {"frames": [{"type": "image.flip_horizontal"}]}})
        check = [_measure(lambda: decode_failure(src, timeout_s=600))
                 for _ in range(args.repeats)]
        render = [_measure(lambda: handler.render(video, pipeline, np.random.default_rng(0),
                                                  Path(tmp) / "out.mp4"))
                  for _ in range(args.repeats)]
    for name, runs in (("decode check", check), ("one variant", render)):
        print(f"{name:13s} cpu {statistics.median(c for c, _ in runs):.3f} s  "
              f"wall {statistics.median(w for _, w in runs):.3f} s")


if __name__ == "__main__":
    main()
