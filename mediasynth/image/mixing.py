"""Images made from two sources (SMOTE-style interpolation for `balance: synthesize`) and
the embedding their neighbours are found in."""

from __future__ import annotations

import numpy as np

from mediasynth.core.media import Image
from mediasynth.image.modes import match_channels

EMBED_THUMB_PX = 8
EMBED_BINS = 8


def embed(image: Image) -> np.ndarray:
    """The embedding sources are compared in: an 8 x 8 RGB thumbnail (area-averaged, values
    in [0, 1], 192 numbers) followed by an 8-bin histogram per RGB channel (shares of the
    pixels, 24 numbers). Layout and colour, cheap, comparable across sizes."""
    import cv2

    rgb = _as_rgb_unit(image.pixels)
    thumb = cv2.resize(rgb, (EMBED_THUMB_PX, EMBED_THUMB_PX), interpolation=cv2.INTER_AREA)
    hist = [np.histogram(rgb[:, :, c], bins=EMBED_BINS, range=(0.0, 1.0))[0] / rgb[:, :, c].size
            for c in range(3)]
    return np.concatenate([thumb.ravel(), *hist]).astype(np.float32)


def _as_rgb_unit(pixels: np.ndarray) -> np.ndarray:
    scale = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}.get(pixels.dtype, 1.0)
    unit = pixels[:, :, :3].astype(np.float32) / scale
    return np.repeat(unit, 3, axis=2) if unit.shape[2] == 1 else unit


def interpolate(image: Image, partner: Image, lam: float) -> Image:
    """lam * image + (1 - lam) * partner, the partner resized to the image's size and given
    its channel count and dtype (rounded back to integers for integer images): a gray
    partner of a colour image is repeated, a colour partner of a gray one becomes its luma,
    alpha is dropped or added opaque (image/modes.match_channels)."""
    import cv2

    other = partner.pixels
    if other.shape[:2] != image.pixels.shape[:2]:
        other = cv2.resize(other, (image.width, image.height), interpolation=cv2.INTER_AREA)
        if other.ndim == 2:
            other = other[:, :, None]
    other = match_channels(_match_dtype(other, image.pixels.dtype), image.channels)
    mixed = lam * image.pixels.astype(np.float32) + (1.0 - lam) * other.astype(np.float32)
    if image.pixels.dtype.kind in "ui":
        info = np.iinfo(image.pixels.dtype)
        mixed = np.clip(np.rint(mixed), info.min, info.max)
    return image.replace(pixels=mixed.astype(image.pixels.dtype))


def _match_dtype(pixels: np.ndarray, dtype) -> np.ndarray:
    if pixels.dtype == dtype:
        return pixels
    top = {np.dtype(np.uint8): 255.0, np.dtype(np.uint16): 65535.0}
    unit = pixels.astype(np.float32) / top.get(pixels.dtype, 1.0)
    scaled = unit * top.get(np.dtype(dtype), 1.0)
    return (np.rint(scaled) if np.dtype(dtype).kind in "ui" else scaled).astype(dtype)
