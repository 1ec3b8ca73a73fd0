"""Levels: gain, gain transition (fade), normalize, polarity inversion, clipping distortion."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mediasynth.audio.functional import level as L
from mediasynth.audio.transforms.base import AudioTransform
from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import uniform


@register("audio.gain")
@dataclass(frozen=True, kw_only=True)
class Gain(AudioTransform):
    """Multiply by a gain drawn from `gain_db_range` (exact in dB; may exceed full scale,
    which the writer clips and counts)."""

    gain_db_range: tuple[float, float] = param((-6.0, 6.0), "[low, high] gain", unit="dB",
                                               low=-120, high=60)

    def apply_samples(self, samples, sample_rate, params):
        return L.gain(samples, gain_db=params["gain_db"])

    def ffmpeg_audio_filters(self, params):
        return [f"volume={params['gain_db']:.6f}dB"]


@register("audio.gain_transition")
@dataclass(frozen=True, kw_only=True)
class GainTransition(AudioTransform):
    """Fade: move from one gain to another over a stretch of time."""

    start_db_range: tuple[float, float] = param(
        (-24.0, 0.0), "[low, high] gain before the transition", unit="dB", low=-120, high=60)
    end_db_range: tuple[float, float] = param(
        (-24.0, 0.0), "[low, high] gain after it", unit="dB", low=-120, high=60)
    duration_fraction_range: tuple[float, float] = param(
        (0.2, 0.5), "[low, high] transition length as a share of the clip", low=0.0, high=1.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        length = uniform(rng, self.duration_fraction_range)
        return {
            "start_db": uniform(rng, self.start_db_range),
            "end_db": uniform(rng, self.end_db_range),
            "length_fraction": length,
            "start_fraction": uniform(rng, (0.0, 1.0 - length)),
        }

    def apply_samples(self, samples, sample_rate, params):
        n = samples.shape[1]
        return L.gain_transition(
            samples, start_db=params["start_db"], end_db=params["end_db"],
            start_frame=int(params["start_fraction"] * n),
            length_frames=int(params["length_fraction"] * n),
        )


@register("audio.normalize")
@dataclass(frozen=True, kw_only=True)
class Normalize(AudioTransform):
    """Scale to a target peak (dBFS), RMS (dBFS) or integrated loudness (LUFS, BS.1770)."""

    mode: str = param("peak", "what is scaled to the target", choices=("peak", "rms", "loudness"))
    target_db_range: tuple[float, float] = param(
        (-1.0, -1.0), "[low, high] target level", unit="dBFS for peak and rms, LUFS for loudness",
        low=-100, high=0)

    def apply_samples(self, samples, sample_rate, params):
        return L.normalize(samples, sample_rate=sample_rate, mode=self.mode,
                           target_db=params["target_db"])


@register("audio.polarity_inversion")
@dataclass(frozen=True, kw_only=True)
class PolarityInversion(AudioTransform):
    """Flip the sign of every sample."""

    def apply_samples(self, samples, sample_rate, params):
        return np.negative(samples)

    def ffmpeg_audio_filters(self, params):
        return ["volume=-1"]


@register("audio.clipping")
@dataclass(frozen=True, kw_only=True)
class Clipping(AudioTransform):
    """Clipping distortion: clip at the level below which `percentile_range` percent of
    absolute sample values lie."""

    percentile_range: tuple[float, float] = param(
        (80.0, 99.0), "[low, high] percentile of |x| used as the clip level", low=0.0,
        high=100.0)

    def apply_samples(self, samples, sample_rate, params):
        threshold = float(np.percentile(np.abs(samples), params["percentile"]))
        return L.hard_clip(samples, threshold=threshold)
