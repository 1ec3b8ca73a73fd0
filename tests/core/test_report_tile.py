"""Report tiles are drawn by each modality (core/report_tile.py)."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core import modality
from mediasynth.core.modality import Modality
from mediasynth.core.report_tile import Tile, check_renderer


def test_every_built_in_modality_draws_its_own_tiles():
    for kind in ("image", "audio", "video"):
        assert callable(modality.get(kind).tile_renderer()), kind


def test_a_tile_plays_audio_or_video_or_nothing():
    assert Tile(b"png", "alt", "video").player == "video"
    with pytest.raises(ValueError, match="player is one of audio, video or None"):
        Tile(b"png", "alt", "slideshow")


def test_a_renderer_must_take_path_row_and_preview():
    check_renderer(lambda path, row, preview: None, "ok")
    with pytest.raises(TypeError, match="the tile must take \\(path, row, preview\\)"):
        check_renderer(lambda path: None, "the tile")
    with pytest.raises(TypeError, match="is not callable"):
        check_renderer("draw", "the tile")


def two_arguments(path, row):
    return None


def test_a_declared_renderer_is_checked_when_resolved_and_none_declared_is_none():
    bad = Modality("badtile", "x:Y", {}, report_tile=f"{__name__}:two_arguments")
    with pytest.raises(TypeError, match=r"report tile of modality 'badtile'.*two_arguments"):
        bad.tile_renderer()
    assert Modality("plain", "x:Y", {}).tile_renderer() is None


def test_image_tiles_draw_the_rows_boxes_on_a_thumbnail(tmp_path):
    from mediasynth.core.media import Image as Img
    from mediasynth.io.image_io import read_image, write_image

    def decode(png: bytes):
        (tmp_path / "tile.png").write_bytes(png)
        return read_image(tmp_path / "tile.png")

    path = tmp_path / "pic é.png"
    write_image(Img(np.zeros((200, 320, 3), np.uint8)), path)
    row = {"annotation": {"objects": [{"bbox": [40, 40, 200, 160]}]}, "info": {"width": 320}}
    tile = modality.get("image").tile_renderer()(path, row, None)
    picture = decode(tile.png).pixels
    assert picture.shape[1] == 160 and picture.max() > 0  # a box drawn on the black picture
    plain = modality.get("image").tile_renderer()(path, None, None)
    assert decode(plain.png).pixels.max() == 0 and tile.player is None
