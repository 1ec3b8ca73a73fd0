"""io/layouts/masks.py: images/ and masks/ paired by relative stem, subsets from folder
names, images without a mask reported, and where an output's mask goes."""

from __future__ import annotations

from mediasynth.io.layouts import get
from mediasynth.io.layouts.masks import mask_path

LAYOUT = get("masks")


def _touch(root, rel):
    (root / rel).parent.mkdir(parents=True, exist_ok=True)
    (root / rel).write_bytes(b"\x89PNG\r\n\x1a\n")


def test_pairs_by_stem_with_subsets_and_missing_masks(tmp_path):
    for i in range(60):
        sub = ("train", "valid", "extra")[i % 3]
        _touch(tmp_path, f"images/{sub}/{i:02d}.jpg")
        if i != 7:
            _touch(tmp_path, f"masks/{sub}/{i:02d}.png")
    assert LAYOUT.detect(tmp_path) == ["masks/"]
    read = LAYOUT.read(tmp_path)
    assert len(read.items) == 59 and read.missing == ["masks/valid/07.png"]
    assert read.consumed == {f"masks/{('train', 'valid', 'extra')[i % 3]}/{i:02d}.png"
                             for i in range(60) if i != 7}
    item = read.items["images/valid/01.jpg"]
    assert item == {"label": None, "name": "valid/01.jpg", "subset": "val",
                    "annotation": {"objects": [], "mask_file": "masks/valid/01.png"}}
    assert read.items["images/extra/02.jpg"]["subset"] is None  # not a split name
    assert read.items["images/train/00.jpg"]["subset"] == "train"


def test_without_images_and_masks_folders_it_is_not_this_layout(tmp_path):
    _touch(tmp_path, "masks/a.png")
    assert LAYOUT.detect(tmp_path) == []
    _touch(tmp_path, "images/a.png")
    assert LAYOUT.detect(tmp_path) == ["masks/"]


def test_an_outputs_mask_goes_under_masks_as_png():
    assert mask_path("images/train/x__v000.jpg") == "masks/train/x__v000.png"
    assert mask_path("other/x.webp") == "masks/other/x.png"
