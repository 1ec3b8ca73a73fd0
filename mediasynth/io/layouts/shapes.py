"""Shapes the annotation schema has no type for, as the polygons that stand for them."""

from __future__ import annotations

import math

import numpy as np

ELLIPSE_VERTICES = 32


def ellipse_polygon(cx: float, cy: float, rx: float, ry: float, angle_deg: float = 0.0,
                    vertices: int = ELLIPSE_VERTICES) -> np.ndarray:
    """A vertices x 2 polygon on an ellipse (centre, radii, turned clockwise by angle_deg in
    image coordinates), whose area is within 1 % of the ellipse's at 32 vertices."""
    t = np.linspace(0.0, 2 * math.pi, vertices, endpoint=False)
    a = math.radians(angle_deg)
    x, y = rx * np.cos(t), ry * np.sin(t)
    return np.stack([cx + x * math.cos(a) - y * math.sin(a),
                     cy + x * math.sin(a) + y * math.cos(a)], axis=1)
