"""One outline an object (io/layouts/outlines.py): joined parts and traced RLE masks fill the
same pixels under cv2.fillPoly (how Ultralytics rasterises a segment line)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from mediasynth.io.layouts.outlines import join_parts, mask_outlines, object_outline


def _fill(outline: np.ndarray, height: int, width: int) -> np.ndarray:
    out = np.zeros((height, width), np.uint8)
    cv2.fillPoly(out, [np.round(outline).astype(np.int32)], 1)
    return out


def _iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / (a | b).sum())


def _rle(mask: np.ndarray) -> dict:
    from pycocotools import mask as mask_utils

    rle = mask_utils.encode(np.asfortranarray(mask))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode()}


@pytest.mark.parametrize("seed", range(25))
def test_traced_masks_with_holes_and_islands_fill_back(seed):
    rng = np.random.default_rng(seed)
    height, width = int(rng.integers(60, 200)), int(rng.integers(60, 200))
    mask = np.zeros((height, width), np.uint8)
    for _ in range(int(rng.integers(1, 5))):  # islands
        x, y = int(rng.integers(0, width - 20)), int(rng.integers(0, height - 20))
        w, h = int(rng.integers(12, 40)), int(rng.integers(12, 40))
        cv2.ellipse(mask, (x + w // 2, y + h // 2), (w // 2, h // 2), 0, 0, 360, 1, -1)
    x, y = int(rng.integers(10, width - 40)), int(rng.integers(10, height - 40))
    mask[y:y + 30, x:x + 30] = 1
    mask[y + 10:y + 20, x + 10:x + 20] = 0  # a hole
    outline = object_outline({"bbox": [0, 0, 1, 1], "rle": _rle(mask)}, width, height)
    filled = _fill(outline, height, width)
    assert _iou(filled, mask) > 0.9
    assert filled[y + 12:y + 18, x + 12:x + 18].sum() == 0  # the hole stays a hole


def test_joined_polygon_parts_cover_every_part_and_nothing_between():
    parts = [[10, 10, 40, 10, 40, 40, 10, 40], [100, 10, 130, 10, 130, 40],
             [60, 80, 90, 80, 90, 110, 60, 110]]
    want = np.zeros((120, 140), np.uint8)
    for p in parts:
        cv2.fillPoly(want, [np.asarray(p, np.int32).reshape(-1, 2)], 1)
    outline = object_outline({"bbox": [10, 10, 130, 110], "polygons": parts}, 140, 120)
    got = _fill(outline, 120, 140)
    assert (want & ~got).sum() == 0 and _iou(got, want) > 0.95  # the bridges: 1 px wide
    assert got[60, 20] == 0 and got[20, 70] == 0  # nothing between the parts


def test_one_part_is_kept_as_it_is_and_a_box_becomes_its_clipped_rectangle():
    part = np.array([[1.5, 2.0], [9.0, 2.0], [5.0, 8.5]])
    assert join_parts([part]) is part
    rect = object_outline({"bbox": [-3, 5, 50, 20]}, 40, 30)
    assert rect.tolist() == [[0, 5], [40, 5], [40, 20], [0, 20]]


def test_specks_under_three_vertices_are_left_out_of_a_trace():
    mask = np.zeros((20, 20), np.uint8)
    mask[3, 3] = 1
    mask[10:15, 10:15] = 1
    assert [len(p) for p in mask_outlines(mask)] == [4]
