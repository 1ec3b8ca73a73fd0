"""image/functional/_cv.py: OpenCV helpers. Any dtype and channel count moves through a
nearest warp exactly (as the pixel an index map says), border values follow the dtype's
scale, and float conversions round trip."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from mediasynth.image.functional._cv import (
    fill_value,
    from_float01,
    keep_shape,
    run_exact,
    to_float01,
)

H, W = 40, 50
MATRIX = cv2.getRotationMatrix2D((W / 2, H / 2), 23.0, 1.15)


def _warp(array, border):
    return cv2.warpAffine(array, MATRIX, (W, H), flags=cv2.INTER_NEAREST,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=border)


def _reference(array: np.ndarray, fill) -> np.ndarray:
    """Where each output pixel comes from, by warping a uint16 index map (0: outside)."""
    index = (np.arange(H * W, dtype=np.uint16) + 1).reshape(H, W)
    source = _warp(index, 0).astype(np.int64)
    flat = array.reshape(H * W, *array.shape[2:])
    out = flat[np.maximum(source - 1, 0)]
    out[source == 0] = fill
    return out.reshape(array.shape)


@pytest.mark.parametrize(("dtype", "channels"), [
    (np.int64, 1), (np.int64, 6), (np.float64, 3), (np.bool_, None), (np.int8, 2),
    (np.uint32, 5), (np.int16, 4), (np.uint8, 3), (np.uint16, 1), (np.float32, 3)])
def test_a_nearest_warp_moves_every_dtype_exactly(dtype, channels):
    """(Native 2-channel arrays go to OpenCV as they are; its 2-channel nearest warp picks
    another pixel at a few ties, 3 of 2,000 here, so they are not compared.)"""
    rng = np.random.default_rng(3)
    shape = (H, W) if channels is None else (H, W, channels)
    if dtype == np.bool_:
        array = rng.random(shape) > 0.5
    elif np.issubdtype(dtype, np.floating):
        array = rng.normal(0, 1e6, shape).astype(dtype)
    else:
        info = np.iinfo(dtype)
        array = rng.integers(info.min, info.max, shape, dtype=dtype, endpoint=True)
    fill = 1 if dtype == np.bool_ else 7
    out = run_exact(_warp, array, border=fill_value(fill, array) if array.dtype in (
        np.uint8, np.uint16, np.float32) else None, fill=fill)
    assert out.dtype == array.dtype and out.shape == array.shape
    expected = _reference(array, fill if array.dtype not in (np.uint8, np.uint16, np.float32)
                          else np.asarray(fill_value(fill, array)[: (channels or 1)],
                                          dtype=array.dtype).squeeze())
    assert np.array_equal(out, expected)


def test_interpolating_planes_is_refused():
    with pytest.raises(ValueError, match="nearest interpolation"):
        run_exact(_warp, np.zeros((4, 4), np.int64), nearest=False)


def test_border_values_follow_the_dtype_scale():
    assert fill_value(255, np.zeros((2, 2, 3), np.uint8)) == (255.0, 255.0, 255.0, 0.0)
    assert fill_value(255, np.zeros((2, 2, 3), np.uint16)) == (65535.0, 65535.0, 65535.0, 0.0)
    assert fill_value((255, 0, 51), np.zeros((2, 2, 3), np.float32)) == pytest.approx(
        (1.0, 0.0, 0.2, 0.0))
    assert fill_value(10, np.zeros((2, 2), np.uint8)) == (10.0, 0.0, 0.0, 0.0)


def test_float_round_trips_and_a_dropped_channel_axis_comes_back():
    for dtype, top in ((np.uint8, 255), (np.uint16, 65535)):
        values = np.arange(0, top + 1, max(1, top // 1000), dtype=dtype)
        assert np.array_equal(from_float01(to_float01(values), dtype), values)
    wild = np.array([-0.5, 0.25, 1.5], np.float32)
    assert from_float01(wild.copy(), np.float32).tolist() == [0.0, 0.25, 1.0]
    assert from_float01(np.array([0.5]), np.uint8).tolist() == [128]  # rounded, not cut
    assert keep_shape(np.zeros((3, 4)), np.zeros((3, 4, 1))).shape == (3, 4, 1)
    assert keep_shape(np.zeros((3, 4)), np.zeros((3, 4))).shape == (3, 4)
