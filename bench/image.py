"""Image expansion benchmark: mediasynth vs a hand-written OpenCV + albumentations loop vs
Augmentor vs the codec floor, on the same job, in one run.

    python bench/data.py --only photos      # once (real photos from scikit-image/-learn)
    python bench/image.py [--repeats 5] [--scaling] [--one-core]

Job: every photo in bench/data/photos is decoded once and 5 variants are written as JPEG
q95, each with horizontal flip (p=0.5), rotate +-15 degrees (constant border) and
brightness/contrast +-20 %. Every runner is a fresh single-process command (imports and
start-up included, as a user would run it; mediasynth with its report, as by default);
runners are interleaved and each is timed `--repeats` times; the table shows medians.
`--scaling` adds mediasynth with 2 workers. Two floors: the codec alone (decode once, encode
each variant), and the codec plus the same pixel work in bare OpenCV calls (what any tool
doing this job must spend).
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

single_thread_env()
VARIANTS = 5
PIPELINE = """version: 1
seed: 0
variants: 5
image:
  - {type: image.flip_horizontal, p: 0.5}
  - {type: image.rotate, angle_deg_range: [-15, 15], border_mode: constant}
  - {type: image.brightness_contrast, brightness_range: [-0.2, 0.2], contrast_range: [0.8, 1.2]}
