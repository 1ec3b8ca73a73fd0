"""Image sources made at test time in every pixel mode a real folder mixes."""

from __future__ import annotations

import numpy as np


def mixed_mode_tree(root, per_mode: int = 30, size=(40, 30)):
    """Two classes of small images in every mode a folder mixes: gray, RGB and CMYK JPEGs;
    gray, gray + alpha, RGB, RGBA, palette (with and without transparency), 16-bit gray and
    16-bit RGB PNGs; some names not UTF-8. Returns {path: what PIL's convert("RGB") gives
    (8-bit files) or the 16-bit values / 257}."""
    import os

    import cv2
    from PIL import Image as PILImage

    rng = np.random.default_rng(0)
    w, h = size
    expected = {}
    for i in range(per_mode):
        cls = root / ("cats" if i % 2 else "dogs")
        cls.mkdir(parents=True, exist_ok=True)
        rgb = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        alpha = rng.integers(0, 256, (h, w, 1), dtype=np.uint8)
        pil = {
            "L.jpg": PILImage.fromarray(rgb[:, :, 0], "L"),
            "RGB.jpg": PILImage.fromarray(rgb, "RGB"),
            "CMYK.jpg": PILImage.fromarray(rgb, "RGB").convert("CMYK"),
            "L.png": PILImage.fromarray(rgb[:, :, 0], "L"),
            "LA.png": PILImage.fromarray(np.concatenate([rgb[:, :, :1], alpha], 2), "LA"),
            "RGB.png": PILImage.fromarray(rgb, "RGB"),
            "RGBA.png": PILImage.fromarray(np.concatenate([rgb, alpha], 2), "RGBA"),
            "P.png": PILImage.fromarray(rgb, "RGB").quantize(64),
        }
        transparent = PILImage.fromarray(rgb, "RGB").quantize(16)
        transparent.info["transparency"] = 0
        pil["Pt.png"] = transparent
        for suffix, im in pil.items():
            name = f"{i:03d}-{suffix}" if i % 10 else os.fsdecode(f"{i:03d}-\xe9t\xe9-".encode(
                "latin-1")) + suffix  # a Latin-1 name: not valid UTF-8
            path = cls / name
            im.save(path, **({"quality": 95} if suffix.endswith("jpg") else {}))
            with PILImage.open(path) as back:
                expected[path] = np.asarray(back.convert("RGB"))
        deep = rng.integers(0, 65536, (h, w, 3), dtype=np.uint16)
        cv2.imwrite(str(cls / f"{i:03d}-RGB16.png"), deep[:, :, ::-1])
        cv2.imwrite(str(cls / f"{i:03d}-L16.png"), deep[:, :, 0])
        expected[cls / f"{i:03d}-RGB16.png"] = ((deep.astype(np.uint32) + 128) // 257
                                                 ).astype(np.uint8)
        expected[cls / f"{i:03d}-L16.png"] = np.repeat(
            ((deep[:, :, :1].astype(np.uint32) + 128) // 257).astype(np.uint8), 3, axis=2)
    return expected

