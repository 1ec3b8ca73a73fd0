"""Flips, quarter turns and rotations."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import uniform
from mediasynth.image.functional import geometric as G
from mediasynth.image.transforms.base import GeometricTransform, WarpingTransform


@register("image.flip_horizontal")
@dataclass(frozen=True, kw_only=True)
class FlipHorizontal(GeometricTransform):
    """Mirror left-right."""

    def geometry(self, params, width, height):
        return G.flip_horizontal_matrix(width), width, height

    def warp(self, array, params, *, is_mask):
        return G.flip_horizontal(array)

    def ffmpeg_filters(self, params, width, height):
        return ["hflip"]


@register("image.flip_vertical")
@dataclass(frozen=True, kw_only=True)
class FlipVertical(GeometricTransform):
    """Mirror top-bottom."""

    def geometry(self, params, width, height):
        return G.flip_vertical_matrix(height), width, height

    def warp(self, array, params, *, is_mask):
        return G.flip_vertical(array)

    def ffmpeg_filters(self, params, width, height):
        return ["vflip"]


@register("image.rotate90")
@dataclass(frozen=True, kw_only=True)
class Rotate90(GeometricTransform):
    """Rotate by a whole number of quarter turns, counter-clockwise, chosen from `turns`."""

    turns: tuple[int, ...] = param((1, 2, 3), "the candidate numbers of quarter turns (0-3), "
                                   "drawn uniformly", checked=False)

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

    def ffmpeg_filters(self, params, width, height):
        return [[], ["transpose=2"], ["hflip", "vflip"], ["transpose=1"]][params["turns"] % 4]

    def ffmpeg_output_size(self, params, width, height):
        return self.geometry(params, width, height)[1:]


@register("image.rotate")
@dataclass(frozen=True, kw_only=True)
class Rotate(WarpingTransform):
    """Rotate about the centre by an angle drawn from `angle_deg_range` (positive is
    counter-clockwise on screen). The frame size is kept."""

    angle_deg_range: tuple[float, float] = param((-15.0, 15.0), "[low, high] angle",
                                                 unit="degrees", low=-360, high=360)
    crop_to_fit: bool = param(False, "zoom in just enough that no border shows", checked=False)

    def geometry(self, params, width, height):
        angle = params["angle_deg"]
        scale = G.crop_to_fit_scale(angle, width, height) if self.crop_to_fit else 1.0
        return G.rotation_matrix(angle, width, height, scale=scale), width, height

    def ffmpeg_filters(self, params, width, height):
        if self.border_mode != "constant" or self.crop_to_fit:
            return None
        # FFmpeg turns clockwise for positive angles; ours turn counter-clockwise
        return [f"rotate={-math.radians(params['angle_deg']):.8f}:ow=iw:oh=ih:"
                f"c=0x{f'{int(self.fill):02x}' * 3}:bilinear=1"]


@register("image.affine")
@dataclass(frozen=True, kw_only=True)
class Affine(WarpingTransform):
    """Rotate, scale, translate and shear about the centre; the frame size is kept."""

    angle_deg_range: tuple[float, float] = param(
        (0.0, 0.0), "[low, high] counter-clockwise rotation", unit="degrees", low=-360,
        high=360)
    scale_range: tuple[float, float] = param((0.9, 1.1), "[low, high] zoom factor", low=0.01,
                                             high=100.0)
    translate_fraction_range: tuple[float, float] = param(
        (-0.05, 0.05), "[low, high] shift in x and y as a share of width/height", low=-1.0,
        high=1.0)
    shear_deg_range: tuple[float, float] = param(
        (-5.0, 5.0), "[low, high] shear angle, drawn for x and y", unit="degrees", low=-80,
        high=80)

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
    `distortion_fraction` of the size; the frame size is kept."""

    distortion_fraction_range: tuple[float, float] = param(
        (0.02, 0.08), "[low, high] largest corner shift as a share of the size", low=0.0,
        high=0.45)

    def get_params(self, rng, media) -> dict[str, Any]:
        amount = uniform(rng, self.distortion_fraction_range)
        offsets = rng.uniform(-amount, amount, (4, 2))
        return {"offsets": [[float(x), float(y)] for x, y in offsets]}

    def geometry(self, params, width, height):
        return G.perspective_matrix(width, height, np.array(params["offsets"])), width, height
