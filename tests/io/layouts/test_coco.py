"""COCO through expand: synth scenes and a hand-built set with RLE (compressed and not),
keypoints and a crowd region; outputs load in pycocotools and match the moved pixels."""

from __future__ import annotations

import json

import numpy as np
import pytest

pytest.importorskip("pycocotools")
from pycocotools import mask as mask_utils  # noqa: E402
from pycocotools.coco import COCO  # noqa: E402

from mediasynth.cli import main  # noqa: E402
from mediasynth.core.config import load_pipeline  # noqa: E402
from mediasynth.core.media import Image  # noqa: E402
from mediasynth.core.transform import OpRecord  # noqa: E402
from mediasynth.io.image_io import read_image  # noqa: E402
from tests.io.layouts.helpers import (  # noqa: E402
    FLIP,
    GEOMETRIC,
    box_iou,
    expand,
    mask_box,
    noise_image,
    pipeline_file,
    rows,
)


def _moved_instance_mask(src, row, pipeline):
    """The source's instance-id mask moved by the row's recorded chain (nearest)."""
    from PIL import Image as PILImage

    stem = row["source"].rsplit("/", 1)[-1].rsplit(".", 1)[0]
    split = row["source"].split("/")[0]
    ids = np.array(PILImage.open(src / "annotations" / "masks" / split / f"{stem}.png"))
    image = read_image(src / row["source"])
    moved = pipeline.image.replay(image.replace(mask=ids), OpRecord.from_dict(row["record"]))
    return moved.mask


def test_synth_scenes_expand_with_boxes_and_polygons_on_the_moved_objects(tmp_path):
    src = tmp_path / "synth"
    assert main(["synth", "shapes", str(src), "--count", "24", "--split", "0.75,0.25", "-q",
                 "--no-report", "--set", "width=128", "--set", "height=96"]) == 0
    out = tmp_path / "out"
    pipeline_path = pipeline_file(tmp_path, GEOMETRIC, split=True)
    assert expand(src, out, pipeline_path, "-n", "2") == 0
    pipeline = load_pipeline(out / "pipeline.yaml")
    source_doc = {}
    for split in ("train", "val"):
        source_doc.update({i["file_name"]: i for i in json.loads(
            (src / "annotations" / f"{split}.coco.json").read_text())["images"]})
    checked = 0
    by_output = {r["output"]: r for r in rows(out) if r["status"] == "ok"}
    for split in ("train", "val"):
        coco = COCO(str(out / "annotations" / f"instances_{split}.json"))
        for image in coco.dataset["images"]:
            row = by_output[f"images/{split}/{image['file_name']}"]
            if row["variant"] < 0:
                continue
            ids = _moved_instance_mask(src, row, pipeline)
            source_objects = len(row["annotation"]["objects"]) + row["dropped_objects"]
            anns = coco.loadAnns(coco.getAnnIds(imgIds=image["id"]))
            assert len(anns) == len(row["annotation"]["objects"]) <= source_objects
            for ann in anns:
                drawn = coco.annToMask(ann).astype(bool)
                # the instance this annotation came from: the id it overlaps most
                values, counts = np.unique(ids[drawn], return_counts=True)
                keep = values > 0
                truth = ids == values[keep][np.argmax(counts[keep])]
                iou = (drawn & truth).sum() / (drawn | truth).sum()
                assert iou >= 0.9, (row["output"], iou)
                x, y, w, h = ann["bbox"]
                assert box_iou([x, y, x + w, y + h], mask_box(truth)) >= 0.9
                checked += 1
    assert checked >= 15


def _hand_built(tmp_path):
    """COCO release layout: annotations/instances_train.json + images/train/."""
    src = tmp_path / "coco"
    width, height = 120, 90
    noise_image(src / "images" / "train" / "a.jpg", width, height, seed=1)
    noise_image(src / "images" / "train" / "b.png", width, height, seed=2)
    crowd = np.zeros((height, width), np.uint8)
    crowd[10:40, 60:100] = 1
    compressed = mask_utils.encode(np.asfortranarray(crowd))
    blob = np.zeros((height, width), np.uint8)
    blob[50:80, 5:30] = 1
    blob[60:70, 12:20] = 0  # a hole
    flat = np.asfortranarray(blob).ravel(order="F")
    changes = np.flatnonzero(np.diff(np.concatenate([[0], flat, [2]])))
    counts = np.diff(np.concatenate([[0], changes])).tolist()
    doc = {
        "info": {"description": "hand-built"},
        "images": [{"id": 7, "file_name": "a.jpg", "width": width, "height": height,
                    "license": 3},
                   {"id": 9, "file_name": "b.png", "width": width, "height": height}],
        "annotations": [
            {"id": 1, "image_id": 7, "category_id": 5, "bbox": [10, 20, 30, 40],
             "segmentation": [[10, 20, 40, 20, 40, 60, 10, 60]], "area": 1200, "iscrowd": 0,
             "keypoints": [15, 25, 2, 35, 55, 1, 0, 0, 0], "num_keypoints": 2,
             "attributes": {"occluded": False}},
            {"id": 2, "image_id": 7, "category_id": 6, "bbox": [60, 10, 40, 30],
             "segmentation": {"size": [height, width],
                              "counts": compressed["counts"].decode()},
             "area": 1200, "iscrowd": 1},
            {"id": 3, "image_id": 9, "category_id": 6, "bbox": [5, 50, 25, 30],
             "segmentation": {"size": [height, width], "counts": counts},
             "area": int(blob.sum()), "iscrowd": 0},
        ],
        "categories": [{"id": 5, "name": "person", "supercategory": "human",
                        "keypoints": ["head", "hand", "foot"], "skeleton": [[1, 2]]},
                       {"id": 6, "name": "crowd"}],
    }
    (src / "annotations").mkdir(parents=True)
    (src / "annotations" / "instances_train.json").write_text(json.dumps(doc))
    return src, crowd, blob


