"""Moving boxes and keypoints with a geometric matrix (continuous coordinates)."""

from __future__ import annotations

import numpy as np


def transform_points(points: np.ndarray, matrix: np.ndarray) -> np.ndarray:
    """Apply a 3 x 3 (affine or projective) matrix to N x 2 points."""
    pts = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    if len(pts) == 0:
        return pts.copy()
    homog = np.hstack([pts, np.ones((len(pts), 1))]) @ matrix.T
    return homog[:, :2] / homog[:, 2:3]


def transform_boxes(
    boxes: np.ndarray,
    matrix: np.ndarray,
    *,
    width: int,
    height: int,
    min_visibility: float = 0.0,
) -> tuple[np.ndarray, np.ndarray]:
    """Move N x 4 xyxy boxes; return (boxes, kept indices).

    Each box becomes the axis-aligned hull of its four moved corners, clipped to the
    width x height frame. A box is dropped when its clipped area is zero or less than
    `min_visibility` times its unclipped area.
    """
    b = np.asarray(boxes, dtype=np.float64).reshape(-1, 4)
    if len(b) == 0:
        return b.copy(), np.zeros(0, dtype=np.int64)
    corners = np.stack(
        [b[:, [0, 1]], b[:, [2, 1]], b[:, [2, 3]], b[:, [0, 3]]], axis=1
    ).reshape(-1, 2)
    moved = transform_points(corners, matrix).reshape(-1, 4, 2)
    hull = np.concatenate([moved.min(axis=1), moved.max(axis=1)], axis=1)
    clipped = hull.copy()
    clipped[:, [0, 2]] = np.clip(hull[:, [0, 2]], 0, width)
    clipped[:, [1, 3]] = np.clip(hull[:, [1, 3]], 0, height)
    full_area = (hull[:, 2] - hull[:, 0]) * (hull[:, 3] - hull[:, 1])
    area = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    visible = (area > 0) & (area >= min_visibility * np.maximum(full_area, 1e-12))
    keep = np.flatnonzero(visible)
    return clipped[keep], keep
