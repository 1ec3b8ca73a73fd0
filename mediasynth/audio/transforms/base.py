"""Base class of audio transforms: they see (channels, frames) float32 and a sample rate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mediasynth.core.media import Audio, MediaKind
from mediasynth.core.transform import Transform


@dataclass(frozen=True, kw_only=True)
class AudioTransform(Transform):
    kind: ClassVar[MediaKind] = MediaKind.AUDIO
    changes_sample_rate: ClassVar[bool] = False

    def apply(self, media: Audio, params: dict[str, Any]) -> Audio:
        out = self.apply_samples(media.samples, media.sample_rate, params)
        return media.replace(samples=_finite(out))

    def apply_samples(self, samples: np.ndarray, sample_rate: int,
                      params: dict[str, Any]) -> np.ndarray:
        raise NotImplementedError


def _finite(samples: np.ndarray) -> np.ndarray:
    """float32, C-contiguous, no NaN/inf (the output contract of every audio transform)."""
    out = np.ascontiguousarray(samples, dtype=np.float32)
    if not np.isfinite(out).all():
        out = np.nan_to_num(out, nan=0.0, posinf=1.0, neginf=-1.0)
    return out
