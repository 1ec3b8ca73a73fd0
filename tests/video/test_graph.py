"""FFmpeg equivalents of frame transforms (mediasynth/image/ffmpeg_filters.py), checked
pixel by pixel against their contract."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from mediasynth.image.ffmpeg_filters import affine_rgb_as_yuv
from mediasynth.io.ffmpeg import ffmpeg_binary


def _filter_i420(y_plane: np.ndarray, vf: str) -> tuple[np.ndarray, np.ndarray]:
    """Run one filter on an I420 frame (given luma, neutral chroma); (luma, chroma) out."""
    h, w = y_plane.shape
    frame = np.concatenate([y_plane.ravel(), np.full(h * w // 2, 128, np.uint8)])
    out = subprocess.run([ffmpeg_binary(), "-v", "error", "-f", "rawvideo", "-pix_fmt", "yuv420p",
                          "-s", f"{w}x{h}", "-i", "-", "-vf", vf, "-f", "rawvideo", "-"],
                         input=frame.tobytes(), capture_output=True, check=True).stdout
    data = np.frombuffer(out, np.uint8)
    return data[: h * w].reshape(h, w), data[h * w:]


RAMP = np.tile(np.arange(256, dtype=np.uint8), (16, 1))


@pytest.mark.parametrize("offset_rgb", [-40.0, -7.3, 0.4, 12.75, 25.5, 51.0])
def test_pure_brightness_offset_moves_luma_by_the_offset(offset_rgb):
    vf = affine_rgb_as_yuv(1.0, offset_rgb)
    luma, chroma = _filter_i420(RAMP, vf)
    expected = np.clip(np.arange(256) + offset_rgb * 219 / 255, 0, 255)
    inside = slice(64, 192)  # away from clipping at either end
    assert np.abs(luma[0].astype(float) - expected)[inside].max() <= 1.0
    assert (chroma == 128).all(), "a brightness offset leaves colour alone"


def test_offsets_eq_cannot_reach_within_a_level_use_the_exact_lut():
    assert affine_rgb_as_yuv(1.0, 25.5).startswith("eq=")  # 21.9 luma: eq's step 22
    assert affine_rgb_as_yuv(1.0, 0.4).startswith("lutyuv=")  # eq: -1 or +2


def test_scaled_affine_map_is_exact_on_luma_and_chroma():
    vf = affine_rgb_as_yuv(1.2, 10.0)
    luma, _ = _filter_i420(RAMP, vf)
    expected = np.rint(np.clip((np.arange(256) - 16) * 1.2 + 16 + 10 * 219 / 255, 0, 255))
    assert np.array_equal(luma[0].astype(float), expected)
