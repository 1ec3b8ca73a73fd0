"""engine/sources.py: what SRC holds once discovery and the dataset layout have read it
(OUT inside SRC, earlier OUTs, SRC that is an OUT, nested datasets, annotated media not
listed, annotation files nobody reads, licences, non-UTF-8 names)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from mediasynth.engine.sources import find_sources, nested_datasets
from mediasynth.io.layouts.unclaimed import UnreadAnnotationsError

NON_UTF8 = os.fsdecode(b"caf\xe9")


def _png(path: Path, seed: int = 0, size: int = 16) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    Image.fromarray(rng.integers(0, 255, (size, size, 3), dtype=np.uint8)).save(path)
    return path


def _classes(src: Path, n: int = 100) -> list[str]:
    rels = []
    for i in range(n):
        cls = ("circle", "square", NON_UTF8)[i % 3]
        rels.append(_png(src / cls / f"{i:03d}.png", i).relative_to(src).as_posix())
    return sorted(rels)


def _coco(folder: Path, listed: list[str], json_name: str = "annotations.json") -> None:
    images = [{"id": i + 1, "file_name": name, "width": 16, "height": 16}
              for i, name in enumerate(listed)]
    anns = [{"id": i + 1, "image_id": i + 1, "category_id": 1, "bbox": [2, 2, 8, 8],
             "area": 64, "iscrowd": 0} for i in range(len(listed))]
    doc = {"images": images, "annotations": anns,
           "categories": [{"id": 1, "name": "dot", "supercategory": ""}]}
    folder.mkdir(parents=True, exist_ok=True)
    (folder / json_name).write_text(json.dumps(doc))
    for i, name in enumerate(listed):
        _png(folder / "images" / name, 1000 + i)


def test_class_folders_give_every_media_file_with_its_class(tmp_path):
    src = tmp_path / "src"
    rels = _classes(src)
    (src / "README.txt").write_text("notes")
    got = find_sources(src, tmp_path / "out")
    assert got.layout.name == "folders"
    media = [f for f in got.found if f.kind is not None]
    assert [f.rel_path for f in media] == rels
    assert {f.class_name for f in media} == {"circle", "square", NON_UTF8}
    assert got.warnings == [] and got.provenance == {}


def test_out_inside_src_and_earlier_outs_are_not_data(tmp_path):
    src = tmp_path / "src"
    rels = _classes(src, 30)
    _png(src / "out" / "train" / "circle" / "x__v000.png")  # this run's OUT, inside SRC
    old = src / "old_run"
    _png(old / "train" / "circle" / "y__v000.png")
    (old / "manifest.jsonl").write_text("")
    (old / "labels.csv").write_text("path,class\n")
    got = find_sources(src, src / "out")
    assert [f.rel_path for f in got.found if f.kind] == rels
    assert got.warnings == ["skipped old_run/: it holds an earlier mediasynth OUT"]


def test_an_out_given_as_src_loses_its_report_but_keeps_a_class_named_like_it(tmp_path):
    src = tmp_path / "src"
    _png(src / "train" / "circle" / "a__v000.png")
    _png(src / "report_assets" / "00001-thumb.png")
    _png(src / "train" / "report_assets" / "b.png")  # a class folder of that name is data
    (src / "report.html").write_text("<html></html>")
    (src / "manifest.jsonl").write_text("")
    got = find_sources(src, tmp_path / "out")
    rels = [f.rel_path for f in got.found]
    assert "train/circle/a__v000.png" in rels and "train/report_assets/b.png" in rels
    assert not any(r.startswith("report_assets/") or r == "report.html" for r in rels)
    assert any("report of the mediasynth run that wrote SRC" in w for w in got.warnings)


def test_a_yolo_export_among_class_folders_is_skipped_with_a_warning(tmp_path):
    src = tmp_path / "src"
    rels = _classes(src, 12)
    export = src / "exported"
    export.mkdir(parents=True)
    (export / "data.yaml").write_text("names: [dot]\n")
    for i in range(3):
        _png(export / "images" / f"e{i}.png", 50 + i)
        (export / "labels").mkdir(parents=True, exist_ok=True)
        (export / "labels" / f"e{i}.txt").write_text("0 0.5 0.5 0.2 0.2\n")
    assert nested_datasets(src) == [("exported", "yolo")]
    got = find_sources(src, tmp_path / "out")
    assert got.layout.name == "folders"
    assert [f.rel_path for f in got.found if f.kind] == rels  # not a class "exported"
    assert got.warnings == ["skipped exported/: it is a yolo dataset of its own (expand it "
                            "by itself)"]


def test_an_annotated_layout_gives_listed_media_their_annotation_and_flags_the_rest(tmp_path):
    src = tmp_path / "src"
    listed = [f"{i:03d}.png" for i in range(40)]
    _coco(src, listed)
    _png(src / "images" / "unlisted.png", 7)
    got = find_sources(src, tmp_path / "out")
    assert got.layout.name == "coco"
    by_rel = {f.rel_path: f for f in got.found}
    assert "annotations.json" not in by_rel  # the layout's own file is not data
    for name in listed:
        f = by_rel[f"images/{name}"]
        assert f.problem is None
        assert f.info["stratum"] == "dot" and f.info["label"] is None  # annotated: no class
        assert [o["bbox"] for o in f.info["annotation"]["objects"]] == [[2, 2, 10, 10]]
    stray = by_rel["images/unlisted.png"]
    assert stray.problem == ("unsupported", "not listed in the dataset's annotations")


def test_files_named_by_the_annotations_but_absent_are_one_warning(tmp_path):
    src = tmp_path / "src"
    _coco(src, ["a.png", "b.png", "c.png"])
    for name in ("b.png", "c.png"):
        (src / "images" / name).unlink()
    got = find_sources(src, tmp_path / "out")
    assert "2 file(s) named by the coco annotations are not in SRC (first: b.png)" in got.warnings


def test_unread_annotation_files_stop_a_detected_layout_and_warn_under_a_chosen_one(tmp_path):
    src = tmp_path / "src"
    _classes(src, 9)
    (src / "circle" / "000.xml").write_text("<annotation><object/></annotation>")
    with pytest.raises(UnreadAnnotationsError, match="000.xml"):
        find_sources(src, tmp_path / "out")
    got = find_sources(src, tmp_path / "out", "folders")
    assert len([f for f in got.found if f.kind]) == 9
    assert any("000.xml" in w for w in got.warnings)


def test_a_licence_at_the_top_of_src_reaches_every_media_file(tmp_path):
    src = tmp_path / "src"
    _classes(src, 6)
    (src / "LICENSE").write_text("CC-BY-4.0\n\nAttribution 4.0 International\n")
    got = find_sources(src, tmp_path / "out")
    assert got.provenance["license_file"] == "LICENSE"
    licences = {f.info["provenance"]["license"] for f in got.found if f.kind}
    assert len(licences) == 1 and "CC-BY-4.0" in licences.pop()
