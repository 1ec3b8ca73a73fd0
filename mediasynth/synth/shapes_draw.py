"""Geometry and drawing of shapes and backgrounds for `synth.shapes` (pure functions)."""

from __future__ import annotations

import math

import numpy as np

SHAPES = ("circle", "ellipse", "rectangle", "square", "triangle", "polygon", "star", "line",
          "ring")
BACKGROUNDS = ("solid", "gradient", "noise", "checkerboard", "texture")
SUBPIXEL_BITS = 4  # cv2 fixed-point drawing: 1/16 pixel precision


def shape_contours(shape: str, *, cx: float, cy: float, size: float, rotation_deg: float,
                   aspect: float = 0.6, sides: int = 5) -> list[np.ndarray]:
    """Closed contours (float x, y vertices) of a shape of overall extent `size` pixels;
    a second contour is a hole (ring)."""
    r = size / 2.0
    if shape in ("circle", "ring"):
        pts = _ellipse(r, r, 96)
    elif shape == "ellipse":
        pts = _ellipse(r, r * aspect, 96)
    elif shape == "rectangle":
        pts = np.array([[-r, -r * aspect], [r, -r * aspect], [r, r * aspect], [-r, r * aspect]])
    elif shape == "square":
        s = r / math.sqrt(2) * 1.2
        pts = np.array([[-s, -s], [s, -s], [s, s], [-s, s]])
    elif shape == "triangle":
        pts = _regular(r, 3)
    elif shape == "polygon":
        pts = _regular(r, sides)
    elif shape == "star":
        outer = _regular(r, 5)
        inner = _regular(r * 0.45, 5, offset=math.pi / 5)
        pts = np.empty((10, 2))
        pts[0::2], pts[1::2] = outer, inner
    elif shape == "line":
        t = max(2.0, r * 0.12)
        pts = np.array([[-r, -t], [r, -t], [r, t], [-r, t]])
    else:
        raise ValueError(f"unknown shape {shape!r}")
    a = math.radians(rotation_deg)
    rot = np.array([[math.cos(a), -math.sin(a)], [math.sin(a), math.cos(a)]])
    contours = [pts @ rot.T + (cx, cy)]
    if shape == "ring":
        contours.append(_ellipse(r * 0.55, r * 0.55, 96) + (cx, cy))
    return contours


def _ellipse(rx: float, ry: float, n: int) -> np.ndarray:
    t = np.linspace(0, 2 * math.pi, n, endpoint=False)
    return np.stack([rx * np.cos(t), ry * np.sin(t)], axis=1)


def _regular(r: float, n: int, offset: float = -math.pi / 2) -> np.ndarray:
    t = offset + np.arange(n) * 2 * math.pi / n
    return np.stack([r * np.cos(t), r * np.sin(t)], axis=1)


def _fixed(contours: list[np.ndarray]) -> list[np.ndarray]:
    """Continuous coordinates (pixel j spans [j, j+1)) -> OpenCV's fixed-point pixel-centre
    coordinates."""
    scale = 1 << SUBPIXEL_BITS
    return [np.round((c - 0.5) * scale).astype(np.int32).reshape(-1, 1, 2) for c in contours]


def clip_polygon(points: np.ndarray, width: float, height: float) -> np.ndarray:
    """Sutherland-Hodgman clip of a polygon to the [0, width] x [0, height] frame."""
    def clip(pts, inside, cross):
        out = []
        for i in range(len(pts)):
            cur, prev = pts[i], pts[i - 1]
            if inside(cur):
                if not inside(prev):
                    out.append(cross(prev, cur))
                out.append(cur)
            elif inside(prev):
                out.append(cross(prev, cur))
        return out

    def at_x(x):
        return lambda a, b: (x, a[1] + (b[1] - a[1]) * (x - a[0]) / (b[0] - a[0]))

    def at_y(y):
        return lambda a, b: (a[0] + (b[0] - a[0]) * (y - a[1]) / (b[1] - a[1]), y)

    pts = [tuple(p) for p in np.asarray(points, float)]
    for inside, cross in ((lambda p: p[0] >= 0, at_x(0.0)), (lambda p: p[0] <= width, at_x(width)),
                          (lambda p: p[1] >= 0, at_y(0.0)),
                          (lambda p: p[1] <= height, at_y(height))):
        pts = clip(pts, inside, cross)
        if not pts:
            break
    return np.array(pts, float).reshape(-1, 2)


def fill(canvas: np.ndarray, contours: list[np.ndarray], value, *, antialias: bool) -> None:
    """Fill contours (holes by even-odd) in place, sub-pixel accurate."""
    import cv2

    cv2.fillPoly(canvas, _fixed(contours), value, lineType=cv2.LINE_AA if antialias else cv2.LINE_8,
                 shift=SUBPIXEL_BITS)


def background(kind: str, *, width: int, height: int, colors: list[list[int]],
               seed: int) -> np.ndarray:
    """An RGB uint8 background."""
    c0 = np.array(colors[0], np.float32)
    c1 = np.array(colors[1], np.float32)
    if kind == "solid":
        out = np.empty((height, width, 3), np.uint8)
        out[:] = c0.astype(np.uint8)
        return out
    if kind == "gradient":
        rng = np.random.default_rng(seed)
        angle = rng.uniform(0, 2 * math.pi)
        yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
        proj = xx * math.cos(angle) + yy * math.sin(angle)
        t = (proj - proj.min()) / max(float(np.ptp(proj)), 1e-6)
        return (c0 + (c1 - c0) * t[:, :, None]).astype(np.uint8)
    if kind == "checkerboard":
        rng = np.random.default_rng(seed)
        cell = int(rng.integers(4, max(5, min(width, height) // 4)))
        yy, xx = np.mgrid[0:height, 0:width]
        mask = ((yy // cell + xx // cell) % 2).astype(bool)
        out = np.empty((height, width, 3), np.uint8)
        out[~mask], out[mask] = c0.astype(np.uint8), c1.astype(np.uint8)
        return out
    if kind == "noise":
        rng = np.random.default_rng(seed)
        t = rng.random((height, width, 1), dtype=np.float32)
        return (c0 + (c1 - c0) * t).astype(np.uint8)
    if kind == "texture":
        return _texture(width, height, c0, c1, seed)
    raise ValueError(f"unknown background {kind!r}")


def _texture(width: int, height: int, c0, c1, seed: int) -> np.ndarray:
    """Perlin-like fractal noise: octaves of smoothly upsampled random grids."""
    import cv2

    rng = np.random.default_rng(seed)
    acc = np.zeros((height, width), np.float32)
    amplitude, total = 1.0, 0.0
    cells = 4
    while cells <= max(width, height) and amplitude > 0.05:
        grid = rng.random((cells + 1, cells + 1), dtype=np.float32)
        acc += amplitude * cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
        total += amplitude
        amplitude *= 0.5
        cells *= 2
    t = np.clip(acc / total, 0.0, 1.0)[:, :, None]
    return (c0 + (c1 - c0) * t).astype(np.uint8)
