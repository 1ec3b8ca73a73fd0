"""Base classes of image transforms.

`GeometricTransform` subclasses describe their effect by a 3 x 3 matrix (for boxes and
keypoints) and a warp of arrays (pixels and masks); the base class moves every target.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mediasynth.core.media import Image, MediaKind
from mediasynth.core.params import param
from mediasynth.core.transform import Transform
from mediasynth.image.functional._cv import BORDER_MODES, INTERPOLATIONS
from mediasynth.image.functional.targets import transform_boxes, transform_keypoints


@dataclass(frozen=True, kw_only=True)
class ImageTransform(Transform):
    kind: ClassVar[MediaKind] = MediaKind.IMAGE


def full_size(media: Image) -> tuple[int, int]:
    """(width, height) of the image, at full size when it was decoded reduced."""
    reduced = media.meta.get("decoded_at")
    if reduced is not None:
        return int(reduced["width"]), int(reduced["height"])
    return media.width, media.height


@dataclass(frozen=True, kw_only=True)
class PixelTransform(ImageTransform):
    """Changes pixel values only; masks, boxes and keypoints pass through untouched."""

    def apply(self, media: Image, params: dict[str, Any]) -> Image:
        return media.replace(pixels=self.apply_pixels(media.pixels, params))

    def apply_pixels(self, pixels: np.ndarray, params: dict[str, Any]) -> np.ndarray:
        raise NotImplementedError


@dataclass(frozen=True, kw_only=True)
class GeometricTransform(ImageTransform):
    """Moves pixels and every target the same way.

    An image decoded at a reduced size (meta "decoded_at") keeps every target in full-size
    coordinates: its matrix maps them exactly, only its pixels come from the smaller decode.

    Subclasses implement `geometry(params, width, height) -> (matrix, out_width, out_height)`
    and `warp(array, params, *, is_mask)`.
    """

    min_visibility: ClassVar[float] = 0.0

    def geometry(self, params: dict[str, Any], width: int, height: int):
        raise NotImplementedError

    def warp(self, array: np.ndarray, params: dict[str, Any], *, is_mask: bool) -> np.ndarray:
        raise NotImplementedError

    def warp_reduced(self, array: np.ndarray, params: dict[str, Any], scale: int,
                     width: int, height: int) -> np.ndarray:
        """`warp` of pixels decoded at 1/scale of the full width x height (meta
        "decoded_at", io/image_io.read_image): only the shrinking transforms take such
        images (image/transforms/crop.py); the others refuse them."""
        raise ValueError(f"{self.name} cannot take an image decoded at 1/{scale}: decode at "
                         "full size")

    def apply(self, media: Image, params: dict[str, Any]) -> Image:
        width, height = media.width, media.height
        changes: dict[str, Any] = {}
        reduced = media.meta.get("decoded_at")
        if reduced is not None:  # the maths stay in full-size coordinates
            width, height = reduced["width"], reduced["height"]
            changes["pixels"] = self.warp_reduced(media.pixels, params, reduced["scale"],
                                                  width, height)
            changes["meta"] = {k: v for k, v in media.meta.items() if k != "decoded_at"}
        else:
            changes["pixels"] = self.warp(media.pixels, params, is_mask=False)
        if media.mask is not None:
            changes["mask"] = self.warp(media.mask, params, is_mask=True)
        if media.boxes is not None or media.keypoints is not None:
            matrix, out_w, out_h = self.geometry(params, width, height)
            if media.boxes is not None:
                boxes, keep = transform_boxes(
                    media.boxes,
                    matrix,
                    width=out_w,
                    height=out_h,
                    min_visibility=getattr(self, "box_min_visibility", self.min_visibility),
                )
                changes["boxes"] = boxes
                if "box_ids" in media.meta:
                    changes["meta"] = {**changes.get("meta", media.meta),
                                       "box_ids": media.meta["box_ids"][keep]}
            if media.keypoints is not None:
                changes["keypoints"] = transform_keypoints(
                    media.keypoints, matrix, width=out_w, height=out_h,
                    visibility_column=media.meta.get("keypoint_visibility_column"))
        return media.replace(**changes)


@dataclass(frozen=True, kw_only=True)
class WarpingTransform(GeometricTransform):
    """A geometric transform done by resampling (rotate, affine, perspective...)."""

    interpolation: str = param("linear", "resampling (masks always use nearest)",
                               choices=INTERPOLATIONS)
    border_mode: str = param("constant", "how the border is filled", choices=BORDER_MODES)
    fill: float = param(0, "border value in 0-255 units for border_mode constant", low=0,
                        high=255)
    mask_fill: int = param(0, "label written into the mask where the border shows")
    box_min_visibility: float = param(
        0.0, "drop a box whose visible area falls below this share", low=0.0, high=1.0)

    def warp(self, array: np.ndarray, params: dict[str, Any], *, is_mask: bool) -> np.ndarray:
        from mediasynth.image.functional.geometric import warp

        matrix, out_w, out_h = self.geometry(params, array.shape[1], array.shape[0])
        return warp(
            array,
            matrix=matrix,
            width=out_w,
            height=out_h,
            interpolation="nearest" if is_mask else self.interpolation,
            border_mode="constant" if is_mask else self.border_mode,
            fill=self.mask_fill if is_mask else self.fill,
        )
