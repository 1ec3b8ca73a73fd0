"""Crops, resizes and padding: transforms that change the frame size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import uniform
from mediasynth.image.functional import geometric as G
from mediasynth.image.functional._cv import BORDER_MODES, INTERPOLATIONS
from mediasynth.image.transforms.base import GeometricTransform


@dataclass(frozen=True, kw_only=True)
class _Sized(GeometricTransform):
    changes_size: ClassVar[bool] = True
    box_min_visibility: float = param(
        0.0, "drop a box whose visible area falls below this share", low=0.0, high=1.0)


def _size(default: int, doc: str):
    """A size in pixels: an integer within [1, 65536]."""
    return param(default, doc, unit="px", low=1, high=65536, integer=True)


@dataclass(frozen=True, kw_only=True)
class _WindowCrop(_Sized):
    """Crop a window; subclasses choose where. A window larger than the image is clamped."""

    width: int = _size(224, "window width")
    height: int = _size(224, "window height")


    def window(self, params, width, height) -> tuple[int, int, int, int]:
        w, h = min(self.width, width), min(self.height, height)
        return (int(round(params["x_fraction"] * (width - w))),
                int(round(params["y_fraction"] * (height - h))), w, h)

    def geometry(self, params, width, height):
        x0, y0, w, h = self.window(params, width, height)
        return G.crop_matrix(x0, y0), w, h

    def warp(self, array, params, *, is_mask):
        x0, y0, w, h = self.window(params, array.shape[1], array.shape[0])
        return G.crop(array, x0=x0, y0=y0, width=w, height=h)


@register("image.crop")
@dataclass(frozen=True, kw_only=True)
class Crop(_WindowCrop):
    """Crop a width x height window at a random position (clamped to the image)."""

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"x_fraction": float(rng.random()), "y_fraction": float(rng.random())}


@register("image.center_crop")
@dataclass(frozen=True, kw_only=True)
class CenterCrop(_WindowCrop):
    """Crop the central width x height window (clamped to the image)."""

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"x_fraction": 0.5, "y_fraction": 0.5}


@register("image.random_resized_crop")
@dataclass(frozen=True, kw_only=True)
class RandomResizedCrop(_Sized):
    """Crop a random window (area share from `scale_range`, aspect from `ratio_range`) and
    resize it to width x height (torchvision/albumentations semantics)."""

    width: int = _size(224, "output width")
    height: int = _size(224, "output height")
    scale_range: tuple[float, float] = param(
        (0.08, 1.0), "[low, high] window area as a share of the image", low=1e-4, high=1.0)
    ratio_range: tuple[float, float] = param(
        (0.75, 4 / 3), "[low, high] window aspect ratio (width / height), drawn log-uniformly",
        low=1e-3, high=1e3)
    interpolation: str = param("linear", "resampling (masks always use nearest)",
                               choices=INTERPOLATIONS)


    def get_params(self, rng, media) -> dict[str, Any]:
        W, H = media.width, media.height
        area = W * H
        log_lo, log_hi = math.log(self.ratio_range[0]), math.log(self.ratio_range[1])
        for _ in range(10):
            target = uniform(rng, self.scale_range) * area
            ratio = math.exp(uniform(rng, (log_lo, log_hi)))
            w = int(round(math.sqrt(target * ratio)))
            h = int(round(math.sqrt(target / ratio)))
            if 0 < w <= W and 0 < h <= H:
                return {"x0": int(rng.integers(0, W - w + 1)), "y0": int(rng.integers(0, H - h + 1)),
                        "w": w, "h": h}
        # fallback: central crop at the closest allowed ratio
        ratio = W / H
        if ratio < self.ratio_range[0]:
            w, h = W, int(round(W / self.ratio_range[0]))
        elif ratio > self.ratio_range[1]:
            w, h = int(round(H * self.ratio_range[1])), H
        else:
            w, h = W, H
        return {"x0": (W - w) // 2, "y0": (H - h) // 2, "w": w, "h": h}

    def geometry(self, params, width, height):
        m = G.scale_matrix(self.width / params["w"], self.height / params["h"]) @ G.crop_matrix(
            params["x0"], params["y0"])
        return m, self.width, self.height

    def warp(self, array, params, *, is_mask):
        window = array[params["y0"] : params["y0"] + params["h"],
                       params["x0"] : params["x0"] + params["w"]]
        return G.resize(window, width=self.width, height=self.height,
                        interpolation="nearest" if is_mask else self.interpolation)


@dataclass(frozen=True, kw_only=True)
class _Resize(_Sized):
    interpolation: str = param("linear", "resampling (linear shrinks with area)",
                               choices=INTERPOLATIONS)

    def size(self, width: int, height: int) -> tuple[int, int]:
        raise NotImplementedError

    def geometry(self, params, width, height):
        w, h = self.size(width, height)
        return G.scale_matrix(w / width, h / height), w, h

    def warp(self, array, params, *, is_mask):
        w, h = self.size(array.shape[1], array.shape[0])
        return G.resize(array, width=w, height=h,
                        interpolation="nearest" if is_mask else self.interpolation)


@register("image.resize")
@dataclass(frozen=True, kw_only=True)
class Resize(_Resize):
    """Resize to exactly width x height."""

    width: int = _size(224, "output width")
    height: int = _size(224, "output height")


    def size(self, width, height):
        return self.width, self.height


@register("image.longest_side")
@dataclass(frozen=True, kw_only=True)
class LongestSide(_Resize):
    """Resize keeping the aspect ratio so the longer side is `max_size` pixels."""

    max_size: int = _size(256, "length of the longer side")


    def size(self, width, height):
        scale = self.max_size / max(width, height)
        return max(1, int(round(width * scale))), max(1, int(round(height * scale)))


@register("image.pad")
@dataclass(frozen=True, kw_only=True)
class Pad(_Sized):
    """Pad up to at least min_width x min_height (larger images pass unchanged)."""

    min_width: int = _size(256, "output width at least this")
    min_height: int = _size(256, "output height at least this")
    position: str = param("center", "where the image sits",
                          choices=("center", "top_left", "random"))
    border_mode: str = param("constant", "how the padding is filled", choices=BORDER_MODES)
    fill: float = param(0, "border value in 0-255 units for border_mode constant",
                        checked=False)
    mask_fill: int = param(0, "label written into the mask in the padding")


    def get_params(self, rng, media) -> dict[str, Any]:
        return {"x_fraction": float(rng.random()), "y_fraction": float(rng.random())}

    def amounts(self, params, width, height) -> tuple[int, int, int, int]:
        dw, dh = max(0, self.min_width - width), max(0, self.min_height - height)
        fx, fy = {"center": (0.5, 0.5), "top_left": (0.0, 0.0),
                  "random": (params["x_fraction"], params["y_fraction"])}[self.position]
        left, top = int(dw * fx), int(dh * fy)
        return top, dh - top, left, dw - left

    def geometry(self, params, width, height):
        top, bottom, left, right = self.amounts(params, width, height)
        return G.crop_matrix(-left, -top), width + left + right, height + top + bottom

    def warp(self, array, params, *, is_mask):
        top, bottom, left, right = self.amounts(params, array.shape[1], array.shape[0])
        return G.pad(array, top=top, bottom=bottom, left=left, right=right,
                     border_mode="constant" if is_mask else self.border_mode,
                     fill=self.mask_fill if is_mask else self.fill)


