"""Outputs placed where another layout's readers look (io/layouts/media_links.py)."""

from __future__ import annotations

import os

from mediasynth.io.layouts.media_links import in_split_folder, place


def test_place_links_once_and_replaces_a_stale_link(tmp_path):
    (tmp_path / "JPEGImages").mkdir()
    src = tmp_path / "JPEGImages" / "a.jpg"
    src.write_bytes(b"first")
    assert place(tmp_path, "JPEGImages/a.jpg", "images/train/a.jpg") == "images/train/a.jpg"
    dest = tmp_path / "images" / "train" / "a.jpg"
    assert os.path.samefile(src, dest)
    place(tmp_path, "JPEGImages/a.jpg", "images/train/a.jpg")  # already there: untouched
    assert os.path.samefile(src, dest)
    src.unlink()  # a re-run writes the output anew (atomic replace: a new inode)
    src.write_bytes(b"second")
    place(tmp_path, "JPEGImages/a.jpg", "images/train/a.jpg")
    assert dest.read_bytes() == b"second" and os.path.samefile(src, dest)
    assert not [p for p in dest.parent.iterdir() if p.name.startswith(".")]


def test_a_path_in_its_own_place_is_left_alone(tmp_path):
    assert place(tmp_path, "images/val/x.png", "images/val/x.png") == "images/val/x.png"
    assert not (tmp_path / "images").exists()


def test_split_folders():
    assert in_split_folder("images/train/x.jpg", "train")
    assert in_split_folder("images/val/sub/x.jpg", "val")
    assert in_split_folder("obj_train_data/x.jpg", "train")  # Darknet's folders
    assert not in_split_folder("JPEGImages/train.jpg", "train")
    assert not in_split_folder("trainee/x.jpg", "train")
    assert not in_split_folder("JPEGImages/x.jpg", "val")
