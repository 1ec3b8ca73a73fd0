"""Blur, sharpen, noise, JPEG artefacts and cutout."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediasynth.core.errors import ConfigError
from mediasynth.core.media import Image
from mediasynth.core.registry import register
from mediasynth.core.transform import check_range, check_value, seed_param, uniform
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
    """Gaussian blur with a standard deviation drawn from `sigma_range` (pixels).

    Fields:
        sigma_range: [low, high] standard deviation in pixels.
        p: probability of applying.
    """

    sigma_range: tuple[float, float] = (0.5, 1.5)

    def validate(self) -> None:
        check_range(self, "sigma_range", low=0.05, high=100.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"sigma": uniform(rng, self.sigma_range)}

    def apply_pixels(self, pixels, params):
        return F.gaussian_blur(pixels, sigma=params["sigma"])


@register("image.motion_blur")
@dataclass(frozen=True, kw_only=True)
class MotionBlur(PixelTransform):
    """Blur along a line of random length and direction (camera shake).

    Fields:
        size_px_range: [low, high] odd kernel length in pixels.
        p: probability of applying.
    """

    size_px_range: tuple[int, int] = (3, 9)

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
    """Median filter with an odd window drawn from `size_px_range`.

    Fields:
        size_px_range: [low, high] odd window size in pixels.
        p: probability of applying.
    """

    size_px_range: tuple[int, int] = (3, 5)

    def validate(self) -> None:
        _odd(self, "size_px_range")

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"size": _odd_in(rng, self.size_px_range)}

    def apply_pixels(self, pixels, params):
        return F.median_blur(pixels, size=params["size"])


@register("image.sharpen")
@dataclass(frozen=True, kw_only=True)
class Sharpen(PixelTransform):
    """Unsharp mask: x + amount * (x - blur(x)).

    Fields:
        amount_range: [low, high] sharpening strength.
        sigma_px: blur radius (standard deviation) of the mask in pixels.
        p: probability of applying.
    """

    amount_range: tuple[float, float] = (0.2, 1.0)
    sigma_px: float = 1.0

    def validate(self) -> None:
        check_range(self, "amount_range", low=0.0, high=10.0)
        check_value(self, "sigma_px", low=0.1, high=50.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"amount": uniform(rng, self.amount_range)}

    def apply_pixels(self, pixels, params):
        return F.sharpen(pixels, amount=params["amount"], sigma=self.sigma_px)


@register("image.gaussian_noise")
@dataclass(frozen=True, kw_only=True)
class GaussianNoise(PixelTransform):
    """Additive Gaussian noise (standard deviation as a share of full scale).

    Fields:
        std_range: [low, high] noise standard deviation as a share of full scale.
        per_channel: independent noise per channel (else the same for R, G and B).
        p: probability of applying.
    """

    std_range: tuple[float, float] = (0.01, 0.05)
    per_channel: bool = True

    def validate(self) -> None:
        check_range(self, "std_range", low=0.0, high=1.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"std": uniform(rng, self.std_range), "noise_seed": seed_param(rng)}

    def apply_pixels(self, pixels, params):
        return F.gaussian_noise(pixels, std=params["std"], seed=params["noise_seed"],
                                per_channel=self.per_channel)


@register("image.iso_noise")
@dataclass(frozen=True, kw_only=True)
class IsoNoise(PixelTransform):
    """Camera sensor noise: brightness-dependent luminance noise plus chroma noise.

    Fields:
        intensity_range: [low, high] luminance noise strength.
        color_shift_range: [low, high] hue noise as a share of the hue circle.
        p: probability of applying.
    """

    intensity_range: tuple[float, float] = (0.1, 0.5)
    color_shift_range: tuple[float, float] = (0.01, 0.05)

    def validate(self) -> None:
        check_range(self, "intensity_range", low=0.0, high=5.0)
        check_range(self, "color_shift_range", low=0.0, high=1.0)

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
    """JPEG artefacts: encode at a quality from `quality_range` and decode.

    Fields:
        quality_range: [low, high] JPEG quality (1-100).
        p: probability of applying.
    """

    quality_range: tuple[int, int] = (50, 95)

    def validate(self) -> None:
        check_range(self, "quality_range", low=1, high=100)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"quality": int(rng.integers(self.quality_range[0], self.quality_range[1] + 1))}

    def apply_pixels(self, pixels, params):
        return F.jpeg_compression(pixels, quality=params["quality"])


@register("image.coarse_dropout")
@dataclass(frozen=True, kw_only=True)
class CoarseDropout(ImageTransform):
    """Cutout: fill random rectangles with a constant (and optionally the mask too).

    Fields:
        holes_range: [low, high] number of rectangles.
        size_fraction_range: [low, high] rectangle side as a share of the image side.
        fill: fill value in 0-255 units.
        mask_fill: label written into the mask inside the holes (-1 leaves the mask alone).
        p: probability of applying.
    """

    holes_range: tuple[int, int] = (1, 4)
    size_fraction_range: tuple[float, float] = (0.05, 0.2)
    fill: float = 0
    mask_fill: int = -1

    def validate(self) -> None:
        check_range(self, "holes_range", low=0, high=1000)
        check_range(self, "size_fraction_range", low=0.0, high=1.0)
        check_value(self, "fill", low=0, high=255)

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
