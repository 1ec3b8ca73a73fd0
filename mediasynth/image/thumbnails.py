"""Small RGB copies of images: the report's tiles, made by the worker that holds the pixels
(engine/previews.py) or by the report from a file."""

from __future__ import annotations

import numpy as np

from mediasynth.core.media import Image
from mediasynth.io.image_io import encode_image

TILE_PX = 160


def thumbnail(pixels: np.ndarray, size: int = TILE_PX) -> np.ndarray:
    """RGB uint8 thumbnail whose longer side is `size` (16-bit and float pixels scaled to
    8 bits, grey repeated into 3 channels, alpha composited over white)."""
    import cv2

    px = pixels
    if px.dtype != np.uint8:
        top = 65535.0 if px.dtype == np.uint16 else 1.0
        px = np.clip(px.astype(np.float32) / top * 255.0, 0, 255).astype(np.uint8)
    if px.ndim == 2:
        px = px[:, :, None]
    if px.shape[2] == 1:
        px = np.repeat(px, 3, axis=2)
    elif px.shape[2] == 4:
        alpha = px[:, :, 3:4].astype(np.float32) / 255.0
        px = (px[:, :, :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    h, w = px.shape[:2]
    scale = size / max(h, w)
    return cv2.resize(px, (max(1, round(w * scale)), max(1, round(h * scale))),
                      interpolation=cv2.INTER_AREA)


def thumbnail_png(pixels: np.ndarray) -> bytes:
    """`thumbnail(pixels)` as PNG bytes."""
    return encode_image(Image(thumbnail(pixels)), "png")
