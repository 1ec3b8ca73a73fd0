"""Scene composition throughput: `synth.scenes` against a hand-written OpenCV paste loop
doing the same job (640x480 scenes, 3-8 real instances per scene cut from real masks,
random scale, rotation and flip, pasted at random on a real photo, instance mask, tight
boxes and COCO RLE of the visible pixels).

The loop is what a user writes without a tool: cut-outs loaded once into memory, resize +
warpAffine, alpha paste, instance-id map, boxes and RLEs from it; no occlusion control, no
colour jitter, no blending beyond alpha, no split, no manifest. `synth.scenes` is timed
(a) in memory (`generate`, one process) with each blend mode and (b) end to end (`synth
scenes OUT`: PNG, mask PNG, YOLO, COCO, manifest), with 1 and 2 workers, against the loop
writing PNG + mask PNG + YOLO + COCO.

    pip install scikit-image      # the test photos (tests/photos.py)
    python bench/scenes.py [--count 100] [--repeats 3]
"""

from __future__ import annotations

import argparse
import json
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(1, str(HERE.parent))
from common import median, report, single_thread_env  # noqa: E402

single_thread_env()
WIDTH, HEIGHT = 640, 480
SETTINGS = {"objects_range": (3, 8), "scale_range": (0.1, 0.3),
            "rotation_deg_range": (-30.0, 30.0), "max_occlusion": 0.5, "max_truncation": 0.2}


def assets(root: Path) -> tuple[Path, Path]:
    from tests.synth import scene_fixtures as F

    return F.write_coco(root / "obj"), F.write_backgrounds(root / "bg")


def hand_loop(obj: Path, bg: Path, count: int, out: Path | None) -> None:
    """The OpenCV loop (see the module doc); writes files when `out` is given."""
    import cv2
    import numpy as np
    from pycocotools import mask as mask_utils

    coco = json.loads((obj / "annotations" / "instances.json").read_text())
    names = {c["id"]: c["name"] for c in coco["categories"]}
    images = {i["id"]: cv2.cvtColor(cv2.imread(str(obj / "images" / i["file_name"])),
                                    cv2.COLOR_BGR2RGB) for i in coco["images"]}
    cutouts = []
    for ann in coco["annotations"]:
        img = images[ann["image_id"]]
        h, w = img.shape[:2]
        seg = ann["segmentation"]
        rle = (mask_utils.merge(mask_utils.frPyObjects(seg, h, w)) if isinstance(seg, list)
               else {"size": seg["size"], "counts": seg["counts"].encode()})
        m = mask_utils.decode(rle)
        ys, xs = np.nonzero(m)
        win = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
        cutouts.append((names[ann["category_id"]], img[win].copy(), (m[win] * 255)))
    backgrounds = sorted(bg.glob("*.jpg"))
    classes = sorted(set(names.values()))
    rng = np.random.default_rng(0)
    entries = []
    for index in range(count):
        photo = cv2.cvtColor(cv2.imread(str(backgrounds[rng.integers(len(backgrounds))])),
                             cv2.COLOR_BGR2RGB)
        s = max(WIDTH / photo.shape[1], HEIGHT / photo.shape[0])
        photo = cv2.resize(photo, (math.ceil(photo.shape[1] * s), math.ceil(photo.shape[0] * s)))
        canvas = photo[:HEIGHT, :WIDTH].copy()
        ids = np.zeros((HEIGHT, WIDTH), np.uint16)
        labels = []
        for k in range(1, int(rng.integers(3, 9)) + 1):
            cls, rgb, alpha = cutouts[rng.integers(len(cutouts))]
            scale = rng.uniform(0.1, 0.3) * HEIGHT / max(alpha.shape)
            size = (max(1, round(alpha.shape[1] * scale)), max(1, round(alpha.shape[0] * scale)))
            rgb, a = cv2.resize(rgb, size), cv2.resize(alpha, size)
            if rng.random() < 0.5:
                rgb, a = rgb[:, ::-1].copy(), a[:, ::-1].copy()
            angle = rng.uniform(-30, 30)
            ww, hh = size
            cos, sin = abs(math.cos(math.radians(angle))), abs(math.sin(math.radians(angle)))
            ow, oh = math.ceil(ww * cos + hh * sin), math.ceil(ww * sin + hh * cos)
            m = cv2.getRotationMatrix2D((ww / 2, hh / 2), angle, 1.0)
            m[0, 2] += (ow - ww) / 2
            m[1, 2] += (oh - hh) / 2
            rgb = cv2.warpAffine(rgb, m, (ow, oh))
            a = cv2.warpAffine(a, m, (ow, oh))
            if ow >= WIDTH or oh >= HEIGHT:
                continue
            x, y = int(rng.integers(0, WIDTH - ow)), int(rng.integers(0, HEIGHT - oh))
            region = canvas[y:y + oh, x:x + ow].astype(np.float32)
            af = (a.astype(np.float32) / 255)[:, :, None]
            canvas[y:y + oh, x:x + ow] = (region * (1 - af) + rgb * af).astype(np.uint8)
            ids[y:y + oh, x:x + ow][a >= 128] = k
            labels.append(cls)
        objects = []
        for k, cls in enumerate(labels, start=1):
            visible = ids == k
            if not visible.any():
                continue
            ys, xs = np.nonzero(visible)
            rle = mask_utils.encode(np.asfortranarray(visible.astype(np.uint8)))
            objects.append({"class": cls, "box": [int(xs.min()), int(ys.min()),
                                                  int(xs.max()) + 1, int(ys.max()) + 1],
                            "area": int(visible.sum()),
                            "rle": {"size": rle["size"], "counts": rle["counts"].decode()}})
        if out is not None:
            name = f"scene_{index:06d}"
            cv2.imwrite(str(out / "images" / f"{name}.png"), cv2.cvtColor(canvas,
                                                                          cv2.COLOR_RGB2BGR))
            cv2.imwrite(str(out / "masks" / f"{name}.png"), ids.astype(np.uint8))
            lines = [f"{classes.index(o['class'])} {(o['box'][0] + o['box'][2]) / 2 / WIDTH:.6f} "
                     f"{(o['box'][1] + o['box'][3]) / 2 / HEIGHT:.6f} "
                     f"{(o['box'][2] - o['box'][0]) / WIDTH:.6f} "
                     f"{(o['box'][3] - o['box'][1]) / HEIGHT:.6f}" for o in objects]
            (out / "labels" / f"{name}.txt").write_text("\n".join(lines) + "\n")
            entries.append({"file_name": f"images/{name}.png", "objects": objects})
    if out is not None:
        (out / "coco.json").write_text(json.dumps(entries))


