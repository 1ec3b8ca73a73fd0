"""Flips, quarter turns and rotations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mediasynth.core.registry import register
from mediasynth.core.transform import check_range, uniform
from mediasynth.image.functional import geometric as G
from mediasynth.image.transforms.base import GeometricTransform, WarpingTransform


@register("image.flip_horizontal")
@dataclass(frozen=True, kw_only=True)
class FlipHorizontal(GeometricTransform):
    """Mirror left-right.

    Fields:
        p: probability of applying.
    """

    def geometry(self, params, width, height):
        return G.flip_horizontal_matrix(width), width, height

    def warp(self, array, params, *, is_mask):
        return G.flip_horizontal(array)


@register("image.flip_vertical")
@dataclass(frozen=True, kw_only=True)
class FlipVertical(GeometricTransform):
    """Mirror top-bottom.

    Fields:
        p: probability of applying.
    """

    def geometry(self, params, width, height):
        return G.flip_vertical_matrix(height), width, height

    def warp(self, array, params, *, is_mask):
        return G.flip_vertical(array)


@register("image.rotate90")
@dataclass(frozen=True, kw_only=True)
class Rotate90(GeometricTransform):
    """Rotate by a whole number of quarter turns, counter-clockwise, chosen from `turns`.

    Fields:
        turns: the candidate numbers of quarter turns (0-3), drawn uniformly.
        p: probability of applying.
    """

    turns: tuple[int, ...] = (1, 2, 3)

    def validate(self) -> None:
        from mediasynth.core.errors import ConfigError

        if not self.turns or any(t not in (0, 1, 2, 3) for t in self.turns):
            raise ConfigError(f"{self.name}: turns must be a non-empty list of 0..3")

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"turns": int(self.turns[int(rng.integers(len(self.turns)))])}

    def geometry(self, params, width, height):
        turns = params["turns"]
        out_w, out_h = (height, width) if turns % 2 else (width, height)
        return G.rotate90_matrix(turns, width, height), out_w, out_h

    def warp(self, array, params, *, is_mask):
        return G.rotate90(array, turns=params["turns"])


@register("image.rotate")
@dataclass(frozen=True, kw_only=True)
class Rotate(WarpingTransform):
    """Rotate about the centre by an angle drawn from `angle_deg_range` (positive is
    counter-clockwise on screen). The frame size is kept.

    Fields:
        angle_deg_range: [low, high] angle in degrees.
        crop_to_fit: zoom in just enough that no border shows.
        interpolation: nearest | linear | cubic | area | lanczos (masks always use nearest).
        border_mode: constant | reflect | reflect101 | replicate | wrap.
        fill: border value in 0-255 units for border_mode constant.
        mask_fill: label written into the mask where the border shows.
        box_min_visibility: drop a box whose visible area falls below this share.
        p: probability of applying.
    """

    angle_deg_range: tuple[float, float] = (-15.0, 15.0)
    crop_to_fit: bool = False

    def validate(self) -> None:
        super().validate()
        check_range(self, "angle_deg_range", low=-360, high=360)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"angle_deg": uniform(rng, self.angle_deg_range)}

    def geometry(self, params, width, height):
        angle = params["angle_deg"]
        scale = G.crop_to_fit_scale(angle, width, height) if self.crop_to_fit else 1.0
        return G.rotation_matrix(angle, width, height, scale=scale), width, height




@register("image.affine")
@dataclass(frozen=True, kw_only=True)
class Affine(WarpingTransform):
    """Rotate, scale, translate and shear about the centre; the frame size is kept.

    Fields:
        angle_deg_range: [low, high] rotation in degrees (counter-clockwise).
        scale_range: [low, high] zoom factor.
        translate_fraction_range: [low, high] shift in x and y as a share of width/height.
        shear_deg_range: [low, high] shear angle in degrees, drawn for x and y.
        interpolation: nearest | linear | cubic | area | lanczos (masks always use nearest).
        border_mode: constant | reflect | reflect101 | replicate | wrap.
        fill: border value in 0-255 units for border_mode constant.
        mask_fill: label written into the mask where the border shows.
        box_min_visibility: drop a box whose visible area falls below this share.
        p: probability of applying.
    """

    angle_deg_range: tuple[float, float] = (0.0, 0.0)
    scale_range: tuple[float, float] = (0.9, 1.1)
    translate_fraction_range: tuple[float, float] = (-0.05, 0.05)
    shear_deg_range: tuple[float, float] = (-5.0, 5.0)

    def validate(self) -> None:
        super().validate()
        check_range(self, "angle_deg_range", low=-360, high=360)
        check_range(self, "scale_range", low=0.01, high=100.0)
        check_range(self, "translate_fraction_range", low=-1.0, high=1.0)
        check_range(self, "shear_deg_range", low=-80, high=80)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {
            "angle_deg": uniform(rng, self.angle_deg_range),
            "scale": uniform(rng, self.scale_range),
            "translate_x": uniform(rng, self.translate_fraction_range),
            "translate_y": uniform(rng, self.translate_fraction_range),
            "shear_x_deg": uniform(rng, self.shear_deg_range),
            "shear_y_deg": uniform(rng, self.shear_deg_range),
        }

    def geometry(self, params, width, height):
        return G.affine_matrix(width, height, **params), width, height


@register("image.perspective")
@dataclass(frozen=True, kw_only=True)
class Perspective(WarpingTransform):
    """Random perspective: each corner moves inwards or outwards by up to
    `distortion_fraction` of the size; the frame size is kept.

    Fields:
        distortion_fraction_range: [low, high] largest corner shift as a share of the size.
        interpolation: nearest | linear | cubic | area | lanczos (masks always use nearest).
        border_mode: constant | reflect | reflect101 | replicate | wrap.
        fill: border value in 0-255 units for border_mode constant.
        mask_fill: label written into the mask where the border shows.
        box_min_visibility: drop a box whose visible area falls below this share.
        p: probability of applying.
    """

    distortion_fraction_range: tuple[float, float] = (0.02, 0.08)

    def validate(self) -> None:
        super().validate()
        check_range(self, "distortion_fraction_range", low=0.0, high=0.45)

    def get_params(self, rng, media) -> dict[str, Any]:
        amount = uniform(rng, self.distortion_fraction_range)
        offsets = rng.uniform(-amount, amount, (4, 2))
        return {"offsets": [[float(x), float(y)] for x, y in offsets]}

    def geometry(self, params, width, height):
        return G.perspective_matrix(width, height, np.array(params["offsets"])), width, height
