"""image/functional/segmentation.py: COCO segmentations of masks that pycocotools turns back
into exactly the same pixels: polygons on pixel corners when hole-free, RLE with holes."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from pycocotools import mask as coco_mask

from mediasynth.image.functional.segmentation import coco_segmentation

W, H = 90, 70


def _rasterize(segmentation, width=W, height=H) -> np.ndarray:
    if isinstance(segmentation, dict):
        rle = {"size": segmentation["size"], "counts": segmentation["counts"].encode()}
        return coco_mask.decode(rle)
    rles = coco_mask.frPyObjects(segmentation, height, width)
    return coco_mask.decode(coco_mask.merge(rles))


def _blobs(seed: int) -> np.ndarray:
    """A few random convex and concave shapes, fragments and single pixels."""
    rng = np.random.default_rng(seed)
    mask = np.zeros((H, W), np.uint8)
    for _ in range(rng.integers(1, 4)):
        pts = rng.integers([5, 5], [W - 5, H - 5], size=(rng.integers(3, 8), 2))
        cv2.fillPoly(mask, [pts.astype(np.int32)], 1)
    for _ in range(rng.integers(0, 3)):
        mask[rng.integers(H), rng.integers(W)] = 1
    return mask


@pytest.mark.parametrize("seed", range(150))
def test_hole_free_masks_come_back_pixel_for_pixel(seed):
    mask = _blobs(seed)
    ys, xs = np.nonzero(mask)
    y0, x0 = ys.min(), xs.min()
    window = mask[y0:ys.max() + 1, x0:xs.max() + 1]
    segmentation = coco_segmentation(window, int(x0), int(y0), W, H)
    back = _rasterize(segmentation)
    if isinstance(segmentation, list):  # polygons on pixel corners: integer vertices
        assert all(float(v).is_integer() for poly in segmentation for v in poly)
    assert np.array_equal(back, mask)


def test_a_ring_is_an_rle_of_the_whole_image():
    mask = np.zeros((H, W), np.uint8)
    cv2.circle(mask, (40, 30), 20, 1, -1)
    cv2.circle(mask, (40, 30), 8, 0, -1)
    window = mask[10:51, 20:61]
    segmentation = coco_segmentation(window, 20, 10, W, H)
    assert isinstance(segmentation, dict) and segmentation["size"] == [H, W]
    assert np.array_equal(_rasterize(segmentation), mask)


def test_single_pixels_and_diagonal_fragments_are_polygons_of_their_own():
    mask = np.zeros((H, W), np.uint8)
    mask[5, 5] = 1
    mask[20, 30] = mask[21, 31] = 1  # 8-connected: one fragment
    segmentation = coco_segmentation(mask, 0, 0, W, H)
    assert len(segmentation) == 2
    pixel = next(p for p in segmentation if min(p) == 5.0)
    assert sorted(zip(pixel[::2], pixel[1::2])) == [(5, 5), (5, 6), (6, 5), (6, 6)]
    assert np.array_equal(_rasterize(segmentation), mask)
