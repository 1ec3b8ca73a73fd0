"""VOC in: FiftyOne's `data/` + `labels/*.xml` and Label Studio's `Annotations/` + `images/`
read whole, at realistic sizes, through expand."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from mediasynth.io.layouts import detect, read_layout
from tests.io.layouts import tool_trees as T
from tests.io.layouts.helpers import FLIP, expand, pipeline_file, rows


@pytest.mark.parametrize("tree, xml_folder, image_folder", [
    (T.fiftyone_voc, "labels", "data"),
    (T.label_studio_voc, "Annotations", "images"),
])
def test_tool_voc_trees_are_read_whole(tmp_path, tree, xml_folder, image_folder):
    src = tmp_path / "voc"
    tree(src, 250)
    assert detect(src) == "voc"
    _, read = read_layout(src)
    assert not read.missing and len(read.items) == 250
    assert sorted(read.items) == sorted(f"{image_folder}/{T.image_name(i)}" for i in range(250))
    assert {p for p in read.consumed} == {f"{xml_folder}/{T.image_name(i).split('.')[0]}.xml"
                                          for i in range(250)}
    item = read.items[f"{image_folder}/{T.image_name(7)}"]
    assert [o["category"] for o in item["annotation"]["objects"]] == \
        [T.CLASSES[c] for c, *_ in T.boxes(7)]
    assert [o["bbox"] for o in item["annotation"]["objects"]] == \
        [[x0, y0, x1, y1] for _, x0, y0, x1, y1 in T.boxes(7)]


def test_fiftyone_voc_through_expand_keeps_every_box(tmp_path):
    src, out = tmp_path / "fo", tmp_path / "out"
    T.fiftyone_voc(src, 200)
    assert expand(src, out, pipeline_file(tmp_path, FLIP), "-n", "1") == 0
    written = rows(out)
    assert len(written) == 200 and all(r["status"] == "ok" for r in written)
    assert not any(r["output"].startswith("data/") for r in written)  # not a class "data"
    objects = sum(len(ET.parse(p).getroot().findall("object"))
                  for p in (out / "Annotations").glob("*.xml"))
    assert objects == T.objects_in(200)
