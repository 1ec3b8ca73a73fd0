"""image/transforms/crop.py: crops, resizes and padding move pixels, masks and boxes
together; windows larger than the image are clamped; random resized crops draw the stated
area and aspect."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.registry import lookup
from tests.conftest import scene

IMG = scene(48, 64)  # box [16, 12, 32, 28], mask under it


def _apply(name: str, params: dict, **fields):
    return lookup(name)(**fields).apply(IMG, params)


def test_a_crop_takes_its_window_of_pixels_mask_and_box():
    out = _apply("image.crop", {"x_fraction": 1.0, "y_fraction": 0.5}, width=40, height=30)
    x0, y0 = 64 - 40, round(0.5 * (48 - 30))
    assert (out.width, out.height) == (40, 30)
    assert np.array_equal(out.pixels, IMG.pixels[y0:y0 + 30, x0:x0 + 40])
    assert np.array_equal(out.mask, IMG.mask[y0:y0 + 30, x0:x0 + 40])
    assert out.boxes.tolist() == [[0.0, 12.0 - y0, 32.0 - x0, 28.0 - y0]]  # clipped at x 0


def test_a_window_larger_than_the_image_is_clamped_and_centre_crop_is_central():
    whole = _apply("image.crop", {"x_fraction": 0.3, "y_fraction": 0.9}, width=500, height=500)
    assert np.array_equal(whole.pixels, IMG.pixels)
    centre = _apply("image.center_crop", {"x_fraction": 0.5, "y_fraction": 0.5},
                    width=20, height=10)
    assert np.array_equal(centre.pixels, IMG.pixels[19:29, 22:42])


def test_random_resized_crops_draw_the_stated_area_and_aspect():
    t = lookup("image.random_resized_crop")(width=32, height=32, scale_range=(0.2, 0.5),
                                            ratio_range=(0.5, 2.0))
    rng = np.random.default_rng(0)
    for _ in range(300):
        p = t.get_params(rng, IMG)
        assert p["x0"] >= 0 and p["x0"] + p["w"] <= 64 and p["y0"] + p["h"] <= 48
        area, ratio = p["w"] * p["h"] / (64 * 48), p["w"] / p["h"]
        assert 0.17 <= area <= 0.53 and 0.45 <= ratio <= 2.2  # pixel rounding
    out = t.apply(IMG, {"x0": 16, "y0": 12, "w": 16, "h": 16})
    assert (out.width, out.height) == (32, 32)
    assert out.boxes.tolist() == [[0.0, 0.0, 32.0, 32.0]]  # the box filled the window
    assert out.mask.all()


def test_an_unreachable_aspect_falls_back_to_a_central_crop_at_the_nearest_ratio():
    t = lookup("image.random_resized_crop")(width=8, height=8, scale_range=(0.99, 1.0),
                                            ratio_range=(3.0, 4.0))
    assert t.get_params(np.random.default_rng(1), IMG) == {"x0": 0, "y0": 13, "w": 64, "h": 21}


@pytest.mark.parametrize(("name", "fields", "size"), [
    ("image.resize", {"width": 32, "height": 96}, (32, 96)),
    ("image.longest_side", {"max_size": 128}, (128, 96))])
def test_resizes_scale_boxes_with_the_frame(name, fields, size):
    out = _apply(name, {}, **fields)
    assert (out.width, out.height) == size
    sx, sy = size[0] / 64, size[1] / 48
    assert out.boxes.tolist() == [[16 * sx, 12 * sy, 32 * sx, 28 * sy]]
    assert out.mask.shape == (size[1], size[0])
    assert set(np.unique(out.mask)) == {0, 1}  # nearest: labels stay labels


def test_padding_puts_the_image_where_asked_and_labels_the_border():
    out = _apply("image.pad", {"x_fraction": 0.0, "y_fraction": 0.0}, min_width=100,
                 min_height=50, position="center", fill=255, mask_fill=9)
    left, top = (100 - 64) // 2, (50 - 48) // 2
    assert (out.width, out.height) == (100, 50)
    assert np.array_equal(out.pixels[top:top + 48, left:left + 64], IMG.pixels)
    assert np.all(out.pixels[:, :left] == 255) and np.all(out.mask[:, :left] == 9)
    assert out.boxes.tolist() == [[16.0 + left, 12.0 + top, 32.0 + left, 28.0 + top]]
    corner = _apply("image.pad", {"x_fraction": 0.7, "y_fraction": 0.7}, min_width=70,
                    min_height=40, position="top_left")
    assert corner.width == 70 and corner.height == 48  # taller already: unchanged height
    assert np.array_equal(corner.pixels[:, :64], IMG.pixels)