def main() -> None:
    import numpy as np

    from mediasynth import api
    from mediasynth.core.registry import lookup
    from mediasynth.synth.base import ItemContext

    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_scenes_"))
    try:
        obj, bg = assets(work)

        def in_memory(blend: str):
            gen = lookup("synth.scenes")(objects=str(obj), backgrounds=str(bg), blend=blend,
                                         **SETTINGS)

            def run():
                for i in range(args.count):
                    gen.generate(np.random.default_rng(i), "scene", ItemContext(i))
            return run

        def loop_files():
            out = work / "loop"
            shutil.rmtree(out, ignore_errors=True)
            for sub in ("images", "masks", "labels"):
                (out / sub).mkdir(parents=True)
            hand_loop(obj, bg, args.count, out)

        def ours_files(workers: int):
            def run():
                api.scenes(work / f"ours{workers}", objects=obj, backgrounds=bg,
                           count=args.count, workers=workers, report=False, progress=False,
                           **{"blend": "none", **SETTINGS})
                shutil.rmtree(work / f"ours{workers}")
            return run

        memory = [("hand-written OpenCV loop (alpha paste, masks, boxes, RLE)",
                   lambda: hand_loop(obj, bg, args.count, None)),
                  ("synth.scenes blend none", in_memory("none")),
                  ("synth.scenes blend gaussian", in_memory("gaussian")),
                  ("synth.scenes blend poisson", in_memory("poisson"))]
        files = [("hand-written OpenCV loop, 1 process", loop_files),
                 ("synth scenes OUT, blend none, 1 worker", ours_files(1)),
                 ("synth scenes OUT, blend none, 2 workers", ours_files(2))]
        for title, runners in (("in memory", memory), ("files written", files)):
            times = {name: [] for name, _ in runners}
            for repeat in range(args.repeats + 1):  # the first round warms caches, untimed
                for name, fn in runners:
                    start = time.perf_counter()
                    fn()
                    if repeat:
                        times[name].append(time.perf_counter() - start)
            rows = [(name, median(times[name]), args.count) for name, _ in runners]
            report(f"Pasted-object scenes {WIDTH}x{HEIGHT}, {args.count} scenes, {title} "
                   f"(median of {args.repeats})", rows, "scenes", runners[0][0])
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
