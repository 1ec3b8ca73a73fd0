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
