"""The toy modality's report tile (core/report_tile.py): the sequence as a bar chart."""

from __future__ import annotations

import numpy as np

from mediasynth.core.media import Image
from mediasynth.core.report_tile import Tile
from mediasynth.io.image_io import encode_image
from tests.toy_modality.media import read_sequence

HEIGHT_PX, BAR_PX = 40, 6


def report_tile(path, row, preview) -> Tile:
    """One dark bar a value, scaled to the sequence's largest magnitude."""
    values = read_sequence(path).values.astype(np.float64)
    top = max(float(np.abs(values).max()) if values.size else 0.0, 1.0)
    picture = np.full((HEIGHT_PX, max(1, values.size) * BAR_PX, 3), 255, np.uint8)
    for i, v in enumerate(values):
        h = int(round(abs(v) / top * (HEIGHT_PX - 1)))
        picture[HEIGHT_PX - h:, i * BAR_PX: (i + 1) * BAR_PX - 1] = (40, 40, 40)
    return Tile(encode_image(Image(picture), "png"), f"{values.size} values", stem="bars")
