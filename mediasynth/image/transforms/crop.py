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
from mediasynth.image.transforms.base import GeometricTransform, full_size


@dataclass(frozen=True, kw_only=True)
class _Sized(GeometricTransform):
    changes_size: ClassVar[bool] = True
    box_min_visibility: float = param(
        0.0, "drop a box whose visible area falls below this share", low=0.0, high=1.0)


def _size(default: int, doc: str):
    """A size in pixels: an integer within [1, 65536]."""
    return param(default, doc, unit="px", low=1, high=65536, integer=True)


@dataclass(frozen=True, kw_only=True)
class _Shrinking(_Sized):
    """A window of the image (full-size coordinates) resampled to an output size: such a
    step can take the image decoded at 1/2, 1/4 or 1/8 (a JPEG's DCT scaling) when the
    window still covers the output at that scale (`decode_scale`). Its maths (params,
    matrix, boxes, keypoints) stay in full-size coordinates; only the pixels come from
    the smaller decode, resampled from the window's exact (fractional) position. Its record
    notes the scale ("decode_scale") so a replay decodes the same way."""

    def window(self, params, width, height) -> tuple[int, int, int, int, int, int]:
        """(x0, y0, w, h) of the source window in full-size pixels, and the output size."""
        raise NotImplementedError

    def output_size(self, width: int, height: int) -> tuple[int, int]:
        """The output's (width, height) for a width x height image."""
        raise NotImplementedError

    def may_reduce(self, width: int, height: int) -> bool:
        """Whether any draw can take a reduced decode (the whole image is at least twice
        the output on each side): when not, no probe is needed."""
        out_w, out_h = self.output_size(width, height)
        return width >= 2 * out_w and height >= 2 * out_h

    def decode_scale(self, params, width, height) -> int:
        """The largest of 1, 2, 4, 8 at which the window still has at least the output's
        pixels on each side (1 for interpolations other than linear and area, whose
        look would change)."""
        if getattr(self, "interpolation", "linear") not in ("linear", "area"):
            return 1
        _, _, w, h, out_w, out_h = self.window(params, width, height)
        for scale in (8, 4, 2):
            if w >= out_w * scale and h >= out_h * scale:
                return scale
        return 1

    def noted(self, params: dict[str, Any], media) -> dict[str, Any]:
        """params with the decode scale of a reduced image noted."""
        reduced = media.meta.get("decoded_at")
        if reduced is not None:
            return {**params, "decode_scale": int(reduced["scale"])}
        return params

    def warp_reduced(self, array, params, scale, width, height):
        x0, y0, w, h, out_w, out_h = self.window(params, width, height)
        fx, fy, fw, fh = x0 / scale, y0 / scale, w / scale, h / scale
        if fw >= 2 * out_w or fh >= 2 * out_h:  # still 2x after 1/8: resize a whole window
            ix0, iy0 = int(round(fx)), int(round(fy))
            ix1 = min(array.shape[1], max(ix0 + 1, int(round(fx + fw))))
            iy1 = min(array.shape[0], max(iy0 + 1, int(round(fy + fh))))
            return G.resize(array[iy0:iy1, ix0:ix1], width=out_w, height=out_h,
                            interpolation=getattr(self, "interpolation", "linear"))
        matrix = G.scale_matrix(out_w / fw, out_h / fh) @ G.crop_matrix(fx, fy)
        return G.warp(array, matrix=matrix, width=out_w, height=out_h, interpolation="linear",
                      border_mode="replicate")


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
class RandomResizedCrop(_Shrinking):
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
        return self.noted(self._draw(rng, *full_size(media)), media)

    def window(self, params, width, height):
        return params["x0"], params["y0"], params["w"], params["h"], self.width, self.height

    def output_size(self, width, height):
        return self.width, self.height

    def _draw(self, rng, W: int, H: int) -> dict[str, Any]:
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
class _Resize(_Shrinking):
    interpolation: str = param("linear", "resampling (linear shrinks by 2x or more through block means first)",
                               choices=INTERPOLATIONS)

    def size(self, width: int, height: int) -> tuple[int, int]:
        raise NotImplementedError

    def get_params(self, rng, media) -> dict[str, Any]:
        return self.noted(super().get_params(rng, media), media)

    def window(self, params, width, height):
        return (0, 0, width, height, *self.size(width, height))

    def output_size(self, width, height):
        return self.size(width, height)

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


