"""Colour kernels. uint8 goes through lookup tables (fast, exact); uint16 and float32 go
through float32 in [0, 1]. An alpha channel is never changed; single-channel images ignore
saturation and hue."""

from __future__ import annotations

import numpy as np

from mediasynth.image.functional._cv import cv2, from_float01, max_value, to_float01


def _split_alpha(pixels: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    if pixels.shape[2] == 4:
        return pixels[:, :, :3], pixels[:, :, 3:]
    return pixels, None


def _join_alpha(color: np.ndarray, alpha: np.ndarray | None) -> np.ndarray:
    if alpha is None:
        return color
    return np.concatenate([color, alpha], axis=2)


def _apply_lut(color: np.ndarray, lut: np.ndarray) -> np.ndarray:
    out = cv2().LUT(color, lut)
    return out.reshape(color.shape)


def luminance(color: np.ndarray) -> np.ndarray:
    """ITU-R 601 luma, H x W float32, in the array's own value scale."""
    if color.shape[2] == 1:
        return color[:, :, 0].astype(np.float32)
    c = color.astype(np.float32, copy=False)
    return 0.299 * c[:, :, 0] + 0.587 * c[:, :, 1] + 0.114 * c[:, :, 2]


def adjust_brightness(pixels: np.ndarray, *, factor: float) -> np.ndarray:
    """Multiply colour values by `factor` (torchvision semantics), clipped to the range."""
    color, alpha = _split_alpha(pixels)
    if pixels.dtype == np.uint8:
        lut = np.clip(np.rint(np.arange(256) * factor), 0, 255).astype(np.uint8)
        return _join_alpha(_apply_lut(color, lut), alpha)
    return _join_alpha(from_float01(to_float01(color) * factor, pixels.dtype), alpha)


def adjust_contrast(pixels: np.ndarray, *, factor: float) -> np.ndarray:
    """Blend with the mean luma: mean + factor * (x - mean) (torchvision semantics)."""
    color, alpha = _split_alpha(pixels)
    mean = float(luminance(color).mean())
    if pixels.dtype == np.uint8:
        lut = np.clip(np.rint(mean + factor * (np.arange(256) - mean)), 0, 255).astype(np.uint8)
        return _join_alpha(_apply_lut(color, lut), alpha)
    m = mean / max_value(pixels.dtype)
    return _join_alpha(from_float01(m + factor * (to_float01(color) - m), pixels.dtype), alpha)


def adjust_saturation(pixels: np.ndarray, *, factor: float) -> np.ndarray:
    """Blend with the grey image: gray + factor * (x - gray)."""
    color, alpha = _split_alpha(pixels)
    if color.shape[2] == 1:
        return pixels.copy()
    f = to_float01(color)
    gray = luminance(f)[:, :, None]
    out = gray + factor * (f - gray)
    return _join_alpha(from_float01(out, pixels.dtype), alpha)


def shift_hue(pixels: np.ndarray, *, shift: float) -> np.ndarray:
    """Rotate hue by `shift` turns (-0.5..0.5; 0.5 is 180 degrees)."""
    color, alpha = _split_alpha(pixels)
    if color.shape[2] == 1 or shift == 0:
        return pixels.copy()
    c = cv2()
    if pixels.dtype == np.uint8:
        hsv = c.cvtColor(np.ascontiguousarray(color), c.COLOR_RGB2HSV_FULL)
        lut = ((np.arange(256) + round(shift * 256)) % 256).astype(np.uint8)
        hsv[:, :, 0] = c.LUT(hsv[:, :, 0], lut)
        return _join_alpha(c.cvtColor(hsv, c.COLOR_HSV2RGB_FULL), alpha)
    hsv = c.cvtColor(to_float01(color), c.COLOR_RGB2HSV)
    hsv[:, :, 0] = (hsv[:, :, 0] + shift * 360.0) % 360.0
    return _join_alpha(from_float01(c.cvtColor(hsv, c.COLOR_HSV2RGB), pixels.dtype), alpha)


def color_jitter(
    pixels: np.ndarray,
    *,
    brightness: float = 1.0,
    contrast: float = 1.0,
    saturation: float = 1.0,
    hue: float = 0.0,
    order: tuple[int, ...] | list[int] = (0, 1, 2, 3),
) -> np.ndarray:
    """Brightness, contrast, saturation factors and hue shift, applied in `order`
    (0 brightness, 1 contrast, 2 saturation, 3 hue); identity steps are skipped."""
    out = pixels
    for step in order:
        if step == 0 and brightness != 1.0:
            out = adjust_brightness(out, factor=brightness)
        elif step == 1 and contrast != 1.0:
            out = adjust_contrast(out, factor=contrast)
        elif step == 2 and saturation != 1.0:
            out = adjust_saturation(out, factor=saturation)
        elif step == 3 and hue != 0.0:
            out = shift_hue(out, shift=hue)
    return out.copy() if out is pixels else out
