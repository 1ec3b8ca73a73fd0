"""image/functional/filters.py: blur, sharpen, noise, JPEG artefacts and cutout measured on
images whose answer is known; alpha is never changed, every dtype keeps its dtype."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.image.functional.filters import (
    cutout,
    gaussian_blur,
    gaussian_noise,
    iso_noise,
    jpeg_compression,
    median_blur,
    motion_blur,
    motion_kernel,
    sharpen,
)

RNG = np.random.default_rng(0)
TEXTURE = RNG.integers(0, 256, (64, 80, 3), dtype=np.uint8)


def _with_alpha(rgb: np.ndarray) -> np.ndarray:
    alpha = np.linspace(0, 255, rgb.shape[1], dtype=np.uint8)[None, :, None]
    return np.concatenate([rgb, np.broadcast_to(alpha, (*rgb.shape[:2], 1))], axis=2)


FILTERS = {
    "gaussian_blur": lambda x: gaussian_blur(x, sigma=1.5),
    "motion_blur": lambda x: motion_blur(x, size=7, angle_deg=30),
    "median_blur": lambda x: median_blur(x, size=5),
    "sharpen": lambda x: sharpen(x, amount=1.0),
    "gaussian_noise": lambda x: gaussian_noise(x, std=0.05, seed=1),
    "iso_noise": lambda x: iso_noise(x, intensity=0.5, color_shift=0.05, seed=1),
    "jpeg_compression": lambda x: jpeg_compression(x, quality=30),
    "cutout": lambda x: cutout(x, holes=[[5, 5, 20, 15]], fill=0),
}


@pytest.mark.parametrize("name", FILTERS)
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32])
def test_every_filter_keeps_shape_dtype_and_alpha_and_changes_the_colour(name, dtype):
    scale = {np.uint8: 1, np.uint16: 257, np.float32: 1 / 255}[dtype]
    image = (_with_alpha(TEXTURE).astype(np.float64) * scale).astype(dtype)
    out = FILTERS[name](image)
    assert out.shape == image.shape and out.dtype == image.dtype
    assert np.array_equal(out[..., 3], image[..., 3])
    assert not np.array_equal(out[..., :3], image[..., :3])


def test_a_blur_keeps_the_mean_and_takes_out_detail():
    out = gaussian_blur(TEXTURE, sigma=2.0)
    assert abs(out.mean() - TEXTURE.mean()) < 1.0
    assert np.abs(np.diff(out.astype(int), axis=1)).mean() < \
        0.3 * np.abs(np.diff(TEXTURE.astype(int), axis=1)).mean()
    flat = np.full((20, 20, 3), 77, np.uint8)
    assert np.array_equal(gaussian_blur(flat, sigma=3.0), flat)


@pytest.mark.parametrize("angle", [0, 45, 90, 137])
def test_a_motion_kernel_is_a_normalized_line_at_its_angle(angle):
    k = motion_kernel(15, angle)
    assert k.sum() == pytest.approx(1.0) and k.shape == (15, 15)
    ys, xs = np.nonzero(k > k.max() * 0.5)
    direction = np.degrees(np.arctan2(-(ys - 7), xs - 7))  # up is positive
    along = np.abs(((direction - angle) + 90) % 180 - 90)  # the line through the centre
    assert np.median(along[(ys != 7) | (xs != 7)]) < 8


def test_a_median_removes_salt_and_pepper():
    image = np.full((40, 40, 3), 128, np.uint8)
    noisy = image.copy()
    spots = RNG.integers(0, 40, (60, 2))
    noisy[spots[:, 0], spots[:, 1]] = 255
    assert np.array_equal(median_blur(noisy, size=3), image)


def test_sharpening_raises_edge_contrast():
    edge = np.zeros((10, 20, 1), np.uint8)
    edge[:, 10:] = 200
    edge[:, :10] = 50
    out = sharpen(edge, amount=1.0)
    assert out[0, 9, 0] < 50 and out[0, 10, 0] > 200  # over- and undershoot at the edge
    assert out[0, 0, 0] == 50 and out[0, 19, 0] == 200


def test_noise_is_seeded_and_of_the_stated_strength():
    grey = np.full((200, 200, 3), 128, np.uint8)
    a = gaussian_noise(grey, std=0.04, seed=5)
    assert np.array_equal(a, gaussian_noise(grey, std=0.04, seed=5))
    assert not np.array_equal(a, gaussian_noise(grey, std=0.04, seed=6))
    assert (a.astype(float) - 128).std() == pytest.approx(0.04 * 255, rel=0.05)
    mono = gaussian_noise(grey, std=0.04, seed=5, per_channel=False)
    assert np.array_equal(mono[..., 0], mono[..., 2])


def test_lower_jpeg_quality_loses_more():
    smooth = gaussian_blur(TEXTURE, sigma=1.0)
    err = [np.abs(jpeg_compression(smooth, quality=q).astype(int) - smooth).mean()
           for q in (95, 60, 10)]
    assert err[0] < err[1] < err[2]


def test_cutout_fills_exactly_its_holes():
    out = cutout(TEXTURE, holes=[[5, 6, 20, 16], [70, 50, 80, 64]], fill=255)
    mask = np.zeros(TEXTURE.shape[:2], bool)
    mask[6:16, 5:20] = mask[50:64, 70:80] = True
    assert np.all(out[mask] == 255) and np.array_equal(out[~mask], TEXTURE[~mask])
    wide = cutout(TEXTURE.astype(np.uint16) * 257, holes=[[0, 0, 2, 2]], fill=255)
    assert wide[0, 0, 0] == 65535
