"""io/layouts/__init__.py: the layout table, auto-detection (one layout, or class folders,
or a refusal naming the candidates) and reading by name."""

from __future__ import annotations

import json

import pytest

from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts import EXPORT_FORMATS, LAYOUTS, detect, get, read_layout


def _coco(src):
    src.mkdir(parents=True, exist_ok=True)
    (src / "annotations.json").write_text(json.dumps({"images": [], "annotations": [],
                                                      "categories": []}))


def test_every_layout_in_the_table_loads_under_its_name():
    for name in LAYOUTS:
        layout = get(name)
        assert layout.name == name
        assert callable(layout.detect) and callable(layout.read)
    assert set(EXPORT_FORMATS) <= set(LAYOUTS)
    with pytest.raises(ConfigError, match="unknown layout 'pascal'"):
        get("pascal")


def test_class_folders_are_the_default_and_read_nothing(tmp_path):
    (tmp_path / "cat").mkdir()
    (tmp_path / "cat" / "a.png").write_bytes(b"x")
    assert detect(tmp_path) == "folders"
    layout, read = read_layout(tmp_path)
    assert layout.name == "folders" and read.items == {} and not read.annotated


def test_one_layout_is_detected_and_two_are_refused_naming_both(tmp_path):
    _coco(tmp_path)
    assert detect(tmp_path) == "coco"
    assert read_layout(tmp_path)[0].name == "coco"
    (tmp_path / "labels.csv").write_text("path,label\n")
    with pytest.raises(ConfigError, match=r"several layouts \(coco: annotations.json; "
                                          r"labels: labels.csv\).*--layout coco\|labels"):
        detect(tmp_path)
    assert read_layout(tmp_path, "labels")[0].name == "labels"  # a chosen one is read
