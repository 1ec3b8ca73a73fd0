"""Pixel modes as Pillow's convert makes them (image/modes.py)."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage

from mediasynth.image.modes import convert, match_channels


@pytest.fixture
def rgb() -> np.ndarray:
    return np.random.default_rng(0).integers(0, 256, (48, 64, 3), dtype=np.uint8)


def test_rgb_to_gray_is_pillows_luma(rgb):
    want = np.asarray(PILImage.fromarray(rgb).convert("L")).astype(int)
    got = convert(rgb, "L")
    assert got.shape == (48, 64, 1) and got.dtype == np.uint8
    assert np.abs(got[:, :, 0].astype(int) - want).max() <= 1  # Pillow rounds in fixed point


@pytest.mark.parametrize("pil_mode", ["L", "LA", "RGBA", "P"])
def test_to_rgb_matches_pillow(rgb, pil_mode):
    alpha = np.random.default_rng(1).integers(0, 256, (48, 64, 1), dtype=np.uint8)
    source = {"L": PILImage.fromarray(rgb[:, :, 0]),
              "LA": PILImage.fromarray(np.concatenate([rgb[:, :, :1], alpha], 2), "LA"),
              "RGBA": PILImage.fromarray(np.concatenate([rgb, alpha], 2), "RGBA"),
              "P": PILImage.fromarray(rgb).quantize(32)}[pil_mode]
    # what io.image_io.read_image hands over for each: L 1 channel, LA as RGBA, P as RGB
    held = {"L": np.asarray(source)[:, :, None],
            "LA": np.asarray(source.convert("RGBA")),
            "RGBA": np.asarray(source),
            "P": np.asarray(source.convert("RGB"))}[pil_mode]
    assert np.array_equal(convert(held, "RGB"), np.asarray(source.convert("RGB")))


def test_16_bit_and_float_become_8_bit_rounded():
    deep = np.array([[[0], [128], [129], [257 * 200 + 129], [65535]]], np.uint16)
    assert convert(deep, "L").ravel().tolist() == [0, 0, 1, 201, 255]
    assert convert(deep, "RGB").shape == (1, 5, 3)
    unit = np.array([[[0.0, 0.5, 1.0]]], np.float32)
    assert convert(unit, "RGB").ravel().tolist() == [0, 128, 255]


def test_channels_keep_dtype_and_alpha():
    gray16 = np.full((2, 2, 1), 1000, np.uint16)
    rgba = match_channels(gray16, 4)
    assert rgba.dtype == np.uint16 and rgba[0, 0].tolist() == [1000, 1000, 1000, 65535]
    assert match_channels(rgba, 3)[0, 0].tolist() == [1000, 1000, 1000]
    assert convert(rgba, None) is rgba
