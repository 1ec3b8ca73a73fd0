"""io/layouts/base.py: the helpers every layout reader shares (subset names, paths below a
folder, the stratum of an annotated image, polygon areas, finding media by name)."""

from __future__ import annotations

import os

import numpy as np

from mediasynth.io.layouts.base import (
    files_by_name,
    media_files,
    name_below,
    normal_subset,
    polygon_area,
    stratum,
)

NON_UTF8 = os.fsdecode(b"caf\xe9")


def test_subset_aliases_become_val_and_other_names_stay():
    assert [normal_subset(n) for n in ("valid", "Validation", "val", "train", "test",
                                       "holdout", "", None)] == \
        ["val", "val", "val", "train", "test", "holdout", None, None]


def test_name_below_strips_the_folder_only_when_the_path_is_under_it():
    assert name_below("images/train/a b.png", "images") == "train/a b.png"
    assert name_below("images/./x.png", "images") == "x.png"  # pathlib's reading
    assert name_below("other/x.png", "images") == "other/x.png"
    assert name_below("imagesX/x.png", "images") == "imagesX/x.png"  # not a prefix folder
    assert name_below("x.png", ".") == "x.png" and name_below("a/x.png", "") == "a/x.png"
    assert name_below(f"images/{NON_UTF8}.png", "images") == f"{NON_UTF8}.png"


def test_the_stratum_is_the_rarest_category_of_the_image():
    objects = [{"category": c} for c in ("car", "car", "bus", "person", "person", "bus", "dog")]
    assert stratum({"objects": objects}) == "dog"
    assert stratum({"objects": objects[:6]}) == "bus"  # ties: alphabetical
    assert stratum({"objects": []}, "none") == "none" and stratum(None) is None


def test_polygon_area_is_signed_by_orientation():
    square = np.array([[0, 0], [4, 0], [4, 3], [0, 3]], float)
    assert polygon_area(square) == 12.0 and polygon_area(square[::-1]) == -12.0
    triangle = np.array([[0, 0], [10, 0], [0, 10]], float)
    assert polygon_area(triangle) == 50.0


def test_media_are_found_by_suffix_and_by_name(tmp_path):
    for rel in ("a/1.png", "a/2.JPG", "b/1.png", "b/.hidden.png", "b/notes.txt",
                f"c/{NON_UTF8}.webp"):
        (tmp_path / rel).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / rel).write_bytes(b"x")
    found = [p.relative_to(tmp_path).as_posix() for p in media_files(tmp_path)]
    assert found == ["a/1.png", "a/2.JPG", "b/1.png", f"c/{NON_UTF8}.webp"]
    assert media_files(tmp_path / "missing") == []
    by_name = files_by_name(tmp_path)
    assert [p.relative_to(tmp_path).as_posix() for p in by_name["1.png"]] == ["a/1.png", "b/1.png"]
    assert "notes.txt" in by_name and ".hidden.png" not in by_name
