"""Sources' licences and attributions: SRC's top-level files, a labels table's columns (CSV
and JSONL, any column order and case), the table winning over the files."""

from __future__ import annotations

import json

from mediasynth.io.layouts import read_layout
from mediasynth.io.provenance import merged, summary, tree_provenance
from tests.io.layouts.helpers import noise_image


def test_top_level_files_give_every_source_a_licence_and_attribution(tmp_path):
    (tmp_path / "LICENSE.md").write_text("\n# MIT License\n\nCopyright (c) 2024 ...\n")
    (tmp_path / "NOTICE").write_text("Images courtesy of the city archive.\n")
    assert tree_provenance(tmp_path) == {
        "license": "MIT License", "license_file": "LICENSE.md",
        "attribution": "Images courtesy of the city archive.", "attribution_file": "NOTICE"}
    assert tree_provenance(tmp_path / "missing") == {}
    assert summary("x" * 900) == "x" * 500


def test_a_sources_own_terms_win_over_the_trees():
    tree = {"license": "MIT License", "license_file": "LICENSE", "attribution": "archive"}
    assert merged(tree, {"license": "cc0-1.0"}) == {"license": "cc0-1.0",
                                                    "attribution": "archive"}
    assert merged({}, {"license": "", "attribution": ""}) is None


def test_labels_tables_carry_license_and_attribution_columns(tmp_path):
    for name in ("a.png", "b.png"):
        noise_image(tmp_path / "img" / name, 32, 24)
    (tmp_path / "labels.csv").write_text(
        "Attribution,path,License,label\nby Ann,img/a.png,CC-BY-4.0,cat\n,img/b.png,,dog\n")
    _, read = read_layout(tmp_path)
    assert read.items["img/a.png"]["provenance"] == {"license": "CC-BY-4.0",
                                                     "attribution": "by Ann"}
    assert "provenance" not in read.items["img/b.png"]
    (tmp_path / "labels.csv").unlink()
    (tmp_path / "labels.jsonl").write_text(json.dumps(
        {"license": "cc0-1.0", "path": "img/b.png", "label": ["dog"]}) + "\n")
    _, read = read_layout(tmp_path)
    assert read.items["img/b.png"]["provenance"] == {"license": "cc0-1.0"}
