"""image/ffmpeg_filters.py: the FFmpeg filters of the fused video path, run by FFmpeg on
limited-range YUV planes: the affine map is exact up to rounding, chroma scales about 128,
and a pure offset on eq's fast path is within one luma level."""

from __future__ import annotations

import subprocess

import numpy as np
import pytest

from mediasynth.image.ffmpeg_filters import affine_rgb_as_yuv
from mediasynth.io.ffmpeg import ffmpeg_binary

W, H = 32, 8  # 256 luma samples: every level 0-255 once


def _run(filters: str) -> tuple[np.ndarray, np.ndarray]:
    y = np.arange(256, dtype=np.uint8).reshape(H, W)
    u = np.linspace(16, 240, (H // 2) * (W // 2)).round().astype(np.uint8).reshape(H // 2, W // 2)
    frame = y.tobytes() + u.tobytes() + u.tobytes()
    out = subprocess.run([ffmpeg_binary(), "-v", "error", "-f", "rawvideo", "-pix_fmt",
                          "yuv420p", "-s", f"{W}x{H}", "-i", "pipe:0", "-vf", filters, "-f",
                          "rawvideo", "-pix_fmt", "yuv420p", "pipe:1"],
                         input=frame, capture_output=True, check=True).stdout
    return (np.frombuffer(out[:W * H], np.uint8).reshape(H, W).astype(int),
            np.frombuffer(out[W * H:W * H + u.size], np.uint8).astype(int))


@pytest.mark.parametrize(("scale", "offset"), [(1.3, 0.0), (0.7, 20.0), (1.1, -35.5)])
def test_the_lut_is_the_affine_map_on_luma_and_scales_chroma_about_128(scale, offset):
    filters = affine_rgb_as_yuv(scale, offset)
    assert filters.startswith("lutyuv=")
    y, u = _run(filters)
    levels = np.arange(256)
    expected_y = np.clip(np.floor((levels - 16) * scale + 16 + offset * 219 / 255 + 0.5), 0, 255)
    assert np.array_equal(y.reshape(-1), expected_y)
    u_in = np.linspace(16, 240, u.size).round()
    assert np.abs(u - np.clip(np.floor((u_in - 128) * scale + 128 + 0.5), 0, 255)).max() == 0


@pytest.mark.parametrize("offset", [10.0, -25.0])
def test_a_pure_offset_takes_eq_and_lands_within_a_level(offset):
    filters = affine_rgb_as_yuv(1.0, offset)
    assert filters.startswith("eq=brightness=")
    y, u = _run(filters)
    inside = (np.arange(256) >= 16 + abs(offset)) & (np.arange(256) <= 235 - abs(offset))
    shift = y.reshape(-1)[inside] - np.arange(256)[inside]
    assert np.abs(shift - offset * 219 / 255).max() <= 1.0
    assert np.array_equal(u, np.linspace(16, 240, u.size).round().astype(int))  # untouched


def test_an_offset_between_eqs_steps_takes_the_exact_lut():
    # eq's brightness moves luma in steps of 2.555 levels: 51 RGB units (43.8 luma) lies
    # 1.2 levels from the nearest one, so the LUT (exact) is used instead
    assert affine_rgb_as_yuv(1.0, 51.0).startswith("lutyuv=")
