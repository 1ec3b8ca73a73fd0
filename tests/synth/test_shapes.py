"""Shape annotations checked from the pixels; COCO and YOLO exports parse and agree."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mediasynth.cli import main
from mediasynth.core.registry import lookup
from mediasynth.synth import shapes_draw as D
from mediasynth.synth.export import coco_document


def _box_iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


@pytest.mark.parametrize("seed", range(12))
def test_boxes_masks_and_pixels_agree(seed):
    gen = lookup("synth.shapes")(width=96, height=80, objects_range=(1, 4), antialias=False,
                                 backgrounds=("solid",))
    item, rec = gen.generate(np.random.default_rng(seed))
    image = item.media
    for obj in item.annotations["objects"]:
        visible = image.mask == obj["instance"]
        ys, xs = np.nonzero(visible)
        tight = [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
        assert _box_iou(obj["box"], tight) >= 0.95
        # the object's colour is in the pixels exactly where its mask says (no antialiasing)
        color = np.array(rec.params["objects"][obj["instance"] - 1]["color"])
        assert np.all(image.pixels[visible] == color)
    bg = np.array(rec.params["background"]["colors"][0])
    assert np.all(image.pixels[image.mask == 0] == bg)


def _coco_rasterized(items):
    """Per object (shape, instance mask, mask rasterized by pycocotools from its exported COCO
    segmentation, hole mask of a ring), for generated `items`."""
    pytest.importorskip("pycocotools")
    from pycocotools.coco import COCO

    entries = [{"file_name": f"{i}.png", "width": it.media.width, "height": it.media.height,
                "objects": it.annotations["objects"]} for i, (it, _) in enumerate(items)]
    coco = COCO()
    coco.dataset = coco_document(entries, list(D.SHAPES))
    coco.createIndex()
    for image_id, (item, rec) in enumerate(items, start=1):
        anns = coco.loadAnns(coco.getAnnIds(imgIds=[image_id]))
        for obj, ann in zip(item.annotations["objects"], anns):
            params = rec.params["objects"][obj["instance"] - 1]
            hole = np.zeros(item.media.mask.shape, np.uint8)
            if obj["class"] == "ring":
                inner = D.shape_contours("ring", **{k: params[k] for k in (
                    "cx", "cy", "size", "rotation_deg", "aspect", "sides")})[1]
                D.fill(hole, [inner], 1, antialias=False)
            yield (obj["class"], item.media.mask == obj["instance"],
                   coco.annToMask(ann).astype(bool), hole.astype(bool))


@pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")
def test_coco_segmentations_rasterize_to_the_instance_masks():
    """Acceptance of the COCO export: pycocotools' rasterization of each object's
    segmentation matches its instance mask (IoU >= 0.97 mean, >= 0.9 per shape type), covers
    every visible fragment, and leaves a ring's hole uncovered; ~200 objects per shape, big
    and tiny, partly occluded."""
    ious, uncovered, hole_covered = {}, 0, 0
    for shape in D.SHAPES:
        gen = lookup("synth.shapes")(width=112, height=88, shapes=(shape,), objects_range=(1, 4),
                                     size_fraction_range=(0.05, 0.6), max_overlap=0.6)
        rng = np.random.default_rng(7)
        items = [gen.generate(rng) for _ in range(80)]
        for cls, mask, raster, hole in _coco_rasterized(items):
            ious.setdefault(cls, []).append((mask & raster).sum() / (mask | raster).sum())
            uncovered += int((mask & ~raster).any())
            hole_covered += int((raster & hole & ~mask).sum())
    assert set(ious) == set(D.SHAPES) and min(len(v) for v in ious.values()) >= 150
    means = {cls: float(np.mean(v)) for cls, v in ious.items()}
    assert np.mean(np.concatenate(list(ious.values()))) >= 0.97, means
    assert min(means.values()) >= 0.9, means
    assert uncovered == 0  # every fragment of every object has its polygon
    assert hole_covered == 0


def test_polygons_trace_pixel_edges_and_holes_use_rle():
    """A hole-free object's polygons are rectilinear with integer (pixel-corner) vertices and
    their area equals the pixel count; a ring is exported as a compressed RLE."""
    gen = lookup("synth.shapes")(width=96, height=96, shapes=("star", "ring"),
                                 objects_range=(1, 1))
    star, _ = gen.generate(np.random.default_rng(0), "star")
    (obj,) = star.annotations["objects"]
    area = 0.0
    for poly in obj["polygons"]:
        pts = np.array(poly).reshape(-1, 2)
        assert np.all(pts == np.round(pts))
        steps = np.diff(np.vstack([pts, pts[:1]]), axis=0)
        assert np.all((steps == 0).any(axis=1))
        area += 0.5 * abs(np.dot(pts[:, 0], np.roll(pts[:, 1], -1))
                          - np.dot(pts[:, 1], np.roll(pts[:, 0], -1)))
    assert area == obj["area"]
    ring, _ = gen.generate(np.random.default_rng(0), "ring")
    (obj,) = ring.annotations["objects"]
    assert "polygons" not in obj and obj["rle"]["size"] == [96, 96]
    assert isinstance(obj["rle"]["counts"], str)


def test_single_object_mode_is_classification():
    gen = lookup("synth.shapes")(width=64, height=64)
    for shape in gen.classes():
        item, _ = gen.generate(np.random.default_rng(1), shape)
        assert item.label == shape and item.annotations["objects"][0]["class"] == shape


def test_cli_exports_coco_yolo_masks(tmp_path):
    out = tmp_path / "out"
    assert main(["synth", "shapes", str(out), "--count", "20", "--seed", "3", "-q",
                 "--split", "0.5,0.5", "--set", "objects_range=[2, 4]", "--set", "width=80",
                 "--set", "height=60", "--no-report"]) == 0
    classes = (out / "annotations" / "classes.txt").read_text().split()
    from mediasynth.io.image_io import read_image

    for split in ("train", "val"):
        coco = json.loads((out / "annotations" / f"{split}.coco.json").read_text())
        assert coco["images"] and coco["annotations"]
        for img in coco["images"]:
            stem = img["file_name"].rsplit("/", 1)[1].rsplit(".", 1)[0]
            anns = [a for a in coco["annotations"] if a["image_id"] == img["id"]]
            mask = read_image(out / "annotations" / "masks" / split / f"{stem}.png").pixels[:, :, 0]
            lines = (out / "annotations" / "yolo" / split / f"{stem}.txt").read_text().split("\n")
            lines = [ln for ln in lines if ln]
            assert len(lines) == len(anns)
            for ann, line in zip(anns, lines):
                cls, cx, cy, w, h = line.split()
                assert classes[int(cls)] == coco["categories"][ann["category_id"] - 1]["name"]
                x, y, bw, bh = ann["bbox"]
                assert abs(float(cx) * 80 - (x + bw / 2)) < 0.01
                assert abs(float(w) * 60 * 80 / 60 - bw) < 0.01
                # box tightly bounds the instance's pixels in the mask PNG
                ys, xs = np.nonzero(mask > 0)
                assert xs.size
            ids = [v for v in np.unique(mask) if v]
            assert len(ids) == len(anns)


def test_class_weights_make_a_deliberate_imbalance(tmp_path):
    out = tmp_path / "out"
    assert main(["synth", "shapes", str(out), "--count", "22", "-q", "--no-report",
                 "--set", "shapes=[circle, square]",
                 "--set", "class_weights={circle: 1, square: 10}", "--set", "width=32",
                 "--set", "height=32"]) == 0
    assert len(list((out / "circle").iterdir())) == 2
    assert len(list((out / "square").iterdir())) == 20


def test_same_seed_same_bytes(tmp_path):
    from tests.engine.helpers import tree_digest

    for name in ("a", "b"):
        main(["synth", "shapes", str(tmp_path / name), "--count", "12", "-q", "--no-report",
              "--set", "width=40", "--set", "height=40", "--workers", "2" if name == "b" else "1"])
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")
