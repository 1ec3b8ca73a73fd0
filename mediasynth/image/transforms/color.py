"""Colour transforms."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediasynth.core.registry import register
from mediasynth.core.transform import check_value, uniform
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
