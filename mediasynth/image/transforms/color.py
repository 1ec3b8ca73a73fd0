"""Colour transforms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import uniform
from mediasynth.image.ffmpeg_filters import affine_rgb_as_yuv
from mediasynth.image.functional import color as C
from mediasynth.image.transforms.base import PixelTransform


@register("image.color_jitter")
@dataclass(frozen=True, kw_only=True)
class ColorJitter(PixelTransform):
    """Random brightness, contrast, saturation and hue, applied in a random order
    (torchvision semantics)."""

    brightness: float = param(0.2, "factor drawn from [1 - brightness, 1 + brightness]",
                              low=0.0, high=10.0)
    contrast: float = param(0.2, "factor drawn from [1 - contrast, 1 + contrast]", low=0.0,
                            high=10.0)
    saturation: float = param(0.2, "factor drawn from [1 - saturation, 1 + saturation]",
                              low=0.0, high=10.0)
    hue: float = param(0.0, "shift in turns drawn from [-hue, hue] (0.5 = 180 degrees)",
                       low=0.0, high=0.5)

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

    def ffmpeg_filters(self, params, width, height):
        b, c, s, h = (params[k] for k in ("brightness", "contrast", "saturation", "hue"))
        steps = [affine_rgb_as_yuv(b, 0.0) if b != 1.0 else None,
                 f"eq=contrast={c:.6f}" if c != 1.0 else None,
                 f"eq=saturation={s:.6f}" if s != 1.0 else None,
                 f"hue=h={h * 360.0:.4f}" if h != 0.0 else None]
        return [steps[i] for i in params["order"] if steps[i] is not None]


@register("image.brightness_contrast")
@dataclass(frozen=True, kw_only=True)
class BrightnessContrast(PixelTransform):
    """x * contrast + brightness * full scale (albumentations RandomBrightnessContrast
    semantics with brightness by max), clipped."""

    brightness_range: tuple[float, float] = param(
        (-0.2, 0.2), "[low, high] added brightness as a share of full scale", low=-1.0, high=1.0)
    contrast_range: tuple[float, float] = param(
        (0.8, 1.2), "[low, high] multiplicative contrast factor", low=0.0, high=10.0)

    def apply_pixels(self, pixels, params):
        return C.brightness_contrast(pixels, **params)

    def ffmpeg_filters(self, params, width, height):
        return [affine_rgb_as_yuv(params["contrast"], params["brightness"] * 255.0)]


@register("image.gamma")
@dataclass(frozen=True, kw_only=True)
class Gamma(PixelTransform):
    """Gamma curve x ** gamma on [0, 1] (< 1 brightens, > 1 darkens)."""

    gamma_range: tuple[float, float] = param((0.8, 1.25), "[low, high] exponent", low=0.01,
                                             high=100.0)

    def apply_pixels(self, pixels, params):
        return C.gamma(pixels, gamma_value=params["gamma"])


@register("image.grayscale")
@dataclass(frozen=True, kw_only=True)
class Grayscale(PixelTransform):
    """Replace colour by luma (ITU-R 601), keeping the channel count and alpha."""

    def apply_pixels(self, pixels, params):
        return C.grayscale(pixels)


@register("image.channel_shuffle")
@dataclass(frozen=True, kw_only=True)
class ChannelShuffle(PixelTransform):
    """Permute the R, G, B channels randomly (alpha stays last)."""

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"order": [int(i) for i in rng.permutation(3)]}

    def apply_pixels(self, pixels, params):
        return C.channel_shuffle(pixels, order=params["order"])


@register("image.equalize")
@dataclass(frozen=True, kw_only=True)
class Equalize(PixelTransform):
    """Histogram equalization of luma (colours kept) or of every channel."""

    per_channel: bool = param(False, "equalize R, G and B separately instead of luma",
                              checked=False)

    def apply_pixels(self, pixels, params):
        return C.equalize(pixels, per_channel=self.per_channel)


@register("image.clahe")
@dataclass(frozen=True, kw_only=True)
class Clahe(PixelTransform):
    """Contrast-limited adaptive histogram equalization of lightness."""

    clip_limit_range: tuple[float, float] = param((1.0, 4.0), "[low, high] CLAHE clip limit",
                                                  low=0.1, high=100.0)
    tile_grid: int = param(8, "tiles per side", low=1, high=64)

    def apply_pixels(self, pixels, params):
        return C.clahe(pixels, clip_limit=params["clip_limit"], tile_grid=self.tile_grid)


@register("image.posterize")
@dataclass(frozen=True, kw_only=True)
class Posterize(PixelTransform):
    """Reduce each channel to 2**bits levels."""

    bits_range: tuple[int, int] = param((4, 6), "[low, high] bits kept, drawn as an integer",
                                        low=1, high=8, integer=True)

    def apply_pixels(self, pixels, params):
        return C.posterize(pixels, bits=params["bits"])


@register("image.solarize")
@dataclass(frozen=True, kw_only=True)
class Solarize(PixelTransform):
    """Invert every value at or above a threshold."""

    threshold_range: tuple[float, float] = param(
        (0.5, 0.9), "[low, high] threshold as a share of full scale", low=0.0, high=1.0)

    def apply_pixels(self, pixels, params):
        return C.solarize(pixels, threshold=params["threshold"])


@register("image.invert")
@dataclass(frozen=True, kw_only=True)
class Invert(PixelTransform):
    """Negative image (alpha kept)."""

    def apply_pixels(self, pixels, params):
        return C.invert(pixels)
