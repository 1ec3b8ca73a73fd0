"""YOLO (Ultralytics, Darknet), VOC, mask pairs and labels tables through expand, and the
COCO -> YOLO -> COCO round trip."""

from __future__ import annotations

import json

import numpy as np
import pytest
import yaml
from PIL import Image as PILImage

from tests.io.layouts.helpers import (
    FLIP,
    IDENTITY,
    box_iou,
    expand,
    noise_image,
    pipeline_file,
    rows,
)

W, H = 120, 90


def _yolo_tree(tmp_path):
    src = tmp_path / "yolo"
    for i in range(3):
        noise_image(src / "images" / "train" / f"im{i}.jpg", W, H, seed=i)
    (src / "labels" / "train").mkdir(parents=True)
    (src / "labels" / "train" / "im0.txt").write_text("0 0.25 0.5 0.2 0.4\n1 0.75 0.5 0.1 0.2\n")
    (src / "labels" / "train" / "im1.txt").write_text("1 0.1 0.1 0.3 0.1 0.3 0.3 0.1 0.3\n")
    (src / "data.yaml").write_text(yaml.safe_dump({"path": ".", "train": "images/train",
                                                   "names": {0: "cat", 1: "dog"}}))
    return src


def test_yolo_detect_and_segment_follow_a_flip(tmp_path):
    src = _yolo_tree(tmp_path)
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    data = yaml.safe_load((out / "data.yaml").read_text())
    assert data["names"] == {0: "cat", 1: "dog"}
    labels = {p.stem.split("__")[0]: p.read_text().split("\n")[:-1]
              for p in (out / "labels" / "train").glob("*.txt")}
    assert set(labels) == {"im0", "im1", "im2"} and labels["im2"] == []
    # a segment dataset: every object is a polygon line, boxes as their rectangles
    cls, *corners = labels["im0"][0].split()
    xs, ys = [float(v) for v in corners[0::2]], [float(v) for v in corners[1::2]]
    assert cls == "0" and len(xs) == 4
    assert (min(xs), min(ys), max(xs), max(ys)) == pytest.approx((0.65, 0.3, 0.85, 0.7))
    seg = [float(v) for v in labels["im1"][0].split()[1:]]
    assert sorted(seg[0::2]) == pytest.approx([0.7, 0.7, 0.9, 0.9], abs=1e-6)
    for r in rows(out):
        assert (out / r["output"]).is_file()


