"""Flips, quarter turns and rotations."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

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


