"""Base class of audio transforms: they see (channels, frames) float32 and a sample rate,
and declare where time goes (`time_map`, see audio/retime.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mediasynth.audio.retime import TimeMap, sequence_maps
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

    def time_map(self, params: dict[str, Any], frames: int, sample_rate: int) -> TimeMap:
        """Where each instant of an input of `frames` frames lands in the output of
        `apply(media, params)`, and the output length. The default is the identity: a
        transform that moves, cuts, adds or rescales time must override it next to its
        kernel (sound-event annotations are moved with it)."""
        return TimeMap.identity(frames, sample_rate)

    @classmethod
    def time_maps_fused(cls, steps: list, records: list, frames: int,
                        sample_rate: int) -> list[TimeMap]:
        """The time maps of consecutive steps of this fuse group applied together by
        `apply_fused`; the default is each step's own map in turn. Groups whose single pass
        rounds the length once override it."""
        return sequence_maps(steps, records, frames, sample_rate)


def _finite(samples: np.ndarray) -> np.ndarray:
    """float32, C-contiguous, no NaN/inf (the output contract of every audio transform)."""
    out = np.ascontiguousarray(samples, dtype=np.float32)
    if not np.isfinite(out).all():
        out = np.nan_to_num(out, nan=0.0, posinf=1.0, neginf=-1.0)
    return out
