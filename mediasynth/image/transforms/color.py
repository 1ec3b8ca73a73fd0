"""Colour transforms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediasynth.core.registry import register
from mediasynth.core.transform import check_range, check_value, uniform
from mediasynth.image.functional import color as C
from mediasynth.image.transforms.base import PixelTransform


@register("image.color_jitter")
@dataclass(frozen=True, kw_only=True)
class ColorJitter(PixelTransform):
    """Random brightness, contrast, saturation and hue, applied in a random order
    (torchvision semantics).

    Fields:
        brightness: factor drawn from [1 - brightness, 1 + brightness].
        contrast: factor drawn from [1 - contrast, 1 + contrast].
        saturation: factor drawn from [1 - saturation, 1 + saturation].
        hue: shift drawn from [-hue, hue] in turns (0.5 = 180 degrees).
        p: probability of applying.
    """

    brightness: float = 0.2
    contrast: float = 0.2
    saturation: float = 0.2
    hue: float = 0.0

    def validate(self) -> None:
        for name in ("brightness", "contrast", "saturation"):
            check_value(self, name, low=0.0, high=10.0)
        check_value(self, "hue", low=0.0, high=0.5)

    def get_params(self, rng, media) -> dict[str, Any]:
        def factor(amount: float) -> float:
            return uniform(rng, (max(0.0, 1.0 - amount), 1.0 + amount))

        return {
            "brightness": factor(self.brightness),
            "contrast": factor(self.contrast),
            "saturation": factor(self.saturation),
            "hue": uniform(rng, (-self.hue, self.hue)),
            "order": [int(i) for i in rng.permutation(4)],
        }

    def apply_pixels(self, pixels, params):
        return C.color_jitter(pixels, **params)


@register("image.brightness_contrast")
@dataclass(frozen=True, kw_only=True)
class BrightnessContrast(PixelTransform):
    """x * contrast + brightness * full scale (albumentations RandomBrightnessContrast
    semantics with brightness by max), clipped.

    Fields:
        brightness_range: [low, high] added brightness as a share of full scale.
        contrast_range: [low, high] multiplicative contrast factor.
        p: probability of applying.
    """

    brightness_range: tuple[float, float] = (-0.2, 0.2)
    contrast_range: tuple[float, float] = (0.8, 1.2)

    def validate(self) -> None:
        check_range(self, "brightness_range", low=-1.0, high=1.0)
        check_range(self, "contrast_range", low=0.0, high=10.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"brightness": uniform(rng, self.brightness_range),
                "contrast": uniform(rng, self.contrast_range)}

    def apply_pixels(self, pixels, params):
        return C.brightness_contrast(pixels, **params)


@register("image.gamma")
@dataclass(frozen=True, kw_only=True)
class Gamma(PixelTransform):
    """Gamma curve x ** gamma on [0, 1] (< 1 brightens, > 1 darkens).

    Fields:
        gamma_range: [low, high] exponent.
        p: probability of applying.
    """

    gamma_range: tuple[float, float] = (0.8, 1.25)

    def validate(self) -> None:
        check_range(self, "gamma_range", low=0.01, high=100.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"gamma": uniform(rng, self.gamma_range)}

    def apply_pixels(self, pixels, params):
        return C.gamma(pixels, gamma_value=params["gamma"])


@register("image.grayscale")
@dataclass(frozen=True, kw_only=True)
class Grayscale(PixelTransform):
    """Replace colour by luma (ITU-R 601), keeping the channel count and alpha.

    Fields:
        p: probability of applying.
    """

    def apply_pixels(self, pixels, params):
        return C.grayscale(pixels)


@register("image.channel_shuffle")
@dataclass(frozen=True, kw_only=True)
class ChannelShuffle(PixelTransform):
    """Permute the R, G, B channels randomly (alpha stays last).

    Fields:
        p: probability of applying.
    """

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"order": [int(i) for i in rng.permutation(3)]}

    def apply_pixels(self, pixels, params):
        return C.channel_shuffle(pixels, order=params["order"])


@register("image.equalize")
@dataclass(frozen=True, kw_only=True)
class Equalize(PixelTransform):
    """Histogram equalization of luma (colours kept) or of every channel.

    Fields:
        per_channel: equalize R, G and B separately instead of luma.
        p: probability of applying.
    """

    per_channel: bool = False

    def apply_pixels(self, pixels, params):
        return C.equalize(pixels, per_channel=self.per_channel)


@register("image.clahe")
@dataclass(frozen=True, kw_only=True)
class Clahe(PixelTransform):
    """Contrast-limited adaptive histogram equalization of lightness.

    Fields:
        clip_limit_range: [low, high] CLAHE clip limit.
        tile_grid: tiles per side.
        p: probability of applying.
    """

    clip_limit_range: tuple[float, float] = (1.0, 4.0)
    tile_grid: int = 8

    def validate(self) -> None:
        check_range(self, "clip_limit_range", low=0.1, high=100.0)
        check_value(self, "tile_grid", low=1, high=64)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"clip_limit": uniform(rng, self.clip_limit_range)}

    def apply_pixels(self, pixels, params):
        return C.clahe(pixels, clip_limit=params["clip_limit"], tile_grid=self.tile_grid)


@register("image.posterize")
@dataclass(frozen=True, kw_only=True)
class Posterize(PixelTransform):
    """Reduce each channel to 2**bits levels.

    Fields:
        bits_range: [low, high] bits kept (1-8), drawn as an integer.
        p: probability of applying.
    """

    bits_range: tuple[int, int] = (4, 6)

    def validate(self) -> None:
        check_range(self, "bits_range", low=1, high=8)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"bits": int(rng.integers(self.bits_range[0], self.bits_range[1] + 1))}

    def apply_pixels(self, pixels, params):
        return C.posterize(pixels, bits=params["bits"])


@register("image.solarize")
@dataclass(frozen=True, kw_only=True)
class Solarize(PixelTransform):
    """Invert every value at or above a threshold.

    Fields:
        threshold_range: [low, high] threshold as a share of full scale.
        p: probability of applying.
    """

    threshold_range: tuple[float, float] = (0.5, 0.9)

    def validate(self) -> None:
        check_range(self, "threshold_range", low=0.0, high=1.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"threshold": uniform(rng, self.threshold_range)}

    def apply_pixels(self, pixels, params):
        return C.solarize(pixels, threshold=params["threshold"])


@register("image.invert")
@dataclass(frozen=True, kw_only=True)
class Invert(PixelTransform):
    """Negative image (alpha kept).

    Fields:
        p: probability of applying.
    """

    def apply_pixels(self, pixels, params):
        return C.invert(pixels)
