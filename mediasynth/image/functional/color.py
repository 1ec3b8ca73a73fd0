"""Colour kernels. uint8 goes through lookup tables (fast, exact); uint16 and float32 go
through float32 in [0, 1]. An alpha channel is never changed; single-channel images ignore
saturation and hue.

Memory: kernels that need float32 temporaries of the whole image (saturation, float hue,
contrast's mean luma) work in bands of BAND_PIXELS rows x width, so their temporaries stay
near 60 bytes x BAND_PIXELS (60 MiB) whatever the image size (a 100 MP image's would be
6 GB); per-pixel arithmetic is the same, so are the results.
"""

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


BAND_PIXELS = 1 << 20


def _bands(height: int, width: int):
    """Row slices covering the image, each of about BAND_PIXELS pixels."""
    rows = max(1, BAND_PIXELS // max(1, width))
    for top in range(0, height, rows):
        yield slice(top, min(height, top + rows))


def _banded(pixels: np.ndarray, color_fn) -> np.ndarray:
    """color_fn(colour band) -> new colour band of the same dtype, over every band; alpha
    copied as it is."""
    out = np.empty_like(pixels)
    channels = 3 if pixels.shape[2] == 4 else pixels.shape[2]
    for rows in _bands(pixels.shape[0], pixels.shape[1]):
        out[rows, :, :channels] = color_fn(pixels[rows, :, :channels])
    if pixels.shape[2] == 4:
        out[:, :, 3] = pixels[:, :, 3]
    return out


def mean_luminance(color: np.ndarray) -> float:
    """The mean ITU-R 601 luma of a colour array, in its own value scale (summed by bands
    in float64)."""
    if color.shape[2] == 3 and color.dtype in (np.uint8, np.uint16, np.float32):
        # luma is linear: the weighted channel means (OpenCV sums in float64, no temporaries)
        r, g, b = cv2().mean(np.ascontiguousarray(color))[:3]
        return 0.299 * r + 0.587 * g + 0.114 * b
    total = 0.0
    for rows in _bands(color.shape[0], color.shape[1]):
        total += float(luminance(color[rows]).sum(dtype=np.float64))
    return total / max(1, color.shape[0] * color.shape[1])


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
    mean = mean_luminance(color)
    if pixels.dtype == np.uint8:
        lut = np.clip(np.rint(mean + factor * (np.arange(256) - mean)), 0, 255).astype(np.uint8)
        return _join_alpha(_apply_lut(color, lut), alpha)
    m = mean / max_value(pixels.dtype)
    return _join_alpha(from_float01(m + factor * (to_float01(color) - m), pixels.dtype), alpha)


def adjust_saturation(pixels: np.ndarray, *, factor: float) -> np.ndarray:
    """Blend with the grey image: gray + factor * (x - gray). uint8 takes the luma rounded
    to 8 bits (as Pillow's ImageEnhance.Color does) and one OpenCV blend: within one level
    of the float formula, 30x faster."""
    if pixels.shape[2] == 1:
        return pixels.copy()
    if pixels.dtype == np.uint8:
        c = cv2()

        def band8(color: np.ndarray) -> np.ndarray:
            color = np.ascontiguousarray(color)
            gray = c.cvtColor(c.cvtColor(color, c.COLOR_RGB2GRAY), c.COLOR_GRAY2RGB)
            return c.addWeighted(color, float(factor), gray, 1.0 - float(factor), 0.0)

        if pixels.shape[2] == 3:
            return band8(pixels)
        return _banded(pixels, band8)

    def band(color: np.ndarray) -> np.ndarray:
        f = to_float01(color)
        gray = luminance(f)[:, :, None]
        return from_float01(gray + factor * (f - gray), pixels.dtype)

    return _banded(pixels, band)


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

    def band(color: np.ndarray) -> np.ndarray:
        hsv = c.cvtColor(to_float01(color), c.COLOR_RGB2HSV)
        hsv[:, :, 0] = (hsv[:, :, 0] + shift * 360.0) % 360.0
        return from_float01(c.cvtColor(hsv, c.COLOR_HSV2RGB), pixels.dtype)

    return _banded(pixels, band)


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


_LEVELS = np.arange(256) / 255.0


def _lut_or_float(pixels: np.ndarray, fn) -> np.ndarray:
    """Apply a value map fn(x in [0, 1]) -> [0, 1] to the colour channels: exact LUT for
    uint8, float math otherwise."""
    color, alpha = _split_alpha(pixels)
    if pixels.dtype == np.uint8:
        values = np.rint(fn(_LEVELS) * 255.0)
        lut = np.minimum(np.maximum(values, 0.0), 255.0).astype(np.uint8)
        return _join_alpha(_apply_lut(np.ascontiguousarray(color), lut), alpha)
    return _join_alpha(from_float01(fn(to_float01(color)), pixels.dtype), alpha)


def brightness_contrast(pixels: np.ndarray, *, brightness: float, contrast: float) -> np.ndarray:
    """x * contrast + brightness * full_scale (albumentations semantics), clipped."""
    return _lut_or_float(pixels, lambda x: x * contrast + brightness)


def gamma(pixels: np.ndarray, *, gamma_value: float) -> np.ndarray:
    """x ** gamma on [0, 1]."""
    return _lut_or_float(pixels, lambda x: np.power(np.clip(x, 0, 1), gamma_value))


def invert(pixels: np.ndarray) -> np.ndarray:
    return _lut_or_float(pixels, lambda x: 1.0 - x)


def solarize(pixels: np.ndarray, *, threshold: float) -> np.ndarray:
    """Invert values at or above `threshold` (a share of full scale)."""
    return _lut_or_float(pixels, lambda x: np.where(x >= threshold - 1e-9, 1.0 - x, x))


def posterize(pixels: np.ndarray, *, bits: int) -> np.ndarray:
    """Keep the top `bits` bits of each 8-bit level (2**bits levels at other depths)."""
    if pixels.dtype == np.uint8:
        color, alpha = _split_alpha(pixels)
        mask = np.uint8((0xFF << (8 - bits)) & 0xFF)
        return _join_alpha(np.bitwise_and(color, mask), alpha)
    levels = 2**bits
    return _lut_or_float(pixels, lambda x: np.floor(np.clip(x, 0, 1) * levels - 1e-9).clip(0)
                         / levels)


def grayscale(pixels: np.ndarray) -> np.ndarray:
    """Replace colour by its luma, keeping the channel count (and alpha)."""
    color, alpha = _split_alpha(pixels)
    if color.shape[2] == 1:
        return pixels.copy()
    y = luminance(color)
    if pixels.dtype != np.float32:
        y = np.clip(np.rint(y), 0, max_value(pixels.dtype))
    gray = np.repeat(y[:, :, None], 3, axis=2).astype(pixels.dtype)
    return _join_alpha(gray, alpha)


def channel_shuffle(pixels: np.ndarray, *, order: list[int]) -> np.ndarray:
    color, alpha = _split_alpha(pixels)
    if color.shape[2] == 1:
        return pixels.copy()
    return _join_alpha(np.ascontiguousarray(color[:, :, list(order)]), alpha)


def equalize(pixels: np.ndarray, *, per_channel: bool = False) -> np.ndarray:
    """Histogram equalization of luma (hue kept) or of each channel."""
    color, alpha = _split_alpha(pixels)
    c = cv2()
    if pixels.dtype == np.uint8 and not per_channel and color.shape[2] == 3:
        ycc = c.cvtColor(np.ascontiguousarray(color), c.COLOR_RGB2YCrCb)
        ycc[:, :, 0] = c.equalizeHist(ycc[:, :, 0])
        return _join_alpha(c.cvtColor(ycc, c.COLOR_YCrCb2RGB), alpha)
    if pixels.dtype == np.uint8:
        chans = [c.equalizeHist(np.ascontiguousarray(color[:, :, i]))
                 for i in range(color.shape[2])]
        return _join_alpha(np.stack(chans, axis=2), alpha)
    f = to_float01(color)
    if per_channel or f.shape[2] == 1:
        out = np.stack([_equalize_float(f[:, :, i]) for i in range(f.shape[2])], axis=2)
    else:
        y = luminance(f)
        ratio = _equalize_float(y) / np.maximum(y, 1e-6)
        out = f * ratio[:, :, None]
    return _join_alpha(from_float01(out, pixels.dtype), alpha)


def _equalize_float(channel: np.ndarray, bins: int = 4096) -> np.ndarray:
    hist, edges = np.histogram(channel, bins=bins, range=(0.0, 1.0))
    cdf = np.cumsum(hist).astype(np.float64)
    cdf = (cdf - cdf[0]) / max(cdf[-1] - cdf[0], 1.0)
    return np.interp(channel, edges[1:], cdf).astype(np.float32)


def clahe(pixels: np.ndarray, *, clip_limit: float, tile_grid: int) -> np.ndarray:
    """Contrast-limited adaptive histogram equalization on lightness (LAB L or gray)."""
    color, alpha = _split_alpha(pixels)
    c = cv2()
    op = c.createCLAHE(clipLimit=float(clip_limit), tileGridSize=(tile_grid, tile_grid))
    if pixels.dtype != np.uint8:
        as16 = (to_float01(color) * 65535.0).round().astype(np.uint16)
        if as16.shape[2] == 1:
            out = op.apply(np.ascontiguousarray(as16[:, :, 0]))[:, :, None]
        else:
            y = luminance(as16.astype(np.float32))
            y_eq = op.apply(np.clip(np.rint(y), 0, 65535).astype(np.uint16)).astype(np.float32)
            out = as16 * (y_eq / np.maximum(y, 1.0))[:, :, None]
        return _join_alpha(from_float01(out.astype(np.float32) / 65535.0, pixels.dtype), alpha)
    if color.shape[2] == 1:
        return _join_alpha(op.apply(np.ascontiguousarray(color[:, :, 0]))[:, :, None], alpha)
    lab = c.cvtColor(np.ascontiguousarray(color), c.COLOR_RGB2LAB)
    lab[:, :, 0] = op.apply(lab[:, :, 0])
    return _join_alpha(c.cvtColor(lab, c.COLOR_LAB2RGB), alpha)
