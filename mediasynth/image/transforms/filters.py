"""Blur, sharpen, noise, JPEG artefacts and cutout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediasynth.core.errors import ConfigError
from mediasynth.core.media import Image
from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import seed_param, uniform
from mediasynth.image.functional import filters as F
from mediasynth.image.transforms.base import ImageTransform, PixelTransform


def _odd(owner, name: str) -> None:
    lo, hi = getattr(owner, name)
    if lo % 2 == 0 or hi % 2 == 0 or lo < 3 or lo > hi:
        raise ConfigError(f"{owner.name}: {name} must hold odd sizes >= 3, low <= high")


def _odd_in(rng, bounds) -> int:
    return int(bounds[0] + 2 * rng.integers(0, (bounds[1] - bounds[0]) // 2 + 1))


@register("image.gaussian_blur")
@dataclass(frozen=True, kw_only=True)
class GaussianBlur(PixelTransform):
    """Gaussian blur with a standard deviation drawn from `sigma_range` (pixels)."""

    sigma_range: tuple[float, float] = param((0.5, 1.5), "[low, high] standard deviation",
                                             unit="px", low=0.05, high=100.0)

    def apply_pixels(self, pixels, params):
        return F.gaussian_blur(pixels, sigma=params["sigma"])

    def ffmpeg_filters(self, params, width, height):
        return [f"gblur=sigma={params['sigma']:.4f}"]


@register("image.motion_blur")
@dataclass(frozen=True, kw_only=True)
class MotionBlur(PixelTransform):
    """Blur along a line of random length and direction (camera shake)."""

    size_px_range: tuple[int, int] = param((3, 9), "[low, high] odd kernel length", unit="px",
                                           low=3)

    def validate(self) -> None:
        _odd(self, "size_px_range")

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"size": _odd_in(rng, self.size_px_range),
                "angle_deg": uniform(rng, (0.0, 180.0))}

    def apply_pixels(self, pixels, params):
        return F.motion_blur(pixels, size=params["size"], angle_deg=params["angle_deg"])


@register("image.median_blur")
@dataclass(frozen=True, kw_only=True)
class MedianBlur(PixelTransform):
    """Median filter with an odd window drawn from `size_px_range`."""

    size_px_range: tuple[int, int] = param((3, 5), "[low, high] odd window size", unit="px",
                                           low=3)

    def validate(self) -> None:
        _odd(self, "size_px_range")

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"size": _odd_in(rng, self.size_px_range)}

    def apply_pixels(self, pixels, params):
        return F.median_blur(pixels, size=params["size"])


@register("image.sharpen")
@dataclass(frozen=True, kw_only=True)
class Sharpen(PixelTransform):
    """Unsharp mask: x + amount * (x - blur(x))."""

    amount_range: tuple[float, float] = param((0.2, 1.0), "[low, high] sharpening strength",
                                              low=0.0, high=10.0)
    sigma_px: float = param(1.0, "blur radius (standard deviation) of the mask", unit="px",
                            low=0.1, high=50.0)

    def apply_pixels(self, pixels, params):
        return F.sharpen(pixels, amount=params["amount"], sigma=self.sigma_px)


@register("image.gaussian_noise")
@dataclass(frozen=True, kw_only=True)
class GaussianNoise(PixelTransform):
    """Additive Gaussian noise (standard deviation as a share of full scale)."""

    std_range: tuple[float, float] = param(
        (0.01, 0.05), "[low, high] noise standard deviation as a share of full scale", low=0.0,
        high=1.0)
    per_channel: bool = param(True, "independent noise per channel (else the same for R, G "
                              "and B)", checked=False)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"std": uniform(rng, self.std_range), "noise_seed": seed_param(rng)}

    def apply_pixels(self, pixels, params):
        return F.gaussian_noise(pixels, std=params["std"], seed=params["noise_seed"],
                                per_channel=self.per_channel)


@register("image.iso_noise")
@dataclass(frozen=True, kw_only=True)
class IsoNoise(PixelTransform):
    """Camera sensor noise: brightness-dependent luminance noise plus chroma noise."""

    intensity_range: tuple[float, float] = param(
        (0.1, 0.5), "[low, high] luminance noise strength", low=0.0, high=5.0)
    color_shift_range: tuple[float, float] = param(
        (0.01, 0.05), "[low, high] hue noise as a share of the hue circle", low=0.0, high=1.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"intensity": uniform(rng, self.intensity_range),
                "color_shift": uniform(rng, self.color_shift_range),
                "noise_seed": seed_param(rng)}

    def apply_pixels(self, pixels, params):
        return F.iso_noise(pixels, intensity=params["intensity"],
                           color_shift=params["color_shift"], seed=params["noise_seed"])


@register("image.jpeg_compression")
@dataclass(frozen=True, kw_only=True)
class JpegCompression(PixelTransform):
    """JPEG artefacts: encode at a quality from `quality_range` and decode."""

    quality_range: tuple[int, int] = param((50, 95), "[low, high] JPEG quality", low=1,
                                           high=100, integer=True)

    def apply_pixels(self, pixels, params):
        return F.jpeg_compression(pixels, quality=params["quality"])


@register("image.coarse_dropout")
@dataclass(frozen=True, kw_only=True)
class CoarseDropout(ImageTransform):
    """Cutout: fill random rectangles with a constant (and optionally the mask too)."""

    holes_range: tuple[int, int] = param((1, 4), "[low, high] number of rectangles", low=0,
                                         high=1000)
    size_fraction_range: tuple[float, float] = param(
        (0.05, 0.2), "[low, high] rectangle side as a share of the image side", low=0.0,
        high=1.0)
    fill: float = param(0, "fill value in 0-255 units", low=0, high=255)
    mask_fill: int = param(-1, "label written into the mask inside the holes (-1 leaves the "
                           "mask alone)")

    def get_params(self, rng, media) -> dict[str, Any]:
        n = int(rng.integers(self.holes_range[0], self.holes_range[1] + 1))
        holes = []
        for _ in range(n):
            w = max(1, int(round(uniform(rng, self.size_fraction_range) * media.width)))
            h = max(1, int(round(uniform(rng, self.size_fraction_range) * media.height)))
            x0 = int(rng.integers(0, max(1, media.width - w + 1)))
            y0 = int(rng.integers(0, max(1, media.height - h + 1)))
            holes.append([x0, y0, min(media.width, x0 + w), min(media.height, y0 + h)])
        return {"holes": holes}

    def apply(self, media: Image, params: dict[str, Any]) -> Image:
        pixels = F.cutout(media.pixels, holes=params["holes"], fill=self.fill)
        mask = media.mask
        if mask is not None and self.mask_fill >= 0:
            mask = mask.copy()
            for x0, y0, x1, y1 in params["holes"]:
                mask[y0:y1, x0:x1] = self.mask_fill
        return media.replace(pixels=pixels, mask=mask)
