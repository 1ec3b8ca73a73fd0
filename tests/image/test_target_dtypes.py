"""Masks of any dtype and keypoints with extra columns keep their dtype, shape and columns
through every registered geometric transform."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.media import Image
from mediasynth.core.registry import lookup, names
from mediasynth.image.functional import geometric as G
from mediasynth.image.functional.targets import transform_keypoints, transform_points
from mediasynth.image.transforms.base import GeometricTransform

H, W = 60, 80

# settings that make each transform move something on a 80 x 60 image (others: defaults)
CONFIGS = {
    "image.affine": {"angle_deg_range": (10.0, 40.0), "translate_fraction_range": (0.1, 0.2)},
    "image.center_crop": {"width": 41, "height": 33},
    "image.crop": {"width": 41, "height": 33},
    "image.longest_side": {"max_size": 111},
    "image.pad": {"min_width": 97, "min_height": 75, "position": "random", "mask_fill": 1},
    "image.perspective": {"distortion_fraction_range": (0.1, 0.2)},
    "image.random_resized_crop": {"width": 50, "height": 70},
    "image.resize": {"width": 50, "height": 70},
    "image.rotate": {"angle_deg_range": (20.0, 70.0), "mask_fill": 1},
}

GEOMETRIC = [n for n in names("image") if issubclass(lookup(n), GeometricTransform)]

# labels of index 0..3: 0 and 1 (the border fills) map to themselves, then values an int32
# (what OpenCV turns int64 into) or a float32 cannot hold
LABELS = {
    np.bool_: np.array([False, True, False, True]),
    np.int64: np.array([0, 1, 2**40 + 3, -(2**62) - 1]),
    np.uint16: np.array([0, 1, 65535, 40000], np.uint16),
    np.int32: np.array([0, 1, 2**31 - 1, -(2**31)], np.int32),
    np.uint32: np.array([0, 1, 2**32 - 1, 2**31 + 9], np.uint32),
}


def _transform(name):
    return lookup(name)(**CONFIGS.get(name, {}))


def _index_mask(seed: int) -> np.ndarray:
    """Blocks of label indices 0..3 (uint8, which OpenCV moves natively)."""
    rng = np.random.default_rng(seed)
    return np.kron(rng.integers(0, 4, (H // 4, W // 4)), np.ones((4, 4))).astype(np.uint8)


def test_every_geometric_transform_is_covered():
    assert set(CONFIGS) <= set(GEOMETRIC)
    assert {"image.flip_horizontal", "image.rotate", "image.pad"} <= set(GEOMETRIC)


@pytest.mark.parametrize("dtype", list(LABELS), ids=lambda t: np.dtype(t).name)
@pytest.mark.parametrize("name", GEOMETRIC)
def test_mask_dtype_and_labels_survive(name, dtype):
    """The mask keeps its dtype and 2-D shape, and holds exactly the labels a uint8 index
    mask moved by the same draw points to (so no value is truncated or mixed)."""
    t = _transform(name)
    lut = LABELS[dtype]
    index = _index_mask(3)
    pixels = np.zeros((H, W, 3), np.uint8)
    ref, _ = t.run(Image(pixels, mask=index), np.random.default_rng(5))
    out, _ = t.run(Image(pixels, mask=lut[index]), np.random.default_rng(5))
    assert out.mask.dtype == np.dtype(dtype)
    assert out.mask.shape == out.pixels.shape[:2] == ref.mask.shape
    assert np.array_equal(out.mask, lut[ref.mask])


def test_planes_refuse_interpolation():
    with pytest.raises(ValueError, match="nearest"):
        G.warp(np.zeros((4, 4), np.int64), matrix=np.eye(3), width=4, height=4,
               interpolation="linear")


def test_a_trailing_mask_axis_is_kept_for_planes():
    mask = np.arange(12, dtype=np.int64).reshape(3, 4, 1) * 2**33
    out = G.rotate90(mask, turns=1)
    assert out.shape == (4, 3, 1) and out.dtype == np.int64
    assert np.array_equal(out[:, :, 0], np.rot90(mask[:, :, 0]))


def _keypoints(dtype) -> np.ndarray:
    """[x, y, label, visibility] rows on a grid reaching the frame's edges."""
    xs, ys = np.meshgrid(np.linspace(0.5, W - 0.5, 7), np.linspace(0.5, H - 0.5, 5))
    n = xs.size
    return np.stack([xs.ravel(), ys.ravel(), np.arange(n) + 10, 1 + np.arange(n) % 2],
                    axis=1).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64, np.int64])
@pytest.mark.parametrize("name", GEOMETRIC)
def test_keypoint_columns_survive(name, dtype):
    """x, y move with the transform's matrix, labels stay, and a keypoint that leaves the
    output frame is kept with visibility 0."""
    t = _transform(name)
    image = Image(np.zeros((H, W, 3), np.uint8))
    params = t.get_params(np.random.default_rng(2), image)
    matrix, out_w, out_h = t.geometry(params, W, H)
    kp = _keypoints(dtype)
    out = transform_keypoints(kp, matrix, width=out_w, height=out_h, visibility_column=3)
    assert out.dtype == kp.dtype and out.shape == kp.shape
    assert np.array_equal(out[:, 2], kp[:, 2])
    xy = transform_points(kp[:, :2], matrix)
    tol = 0.5 if np.dtype(dtype).kind == "i" else 1e-3
    assert np.allclose(out[:, :2], xy, atol=tol)
    inside = (xy[:, 0] >= 0) & (xy[:, 0] < out_w) & (xy[:, 1] >= 0) & (xy[:, 1] < out_h)
    assert np.array_equal(out[:, 3], np.where(inside, kp[:, 3], 0))
    if name in ("image.crop", "image.center_crop", "image.rotate"):
        assert not inside.all()  # the case of points leaving the frame is exercised


def test_keypoints_without_a_visibility_column_keep_every_column():
    kp = _keypoints(np.float64)
    moved = transform_keypoints(kp, G.crop_matrix(30, 20), width=10, height=10)
    assert np.array_equal(moved[:, 2:], kp[:, 2:])
    assert np.allclose(moved[:, :2], kp[:, :2] - (30, 20))
    with pytest.raises(ValueError, match="visibility column"):
        transform_keypoints(kp, np.eye(3), width=W, height=H, visibility_column=1)