def test_darknet_yolo_1_1_reads_and_writes_its_own_layout(tmp_path):
    src = tmp_path / "darknet"
    noise_image(src / "obj_train_data" / "frame_000.jpg", W, H)
    (src / "obj_train_data" / "frame_000.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    (src / "obj.names").write_text("car\n")
    (src / "obj.data").write_text("classes = 1\ntrain = train.txt\nnames = obj.names\n")
    (src / "train.txt").write_text("obj_train_data/frame_000.jpg\n")
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    assert (out / "obj.names").read_text() == "car\n"
    listed = (out / "train.txt").read_text().split()
    assert listed and all((out / p).is_file() and (out / p).with_suffix(".txt").is_file()
                          for p in listed)


def test_coco_to_yolo_to_coco_round_trip_keeps_boxes(tmp_path):
    from tests.io.layouts.test_coco import _hand_built

    src, _, _ = _hand_built(tmp_path)
    identity = pipeline_file(tmp_path, IDENTITY)
    mid = tmp_path / "mid"
    assert expand(src, mid, identity, "-n", "1", "--annotations", "yolo") == 0
    back = tmp_path / "back"
    assert expand(mid, back, identity, "-n", "1", "--layout", "yolo",
                  "--annotations", "coco") == 0
    before = json.loads((src / "annotations" / "instances_train.json").read_text())
    after = json.loads((back / "annotations" / "instances_train.json").read_text())
    names = {i["id"]: i["file_name"].split("__")[0] for i in after["images"]}
    got = sorted((names[a["image_id"]], *a["bbox"]) for a in after["annotations"])
    first = {i["id"]: i["file_name"].rsplit(".", 1)[0] for i in before["images"]}
    want = sorted((first[a["image_id"]], *a["bbox"]) for a in before["annotations"])
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g[0] == w[0] and np.allclose(g[1:], w[1:], atol=0.5), (g, w)


def test_voc_boxes_and_fields_follow_a_flip(tmp_path):
    src = tmp_path / "voc"
    noise_image(src / "JPEGImages" / "000001.jpg", W, H)
    (src / "Annotations").mkdir(parents=True)
    (src / "Annotations" / "000001.xml").write_text(
        "<annotation><filename>000001.jpg</filename><size><width>120</width>"
        "<height>90</height><depth>3</depth></size><object><name>dog</name><pose>Left</pose>"
        "<truncated>0</truncated><difficult>1</difficult><bndbox><xmin>11</xmin>"
        "<ymin>21</ymin><xmax>40</xmax><ymax>60</ymax></bndbox></object></annotation>")
    (src / "ImageSets" / "Main").mkdir(parents=True)
    (src / "ImageSets" / "Main" / "train.txt").write_text("000001\n")
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    import xml.etree.ElementTree as ET

    xml_files = list((out / "Annotations").glob("*.xml"))
    assert len(xml_files) == 1
    obj = ET.parse(xml_files[0]).getroot().find("object")
    assert obj.findtext("difficult") == "1" and obj.findtext("pose") == "Left"
    box = [int(obj.find("bndbox").findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")]
    assert box == [120 - 40 + 1, 21, 120 - 10, 60]
    listing = (out / "ImageSets" / "Main" / "train.txt").read_text().split()
    assert listing == [xml_files[0].stem]
    assert (out / "JPEGImages" / f"{xml_files[0].stem}.jpg").is_file()


def test_palette_masks_stay_palette_and_move_with_the_image(tmp_path):
    src = tmp_path / "seg"
    noise_image(src / "images" / "a.png", W, H)
    labels = np.zeros((H, W), np.uint8)
    labels[10:50, 5:40] = 1
    labels[60:80, 70:110] = 2
    mask = PILImage.fromarray(labels, "P")
    palette = [0, 0, 0, 255, 0, 0, 0, 255, 0] + [0] * (256 * 3 - 9)
    mask.putpalette(palette)
    (src / "masks").mkdir()
    mask.save(src / "masks" / "a.png")
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    written = [r for r in rows(out) if r["status"] == "ok"]
    assert len(written) == 1 and written[0]["side_files"]
    moved = PILImage.open(out / next(iter(written[0]["side_files"])))
    assert moved.mode == "P" and moved.getpalette()[:9] == palette[:9]
    assert np.array_equal(np.array(moved), labels[:, ::-1])


def test_labels_table_with_several_labels(tmp_path):
    src = tmp_path / "tab"
    for i in range(4):
        noise_image(src / "files" / f"x{i}.png", 32, 32, seed=i)
    (src / "labels.csv").write_text("path,label\nfiles/x0.png,cat\nfiles/x1.png,cat|dog\n"
                                    "files/x2.png,dog\nfiles/x3.png,bird\n")
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    got = {r["source"]: r for r in rows(out)}
    assert got["files/x1.png"]["labels"] == ["cat", "dog"]
    assert got["files/x1.png"]["output"].startswith("cat/")
    assert got["files/x3.png"]["class"] == "bird"


def test_ambiguous_layouts_are_refused_with_what_was_found(tmp_path, capsys):
    from tests.io.layouts.test_coco import _hand_built

    src, _, _ = _hand_built(tmp_path)
    (src / "data.yaml").write_text("names: [a]\n")
    assert expand(src, tmp_path / "out", pipeline_file(tmp_path, FLIP)) == 1
    err = capsys.readouterr().err
    assert "--layout" in err and "coco" in err and "yolo" in err


def test_annotated_boxes_match_albumentations_on_the_same_flip(tmp_path):
    src = _yolo_tree(tmp_path)
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    row = next(r for r in rows(out) if r["source"].endswith("im0.jpg"))
    box = row["annotation"]["objects"][0]["bbox"]
    assert box_iou(box, [W - 0.35 * W, 0.3 * H, W - 0.15 * W, 0.7 * H]) > 0.999
