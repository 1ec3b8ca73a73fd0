"""Geometric kernels.

Matrices are 3 x 3 and act on continuous coordinates (pixel column j spans [j, j+1)), the
convention of `Image.boxes` and `Image.keypoints`. `to_index_matrix` converts one for OpenCV,
which puts pixel centres at integer coordinates.

Every kernel returns an array of its input's dtype and shape convention (H x W stays 2-D,
H x W x 1 keeps its axis), whatever the dtype: bool, int64, uint32... masks are moved
exactly, with nearest interpolation (see `_cv.run_exact`).
"""

from __future__ import annotations

import math

import numpy as np

from mediasynth.image.functional._cv import (
    border_flag,
    cv2,
    fill_value,
    interpolation_flag,
    run_exact,
)


def flip_horizontal(array: np.ndarray) -> np.ndarray:
    """Mirror left-right (works for H x W x C pixels and H x W masks)."""
    return run_exact(lambda a, _: cv2().flip(a, 1), array)


def flip_vertical(array: np.ndarray) -> np.ndarray:
    """Mirror top-bottom."""
    return run_exact(lambda a, _: cv2().flip(a, 0), array)


def _border(fill: float | tuple, array: np.ndarray) -> tuple | float:
    """OpenCV border value: `fill` in 0-255 units for H x W x C pixels, as is for a mask."""
    return fill_value(fill, array) if array.ndim == 3 else float(np.atleast_1d(fill)[0])


def _raw(fill: float | tuple) -> float:
    return np.atleast_1d(fill)[0]


def rotate90(array: np.ndarray, *, turns: int) -> np.ndarray:
    """Rotate by `turns` quarter turns counter-clockwise (as seen on screen)."""
    turns %= 4
    if turns == 0:
        return array.copy()
    c = cv2()
    code = {1: c.ROTATE_90_COUNTERCLOCKWISE, 2: c.ROTATE_180, 3: c.ROTATE_90_CLOCKWISE}[turns]
    return run_exact(lambda a, _: c.rotate(a, code), array)


def warp(
    array: np.ndarray,
    *,
    matrix: np.ndarray,
    width: int,
    height: int,
    interpolation: str = "linear",
    border_mode: str = "constant",
    fill: float | tuple = 0,
) -> np.ndarray:
    """Warp by a continuous-coordinate 3 x 3 matrix into a width x height output.

    Affine matrices (last row 0 0 1) use warpAffine, others warpPerspective. `fill` is in
    0-255 units for H x W x C pixels, the label itself for an H x W mask. Dtypes OpenCV
    cannot warp (bool, int64...) need interpolation "nearest" (ValueError otherwise).
    """
    c = cv2()
    m = to_index_matrix(matrix)
    flags = interpolation_flag(interpolation)
    border = border_flag(border_mode)
    if array.ndim == 3 and array.shape[2] > 4:
        raise ValueError("warp supports at most 4 channels")
    affine = m[2, 0] == 0.0 and m[2, 1] == 0.0 and m[2, 2] == 1.0

    def op(src, value):
        if affine:
            return c.warpAffine(src, m[:2], (width, height), flags=flags, borderMode=border,
                                borderValue=value)
        return c.warpPerspective(src, m, (width, height), flags=flags, borderMode=border,
                                 borderValue=value)

    return run_exact(op, array, border=_border(fill, array), fill=_raw(fill),
                     nearest=interpolation == "nearest")


def to_index_matrix(matrix: np.ndarray) -> np.ndarray:
    """Continuous-coordinate matrix -> pixel-index matrix (centres on integers)."""
    shift = np.array([[1.0, 0.0, 0.5], [0.0, 1.0, 0.5], [0.0, 0.0, 1.0]])
    unshift = np.array([[1.0, 0.0, -0.5], [0.0, 1.0, -0.5], [0.0, 0.0, 1.0]])
    return unshift @ matrix @ shift


def flip_horizontal_matrix(width: int) -> np.ndarray:
    return np.array([[-1.0, 0.0, width], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])


def flip_vertical_matrix(height: int) -> np.ndarray:
    return np.array([[1.0, 0.0, 0.0], [0.0, -1.0, height], [0.0, 0.0, 1.0]])


def rotate90_matrix(turns: int, width: int, height: int) -> np.ndarray:
    """Matrix of `rotate90` (counter-clockwise on screen, y pointing down)."""
    turns %= 4
    if turns == 0:
        return np.eye(3)
    if turns == 1:  # (x, y) -> (y, W - x)
        return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, width], [0.0, 0.0, 1.0]])
    if turns == 2:
        return np.array([[-1.0, 0.0, width], [0.0, -1.0, height], [0.0, 0.0, 1.0]])
    return np.array([[0.0, -1.0, height], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])


def rotation_matrix(
    angle_deg: float, width: int, height: int, *, scale: float = 1.0
) -> np.ndarray:
    """Rotation about the image centre, counter-clockwise on screen for positive angles,
    then scaling by `scale` about the centre."""
    a = math.radians(angle_deg)
    cos, sin = math.cos(a) * scale, math.sin(a) * scale
    cx, cy = width / 2.0, height / 2.0
    # y points down, so an on-screen counter-clockwise turn is [[cos, sin], [-sin, cos]]
    return np.array(
        [
            [cos, sin, cx - cos * cx - sin * cy],
            [-sin, cos, cy + sin * cx - cos * cy],
            [0.0, 0.0, 1.0],
        ]
    )


