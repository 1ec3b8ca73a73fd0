"""io/layouts/shapes.py: ellipses as the polygons that stand for them."""

from __future__ import annotations

import math

import numpy as np
import pytest

from mediasynth.io.layouts.base import polygon_area
from mediasynth.io.layouts.shapes import ELLIPSE_VERTICES, ellipse_polygon


def test_the_polygon_lies_on_the_ellipse_with_its_area_within_one_percent():
    poly = ellipse_polygon(50.0, 40.0, 30.0, 10.0)
    assert poly.shape == (ELLIPSE_VERTICES, 2)
    assert np.allclose(((poly[:, 0] - 50) / 30) ** 2 + ((poly[:, 1] - 40) / 10) ** 2, 1.0)
    assert abs(polygon_area(poly)) == pytest.approx(math.pi * 30 * 10, rel=0.01)


def test_the_angle_turns_clockwise_in_image_coordinates():
    poly = ellipse_polygon(0.0, 0.0, 30.0, 10.0, angle_deg=90.0)
    assert np.ptp(poly[:, 1]) == pytest.approx(60.0) and np.ptp(poly[:, 0]) == pytest.approx(20.0)
    first = ellipse_polygon(0.0, 0.0, 30.0, 10.0, angle_deg=30.0)[0]  # the +x end, turned
    assert first == pytest.approx([30 * math.cos(math.radians(30)),
                                   30 * math.sin(math.radians(30))])  # y down: clockwise
