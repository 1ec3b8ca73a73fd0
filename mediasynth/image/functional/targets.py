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


def transform_keypoints(keypoints: np.ndarray, matrix: np.ndarray, *, width: int,
                        height: int, visibility_column: int | None = None) -> np.ndarray:
    """Move N x K keypoints whose columns 0, 1 are x, y; see `with_moved_xy`."""
    kp = np.asarray(keypoints)
    moved = transform_points(kp.reshape(len(kp), -1)[:, :2], matrix)
    return with_moved_xy(kp, moved, width=width, height=height,
                         visibility_column=visibility_column)


def with_moved_xy(keypoints: np.ndarray, xy: np.ndarray, *, width: int, height: int,
                  visibility_column: int | None = None) -> np.ndarray:
    """`keypoints` (N x K, K >= 2, any dtype; x, y in columns 0, 1, then extra columns such as
    label and visibility) with x, y replaced by `xy` (N x 2, continuous coordinates of the
    width x height output frame).

    Same dtype and shape; every keypoint is kept (none is dropped or reordered) and the extra
    columns are untouched, except column `visibility_column` (when given), which is set to 0
    for a keypoint outside the frame [0, width) x [0, height). An integer dtype gets x, y
    rounded to the nearest integer.
    """
    kp = np.asarray(keypoints)
    if kp.ndim != 2 or kp.shape[1] < 2:
        raise ValueError(f"keypoints must be N x K with K >= 2, got {kp.shape}")
    if visibility_column is not None and not 2 <= visibility_column < kp.shape[1]:
        raise ValueError(f"visibility column {visibility_column} is not an extra column of "
                         f"N x {kp.shape[1]} keypoints")
    xy = np.asarray(xy, np.float64).reshape(-1, 2)
    out = kp.copy()
    out[:, :2] = np.rint(xy) if out.dtype.kind in "iub" else xy
    if visibility_column is not None:
        outside = ~((xy[:, 0] >= 0) & (xy[:, 0] < width) & (xy[:, 1] >= 0) & (xy[:, 1] < height))
        out[outside, visibility_column] = 0
    return out


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
    clipped, full_area, area = clipped_hulls(b, matrix, width=width, height=height)
    visible = (area > 0) & (area >= min_visibility * np.maximum(full_area, 1e-12))
    keep = np.flatnonzero(visible)
    return clipped[keep], keep


def clipped_hulls(boxes: np.ndarray, matrix: np.ndarray, *, width: int, height: int
                  ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hulls clipped to the frame, area of each unclipped hull, area of each clipped hull)
    of N x 4 xyxy boxes (float64) moved by a 3 x 3 matrix: each box becomes the axis-aligned
    hull of its four moved corners, clipped to the width x height frame. The one kernel that
    moves boxes through a matrix (image objects and video tracks alike)."""
    corners = np.stack(
        [boxes[:, [0, 1]], boxes[:, [2, 1]], boxes[:, [2, 3]], boxes[:, [0, 3]]], axis=1
    ).reshape(-1, 2)
    moved = transform_points(corners, matrix).reshape(-1, 4, 2)
    hull = np.concatenate([moved.min(axis=1), moved.max(axis=1)], axis=1)
    clipped = hull.copy()
    clipped[:, [0, 2]] = np.clip(hull[:, [0, 2]], 0, width)
    clipped[:, [1, 3]] = np.clip(hull[:, [1, 3]], 0, height)
    full_area = (hull[:, 2] - hull[:, 0]) * (hull[:, 3] - hull[:, 1])
    area = (clipped[:, 2] - clipped[:, 0]) * (clipped[:, 3] - clipped[:, 1])
    return clipped, full_area, area
