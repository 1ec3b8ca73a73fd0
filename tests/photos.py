"""Real photographs for tests: the sample photos shipped in scikit-image's and scikit-learn's
wheels (no download), and edited copies of them as users make them by accident."""

from __future__ import annotations

import io
import os

import numpy as np
import pytest
from PIL import Image, ImageEnhance

PHOTO_NAMES = ("astronaut.png", "camera.png", "chelsea.png", "rocket.jpg",
               "motorcycle_left.png", "coins.png", "ihc.png", "clock_motion.png",
               "microaneurysms.png", "moon.png", "text.png", "horse.png")


def real_photos() -> dict[str, Image.Image]:
    """name -> RGB photo (about 14 of them); skips the test when the packages are absent."""
    skimage = pytest.importorskip("skimage")
    from sklearn.datasets import load_sample_images

    folder = os.path.join(os.path.dirname(skimage.__file__), "data")
    photos = {name.split(".")[0]: Image.open(os.path.join(folder, name)).convert("RGB")
              for name in PHOTO_NAMES if os.path.exists(os.path.join(folder, name))}
    for name, pixels in zip(("china", "flower"), load_sample_images().images):
        photos[name] = Image.fromarray(pixels)
    return photos


def quarters(photo: Image.Image) -> list[Image.Image]:
    """The four non-overlapping quarter crops: distinct images with a photo's statistics."""
    w, h = photo.size
    return [photo.crop((x, y, x + w // 2, y + h // 2)) for x in (0, w // 2) for y in (0, h // 2)]


def jpeg_bytes(photo: Image.Image, quality: int) -> bytes:
    buf = io.BytesIO()
    photo.save(buf, "JPEG", quality=quality)
    return buf.getvalue()


def edits(photo: Image.Image) -> dict[str, Image.Image | bytes]:
    """Near-duplicates of a photo: resized 50 % + JPEG q70 (bytes), +8 % brightness, a 3 %
    crop, and the photo itself for a PNG re-encode."""
    w, h = photo.size
    return {
        "half_q70": jpeg_bytes(photo.resize((w // 2, h // 2)), 70),
        "bright8": ImageEnhance.Brightness(photo).enhance(1.08),
        "crop3": photo.crop((int(w * 0.03), int(h * 0.03), w, h)),
        "png": photo,
    }


def save(image: Image.Image | bytes, path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(image, bytes):
        path.write_bytes(image)
    else:
        image.save(path)


def pixels(image: Image.Image) -> np.ndarray:
    return np.asarray(image)
