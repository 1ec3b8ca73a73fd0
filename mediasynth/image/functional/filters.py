"""Blur, sharpen, noise, JPEG artefacts and cutout. Alpha channels are never changed."""

from __future__ import annotations

import math

import numpy as np

from mediasynth.image.functional._cv import cv2, from_float01, keep_shape, max_value, to_float01
from mediasynth.image.functional.color import _join_alpha, _split_alpha


def gaussian_blur(pixels: np.ndarray, *, sigma: float) -> np.ndarray:
    """Gaussian blur of standard deviation `sigma` pixels (kernel 2 * ceil(3 sigma) + 1)."""
    color, alpha = _split_alpha(pixels)
    k = 2 * math.ceil(3 * sigma) + 1
    out = keep_shape(cv2().GaussianBlur(color, (k, k), sigmaX=sigma, sigmaY=sigma,
                                        borderType=cv2().BORDER_REFLECT_101), color)
    return _join_alpha(out, alpha)


def motion_kernel(size: int, angle_deg: float) -> np.ndarray:
    """A normalized line kernel of length `size` at `angle_deg`."""
    k = np.zeros((size, size), np.float32)
    c = (size - 1) / 2.0
    a = math.radians(angle_deg)
    dx, dy = math.cos(a) * c, -math.sin(a) * c
    cv2().line(k, (round((c - dx) * 16), round((c - dy) * 16)),
               (round((c + dx) * 16), round((c + dy) * 16)), 1.0, 1, cv2().LINE_AA, 4)
    return k / k.sum()


def motion_blur(pixels: np.ndarray, *, size: int, angle_deg: float) -> np.ndarray:
    color, alpha = _split_alpha(pixels)
    out = cv2().filter2D(color, -1, motion_kernel(size, angle_deg),
                         borderType=cv2().BORDER_REFLECT_101)
    return _join_alpha(keep_shape(out, color), alpha)


def median_blur(pixels: np.ndarray, *, size: int) -> np.ndarray:
    """Median of a size x size window (OpenCV allows 3 and 5 beyond uint8)."""
    color, alpha = _split_alpha(pixels)
    work = color
    if color.dtype != np.uint8 and size > 5:
        work = (to_float01(color) * 255).round().astype(np.uint8)
    out = keep_shape(cv2().medianBlur(np.ascontiguousarray(work), size), work)
    if work is not color:
        out = from_float01(out.astype(np.float32) / 255.0, color.dtype)
    return _join_alpha(out, alpha)


def sharpen(pixels: np.ndarray, *, amount: float, sigma: float = 1.0) -> np.ndarray:
    """Unsharp mask: x + amount * (x - blur(x))."""
    color, alpha = _split_alpha(pixels)
    f = to_float01(color)
    k = 2 * math.ceil(3 * sigma) + 1
    blurred = keep_shape(cv2().GaussianBlur(f, (k, k), sigma), f)
    return _join_alpha(from_float01(f + amount * (f - blurred), pixels.dtype), alpha)


def gaussian_noise(pixels: np.ndarray, *, std: float, seed: int, per_channel: bool = True
                   ) -> np.ndarray:
    """Add N(0, std) noise (std as a share of full scale), clipped."""
    color, alpha = _split_alpha(pixels)
    rng = np.random.default_rng(seed)
    shape = color.shape if per_channel else (*color.shape[:2], 1)
    noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(std)
    if pixels.dtype == np.uint8:
        out = color.astype(np.float32) + noise * 255.0
        return _join_alpha(np.clip(np.rint(out), 0, 255).astype(np.uint8), alpha)
    return _join_alpha(from_float01(to_float01(color) + noise, pixels.dtype), alpha)


def iso_noise(pixels: np.ndarray, *, intensity: float, color_shift: float, seed: int
              ) -> np.ndarray:
    """Camera sensor noise: luminance noise growing with brightness (shot noise) plus
    chroma noise, in HLS space."""
    color, alpha = _split_alpha(pixels)
    if color.shape[2] == 1:
        return gaussian_noise(pixels, std=intensity * 0.1, seed=seed)
    c = cv2()
    rng = np.random.default_rng(seed)
    hls = c.cvtColor(to_float01(color), c.COLOR_RGB2HLS)
    h, w = hls.shape[:2]
    hls[:, :, 0] = (hls[:, :, 0] + rng.normal(0, color_shift * 360.0, (h, w))) % 360.0
    lum = hls[:, :, 1]
    hls[:, :, 1] = np.clip(lum + rng.normal(0, 1.0, (h, w)) * intensity * 0.1
                           * np.sqrt(np.maximum(lum, 1e-4)), 0, 1)
    return _join_alpha(from_float01(c.cvtColor(hls.astype(np.float32), c.COLOR_HLS2RGB),
                                    pixels.dtype), alpha)


def jpeg_compression(pixels: np.ndarray, *, quality: int) -> np.ndarray:
    """Encode as JPEG at `quality` and decode (colour only; 16-bit goes through 8 bits)."""
    color, alpha = _split_alpha(pixels)
    c = cv2()
    work = color if color.dtype == np.uint8 else np.clip(
        np.rint(to_float01(color) * 255), 0, 255).astype(np.uint8)
    bgr = work if work.shape[2] == 1 else c.cvtColor(work, c.COLOR_RGB2BGR)
    ok, buf = c.imencode(".jpg", bgr, [c.IMWRITE_JPEG_QUALITY, int(quality)])
    if not ok:
        raise ValueError("JPEG encoding failed")
    flag = c.IMREAD_GRAYSCALE if work.shape[2] == 1 else c.IMREAD_COLOR
    dec = c.imdecode(buf, flag)
    dec = dec[:, :, None] if dec.ndim == 2 else c.cvtColor(dec, c.COLOR_BGR2RGB)
    if color.dtype != np.uint8:
        dec = from_float01(dec.astype(np.float32) / 255.0, color.dtype)
    return _join_alpha(dec, alpha)


def cutout(pixels: np.ndarray, *, holes: list[list[int]], fill: float) -> np.ndarray:
    """Fill each [x0, y0, x1, y1] hole with `fill` (0-255 units); alpha kept."""
    color, alpha = _split_alpha(pixels)
    out = color.copy()
    value = fill / 255.0 * max_value(pixels.dtype)
    for x0, y0, x1, y1 in holes:
        out[y0:y1, x0:x1] = value
    return _join_alpha(out, alpha)