def test_rle_keypoints_and_crowd_follow_a_flip(tmp_path):
    src, crowd, blob = _hand_built(tmp_path)
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    coco = COCO(str(out / "annotations" / "instances_train.json"))
    assert {c["name"]: c["id"] for c in coco.dataset["categories"]} == {"person": 5, "crowd": 6}
    person_cat = next(c for c in coco.dataset["categories"] if c["name"] == "person")
    assert person_cat["skeleton"] == [[1, 2]]
    by_name = {i["file_name"].split("__")[0]: i for i in coco.dataset["images"]}
    a = coco.loadAnns(coco.getAnnIds(imgIds=by_name["a"]["id"]))
    person = next(x for x in a if x["category_id"] == 5)
    assert person["keypoints"] == [120 - 15, 25, 2, 120 - 35, 55, 1, 0, 0, 0]
    assert person["attributes"] == {"occluded": False}
    assert person["bbox"] == pytest.approx([120 - 40, 20, 30, 40])
    crowd_ann = next(x for x in a if x["category_id"] == 6)
    assert crowd_ann["iscrowd"] == 1
    assert np.array_equal(coco.annToMask(crowd_ann), crowd[:, ::-1])
    b = coco.loadAnns(coco.getAnnIds(imgIds=by_name["b"]["id"]))[0]
    assert np.array_equal(coco.annToMask(b), blob[:, ::-1])
    assert by_name["a"]["license"] == 3
    flipped = read_image(out / "images" / "train" / by_name["a"]["file_name"])
    source = read_image(src / "images" / "train" / "a.jpg")
    assert isinstance(flipped, Image) and flipped.width == source.width


def test_keypoints_follow_the_pixels_through_a_geometric_chain(tmp_path):
    """Point features (bright dots on a textured image) detected on each output land within
    1.5 px of the source's keypoints moved by the row's parameters."""
    import cv2

    rng = np.random.default_rng(5)
    width, height = 160, 120
    base = cv2.GaussianBlur(rng.integers(40, 90, (height, width, 3), dtype=np.uint8), (5, 5), 2)
    points = [(30.5, 25.5), (120.5, 30.5), (80.5, 60.5), (40.5, 95.5), (130.5, 100.5)]
    yy, xx = np.mgrid[0:height, 0:width] + 0.5
    for x, y in points:
        base = np.maximum(base, (255 * np.exp(-((xx - x) ** 2 + (yy - y) ** 2) / 4.0))[
            ..., None].astype(np.uint8))
    src = tmp_path / "kp"
    (src / "images").mkdir(parents=True)
    cv2.imwrite(str(src / "images" / "dots.png"), base)
    doc = {"images": [{"id": 1, "file_name": "dots.png", "width": width, "height": height}],
           "annotations": [{"id": 1, "image_id": 1, "category_id": 1, "iscrowd": 0,
                            "bbox": [10, 10, 140, 100], "area": 14000,
                            "keypoints": [v for x, y in points for v in (x, y, 2)]}],
           "categories": [{"id": 1, "name": "dots"}]}
    (src / "annotations").mkdir()
    (src / "annotations" / "instances_default.json").write_text(json.dumps(doc))
    pipeline = pipeline_file(tmp_path, """image:
  - {type: image.affine, angle_deg_range: [-25, 25], scale_range: [0.8, 1.2],
     translate_fraction_range: [-0.05, 0.05], border_mode: constant}
  - {type: image.flip_horizontal, p: 0.5}
""")
    out = tmp_path / "out"
    assert expand(src, out, pipeline, "-n", "6") == 0
    errors = []
    for row in rows(out):
        image = cv2.imread(str(out / row["output"]), cv2.IMREAD_GRAYSCALE).astype(np.float64)
        for x, y, v in row["annotation"]["objects"][0]["keypoints"]:
            if v == 0 or not (4 <= x < image.shape[1] - 4 and 4 <= y < image.shape[0] - 4):
                continue
            x0, y0 = int(x) - 4, int(y) - 4
            patch = image[y0:y0 + 9, x0:x0 + 9]
            weights = np.clip(patch - np.percentile(patch, 60), 0, None)
            gy, gx = np.mgrid[0:9, 0:9] + 0.5
            found = (x0 + (weights * gx).sum() / weights.sum(),
                     y0 + (weights * gy).sum() / weights.sum())
            errors.append(float(np.hypot(found[0] - x, found[1] - y)))
    assert len(errors) >= 20 and max(errors) <= 1.5, (len(errors), max(errors))
