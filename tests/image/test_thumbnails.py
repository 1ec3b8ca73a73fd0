"""image/thumbnails.py: report tiles of any image mode, longer side TILE_PX, as RGB8."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image as PILImage

from mediasynth.image.thumbnails import TILE_PX, thumbnail, thumbnail_png


@pytest.mark.parametrize(("shape", "dtype", "top"), [
    ((300, 600, 3), np.uint8, 255), ((600, 300), np.uint8, 255), ((300, 600, 1), np.uint16, 65535),
    ((90, 60, 3), np.float32, 1.0)])
def test_every_mode_becomes_rgb8_with_the_longer_side_fixed(shape, dtype, top):
    pixels = (np.full(shape, 0.5) * top).astype(dtype)
    tile = thumbnail(pixels)
    assert tile.dtype == np.uint8 and tile.ndim == 3 and tile.shape[2] == 3
    assert max(tile.shape[:2]) == TILE_PX
    h, w = shape[:2]
    assert abs(tile.shape[1] / tile.shape[0] - w / h) < 0.02  # aspect kept
    assert np.all(np.abs(tile.astype(int) - 127) <= 1)  # mid-grey stays mid-grey


def test_transparency_is_composited_over_white():
    rgba = np.zeros((40, 80, 4), np.uint8)
    rgba[:, :40, 3] = 255  # left half opaque black, right half transparent
    tile = thumbnail(rgba, size=80)
    assert np.all(tile[:, :38] == 0) and np.all(tile[:, 42:] == 255)


def test_thumbnail_png_decodes_to_the_thumbnail():
    pixels = np.random.default_rng(0).integers(0, 255, (120, 200, 3), dtype=np.uint8)
    decoded = np.asarray(PILImage.open(io.BytesIO(thumbnail_png(pixels))).convert("RGB"))
    assert np.array_equal(decoded, thumbnail(pixels))