def crop_to_fit_scale(angle_deg: float, width: int, height: int) -> float:
    """Zoom that makes a rotation by `angle_deg` show no border at all (same frame size)."""
    a = abs(math.radians(angle_deg)) % math.pi
    if a > math.pi / 2:
        a = math.pi - a
    ratio = max(width / height, height / width)
    return math.cos(a) + ratio * math.sin(a)


def affine_matrix(width: int, height: int, *, angle_deg: float = 0.0, scale: float = 1.0,
                  translate_x: float = 0.0, translate_y: float = 0.0, shear_x_deg: float = 0.0,
                  shear_y_deg: float = 0.0) -> np.ndarray:
    """Rotate (counter-clockwise on screen), scale and shear about the centre, then translate
    by fractions of the size."""
    cx, cy = width / 2.0, height / 2.0
    to_origin = np.array([[1.0, 0.0, -cx], [0.0, 1.0, -cy], [0.0, 0.0, 1.0]])
    back = np.array([[1.0, 0.0, cx + translate_x * width], [0.0, 1.0, cy + translate_y * height],
                     [0.0, 0.0, 1.0]])
    a = math.radians(angle_deg)
    rot = np.array([[math.cos(a), math.sin(a), 0.0], [-math.sin(a), math.cos(a), 0.0],
                    [0.0, 0.0, 1.0]])
    shear = np.array([[1.0, math.tan(math.radians(shear_x_deg)), 0.0],
                      [math.tan(math.radians(shear_y_deg)), 1.0, 0.0], [0.0, 0.0, 1.0]])
    return back @ rot @ shear @ np.diag([scale, scale, 1.0]) @ to_origin


def perspective_matrix(width: int, height: int, offsets: np.ndarray) -> np.ndarray:
    """Homography moving the four corners (tl, tr, br, bl) by `offsets` (4 x 2, fractions of
    the size) and keeping the frame."""
    src = np.array([[0, 0], [width, 0], [width, height], [0, height]], np.float64)
    dst = src + np.asarray(offsets, np.float64).reshape(4, 2) * (width, height)
    return cv2().getPerspectiveTransform(src.astype(np.float32), dst.astype(np.float32)).astype(
        np.float64)


def crop(array: np.ndarray, *, x0: int, y0: int, width: int, height: int) -> np.ndarray:
    """Copy of the window [x0, x0 + width) x [y0, y0 + height) (must lie inside)."""
    return array[y0 : y0 + height, x0 : x0 + width].copy()


def crop_matrix(x0: float, y0: float) -> np.ndarray:
    return np.array([[1.0, 0.0, -x0], [0.0, 1.0, -y0], [0.0, 0.0, 1.0]])


def scale_matrix(sx: float, sy: float) -> np.ndarray:
    return np.diag([sx, sy, 1.0])


def resize(array: np.ndarray, *, width: int, height: int, interpolation: str = "linear"
           ) -> np.ndarray:
    """Resize to width x height. "linear" shrinking a side by 2x or more first averages
    whole k x k blocks (k = the integer part of each side's factor; OpenCV's fast integer
    area path), then resamples bilinearly from the block centres: anti-aliased like
    "area", at a fraction of its cost for non-integer factors (`shrink`). Dtypes OpenCV
    cannot resize exactly (bool, int64...) need interpolation "nearest"."""
    if array.shape[1] == width and array.shape[0] == height:
        return array.copy()
    if interpolation == "linear" and (array.shape[1] >= 2 * width or
                                      array.shape[0] >= 2 * height):
        return shrink(array, width=width, height=height)
    flag = interpolation_flag(interpolation)
    return run_exact(lambda a, _: cv2().resize(a, (width, height), interpolation=flag), array,
                     nearest=interpolation == "nearest")


def shrink(array: np.ndarray, *, width: int, height: int) -> np.ndarray:
    """Anti-aliased bilinear resize: mean of kx x ky blocks (kx = source width // width,
    ky likewise, each at least 1), then bilinear from the reduced image with the exact
    source geometry (a last partial block is left out and its few source pixels read as
    the edge)."""
    c = cv2()
    h, w = array.shape[:2]
    kx, ky = max(1, w // width), max(1, h // height)
    bw, bh = (w // kx) * kx, (h // ky) * ky
    # at factors 1 and 2 bilinear sampling is the block mean itself (within one level), 4x
    # cheaper than OpenCV's area path
    flag = c.INTER_LINEAR if kx <= 2 and ky <= 2 else c.INTER_AREA
    small = run_exact(lambda a, _: c.resize(a, (bw // kx, bh // ky), interpolation=flag),
                      array[:bh, :bw], nearest=False)
    if small.shape[1] == width and small.shape[0] == height:
        return small
    if bw == w and bh == h:
        return run_exact(lambda a, _: c.resize(a, (width, height),
                                               interpolation=c.INTER_LINEAR),
                         small, nearest=False)
    return warp(small, matrix=scale_matrix(width * kx / w, height * ky / h), width=width,
                height=height, interpolation="linear", border_mode="replicate")


def pad(array: np.ndarray, *, top: int, bottom: int, left: int, right: int,
        border_mode: str = "constant", fill: float | tuple = 0) -> np.ndarray:
    """Pad by the given pixel counts; `fill` as in `warp`."""
    flag = border_flag(border_mode)
    return run_exact(lambda a, value: cv2().copyMakeBorder(a, top, bottom, left, right, flag,
                                                           value=value),
                     array, border=_border(fill, array), fill=_raw(fill))
