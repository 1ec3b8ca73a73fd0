"""Trees as CVAT/Datumaro export them (COCO 1.0 with its other task files, Pascal VOC with
labelmap.txt, decimal boxes and <attributes>), read and written back in forms Datumaro
imports. The Datumaro import itself is checked by bench/datumaro_roundtrip.py (Datumaro is
too heavy for CI)."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET

import pytest

from mediasynth.io.layouts import detect, read_layout
from tests.io.layouts.helpers import FLIP, expand, noise_image, pipeline_file

W, H = 120, 90


def _coco_doc(files, boxes=()):
    return {"images": [{"id": i + 1, "file_name": f, "width": W, "height": H}
                       for i, f in enumerate(files)],
            "annotations": [{"id": j + 1, "image_id": 1, "category_id": 1, "bbox": list(b),
                             "area": b[2] * b[3], "iscrowd": 0, "segmentation": []}
                            for j, b in enumerate(boxes)],
            "categories": [{"id": 1, "name": "car", "supercategory": ""}]}


def test_datumaro_coco_export_reads_objects_from_instances_only(tmp_path):
    src = tmp_path / "coco"
    noise_image(src / "images" / "default" / "a.jpg", W, H)
    ann = src / "annotations"
    ann.mkdir(parents=True)
    (ann / "instances_default.json").write_text(json.dumps(_coco_doc(["a.jpg"],
                                                                     [(10, 20, 30, 40)])))
    (ann / "image_info_default.json").write_text(json.dumps(_coco_doc(["a.jpg"])))
    (ann / "stuff_default.json").write_text(json.dumps(_coco_doc(["a.jpg"])))
    layout, read = read_layout(src)
    assert layout.name == "coco" and read.missing == []
    assert read.consumed == {"annotations/instances_default.json",
                             "annotations/image_info_default.json",
                             "annotations/stuff_default.json"}
    (item,) = read.items.values()
    assert [o["bbox"] for o in item["annotation"]["objects"]] == [[10.0, 20.0, 40.0, 60.0]]


def test_a_subset_with_only_image_info_gives_images_without_objects(tmp_path):
    src = tmp_path / "coco"
    noise_image(src / "images" / "train2017" / "a.jpg", W, H)
    noise_image(src / "images" / "test2017" / "t.jpg", W, H)
    ann = src / "annotations"
    ann.mkdir(parents=True)
    (ann / "instances_train2017.json").write_text(json.dumps(_coco_doc(["a.jpg"],
                                                                       [(1, 2, 3, 4)])))
    (ann / "image_info_test2017.json").write_text(json.dumps(_coco_doc(["t.jpg"])))
    _, read = read_layout(src)
    assert read.missing == []
    assert {k: len(v["annotation"]["objects"]) for k, v in read.items.items()} == {
        "images/train2017/a.jpg": 1, "images/test2017/t.jpg": 0}


def _datumaro_voc(tmp_path):
    """Pascal VOC as Datumaro's `voc` export writes it: labelmap.txt, decimal 0-based
    boxes, <attributes>."""
    src = tmp_path / "voc"
    noise_image(src / "JPEGImages" / "a.jpg", W, H)
    (src / "Annotations").mkdir(parents=True)
    (src / "Annotations" / "a.xml").write_text(
        "<annotation><folder>x</folder><filename>a.jpg</filename><size><width>120</width>"
        "<height>90</height><depth>3</depth></size>"
        "<object><name>dog</name><truncated>0</truncated><occluded>0</occluded>"
        "<difficult>0</difficult><bndbox><xmin>10.0</xmin><ymin>0.0</ymin>"
        "<xmax>40.5</xmax><ymax>60.0</ymax></bndbox><attributes><attribute>"
        "<name>is_crowd</name><value>False</value></attribute></attributes></object>"
        "<object><name>cat</name><bndbox><xmin>0.0</xmin><ymin>30.0</ymin>"
        "<xmax>20.0</xmax><ymax>50.0</ymax></bndbox></object></annotation>")
    (src / "ImageSets" / "Main").mkdir(parents=True)
    (src / "ImageSets" / "Main" / "default.txt").write_text("a\n")
    (src / "ImageSets" / "Main" / "dog_default.txt").write_text("a 1\n")
    (src / "labelmap.txt").write_text("# label:color_rgb:parts:actions\n"
                                      "background:0,0,0::\ncat:::\ndog:128,0,0::\n"
                                      "bird:::\n")
    return src


def test_voc_as_datumaro_writes_it_reads_decimal_boxes_as_they_are(tmp_path):
    src = _datumaro_voc(tmp_path)
    assert detect(src) == "voc"
    _, read = read_layout(src)
    assert "labelmap.txt" in read.consumed
    assert list(read.meta["categories"]) == ["cat", "dog", "bird"]
    (item,) = read.items.values()
    dog, cat = item["annotation"]["objects"]
    assert dog["bbox"] == [10.0, 0.0, 40.5, 60.0] and cat["bbox"] == [0.0, 30.0, 20.0, 50.0]
    assert dog["extra"]["attributes"] == {"is_crowd": "False"}


def test_voc_out_has_a_labelmap_and_keeps_the_source_coordinates(tmp_path):
    src = _datumaro_voc(tmp_path)
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1",
                  "--annotations", "coco") == 0
    lines = (out / "labelmap.txt").read_text().splitlines()
    assert lines[1:] == ["background:0,0,0::", "cat:::", "dog:128,0,0::", "bird:::"]
    (xml_path,) = (out / "Annotations").glob("*.xml")
    dog = ET.parse(xml_path).getroot().find("object")
    box = [dog.find("bndbox").findtext(k) for k in ("xmin", "ymin", "xmax", "ymax")]
    assert all("." in v for v in box)  # decimal in, decimal out
    assert [float(v) for v in box] == pytest.approx([W - 40.5, 0.0, W - 10.0, 60.0])
    assert [(a.findtext("name"), a.findtext("value"))
            for a in dog.iterfind("attributes/attribute")] == [("is_crowd", "False")]
    coco = json.loads(next((out / "annotations").glob("instances_*.json")).read_text())
    assert [(c["id"], c["name"]) for c in coco["categories"]] == [
        (1, "cat"), (2, "dog"), (3, "bird")]


def test_voc_integer_boxes_stay_one_based_and_inside_the_image(tmp_path):
    src = tmp_path / "voc"
    noise_image(src / "JPEGImages" / "a.jpg", W, H)
    (src / "Annotations").mkdir(parents=True)
    (src / "Annotations" / "a.xml").write_text(
        "<annotation><filename>a.jpg</filename><size><width>120</width><height>90</height>"
        "</size><object><name>dog</name><bndbox><xmin>0</xmin><ymin>1</ymin>"
        "<xmax>120</xmax><ymax>30</ymax></bndbox></object></annotation>")
    _, read = read_layout(src)
    (item,) = read.items.values()
    assert item["annotation"]["objects"][0]["bbox"] == [0.0, 0.0, 120.0, 30.0]
    out = tmp_path / "out"
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    (xml_path,) = (out / "Annotations").glob("*.xml")
    box = [xml_path.read_text().split(f"<{k}>")[1].split("<")[0]
           for k in ("xmin", "ymin", "xmax", "ymax")]
    assert box == ["1", "1", "120", "30"]
    assert (out / "labelmap.txt").read_text().splitlines()[1:] == ["background:::", "dog:::"]
