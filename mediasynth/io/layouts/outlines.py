"""One closed outline per object, for formats that allow one polygon an object (YOLO
segment lines): several polygon parts are joined, RLE masks are traced, boxes become
rectangles.

Parts are joined the way Ultralytics' COCO converter joins them (`merge_multi_segment`):
consecutive parts are connected by a zero-width bridge between their nearest vertices, walked
out on a first pass and back on a second, so the one outline fills the same pixels as the
parts did (a hole traced as its own part stays a hole under cv2.fillPoly).
"""

from __future__ import annotations

import numpy as np


def nearest_pair(a: np.ndarray, b: np.ndarray) -> tuple[int, int]:
    """Indices (i, j) of the closest vertices a[i], b[j] of two N x 2 point arrays."""
    distances = ((a[:, None, :] - b[None, :, :]) ** 2).sum(-1)
    i, j = np.unravel_index(int(np.argmin(distances)), distances.shape)
    return int(i), int(j)


def _arc(part: np.ndarray, start: int, stop: int, *, full_when_equal: bool) -> np.ndarray:
    """Vertices start, start+1, ..., stop (cyclic, both included); the whole loop back to
    `start` when start == stop and `full_when_equal`."""
    n = len(part)
    steps = (stop - start) % n
    if steps == 0 and full_when_equal:
        steps = n
    return part[[(start + k) % n for k in range(steps + 1)]]


def join_parts(parts: list[np.ndarray]) -> np.ndarray:
    """One outline (M x 2) through every part (each N_i x 2, N_i >= 3), joined by
    zero-width bridges between consecutive parts' nearest vertices."""
    if len(parts) == 1:
        return parts[0]
    links = [nearest_pair(parts[k], parts[k + 1]) for k in range(len(parts) - 1)]
    entry = [None] + [j for _, j in links]
    exit_ = [i for i, _ in links] + [None]
    last = len(parts) - 1
    pieces = []
    first = parts[0]
    pieces.append(_arc(first, (exit_[0] + 1) % len(first), exit_[0], full_when_equal=False))
    for k in range(1, last):  # out: each middle part from its entry to its exit
        pieces.append(_arc(parts[k], entry[k], exit_[k], full_when_equal=False))
    pieces.append(_arc(parts[last], entry[last], entry[last], full_when_equal=True))
    for k in range(last - 1, 0, -1):  # back: the rest of each middle part
        forward_len = (exit_[k] - entry[k]) % len(parts[k])
        pieces.append(_arc(parts[k], exit_[k], entry[k], full_when_equal=forward_len == 0))
    pieces.append(first[[exit_[0]]])
    return np.concatenate(pieces)


def mask_outlines(mask: np.ndarray) -> list[np.ndarray]:
    """The outer contours and holes of a binary mask (H x W) as N x 2 pixel-index polygons
    (parts of fewer than 3 vertices dropped)."""
    import cv2

    contours, _ = cv2.findContours(np.ascontiguousarray(mask, dtype=np.uint8),
                                   cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    return [c.reshape(-1, 2).astype(np.float64) for c in contours if len(c) >= 3]


def rle_outline(rle: dict) -> np.ndarray | None:
    """One outline of a compressed COCO RLE ({"size": [H, W], "counts": str}), holes
    included; None when the mask has no part of 3 vertices or more."""
    from pycocotools import mask as mask_utils

    mask = mask_utils.decode({"size": rle["size"], "counts": rle["counts"].encode()})
    parts = mask_outlines(mask)
    return join_parts(parts) if parts else None


def object_outline(obj: dict, width: float, height: float) -> np.ndarray:
    """The one outline (N x 2, pixels) of an annotation object: its polygons joined, else
    its RLE traced, else its box as a rectangle (clipped to the image)."""
    parts = [np.asarray(p, np.float64).reshape(-1, 2) for p in obj.get("polygons") or []
             if len(p) >= 6]
    if parts:
        return join_parts(parts)
    if obj.get("rle"):
        traced = rle_outline(obj["rle"])
        if traced is not None:
            return traced
    x0, y0, x1, y1 = obj["bbox"]
    x0, x1 = (min(max(float(v), 0.0), width) for v in (x0, x1))
    y0, y1 = (min(max(float(v), 0.0), height) for v in (y0, y1))
    return np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], np.float64)
