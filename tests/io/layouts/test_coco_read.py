"""COCO in: found by parsing (keys in any order, files past 64 KiB), FiftyOne's and Label
Studio's trees, subsets, and what passes through to the output (info, licenses, box-only
objects without "segmentation")."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from mediasynth.cli import main
from mediasynth.io.layouts import detect, read_layout
from tests.io.layouts import tool_trees as T
from tests.io.layouts.helpers import FLIP, expand, pipeline_file, rows

pytest.importorskip("pycocotools")


def _source_counts(src: Path) -> tuple[int, int]:
    images = objects = 0
    for path in (src / "annotations").glob("*.coco.json"):
        doc = json.loads(path.read_text())
        images += len(doc["images"])
        objects += len(doc["annotations"])
    return images, objects


@pytest.mark.parametrize("split", [None, "0.8,0.2"])
def test_synth_shapes_500_expand_with_every_image_and_object(tmp_path, split):
    src, out = tmp_path / "shapes", tmp_path / "out"
    args = ["synth", "shapes", str(src), "--count", "500", "-q", "--no-report",
            "--set", "width=48", "--set", "height=32"]
    assert main(args + (["--split", split] if split else [])) == 0
    biggest = max((src / "annotations").glob("*.coco.json"), key=lambda p: p.stat().st_size)
    assert biggest.stat().st_size > 1 << 16
    assert biggest.read_text().lstrip("{ \n").startswith('"annotations"')  # sorted keys
    assert detect(src) == "coco"
    images_in, objects_in = _source_counts(src)
    assert images_in == 500
    code = expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1", "--layout", "auto",
                  "--annotations", "coco")
    assert code == 0
    written = rows(out)
    assert all(r["status"] == "ok" for r in written), {r["status"] for r in written}
    assert len(written) == images_in
    assert not any(r["output"].startswith("annotations") for r in written)
    assert sum(len(r["annotation"]["objects"]) + r.get("dropped_objects", 0)
               for r in written) == objects_in  # val originals are copies: nothing dropped
    if split:  # the declared subsets are kept: train augmented, val copied
        assert {r["split"] for r in written} == {"train", "val"}
        assert all((r["variant"] == -1) == (r["split"] == "val") for r in written)
    out_objects = sum(len(json.loads(p.read_text())["annotations"])
                      for p in (out / "annotations").glob("instances_*.json"))
    assert out_objects == sum(len(r["annotation"]["objects"]) for r in written)
    _, read = read_layout(src)
    subsets = {item["subset"] for item in read.items.values()}
    assert subsets == ({"train", "val"} if split else {"all"})


@pytest.mark.parametrize("sort_keys", [False, True])
def test_fiftyone_coco_tree_is_read_whole(tmp_path, sort_keys):
    src = tmp_path / "fo"
    doc = T.fiftyone_coco(src, 300, sort_keys=sort_keys)
    assert (src / "labels.json").stat().st_size > 1 << 16
    layout, read = read_layout(src)
    assert layout.name == "coco" and not read.missing
    assert sorted(read.items) == sorted(f"data/{i['file_name']}" for i in doc["images"])
    assert sum(len(i["annotation"]["objects"]) for i in read.items.values()) == \
        len(doc["annotations"])
    assert {i["subset"] for i in read.items.values()} == {None}  # labels.json names none
    assert read.consumed == {"labels.json"}


def test_fiftyone_coco_through_expand_keeps_info_licenses_and_no_segmentation(tmp_path):
    from pycocotools.coco import COCO

    src, out = tmp_path / "fo", tmp_path / "out"
    doc = T.fiftyone_coco(src, 240, sort_keys=True)
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    written = rows(out)
    assert len(written) == 240 and all(r["status"] == "ok" for r in written)
    result = json.loads((out / "annotations" / "instances_default.json").read_text())
    assert result["info"] == doc["info"] and result["licenses"] == doc["licenses"]
    assert len(result["annotations"]) == len(doc["annotations"])
    assert not any("segmentation" in a for a in result["annotations"])
    assert {c["name"] for c in result["categories"]} == set(T.CLASSES)
    coco = COCO(str(out / "annotations" / "instances_default.json"))
    assert len(coco.getImgIds()) == 240


def test_empty_segmentation_in_the_source_stays_in_the_output(tmp_path):
    src, out = tmp_path / "fo", tmp_path / "out"
    doc = T.fiftyone_coco(src, 30)
    for ann in doc["annotations"]:
        ann["segmentation"] = []
    (src / "labels.json").write_text(json.dumps(doc))
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    result = json.loads((out / "annotations" / "instances_default.json").read_text())
    assert all(a["segmentation"] == [] for a in result["annotations"])


def test_label_studio_coco_result_json(tmp_path):
    src = tmp_path / "ls"
    doc = T.label_studio_coco(src, 200)
    layout, read = read_layout(src)
    assert layout.name == "coco" and not read.missing
    assert sorted(read.items) == sorted(i["file_name"] for i in doc["images"])
    assert sum(len(i["annotation"]["objects"]) for i in read.items.values()) == \
        len(doc["annotations"])
    assert read.meta["info"]["contributor"] == "tests"


def test_fiftyone_coco_split_folders_declare_their_subsets(tmp_path):
    src = tmp_path / "fo"
    for folder, count in (("train", 120), ("validation", 40), ("test", 20)):
        T.fiftyone_coco(src / folder, count, sort_keys=folder == "train")
    layout, read = read_layout(src)
    assert layout.name == "coco" and not read.missing
    got: dict[str, int] = {}
    for key, item in read.items.items():
        assert key.startswith({"train": "train/", "val": "validation/",
                               "test": "test/"}[item["subset"]])
        got[item["subset"]] = got.get(item["subset"], 0) + 1
    assert got == {"train": 120, "val": 40, "test": 20}


def test_instances_validation_is_subset_val_with_its_images_found(tmp_path):
    src = tmp_path / "c"
    doc = T.coco_doc(50, T.image_name)
    for i in range(50):
        T.write_image(src / "images" / "validation" / T.image_name(i), i)
    (src / "annotations").mkdir()
    (src / "annotations" / "instances_validation.json").write_text(json.dumps(doc))
    _, read = read_layout(src)
    assert len(read.items) == 50 and not read.missing
    assert {i["subset"] for i in read.items.values()} == {"val"}
