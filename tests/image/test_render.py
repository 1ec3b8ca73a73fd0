"""image/render.py: JPEG decode at the size the chain needs (DCT scaling) draws what a full
decode draws, gives pixels within a small tolerance of it and moves boxes exactly; a record
replays to the same bytes."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.config import Budgets, pipeline_from_config
from mediasynth.core.rng import rng_from_record, seed_record
from mediasynth.image.render import DecodedSource, FileSource, decode_scale, render
from mediasynth.io.image_io import check_header, read_image
from tests.photos import real_photos

CHAIN = pipeline_from_config({"version": 1, "image": [
    {"type": "image.random_resized_crop", "width": 160, "height": 120,
     "scale_range": [0.3, 1.0]},
    {"type": "image.flip_horizontal", "p": 0.5},
    {"type": "image.color_jitter", "brightness": 0.2, "contrast": 0.2, "saturation": 0.2},
]}).image


def _photo(path, name="astronaut", size=(1280, 960), mode="RGB", quality=90):
    """A real photograph as a size[0] x size[1] JPEG (big enough for 1/2-1/8 decodes)."""
    photo = real_photos()[name].resize(size).convert(mode)
    path.parent.mkdir(parents=True, exist_ok=True)
    photo.save(path, "JPEG", quality=quality)
    return path


def _rng(i: int) -> np.random.Generator:
    return rng_from_record(seed_record(0, "photo.jpg", i))


def _without_scale(record) -> dict:
    d = record.to_dict()
    d["children"][0]["params"].pop("decode_scale", None)
    return d


def test_reduced_decode_draws_as_a_full_decode_and_stays_within_tolerance(tmp_path):
    import cv2

    paths = [_photo(tmp_path / f"{name}.jpg", name) for name in ("astronaut", "chelsea",
                                                                 "china", "rocket")]
    crop_only = pipeline_from_config({"version": 1, "image": [CHAIN.steps[0].to_config()]}).image
    scales, errors = [], []
    for i in range(60):
        path = paths[i % len(paths)]
        decoded = read_image(path)
        full = render(CHAIN, DecodedSource(decoded), rng=_rng(i))
        reduced = render(CHAIN, FileSource.open(path, Budgets()), rng=_rng(i))
        scale = reduced.record.children[0].params.get("decode_scale", 1)
        scales.append(scale)
        assert _without_scale(reduced.record) == full.record.to_dict()
        assert reduced.image.pixels.shape == full.image.pixels.shape == (120, 160, 3)
        assert "decoded_at" not in reduced.image.meta
        # the crop alone against the ideal: an area resize of the exact window, full decode
        p = full.record.children[0].params
        ideal = cv2.resize(decoded.pixels[p["y0"]:p["y0"] + p["h"], p["x0"]:p["x0"] + p["w"]],
                           (160, 120), interpolation=cv2.INTER_AREA).astype(np.int16)
        ours = render(crop_only, FileSource.open(path, Budgets()), rng=_rng(i)).image.pixels
        plain = render(crop_only, DecodedSource(decoded), rng=_rng(i)).image.pixels
        err_reduced, err_full = (np.abs(ideal - x).mean() for x in (ours, plain))
        assert err_reduced <= err_full + 1.5, (i, scale, err_reduced, err_full)
        errors.append((err_reduced, err_full))
    mean_reduced, mean_full = np.mean(errors, axis=0)
    assert mean_reduced <= mean_full + 0.75  # in 0-255 levels, against an ideal area resize
    assert {2, 4} <= set(scales), scales  # the sizes drawn took both reductions
    assert sum(s > 1 for s in scales) > len(scales) // 2


def test_boxes_and_keypoints_move_exactly_when_decoded_reduced(tmp_path):
    path = _photo(tmp_path / "photo.jpg")
    annotation = {"objects": [
        {"category": "a", "bbox": [100.0, 120.0, 900.0, 800.0],
         "keypoints": [[300.0, 400.0, 2.0], [700.5, 650.25, 1.0]]},
        {"category": "b", "bbox": [10.0, 10.0, 1270.0, 950.0],
         "polygons": [[10.0, 10.0, 1270.0, 10.0, 640.0, 950.0]]}]}
    reduced_seen = 0
    for i in range(30):
        full = render(CHAIN, DecodedSource(read_image(path)), rng=_rng(i),
                      annotation=annotation)
        reduced = render(CHAIN, FileSource.open(path, Budgets()), rng=_rng(i),
                         annotation=annotation)
        reduced_seen += reduced.record.children[0].params.get("decode_scale", 1) > 1
        assert reduced.annotation == full.annotation  # exactly: same maths, full-size
    assert reduced_seen > 10


def test_a_record_replays_to_the_same_pixels_from_a_file_or_a_loaded_image(tmp_path):
    path = _photo(tmp_path / "photo.jpg", "chelsea")
    header = check_header(path)
    for i in range(12):
        made = render(CHAIN, FileSource.open(path, Budgets()), rng=_rng(i))
        again = render(CHAIN, FileSource.open(path, Budgets()), record=made.record)
        loaded = DecodedSource(read_image(path), path, header)  # expand's replay
        replayed = render(CHAIN, loaded, record=made.record)
        assert np.array_equal(again.image.pixels, made.image.pixels)
        assert np.array_equal(replayed.image.pixels, made.image.pixels)
        twice = render(CHAIN, FileSource.open(path, Budgets()), rng=_rng(i))
        assert np.array_equal(twice.image.pixels, made.image.pixels)


def test_decode_scale_needs_a_jpeg_a_shrink_of_2x_and_no_masks(tmp_path):
    jpeg = _photo(tmp_path / "photo.jpg")
    png = tmp_path / "photo.png"
    real_photos()["astronaut"].resize((1280, 960)).save(png)
    small = _photo(tmp_path / "small.jpg", size=(300, 240))
    rle = {"objects": [{"category": "a", "bbox": [0, 0, 10, 10],
                        "rle": {"size": [960, 1280], "counts": "0"}}]}
    scales = {name: [decode_scale(CHAIN, FileSource.open(p, Budgets()), rng=_rng(i))
                     for i in range(20)] for name, p in (("jpeg", jpeg), ("png", png),
                                                         ("small", small))}
    assert max(scales["jpeg"]) >= 2
    assert set(scales["png"]) == {1} and set(scales["small"]) == {1}
    assert {decode_scale(CHAIN, FileSource.open(jpeg, Budgets()), rng=_rng(i),
                         annotation=rle) for i in range(20)} == {1}
    rng = _rng(3)
    before = rng.bit_generator.state
    decode_scale(CHAIN, FileSource.open(jpeg, Budgets()), rng=rng)
    assert rng.bit_generator.state == before  # the probe does not advance the generator


@pytest.mark.parametrize("mode", ["L", "RGB"])
def test_reduced_decode_of_gray_and_colour_jpegs(tmp_path, mode):
    path = _photo(tmp_path / "photo.jpg", mode=mode)
    full = read_image(path)
    for scale in (2, 4, 8):
        reduced = read_image(path, reduce=scale)
        assert reduced.pixels.shape == (-(-960 // scale), -(-1280 // scale),
                                        full.channels)
        assert reduced.meta["decoded_at"] == {"scale": scale, "width": 1280, "height": 960}
        import cv2

        area = cv2.resize(full.pixels, reduced.pixels.shape[1::-1],
                          interpolation=cv2.INTER_AREA).reshape(reduced.pixels.shape)
        assert np.abs(area.astype(np.int16) - reduced.pixels).mean() < 3.0
