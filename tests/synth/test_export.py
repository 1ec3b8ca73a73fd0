"""synth/export.py: YOLO lines, COCO documents pycocotools reads (polygons and RLE), and the
tone tables."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest
from pycocotools import mask as coco_mask
from pycocotools.coco import COCO

from mediasynth.synth.export import coco_document, write_json, write_tone_tables, yolo_lines

CLASSES = ["circle", "square"]


def test_yolo_lines_are_normalized_centres_and_sizes():
    objects = [{"class": "square", "box": [10, 20, 30, 60]}, {"class": "circle",
                                                               "box": [0, 0, 64, 48]}]
    assert yolo_lines(objects, CLASSES, 64, 48) == (
        "1 0.312500 0.833333 0.312500 0.833333\n0 0.500000 0.500000 1.000000 1.000000\n")
    assert yolo_lines([], CLASSES, 64, 48) == ""


def test_a_coco_document_loads_in_pycocotools_with_its_masks(tmp_path):
    ring = np.zeros((48, 64), np.uint8, order="F")
    ring[10:30, 10:30] = 1
    ring[15:25, 15:25] = 0
    rle = coco_mask.encode(ring)
    items = [{"file_name": f"img{i}.png", "width": 64, "height": 48, "objects": [
        {"class": "square", "box": [4, 6, 14, 16], "area": 100,
         "polygons": [[4, 6, 14, 6, 14, 16, 4, 16]]},
        {"class": "circle", "box": [10, 10, 30, 30], "area": int(ring.sum()),
         "rle": {"size": [48, 64], "counts": rle["counts"].decode()}}]} for i in range(3)]
    doc = coco_document(items, CLASSES)
    write_json(tmp_path / "coco.json", doc)
    api = COCO(str(tmp_path / "coco.json"))
    assert sorted(api.getImgIds()) == [1, 2, 3] and len(api.getAnnIds()) == 6
    square, circle = api.loadAnns(api.getAnnIds(imgIds=[2]))
    assert square["bbox"] == [4, 6, 10, 10] and square["category_id"] == 2
    assert api.annToMask(square).sum() == 100
    assert np.array_equal(api.annToMask(circle), ring) and circle["iscrowd"] == 0
    assert [c["name"] for c in api.loadCats(api.getCatIds())] == CLASSES


def test_tone_tables_hold_every_row(tmp_path):
    rows = [{"file_name": f"t{i}.wav", "labels": {"signal": "sine", "f0_hz": 440.0 + i,
                                                  "onset_s": 0.1234567, "offset_s": 0.9,
                                                  "duration_s": 0.7765433}}
            for i in range(50)]
    rows.append({"file_name": "noise.wav", "labels": {"signal": "noise", "onset_s": 0.0,
                                                      "offset_s": 1.0, "duration_s": 1.0}})
    write_tone_tables(tmp_path, "train", rows)
    assert json.loads((tmp_path / "train.json").read_text()) == rows
    table = list(csv.reader((tmp_path / "train.csv").open()))
    assert table[0] == ["file", "class", "f0_hz", "onset_s", "offset_s", "duration_s"]
    assert table[1] == ["t0.wav", "sine", "440.0", "0.123457", "0.9", "0.776543"]
    assert table[-1] == ["noise.wav", "noise", "", "0.0", "1.0", "1.0"]
    assert len(table) == 52
    assert float(table[2][2]) == pytest.approx(441.0)
