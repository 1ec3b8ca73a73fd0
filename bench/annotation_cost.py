"""Annotation handling cost: the image bench job on the bench photos as class folders vs the
same photos as a COCO dataset with polygon objects, in one run.

    python bench/data.py --only photos
    python bench/annotation_cost.py [--repeats 5] [--objects 5]

The COCO copy (bench/data/photos_coco: annotations/instances_default.json + images/) is made
here from bench/data/photos, seeded: every photo gets `--objects` random star-shaped
polygons (12-24 vertices, radius 20-90 px, inside the frame), with boxes and areas, in 4
categories. Both runners are `mediasynth expand` with the image bench pipeline (flip +
rotate + brightness/contrast, 5 variants, JPEG q95), 1 worker, `--no-report`: the COCO run
also moves every polygon and box with each output's geometry, drops objects that leave the
frame and writes annotations/instances_<split>.json. Fresh processes, interleaved (ABBA),
medians of wall time and of the CPU time of the whole process tree.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
from pathlib import Path

import numpy as np

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
from image import PIPELINE, VARIANTS  # noqa: E402

single_thread_env()
CATEGORIES = ("blob", "star", "shard", "patch")


def random_polygon(rng: np.random.Generator, width: int, height: int) -> list[float]:
    """A star-shaped polygon (vertices at sorted angles, random radii) inside the frame."""
    n = int(rng.integers(12, 25))
    radius = rng.uniform(20, 90)
    cx = rng.uniform(radius, width - radius)
    cy = rng.uniform(radius, height - radius)
    angles = np.sort(rng.uniform(0, 2 * np.pi, n))
    radii = radius * rng.uniform(0.4, 1.0, n)
    xs = np.clip(cx + radii * np.cos(angles), 0, width - 1)
    ys = np.clip(cy + radii * np.sin(angles), 0, height - 1)
    return [round(float(v), 2) for xy in zip(xs, ys) for v in xy]


def make_coco(photos: Path, objects: int) -> Path:
    """bench/data/photos_coco from the photos (rebuilt when the photo count changes)."""
    import cv2

    folder = DATA / "photos_coco"
    files = sorted(photos.rglob("*.jpg"))
    doc_path = folder / "annotations" / "instances_default.json"
    if doc_path.exists():
        doc = json.loads(doc_path.read_text())
        if len(doc["images"]) == len(files) and len(doc["annotations"]) == len(files) * objects:
            return folder
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "images").mkdir(parents=True)
    doc_path.parent.mkdir(parents=True)
    rng = np.random.default_rng(3)
    images, annotations = [], []
    for image_id, path in enumerate(files, 1):
        height, width = cv2.imread(str(path)).shape[:2]
        shutil.copyfile(path, folder / "images" / path.name)
        images.append({"id": image_id, "file_name": path.name, "width": width,
                       "height": height})
        for _ in range(objects):
            poly = random_polygon(rng, width, height)
            xs, ys = np.array(poly[0::2]), np.array(poly[1::2])
            area = 0.5 * abs(float(np.dot(xs, np.roll(ys, 1)) - np.dot(ys, np.roll(xs, 1))))
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id,
                "category_id": int(rng.integers(1, len(CATEGORIES) + 1)),
                "segmentation": [poly], "area": round(area, 2), "iscrowd": 0,
                "bbox": [round(float(xs.min()), 2), round(float(ys.min()), 2),
                         round(float(xs.max() - xs.min()), 2),
                         round(float(ys.max() - ys.min()), 2)]})
    categories = [{"id": i, "name": n, "supercategory": "shape"}
                  for i, n in enumerate(CATEGORIES, 1)]
    doc_path.write_text(json.dumps({"images": images, "annotations": annotations,
                                    "categories": categories}))
    return folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--objects", type=int, default=5)
    parser.add_argument("--src", type=Path, default=DATA / "photos")
    args = parser.parse_args()
    photos = sorted(args.src.rglob("*.jpg"))
    if not photos:
        raise SystemExit("no photos: run `python bench/data.py --only photos` first")
    coco = make_coco(args.src, args.objects)
    RESULTS.mkdir(parents=True, exist_ok=True)
    pipeline = RESULTS / "image_bench.yaml"
    pipeline.write_text(PIPELINE)
    work = RESULTS / "annotations_out"
    py = sys.executable

    def ms(src: Path) -> list[str]:
        return [py, "-m", "mediasynth", "expand", str(src), str(work), "-p", str(pipeline),
                "--workers", "1", "-q", "--no-report"]

    table = [("class folders", ms(args.src)),
             (f"COCO, {args.objects} polygons per image", ms(coco))]
    wall, cpu = interleaved_tree(table, repeats=args.repeats, work=work)
    outputs = len(photos) * VARIANTS
    rows = [(name, median(wall[name]), outputs) for name, _ in table]
    a, b = table[1][0], table[0][0]
    w, c = paired(wall, a, b), paired(cpu, a, b)
    report(f"Annotation handling: image bench job, class folders vs COCO polygons (median of "
           f"{args.repeats}, fresh processes, 1 worker)", rows, "outputs", "class folders",
           {"COCO / folders wall time (ratio of medians; median of pairs, range)":
            f"{w[0]:.3f}x; {w[1]:.3f}x ({w[2]:.3f}-{w[3]:.3f})",
            "COCO / folders CPU time of the process tree":
            f"{c[0]:.3f}x; {c[1]:.3f}x ({c[2]:.3f}-{c[3]:.3f})",
            "CPU medians (folders, COCO)": f"{median(cpu[b]):.2f} s, {median(cpu[a]):.2f} s"})


if __name__ == "__main__":
    main()
