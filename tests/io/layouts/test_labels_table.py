"""io/layouts/labels_table.py: `labels.csv` / `labels.jsonl` at SRC's top: detection, one
or several labels per file, the optional group, split and provenance columns, files the
table names that are missing, and rows that are refused with their line."""

from __future__ import annotations

import json

import pytest

from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts import get

LAYOUT = get("labels")


def _files(src, names):
    for name in names:
        (src / name).parent.mkdir(parents=True, exist_ok=True)
        (src / name).write_bytes(b"\x89PNG\r\n\x1a\n")


def test_a_csv_table_gives_each_file_its_labels_and_optional_columns(tmp_path):
    names = [f"img/{i:03d}.png" for i in range(150)]
    _files(tmp_path, names)
    lines = ["path,label,group,split,license"]
    for i, name in enumerate(names):
        label = ("cat", "dog|cat", " bird ; sky ")[i % 3]
        lines.append(f"{name},{label},{'g' + str(i // 10) if i % 2 else ''},"
                     f"{'val' if i % 5 == 0 else ''},{'CC-BY-4.0' if i == 7 else ''}")
    lines.append("img/missing.png,cat,,,")
    (tmp_path / "labels.csv").write_text("\n".join(lines) + "\n")
    assert LAYOUT.detect(tmp_path) == ["labels.csv"]
    read = LAYOUT.read(tmp_path)
    assert read.consumed == {"labels.csv"} and not read.annotated
    assert read.missing == ["img/missing.png"]
    assert len(read.items) == 150
    assert read.items["img/000.png"] == {"label": "cat", "labels": ["cat"], "name": "000.png",
                                         "annotation": None, "subset": "val"}
    assert read.items["img/001.png"]["labels"] == ["dog", "cat"]
    assert read.items["img/001.png"]["label"] == "dog" and read.items["img/001.png"]["group"] == "g0"
    assert read.items["img/002.png"]["labels"] == ["bird", "sky"]
    assert "subset" not in read.items["img/001.png"] and "group" not in read.items["img/002.png"]
    assert read.items["img/007.png"]["provenance"] == {"license": "CC-BY-4.0"}


def test_a_jsonl_table_takes_lists_of_labels(tmp_path):
    _files(tmp_path, ["a/1.wav", "a/2.wav"])
    rows = [{"path": "a/1.wav", "label": ["speech", "music"], "attribution": "Ann"},
            {"path": "/a/2.wav", "labels": "noise"}]
    (tmp_path / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows) + "\n")
    read = LAYOUT.read(tmp_path)
    assert read.items["a/1.wav"]["labels"] == ["speech", "music"]
    assert read.items["a/1.wav"]["provenance"] == {"attribution": "Ann"}
    assert read.items["a/2.wav"]["label"] == "noise"  # a leading / is relative to SRC


def test_tables_without_path_and_label_columns_are_not_this_layout(tmp_path):
    (tmp_path / "labels.csv").write_text("file,class\nx.png,cat\n")
    assert LAYOUT.detect(tmp_path) == []
    (tmp_path / "labels.csv").write_text("path,class\nx.png,cat\n")
    assert LAYOUT.detect(tmp_path) == []
    (tmp_path / "labels.csv").write_text("Path,Labels\nx.png,cat\n")
    assert LAYOUT.detect(tmp_path) == ["labels.csv"]


def test_a_row_without_a_label_or_a_line_that_is_not_json_is_refused_with_its_line(tmp_path):
    _files(tmp_path, ["x.png", "y.png"])
    (tmp_path / "labels.csv").write_text("path,label\nx.png,cat\ny.png, \n")
    with pytest.raises(ConfigError, match=r"labels.csv:3: no label for 'y.png'"):
        LAYOUT.read(tmp_path)
    (tmp_path / "labels.csv").unlink()
    (tmp_path / "labels.jsonl").write_text('{"path": "x.png", "label": "a"}\n{"path": \n')
    with pytest.raises(ConfigError, match=r"labels.jsonl:2: not JSON"):
        LAYOUT.read(tmp_path)
