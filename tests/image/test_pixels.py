"""Pixel transforms against analytic values, numpy and Pillow."""

from __future__ import annotations

import numpy as np
import pytest
from PIL import Image as PILImage
from PIL import ImageFilter, ImageOps

from mediasynth.core.media import Image
from mediasynth.core.registry import build
from mediasynth.image.functional import color as C
from mediasynth.image.functional import filters as F


def _rand(seed=0, shape=(40, 50, 3)):
    return np.random.default_rng(seed).integers(0, 256, shape, dtype=np.uint8)


def test_brightness_contrast_is_exact_affine_arithmetic():
    a = _rand()
    out = C.brightness_contrast(a, brightness=0.1, contrast=1.2)
    expect = np.clip(np.rint(a.astype(float) * 1.2 + 25.5), 0, 255)
    assert np.abs(out.astype(float) - expect).max() <= 1
    b = C.brightness_contrast(np.full((4, 4, 3), 100, np.uint8), brightness=0.1, contrast=1.0)
    assert np.all(b == 126)


def test_gamma_invert_solarize_posterize_match_pillow():
    a = _rand(1)
    pil = PILImage.fromarray(a)
    assert np.array_equal(C.invert(a), np.asarray(ImageOps.invert(pil)))
    assert np.array_equal(C.posterize(a, bits=3), np.asarray(ImageOps.posterize(pil, 3)))
    assert np.array_equal(C.solarize(a, threshold=128 / 255), np.asarray(ImageOps.solarize(pil, 128)))
    g = C.gamma(a, gamma_value=2.0)
    assert np.abs(g.astype(float) - np.rint(255 * (a / 255.0) ** 2)).max() <= 1


def test_grayscale_matches_pillow_luma_and_keeps_channels():
    a = _rand(2)
    out = C.grayscale(a)
    ref = np.asarray(PILImage.fromarray(a).convert("L")).astype(int)
    assert out.shape == a.shape and np.all(out[:, :, 0] == out[:, :, 2])
    assert np.abs(out[:, :, 0].astype(int) - ref).max() <= 1


def test_channel_shuffle_is_a_permutation():
    a = _rand(3)
    out = C.channel_shuffle(a, order=[2, 0, 1])
    assert np.array_equal(out, a[:, :, [2, 0, 1]])


def test_equalize_flattens_the_histogram():
    a = (np.random.default_rng(0).beta(2, 8, (100, 100, 1)) * 255).astype(np.uint8)
    out = C.equalize(a)
    ref = np.asarray(ImageOps.equalize(PILImage.fromarray(a[:, :, 0])))
    hist = np.histogram(out, bins=8, range=(0, 256))[0]
    assert hist.min() > 0.5 * hist.mean() and hist.max() < 1.6 * hist.mean()
    assert np.abs(out[:, :, 0].astype(int) - ref.astype(int)).mean() < 3


def test_clahe_raises_local_contrast():
    a = np.clip(np.random.default_rng(0).normal(120, 8, (64, 64, 3)), 0, 255).astype(np.uint8)
    out = C.clahe(a, clip_limit=4.0, tile_grid=4)
    assert out.std() > 1.5 * a.std()


def test_gaussian_blur_matches_pillow():
    a = _rand(4, (60, 60, 3))
    ours = F.gaussian_blur(a, sigma=2.0).astype(int)
    ref = np.asarray(PILImage.fromarray(a).filter(ImageFilter.GaussianBlur(2.0))).astype(int)
    assert np.abs(ours - ref)[8:-8, 8:-8].mean() < 2.0


def test_median_blur_matches_pillow():
    a = _rand(5, (30, 30, 3))
    ours = F.median_blur(a, size=3)
    ref = np.asarray(PILImage.fromarray(a).filter(ImageFilter.MedianFilter(3)))
    assert np.array_equal(ours[1:-1, 1:-1], ref[1:-1, 1:-1])


def test_motion_blur_kernel_is_normalized_and_directional():
    k = F.motion_kernel(9, 0.0)
    assert abs(k.sum() - 1) < 1e-6 and k[4].sum() > 0.9


def test_sharpen_increases_edge_contrast():
    a = np.zeros((20, 20, 1), np.uint8)
    a[:, 10:] = 200
    out = F.sharpen(a, amount=1.0)
    assert out[:, 9].max() == 0 and out[:, 10].min() > 200


@pytest.mark.parametrize("std", [0.02, 0.08])
def test_gaussian_noise_has_its_standard_deviation(std):
    a = np.full((200, 200, 3), 128, np.uint8)
    out = F.gaussian_noise(a, std=std, seed=1)
    assert abs((out.astype(float) - 128).std() / 255 - std) < 0.1 * std


def test_jpeg_compression_matches_pillow_quality_loss():
    a = _rand(6, (64, 64, 3))
    ours = F.jpeg_compression(a, quality=30)
    import io

    buf = io.BytesIO()
    PILImage.fromarray(a).save(buf, "JPEG", quality=30)
    ref = np.asarray(PILImage.open(buf)).astype(int)
    err_ours = np.abs(ours.astype(int) - a).mean()
    err_ref = np.abs(ref - a).mean()
    assert 0.7 * err_ref < err_ours < 1.3 * err_ref


def test_coarse_dropout_fills_holes_and_mask():
    img = Image(_rand(7), mask=np.ones((40, 50), np.uint8))
    t = build({"type": "image.coarse_dropout", "holes_range": [2, 2], "fill": 0, "mask_fill": 9})
    out, rec = t.run(img, np.random.default_rng(0))
    for x0, y0, x1, y1 in rec.params["holes"]:
        assert np.all(out.pixels[y0:y1, x0:x1] == 0) and np.all(out.mask[y0:y1, x0:x1] == 9)


def test_iso_noise_changes_pixels_but_not_the_mean_much():
    a = np.full((64, 64, 3), 120, np.uint8)
    out = F.iso_noise(a, intensity=0.5, color_shift=0.05, seed=3)
    assert not np.array_equal(out, a) and abs(out.mean() - 120) < 6
