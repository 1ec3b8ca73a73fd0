"""Shared fixtures: small media made at test time."""

from __future__ import annotations

import os

import numpy as np
import pytest

os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

from mediasynth.core.media import Audio, Image  # noqa: E402


def scene(height: int = 48, width: int = 64, channels: int = 3, dtype=np.uint8) -> Image:
    """A gradient background with a bright rectangle, its mask, box and corner keypoints."""
    yy, xx = np.mgrid[0:height, 0:width]
    base = np.stack([(xx * 255 / width), (yy * 255 / height), ((xx + yy) * 127 / (width + height))],
                    axis=2).astype(np.float32) / 255.0
    x0, y0, x1, y1 = width // 4, height // 4, width // 2, height // 2 + 4
    base[y0:y1, x0:x1] = 1.0
    if channels == 1:
        base = base.mean(axis=2, keepdims=True)
    elif channels == 4:
        alpha = np.full((height, width, 1), 0.8, np.float32)
        base = np.concatenate([base, alpha], axis=2)
    if dtype == np.uint8:
        pixels = np.rint(base * 255).astype(np.uint8)
    elif dtype == np.uint16:
        pixels = np.rint(base * 65535).astype(np.uint16)
    else:
        pixels = base.astype(np.float32)
    mask = np.zeros((height, width), np.uint8)
    mask[y0:y1, x0:x1] = 1
    boxes = np.array([[x0, y0, x1, y1]], dtype=np.float64)
    keypoints = np.array([[x0 + 0.5, y0 + 0.5], [x1 - 0.5, y1 - 0.5]], dtype=np.float64)
    return Image(pixels, mask=mask, boxes=boxes, keypoints=keypoints,
                 meta={"box_ids": np.arange(1)})


def tone(channels: int = 1, sample_rate: int = 16000, seconds: float = 1.0,
         freq_hz: float = 440.0) -> Audio:
    t = np.arange(int(sample_rate * seconds)) / sample_rate
    rows = [0.5 * np.sin(2 * np.pi * freq_hz * (1 + 0.25 * c) * t) for c in range(channels)]
    return Audio(np.asarray(rows, dtype=np.float32), sample_rate)


@pytest.fixture
def rgb_scene() -> Image:
    return scene()


@pytest.fixture
def mono_tone() -> Audio:
    return tone()
