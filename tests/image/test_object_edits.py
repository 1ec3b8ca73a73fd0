"""Object edits for mixing (mediasynth/image/object_edits.py): the parts inside and outside a
box, scaling into a cell, occlusion."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.image.object_edits import (
    box_minus_box,
    clip_object,
    object_mask,
    occlude_object,
    scale_annotation,
    subtract_box,
)

W, H = 64, 48
SQUARE = {"category": "a", "bbox": [10.0, 10.0, 30.0, 30.0],
          "polygons": [[10, 10, 30, 10, 30, 30, 10, 30]],
          "keypoints": [[12.0, 12.0, 2], [28.0, 28.0, 2], [0.0, 0.0, 0]]}
BOX_ONLY = {k: v for k, v in SQUARE.items() if k != "polygons"}


@pytest.mark.parametrize("obj", [SQUARE, BOX_ONLY], ids=["polygon", "box"])
def test_inside_and_outside_a_box_split_the_object(obj):
    cut = [20.0, 0.0, 64.0, 48.0]  # the right half of the square
    inside, outside = clip_object(obj, cut, W, H), subtract_box(obj, cut, W, H)
    assert inside["bbox"] == [20.0, 10.0, 30.0, 30.0]
    assert outside["bbox"] == [10.0, 10.0, 20.0, 30.0]
    assert inside["keypoints"][0][2] == 0 and inside["keypoints"][1][2] == 2
    assert outside["keypoints"][0][2] == 2 and outside["keypoints"][1][2] == 0
    if "polygons" in obj:
        a, b = object_mask(inside, W, H), object_mask(outside, W, H)
        assert not (a & b).any() and (a | b).sum() == object_mask(obj, W, H).sum()


def test_a_box_covering_the_object_leaves_nothing_outside_and_all_inside():
    for obj in (SQUARE, BOX_ONLY):
        assert subtract_box(obj, [0.0, 0.0, 64.0, 48.0], W, H) is None
        assert clip_object(obj, [40.0, 0.0, 64.0, 48.0], W, H) is None


def test_box_minus_box_keeps_the_tight_rest():
    assert box_minus_box([0, 0, 10, 10], [5, -1, 20, 20]) == [0, 0, 5, 10]
    assert box_minus_box([0, 0, 10, 10], [-1, 4, 20, 20]) == [0, 0, 10, 4]
    assert box_minus_box([0, 0, 10, 10], [3, 3, 6, 6]) == [0, 0, 10, 10]
    assert box_minus_box([0, 0, 10, 10], [20, 20, 30, 30]) == [0, 0, 10, 10]


def test_scaling_moves_boxes_polygons_and_visible_keypoints_only():
    moved = scale_annotation({"objects": [SQUARE], "width": W, "height": H}, 0.5, 0.5,
                             32.0, 0.0, W, H)
    obj = moved["objects"][0]
    assert obj["bbox"] == [37.0, 5.0, 47.0, 15.0]
    assert obj["polygons"][0][:2] == [37.0, 5.0]
    assert obj["keypoints"][2] == [0.0, 0.0, 0] and obj["keypoints"][0][:2] == [38.0, 6.0]


def test_occlusion_takes_the_covered_pixels_away():
    covered = np.zeros((H, W), bool)
    covered[:, :20] = True
    left = occlude_object(SQUARE, covered)
    assert left["bbox"] == [20.0, 10.0, 30.0, 30.0] and left["keypoints"][0][2] == 0
    covered[:] = True
    assert occlude_object(SQUARE, covered) is None and occlude_object(BOX_ONLY, covered) is None