output: {image_format: jpg, jpeg_quality: 95}
"""

HAND_LOOP = r'''
import os, sys
os.environ["NO_ALBUMENTATIONS_UPDATE"] = "1"
import cv2, albumentations as A
from pathlib import Path
cv2.setNumThreads(1)
aug = A.Compose([
    A.HorizontalFlip(p=0.5),
    A.Rotate(limit=15, border_mode=cv2.BORDER_CONSTANT, p=1.0),
    A.RandomBrightnessContrast(brightness_limit=0.2, contrast_limit=0.2, p=1.0),
])
out = Path(sys.argv[2])
for path in sorted(Path(sys.argv[1]).rglob("*.jpg")):
    dest = out / path.parent.name
    dest.mkdir(parents=True, exist_ok=True)
    img = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    for v in range(5):
        res = aug(image=img)["image"]
        cv2.imwrite(str(dest / f"{path.stem}__v{v:03d}.jpg"),
                    cv2.cvtColor(res, cv2.COLOR_RGB2BGR), [cv2.IMWRITE_JPEG_QUALITY, 95])
'''

AUGMENTOR = r'''
import sys, Augmentor
from pathlib import Path
n = len(list(Path(sys.argv[1]).rglob("*.jpg"))) * 5
p = Augmentor.Pipeline(sys.argv[1], output_directory=str(Path(sys.argv[2]).resolve()),
                       save_format="JPEG")
p.flip_left_right(probability=0.5)
p.rotate_without_crop(probability=1.0, max_left_rotation=15, max_right_rotation=15)
p.random_brightness(probability=1.0, min_factor=0.8, max_factor=1.2)
p.random_contrast(probability=1.0, min_factor=0.8, max_factor=1.2)
p.sample(n, multi_threaded=False)
'''

FLOOR = r'''
import sys, cv2
from pathlib import Path
cv2.setNumThreads(1)
out = Path(sys.argv[2])
for path in sorted(Path(sys.argv[1]).rglob("*.jpg")):
    dest = out / path.parent.name
    dest.mkdir(parents=True, exist_ok=True)
    img = cv2.imread(str(path))
    for v in range(5):
        cv2.imwrite(str(dest / f"{path.stem}__v{v:03d}.jpg"), img, [cv2.IMWRITE_JPEG_QUALITY, 95])
'''

# the same pixel work with nothing around it: OpenCV's flip, rotation and LUT, the codec
CODEC_AND_OPS = r'''
import sys, cv2, numpy as np
from pathlib import Path
cv2.setNumThreads(1)
rng = np.random.default_rng(0)
out = Path(sys.argv[2])
for path in sorted(Path(sys.argv[1]).rglob("*.jpg")):
    dest = out / path.parent.name
    dest.mkdir(parents=True, exist_ok=True)
    img = cv2.cvtColor(cv2.imread(str(path)), cv2.COLOR_BGR2RGB)
    h, w = img.shape[:2]
    for v in range(5):
        px = cv2.flip(img, 1) if rng.random() < 0.5 else img
        m = cv2.getRotationMatrix2D((w / 2, h / 2), rng.uniform(-15, 15), 1.0)
        px = cv2.warpAffine(px, m, (w, h), flags=cv2.INTER_LINEAR,
                            borderMode=cv2.BORDER_CONSTANT)
        a, b = rng.uniform(0.8, 1.2), rng.uniform(-0.2, 0.2) * 255
        lut = np.clip(np.arange(256) * a + b, 0, 255).astype(np.uint8)
        px = cv2.LUT(px, lut)
        cv2.imwrite(str(dest / f"{path.stem}__v{v:03d}.jpg"), cv2.cvtColor(px, cv2.COLOR_RGB2BGR),
                    [cv2.IMWRITE_JPEG_QUALITY, 95])
'''


def runners(src: Path, work: Path, scaling: bool, one_core: bool = False
            ) -> list[tuple[str, list[str]]]:
    pipeline = RESULTS / "image_bench.yaml"
    pipeline.parent.mkdir(parents=True, exist_ok=True)
    pipeline.write_text(PIPELINE)
    py = sys.executable

    def ms(workers: int) -> list[str]:
        return [py, "-m", "mediasynth", "expand", str(src), str(work), "-p", str(pipeline),
                "--workers", str(workers), "-q"]

    import importlib.util

    out = [("mediasynth expand (1 worker)", ms(1)),
           ("opencv + albumentations loop", [py, "-c", HAND_LOOP, str(src), str(work)]),
           ("Augmentor", [py, "-c", AUGMENTOR, str(src), str(work)]),
           ("decode + encode only", [py, "-c", FLOOR, str(src), str(work)]),
           ("decode + same OpenCV ops + encode", [py, "-c", CODEC_AND_OPS, str(src),
                                                  str(work)])]
    if importlib.util.find_spec("Augmentor") is None:
        print("Augmentor is not installed (pip install Augmentor): left out")
        out = [r for r in out if r[0] != "Augmentor"]
    if one_core:  # as the held-out run: every single-worker runner on core 0
        out = [(name, ["taskset", "-c", "0", *cmd]) for name, cmd in out]
    if scaling:
        out.insert(1, ("mediasynth expand (2 workers)", ms(2)))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--scaling", action="store_true")
    parser.add_argument("--one-core", action="store_true",
                        help="pin the single-worker runners to core 0 (taskset)")
    parser.add_argument("--src", type=Path, default=DATA / "photos")
    args = parser.parse_args()
    photos = sorted(args.src.rglob("*.jpg"))
    if not photos:
        raise SystemExit("no photos: run `python bench/data.py --only photos` first")
    work = RESULTS / "image_out"
    table = runners(args.src, work, args.scaling, args.one_core)
    times = interleaved(table, repeats=args.repeats, work=work)
    outputs = len(photos) * VARIANTS
    rows = [(name, median(times[name]), outputs) for name, _ in table]
    ms = rows[0][1]
    extra = {f"mediasynth (1 worker) / {n}": f"{t / ms:.2f}x" for n, t, _ in rows[1:]}
    if args.scaling:
        extra["2 workers / 1 worker"] = f"{ms / rows[1][1]:.2f}x"
    report(f"Image expansion: {len(photos)} photos x {VARIANTS} variants (median of "
           f"{args.repeats}, each a fresh process)", rows, "outputs",
           "opencv + albumentations loop", extra)


if __name__ == "__main__":
    main()
