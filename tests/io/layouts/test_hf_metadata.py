"""io/layouts/hf_metadata.py: one `metadata.jsonl` per folder of outputs, in the form the
Hugging Face `imagefolder` builder reads for object detection."""

from __future__ import annotations

import json

from mediasynth.io.layouts.hf_metadata import category_names, export


def _entry(file: str, objects: list[tuple[str, list[float]]]) -> dict:
    return {"file": file, "annotation": {"objects": [{"category": c, "bbox": b}
                                                     for c, b in objects]}}


def test_each_folder_gets_its_files_with_xywh_boxes_and_category_indices(tmp_path):
    meta = {"categories": {"dog": {"id": 2}, "cat": {"id": 1}}}
    splits = {
        "train": [_entry(f"images/train/{i:03d}__v000.jpg",
                         [("cat", [10, 20, 50, 80]), ("fox", [0, 0, 5, 5])]) for i in range(100)],
        "val": [_entry("images/val/a b.jpg", [("dog", [1.5, 2.5, 4.0, 6.5])]),
                _entry("images/val/empty.jpg", [])],
    }
    written = export(tmp_path, splits, meta)
    assert written == ["images/train/metadata.jsonl", "images/val/metadata.jsonl"]
    train = [json.loads(x) for x in (tmp_path / written[0]).read_text().splitlines()]
    assert len(train) == 100 and train[0]["file_name"] == "000__v000.jpg"
    assert train[0]["objects"] == {"bbox": [[10, 20, 40, 60], [0, 0, 5, 5]],
                                   "categories": [0, 2], "area": [2400, 25]}
    assert train[0]["category_names"] == ["cat", "dog", "fox"]  # COCO id order, then new
    val = [json.loads(x) for x in (tmp_path / written[1]).read_text().splitlines()]
    assert val[0]["objects"] == {"bbox": [[1.5, 2.5, 2.5, 4.0]], "categories": [1],
                                 "area": [10.0]}
    assert val[1] == {"file_name": "empty.jpg", "objects": {"bbox": [], "categories": [],
                                                            "area": []},
                      "category_names": ["cat", "dog", "fox"]}


def test_names_come_from_yolo_names_when_there_are_no_categories():
    splits = {"train": [_entry("a/x.png", [("z", [0, 0, 1, 1])])]}
    assert category_names({"names": ["b", "a"]}, splits) == ["b", "a", "z"]
    assert category_names({}, splits) == ["z"]
