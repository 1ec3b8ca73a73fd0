"""The toy modality's one transform."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import Transform


@register("toy.shift")
@dataclass(frozen=True, kw_only=True)
class Shift(Transform):
    """Add an integer offset to every value and optionally reverse the order."""

    kind = "toyseq"
    offset_range: tuple[int, int] = param((1, 9), "[low, high] offset", low=-1000, high=1000,
                                          integer=True)
    reverse: bool = param(False, "also reverse the sequence", choices=(False, True))

    def apply(self, media, params):
        values = media.values + params["offset"]
        return media.replace(values=np.ascontiguousarray(values[::-1] if self.reverse
                                                         else values))
