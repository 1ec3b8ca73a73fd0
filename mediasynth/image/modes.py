"""Pixel modes a consumer asks for, as Pillow's `Image.convert` makes them.

`io.image_io.read_image` keeps what a file holds (1, 3 or 4 channels; uint8, uint16 or
float32), so one folder can give arrays of several shapes: a grayscale JPEG next to an RGB
one cannot be stacked into a batch. `convert(pixels, mode)` gives every image the same
layout:

    "RGB"   (H, W, 3) uint8: gray repeated, alpha dropped (as `convert("RGB")` and
            torchvision's ImageFolder loader do)
    "L"     (H, W, 1) uint8: ITU-R 601-2 luma (L = 0.299 R + 0.587 G + 0.114 B)
    "RGBA"  (H, W, 4) uint8: opaque alpha added where there was none

Depth becomes 8 bits: uint16 is divided by 257 and rounded, float32 in [0, 1] is scaled by
255 and rounded. (read_image has already made palette, CMYK and YCbCr images RGB or RGBA.)
"""

from __future__ import annotations

import numpy as np

MODES = ("RGB", "L", "RGBA")
_CHANNELS = {"L": 1, "RGB": 3, "RGBA": 4}


def check_mode(mode: str | None) -> str | None:
    """`mode` itself when it is one of MODES or None (keep what the file holds); ValueError
    naming the choices otherwise."""
    if mode is not None and mode not in MODES:
        raise ValueError(f"mode must be one of {', '.join(MODES)} or None, not {mode!r}")
    return mode


def to_uint8(pixels: np.ndarray) -> np.ndarray:
    """8-bit pixels: uint16 / 257 and float32 [0, 1] * 255, rounded (uint8 as it is)."""
    if pixels.dtype == np.uint8:
        return pixels
    if pixels.dtype == np.uint16:
        return ((pixels.astype(np.uint32) + 128) // 257).astype(np.uint8)
    return np.rint(np.clip(pixels.astype(np.float32), 0.0, 1.0) * 255.0).astype(np.uint8)


def convert(pixels: np.ndarray, mode: str | None) -> np.ndarray:
    """`pixels` (H, W[, C]) in `mode` (see the module doc); None returns them unchanged."""
    if check_mode(mode) is None:
        return pixels
    px = to_uint8(pixels if pixels.ndim == 3 else pixels[:, :, None])
    return match_channels(px, _CHANNELS[mode])


def match_channels(pixels: np.ndarray, channels: int) -> np.ndarray:
    """(H, W, C) pixels with `channels` channels (1, 3 or 4), dtype kept: gray repeated to
    colour, luma for gray (601-2 weights), alpha dropped or added opaque."""
    have = pixels.shape[2]
    if have == channels:
        return pixels
    if channels == 1:
        rgb = pixels[:, :, :3].astype(np.float32)
        luma = rgb[:, :, 0] * 0.299 + rgb[:, :, 1] * 0.587 + rgb[:, :, 2] * 0.114
        if pixels.dtype.kind in "ui":
            luma = np.rint(luma)
        return luma[:, :, None].astype(pixels.dtype)
    rgb = np.repeat(pixels[:, :, :1], 3, axis=2) if have < 3 else pixels[:, :, :3]
    if channels == 3:
        return np.ascontiguousarray(rgb)
    opaque = np.iinfo(pixels.dtype).max if pixels.dtype.kind in "ui" else 1.0
    if have in (2, 4):  # gray + alpha, RGBA: keep their alpha
        alpha = pixels[:, :, -1:]
    else:
        alpha = np.full(rgb.shape[:2] + (1,), opaque, pixels.dtype)
    return np.concatenate([rgb, alpha], axis=2)
