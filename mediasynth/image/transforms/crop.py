"""Crops, resizes and padding: transforms that change the frame size."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from mediasynth.core.errors import ConfigError
from mediasynth.core.registry import register
from mediasynth.core.transform import check_choice, check_range, check_value, uniform
from mediasynth.image.functional import geometric as G
from mediasynth.image.functional._cv import BORDER_MODES, INTERPOLATIONS
from mediasynth.image.transforms.base import GeometricTransform


@dataclass(frozen=True, kw_only=True)
class _Sized(GeometricTransform):
    changes_size: ClassVar[bool] = True
    box_min_visibility: float = 0.0

    def validate(self) -> None:
        check_value(self, "box_min_visibility", low=0.0, high=1.0)


def _check_size(owner, *names: str) -> None:
    for name in names:
        value = getattr(owner, name)
        if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= 65536:
            raise ConfigError(f"{owner.name}: {name} must be an integer in [1, 65536]")


@dataclass(frozen=True, kw_only=True)
class _WindowCrop(_Sized):
    """Crop a window; subclasses choose where. A window larger than the image is clamped."""

    width: int = 224
    height: int = 224

    def validate(self) -> None:
        super().validate()
        _check_size(self, "width", "height")

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
    """Crop a width x height window at a random position (clamped to the image).

    Fields:
        width: window width in pixels.
        height: window height in pixels.
        box_min_visibility: drop a box whose visible area falls below this share.
        p: probability of applying.
    """

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"x_fraction": float(rng.random()), "y_fraction": float(rng.random())}


@register("image.center_crop")
@dataclass(frozen=True, kw_only=True)
class CenterCrop(_WindowCrop):
    """Crop the central width x height window (clamped to the image).

    Fields:
        width: window width in pixels.
        height: window height in pixels.
        box_min_visibility: drop a box whose visible area falls below this share.
        p: probability of applying.
    """

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"x_fraction": 0.5, "y_fraction": 0.5}


@register("image.random_resized_crop")
@dataclass(frozen=True, kw_only=True)
class RandomResizedCrop(_Sized):
    """Crop a random window (area share from `scale_range`, aspect from `ratio_range`) and
    resize it to width x height (torchvision/albumentations semantics).

    Fields:
        width: output width in pixels.
        height: output height in pixels.
        scale_range: [low, high] window area as a share of the image.
        ratio_range: [low, high] window aspect ratio (width / height), drawn log-uniformly.
        interpolation: nearest | linear | cubic | area | lanczos (masks always use nearest).
        box_min_visibility: drop a box whose visible area falls below this share.
        p: probability of applying.
    """

    width: int = 224
    height: int = 224
    scale_range: tuple[float, float] = (0.08, 1.0)
    ratio_range: tuple[float, float] = (0.75, 4 / 3)
    interpolation: str = "linear"

    def validate(self) -> None:
        super().validate()
        _check_size(self, "width", "height")
        check_range(self, "scale_range", low=1e-4, high=1.0)
        check_range(self, "ratio_range", low=1e-3, high=1e3)
        check_choice(self, "interpolation", INTERPOLATIONS)

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
    interpolation: str = "linear"

    def validate(self) -> None:
        super().validate()
        check_choice(self, "interpolation", INTERPOLATIONS)

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
    """Resize to exactly width x height.

    Fields:
        width: output width in pixels.
        height: output height in pixels.
        interpolation: nearest | linear | cubic | area | lanczos (linear shrinks with area).
        box_min_visibility: drop a box whose visible area falls below this share.
        p: probability of applying.
    """

    width: int = 224
    height: int = 224

    def validate(self) -> None:
        super().validate()
        _check_size(self, "width", "height")

    def size(self, width, height):
        return self.width, self.height


@register("image.longest_side")
@dataclass(frozen=True, kw_only=True)
class LongestSide(_Resize):
    """Resize keeping the aspect ratio so the longer side is `max_size` pixels.

    Fields:
        max_size: length of the longer side in pixels.
        interpolation: nearest | linear | cubic | area | lanczos (linear shrinks with area).
        box_min_visibility: drop a box whose visible area falls below this share.
        p: probability of applying.
    """

    max_size: int = 256

    def validate(self) -> None:
        super().validate()
        _check_size(self, "max_size")

    def size(self, width, height):
        scale = self.max_size / max(width, height)
        return max(1, int(round(width * scale))), max(1, int(round(height * scale)))


@register("image.pad")
@dataclass(frozen=True, kw_only=True)
class Pad(_Sized):
    """Pad up to at least min_width x min_height (larger images pass unchanged).

    Fields:
        min_width: output width at least this.
        min_height: output height at least this.
        position: where the image sits: center | top_left | random.
        border_mode: constant | reflect | reflect101 | replicate | wrap.
        fill: border value in 0-255 units for border_mode constant.
        mask_fill: label written into the mask in the padding.
        box_min_visibility: drop a box whose visible area falls below this share.
        p: probability of applying.
    """

    min_width: int = 256
    min_height: int = 256
    position: str = "center"
    border_mode: str = "constant"
    fill: float = 0
    mask_fill: int = 0

    def validate(self) -> None:
        super().validate()
        _check_size(self, "min_width", "min_height")
        check_choice(self, "position", ("center", "top_left", "random"))
        check_choice(self, "border_mode", BORDER_MODES)

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


