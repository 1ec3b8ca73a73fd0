"""Annotation files no layout read are refused (exit 2, one line naming them) unless the user
chooses a layout, which then proceeds with a warning; a layout's consumed files are silent."""

from __future__ import annotations

import json

from mediasynth.io.layouts.base import LayoutRead
from mediasynth.io.layouts.unclaimed import looks_like_annotation, unclaimed_annotations
from tests.io.layouts import tool_trees as T
from tests.io.layouts.helpers import FLIP, expand, pipeline_file, rows


def _unknown_xml_tree(root, count: int) -> None:
    """data/<name> + labels.xml in a format no layout reads (a CVAT-like XML whose root is
    not CVAT's `<annotations>`)."""
    boxes = []
    for i in range(count):
        T.write_image(root / "data" / T.image_name(i), i)
        boxes.append(f'<image id="{i}" name="{T.image_name(i)}" width="{T.W}" '
                     f'height="{T.H}"><box label="{T.CLASSES[i % 5]}" xtl="1" ytl="1" '
                     'xbr="9" ybr="9" occluded="0"/></image>')
    (root / "labels.xml").write_text('<?xml version="1.0" encoding="utf-8"?>\n<labelset>'
                                     + "".join(boxes) + "</labelset>\n")


def test_unknown_xml_export_is_refused_then_forced_as_folders(tmp_path, capsys):
    src = tmp_path / "unknown"
    _unknown_xml_tree(src, 200)
    pipeline = pipeline_file(tmp_path, FLIP)
    assert expand(src, tmp_path / "out", pipeline, "-n", "1") == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1
    assert "labels.xml" in err and "--layout folders" in err and "voc" in err
    assert not (tmp_path / "out" / "manifest.jsonl").exists()

    out = tmp_path / "forced"
    assert expand(src, out, pipeline, "-n", "1", "--layout", "folders") == 0
    assert "labels.xml" in capsys.readouterr().err
    assert len(rows(out)) == 200


def test_stray_annotations_in_class_folders_are_named_with_their_count(tmp_path, capsys):
    src = tmp_path / "classes"
    for i in range(120):
        T.write_image(src / ("cat" if i % 2 else "dog") / T.image_name(i), i)
    for i in range(0, 120, 2):
        (src / "dog" / f"{T.image_name(i).split('.')[0]}.xml").write_text(
            T.voc_xml(T.image_name(i), "dog", i))
    deep = src / "extra" / "deep" / "deeper" / "more"  # too deep for a nested dataset
    deep.mkdir(parents=True)
    doc = T.coco_doc(400, T.image_name)
    (deep / "export.json").write_text(json.dumps(doc, sort_keys=True))
    assert (deep / "export.json").stat().st_size > 1 << 16
    (src / "README.json").write_text(json.dumps({"about": "not annotations", "images": 3}))
    assert expand(src, tmp_path / "out", pipeline_file(tmp_path, FLIP)) == 2
    err = capsys.readouterr().err
    assert "61 annotation-like file(s)" in err and "and 58 more" in err
    assert "dog/img_0000.xml" in err and "README.json" not in err


def test_consumed_files_and_annotations_folder_are_silent(tmp_path):
    src = tmp_path / "s"
    files = {"labels/a.txt": "0 0.5 0.5 0.2 0.2\n", "labels/train/b.txt": "",
             "classes.txt": "a\n", "obj.names": "a\n", "x/y.xml": "<a/>",
             "coco.json": json.dumps({"categories": [], "annotations": []}),
             "notes.json": json.dumps({"categories": [{"id": 0, "name": "a"}]}),
             "readme.txt": "hello", "labels.csv": "path,label\n",
             "annotations/masks/m.xml": "<a/>", "data.json": "[1, 2]"}
    for name, text in files.items():
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_text(text)
    flagged = sorted(["labels/a.txt", "labels/train/b.txt", "classes.txt", "obj.names",
                      "x/y.xml", "coco.json", "annotations/masks/m.xml"])
    assert [n for n in sorted(files) if looks_like_annotation(n, src / n)] == flagged
    folders = LayoutRead(annotated=False)
    assert unclaimed_annotations(src, folders, files) == flagged
    annotated = LayoutRead(consumed={"labels/a.txt", "obj.names", "x/y.xml"})
    assert unclaimed_annotations(src, annotated, files) == [
        "classes.txt", "coco.json", "labels/train/b.txt"]
