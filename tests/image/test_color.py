"""Colour kernels against Pillow and colorsys."""

from __future__ import annotations

import colorsys

import numpy as np
from PIL import Image as PILImage
from PIL import ImageEnhance

from mediasynth.image.functional import color as C


def _rand(seed=0):
    return np.random.default_rng(seed).integers(0, 256, (32, 40, 3), dtype=np.uint8)


def test_brightness_matches_pillow():
    a = _rand()
    for f in (0.5, 1.3):
        ref = np.asarray(ImageEnhance.Brightness(PILImage.fromarray(a)).enhance(f))
        assert np.abs(C.adjust_brightness(a, factor=f).astype(int) - ref).max() <= 1


def test_contrast_matches_pillow():
    a = _rand(1)
    for f in (0.6, 1.4):
        ref = np.asarray(ImageEnhance.Contrast(PILImage.fromarray(a)).enhance(f)).astype(int)
        ours = C.adjust_contrast(a, factor=f).astype(int)
        # Pillow rounds the mean to an integer; allow that difference times the factor
        assert np.abs(ours - ref).max() <= 2


def test_saturation_matches_pillow():
    a = _rand(2)
    for f in (0.0, 0.5, 1.5):
        ref = np.asarray(ImageEnhance.Color(PILImage.fromarray(a)).enhance(f)).astype(int)
        assert np.abs(C.adjust_saturation(a, factor=f).astype(int) - ref).max() <= 2


def test_hue_shift_matches_colorsys():
    a = _rand(3)
    shift = 0.25
    out = C.shift_hue(a, shift=shift)
    for y, x in [(0, 0), (5, 7), (20, 30), (31, 39)]:
        r, g, b = (a[y, x] / 255.0).tolist()
        h, s, v = colorsys.rgb_to_hsv(r, g, b)
        expect = np.array(colorsys.hsv_to_rgb((h + shift) % 1.0, s, v)) * 255
        assert np.abs(out[y, x].astype(float) - expect).max() <= 8


def test_alpha_is_untouched_and_float_path_matches_uint8():
    a = np.concatenate([_rand(), np.full((32, 40, 1), 77, np.uint8)], axis=2)
    out = C.color_jitter(a, brightness=1.2, contrast=0.8, saturation=1.3, hue=0.1)
    assert np.array_equal(out[:, :, 3], a[:, :, 3])
    f = a.astype(np.float32) / 255.0
    out_f = C.color_jitter(f, brightness=1.2, contrast=0.8, saturation=1.3, hue=0.1)
    assert np.abs(out_f * 255.0 - out.astype(np.float32)).mean() < 2.0


def test_identity_parameters_copy_the_input():
    a = _rand()
    out = C.color_jitter(a)
    assert np.array_equal(out, a) and out is not a


def _bands_of_two(monkeypatch):
    """Bands of 1,000 pixels so a 40 x 60 image spans several (and a partial last one)."""
    monkeypatch.setattr(C, "BAND_PIXELS", 1000)


def test_banded_saturation_and_hue_equal_the_whole_image_formula(monkeypatch):
    from mediasynth.image.functional._cv import from_float01, to_float01

    rng = np.random.default_rng(4)
    rgb8 = rng.integers(0, 256, (41, 60, 3), dtype=np.uint8)
    rgba16 = rng.integers(0, 65536, (41, 60, 4), dtype=np.uint16)
    gray = rng.integers(0, 256, (41, 60, 1), dtype=np.uint8)
    expected = {}
    for name, px in (("rgb8", rgb8), ("rgba16", rgba16)):
        f = to_float01(px[:, :, :3])
        y = C.luminance(f)[:, :, None]
        expected[name] = from_float01(y + 1.7 * (f - y), px.dtype)
    _bands_of_two(monkeypatch)
    out8 = C.adjust_saturation(rgb8, factor=1.7)
    out16 = C.adjust_saturation(rgba16, factor=1.7)
    # uint8 blends with the 8-bit luma: within one level of the float formula
    assert np.abs(out8.astype(int) - expected["rgb8"]).max() <= 1
    assert np.array_equal(out16[:, :, :3], expected["rgba16"])
    assert np.array_equal(out16[:, :, 3], rgba16[:, :, 3])
    assert np.array_equal(C.adjust_saturation(gray, factor=1.7), gray)
    whole = C.shift_hue(rgba16, shift=0.2)
    monkeypatch.setattr(C, "BAND_PIXELS", 1 << 30)
    assert np.array_equal(whole, C.shift_hue(rgba16, shift=0.2))


def test_banded_mean_luminance_equals_the_whole_mean(monkeypatch):
    px = np.random.default_rng(5).integers(0, 256, (97, 131, 3), dtype=np.uint8)
    _bands_of_two(monkeypatch)
    exact = float(C.luminance(px).astype(np.float64).mean())
    # 3 channels: the weighted channel means, float32 rounding of per-pixel luma aside
    assert abs(C.mean_luminance(px) - exact) < 1e-3
    assert abs(C.mean_luminance(px[:, :, :1]) - float(px[:, :, 0].mean())) < 1e-6


def test_saturation_of_a_large_image_stays_within_a_few_bytes_per_pixel():
    """An 8 MP RGB image: the whole-image formula held ~60 bytes a pixel of float32
    temporaries (480 MB); banded, the peak above input and output is a band's worth."""
    import tracemalloc

    px = np.full((2000, 4000, 3), 100, np.uint8)
    px[:, ::3, 0] = 200
    tracemalloc.start()
    out = C.adjust_saturation(px, factor=1.5)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert out.shape == px.shape
    assert peak < px.nbytes + 100 * 2**20  # output + a band's float32 temporaries
