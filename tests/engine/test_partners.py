"""The hand-over of partner sources (engine/partners.py), one code for runs and replays."""

from __future__ import annotations

import numpy as np

from mediasynth.core.config import Pipeline
from mediasynth.core.media import Image
from mediasynth.engine.partners import Partners, mixed_media


class _Handler:
    """Loads a file as a 2x2 image of its first byte; mixes by weighted mean."""

    def __init__(self):
        self.loads = []

    def load(self, path, budgets):
        self.loads.append(path.name)
        return Image(np.full((2, 2, 3), path.read_bytes()[0], np.uint8))

    def mix(self, media, partners, lam):
        px = media.pixels * (1 - lam) + partners[0].pixels * lam
        return media.replace(pixels=px.astype(np.uint8))


def _partners(tmp_path, handler):
    for name, value in (("a.png", 10), ("b.png", 30)):
        (tmp_path / name).write_bytes(bytes([value]))
    import hashlib

    return Partners(handler, str(tmp_path), Pipeline(), "S" * 64,
                    lambda p: hashlib.sha256(p.read_bytes()).hexdigest())


def test_interpolation_mixes_and_a_partner_step_gets_partners_in_meta(tmp_path):
    handler = _Handler()
    partners = _partners(tmp_path, handler)
    source = Image(np.zeros((2, 2, 3), np.uint8))
    mixed = mixed_media(handler, source, {"method": "interpolate", "lambda": 0.5,
                                          "partners": ["a.png"]}, partners)
    assert int(mixed.pixels[0, 0, 0]) == 5
    step = mixed_media(handler, source, {"method": "mosaic", "partners": ["a.png", "b.png"]},
                       partners, {"b.png": {"annotation": {"objects": [1]}}})
    pairs = step.meta["partners"]
    assert [int(m.pixels[0, 0, 0]) for m, _ in pairs] == [10, 30]
    assert [a for _, a in pairs] == [None, {"objects": [1]}]
    assert handler.loads == ["a.png", "b.png"]  # each partner loaded once


def test_sources_name_every_input_with_its_sha256(tmp_path):
    import hashlib

    partners = _partners(tmp_path, _Handler())
    got = partners.sources("src.png", ["b.png"])
    assert got == [{"path": "src.png", "sha256": "S" * 64},
                   {"path": "b.png", "sha256": hashlib.sha256(bytes([30])).hexdigest()}]
