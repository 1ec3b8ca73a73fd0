"""synth/shapes_draw.py: shape geometry of the stated size and area, polygon clipping,
sub-pixel filling, and seeded backgrounds between the two colours."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mediasynth.io.layouts.base import polygon_area
from mediasynth.synth.shapes_draw import (
    BACKGROUNDS,
    SHAPES,
    background,
    clip_polygon,
    fill,
    shape_contours,
)


@pytest.mark.parametrize("shape", SHAPES)
def test_every_shape_fits_its_size_around_its_centre(shape):
    outer = shape_contours(shape, cx=100.0, cy=80.0, size=60.0, rotation_deg=0.0)[0]
    extent = max(np.ptp(outer[:, 0]), np.ptp(outer[:, 1]))
    assert 0.8 * 60 <= extent <= 60.0 + 1e-9  # its longer side is `size` (a square's 85 %)
    assert abs(outer.mean(axis=0) - (100.0, 80.0)).max() < 6.0
    turned = shape_contours(shape, cx=100.0, cy=80.0, size=60.0, rotation_deg=90.0)[0]
    assert np.allclose(turned - (100, 80), (outer - (100, 80))[:, ::-1] * (-1, 1))
    contours = shape_contours(shape, cx=100.0, cy=80.0, size=60.0, rotation_deg=33.0)
    assert len(contours) == (2 if shape == "ring" else 1)


def test_areas_are_the_analytic_ones():
    def area(shape, **kw):
        contours = shape_contours(shape, cx=0, cy=0, size=100.0, rotation_deg=17.0, **kw)
        return abs(polygon_area(contours[0])) - sum(abs(polygon_area(c)) for c in contours[1:])

    assert area("circle") == pytest.approx(math.pi * 50**2, rel=0.002)
    assert area("ellipse", aspect=0.5) == pytest.approx(math.pi * 50 * 25, rel=0.002)
    assert area("rectangle", aspect=0.6) == pytest.approx(100 * 60)
    assert area("ring") == pytest.approx(math.pi * 50**2 * (1 - 0.55**2), rel=0.002)
    assert area("polygon", sides=6) == pytest.approx(3 * math.sqrt(3) / 2 * 50**2)
    with pytest.raises(ValueError, match="unknown shape 'blob'"):
        shape_contours("blob", cx=0, cy=0, size=1, rotation_deg=0)


def test_filling_is_sub_pixel_accurate_and_keeps_the_ring_hole():
    circle = shape_contours("circle", cx=100.3, cy=99.6, size=120.0, rotation_deg=0)
    smooth = np.zeros((200, 200), np.uint8)
    fill(smooth, circle, 255, antialias=True)
    # OpenCV's edges (anti-aliased or not) reach up to a pixel beyond the outline
    assert math.pi * 60**2 < smooth.sum() / 255 < math.pi * 61**2
    ys, xs = np.mgrid[0:200, 0:200]
    centre = ((xs * smooth).sum() / smooth.sum() + 0.5, (ys * smooth).sum() / smooth.sum() + 0.5)
    assert centre == pytest.approx((100.3, 99.6), abs=0.1)  # 1/16 px steps, AA edges
    canvas = np.zeros((200, 200), np.uint8)
    fill(canvas, circle, 255, antialias=False)
    assert math.pi * 60**2 < (canvas > 0).sum() < math.pi * 61**2
    ys, xs = np.nonzero(canvas)
    assert (xs.mean() + 0.5, ys.mean() + 0.5) == pytest.approx((100.3, 99.6), abs=0.1)
    ring = np.zeros((200, 200), np.uint8)
    fill(ring, shape_contours("ring", cx=100, cy=100, size=120.0, rotation_deg=0), 1,
         antialias=False)
    assert ring[100, 100] == 0 and ring[100, 100 + 45] == 1
    assert ring.sum() == pytest.approx(math.pi * (60.5**2 - 32.5**2), rel=0.02)


def test_clipping_keeps_the_part_inside_the_frame():
    square = np.array([[-10, -10], [30, -10], [30, 30], [-10, 30]], float)
    clipped = clip_polygon(square, 20, 25)
    assert abs(polygon_area(clipped)) == pytest.approx(20 * 25)
    assert clipped[:, 0].min() == 0 and clipped[:, 0].max() == 20
    inside = np.array([[1, 1], [5, 1], [5, 5]], float)
    assert np.array_equal(clip_polygon(inside, 20, 20), inside)
    assert clip_polygon(inside + 100, 20, 20).shape == (0, 2)


@pytest.mark.parametrize("kind", BACKGROUNDS)
def test_backgrounds_are_seeded_and_stay_between_the_colours(kind):
    colors = [[10, 200, 40], [90, 20, 240]]
    one = background(kind, width=64, height=48, colors=colors, seed=3)
    assert one.shape == (48, 64, 3) and one.dtype == np.uint8
    assert np.array_equal(one, background(kind, width=64, height=48, colors=colors, seed=3))
    low, high = np.minimum(*colors), np.maximum(*colors)
    assert np.all(one >= low) and np.all(one <= high)
    if kind != "solid":
        other = background(kind, width=64, height=48, colors=colors, seed=4)
        assert not np.array_equal(one, other)
        assert len(np.unique(one.reshape(-1, 3), axis=0)) > 1


def test_an_unknown_background_is_refused():
    with pytest.raises(ValueError, match="unknown background"):
        background("plaid", width=4, height=4, colors=[[0, 0, 0], [1, 1, 1]], seed=0)
