"""Small RGB copies of images: the report's tiles, made by the worker that holds the pixels
(engine/previews.py) or by the report from a file (`report_tile`, the image modality's tile
renderer: core/report_tile.py), with the row's boxes drawn."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from mediasynth.core.media import Image
from mediasynth.core.report_tile import Tile
from mediasynth.io.image_io import encode_image

TILE_PX = 160
# the report's colours (its charts and the boxes drawn on its tiles)
PALETTE = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#72b7b2", "#b279a2", "#ff9da6",
           "#9d755d"]


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


def report_tile(path: Path, row: dict | None, preview: Path | None) -> Tile:
    """The report's tile of an image: the thumbnail the worker made while it held the pixels
    when there is one, else one decoded here; the row's boxes drawn on it."""
    width = ((row or {}).get("info") or {}).get("width")
    boxes = boxes_of(row or {})
    if preview is not None and preview.is_file() and (width or not boxes):
        if not boxes:
            return Tile(preview.read_bytes(), path.name, stem="thumb")
        thumb = _read_png(preview)
    else:
        from mediasynth.io.image_io import read_image

        image = read_image(path)
        thumb, width = thumbnail(image.pixels), image.width
    if boxes:
        thumb = draw_boxes(thumb, boxes, thumb.shape[1] / width)
    return Tile(encode_image(Image(thumb), "png"), path.name, stem="thumb")


def boxes_of(row: dict) -> list[list[float]]:
    """xyxy boxes of an output: its annotation (expand) or its synth labels."""
    if row.get("annotation"):
        return [o["bbox"] for o in row["annotation"].get("objects", [])]
    objects = (row.get("info") or {}).get("labels", {}).get("objects") or []
    return [o["box"] for o in objects]


def draw_boxes(rgb: np.ndarray, boxes: list[list[float]], scale: float) -> np.ndarray:
    """`rgb` with each xyxy box (in the full image's pixels, drawn at `scale`) outlined in
    the palette's colours."""
    import cv2

    out = rgb.copy()
    for i, (x0, y0, x1, y1) in enumerate(boxes):
        color = tuple(int(PALETTE[i % len(PALETTE)][k:k + 2], 16) for k in (1, 3, 5))
        cv2.rectangle(out, (round(x0 * scale), round(y0 * scale)),
                      (round(x1 * scale) - 1, round(y1 * scale) - 1), color, 1)
    return out


def _read_png(path: Path) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise ValueError(f"cannot read {path.name}")
    return cv2.cvtColor(bgr, cv2.COLOR_BGR2RGB)
