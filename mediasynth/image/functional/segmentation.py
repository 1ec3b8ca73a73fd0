"""COCO segmentations of pixel masks: hole-free polygons on pixel corners (exact under
pycocotools' rasterization), or a compressed RLE when the region has holes."""

from __future__ import annotations

import numpy as np


def coco_segmentation(visible: np.ndarray, x0: int, y0: int, width: int,
                      height: int) -> list[list[float]] | dict:
    """COCO `segmentation` of the nonzero pixels of `visible` (a uint8 window whose top-left
    pixel is (x0, y0) of a width x height image).

    Hole-free: a list of polygons, one per 8-connected fragment (single pixels included),
    flat [x, y, ...] with vertices on pixel corners (pixel (j, i) spans [j, j+1) x [i, i+1)),
    so that pycocotools' rasterization (`frPyObjects` + `decode`) reproduces the pixels
    exactly. With a hole (a ring, or an object with a later one inside it): a compressed RLE
    {"size": [height, width], "counts": str} of the whole image, which a polygon list cannot
    express without covering the hole."""
    import cv2

    up = np.ascontiguousarray(np.repeat(np.repeat(visible, 2, axis=0), 2, axis=1))
    contours, hierarchy = cv2.findContours(up, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_NONE)
    if hierarchy is not None and (hierarchy[0, :, 3] >= 0).any():
        return _rle(visible, x0, y0, width, height)
    return [_corner_polygon(c.reshape(-1, 2), x0, y0).reshape(-1).tolist() for c in contours]


def _corner_polygon(trace_2x: np.ndarray, x0: int, y0: int) -> np.ndarray:
    """Pixel-corner vertices (float, n x 2) of an outer boundary traced through the boundary
    pixels of a 2x nearest-upsampled mask: upsampled index 2j (the left or top half of
    pixel j) lies on the pixel's low edge j, 2j + 1 on its high edge j + 1. Repeated and
    straight-through vertices are dropped."""
    pts = (trace_2x + 1) // 2 + (x0, y0)
    pts = pts[np.any(pts != np.roll(pts, 1, axis=0), axis=1)]
    if len(pts) > 2:
        prev, nxt = np.roll(pts, 1, axis=0), np.roll(pts, -1, axis=0)
        d_in, d_out = pts - prev, nxt - pts
        cross = d_in[:, 0] * d_out[:, 1] - d_in[:, 1] * d_out[:, 0]
        pts = pts[(cross != 0) | ((d_in * d_out).sum(axis=1) < 0)]
    return pts.astype(float)


def _rle(visible: np.ndarray, x0: int, y0: int, width: int, height: int) -> dict:
    """COCO compressed RLE of `visible` placed at (x0, y0) in a width x height image."""
    from pycocotools import mask as coco_mask

    full = np.zeros((height, width), np.uint8, order="F")
    h, w = visible.shape
    full[y0:y0 + h, x0:x0 + w] = visible
    rle = coco_mask.encode(full)
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode("ascii")}
