"""Filters: low pass, high pass, band pass, and frequency masking (band stop).

All are zero-phase Butterworth filters (run forwards and backwards) whose stated cutoff or
band edge is the -3 dB point of the whole operation (measured within 0.01 %); see
functional/filters.py for the design.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, ClassVar

from mediasynth.audio.functional.filters import butterworth
from mediasynth.audio.transforms.base import AudioTransform
from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import uniform


def _log_uniform(rng, bounds: tuple[float, float]) -> float:
    """Frequencies are drawn uniformly on a log scale (equal odds per octave)."""
    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    return math.exp(uniform(rng, (lo, hi)))


@dataclass(frozen=True, kw_only=True)
class _Filter(AudioTransform):
    order: int = param(4, "Butterworth order per pass (zero phase: 12 * order dB/octave)",
                       low=1, high=12)


def _cutoff(default: tuple[float, float]):
    return param(default, "[low, high] cutoff (the -3 dB point), drawn log-uniformly",
                 unit="Hz", low=1.0, high=1e6)


@dataclass(frozen=True, kw_only=True)
class _CutoffFilter(_Filter):
    btype: ClassVar[str]
    cutoff_hz_range: tuple[float, float]  # declared by each subclass with `_cutoff`

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"cutoff_hz": _log_uniform(rng, self.cutoff_hz_range)}

    def apply_samples(self, samples, sample_rate, params):
        return butterworth(samples, sample_rate=sample_rate, kind=self.btype,
                           cutoff_hz=params["cutoff_hz"], order=self.order)


@register("audio.low_pass")
@dataclass(frozen=True, kw_only=True)
class LowPass(_CutoffFilter):
    """Butterworth low pass with a cutoff drawn (log-uniformly) from `cutoff_hz_range`
    (clamped below Nyquist)."""

    btype: ClassVar[str] = "lowpass"
    cutoff_hz_range: tuple[float, float] = _cutoff((2000.0, 7500.0))


@register("audio.high_pass")
@dataclass(frozen=True, kw_only=True)
class HighPass(_CutoffFilter):
    """Butterworth high pass with a cutoff drawn (log-uniformly) from `cutoff_hz_range`."""

    btype: ClassVar[str] = "highpass"
    cutoff_hz_range: tuple[float, float] = _cutoff((20.0, 400.0))


def _bandwidth(default: tuple[float, float]):
    return param(default, "[low, high] band width as a share of the centre frequency",
                 low=0.01, high=1.9)


@dataclass(frozen=True, kw_only=True)
class _BandFilter(_Filter):
    center_hz_range: tuple[float, float] = param(
        (200.0, 4000.0), "[low, high] centre of the band, drawn log-uniformly", unit="Hz",
        low=1.0, high=1e6)
    bandwidth_fraction_range: tuple[float, float] = _bandwidth((0.5, 1.0))

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"center_hz": _log_uniform(rng, self.center_hz_range),
                "bandwidth_fraction": uniform(rng, self.bandwidth_fraction_range)}

    def band(self, params) -> tuple[float, float]:
        half = params["center_hz"] * params["bandwidth_fraction"] / 2.0
        return params["center_hz"] - half, params["center_hz"] + half


@register("audio.band_pass")
@dataclass(frozen=True, kw_only=True)
class BandPass(_BandFilter):
    """Butterworth band pass around a centre frequency; the band edges
    centre * (1 -/+ bandwidth_fraction / 2) are its -3 dB points."""

    def apply_samples(self, samples, sample_rate, params):
        return butterworth(samples, sample_rate=sample_rate, kind="bandpass",
                           cutoff_hz=self.band(params), order=self.order)


@register("audio.frequency_mask")
@dataclass(frozen=True, kw_only=True)
class FrequencyMask(_BandFilter):
    """SpecAugment-style frequency masking on the waveform: a band-stop filter removes one
    band (its edges centre * (1 -/+ bandwidth_fraction / 2) are the -3 dB points)."""

    bandwidth_fraction_range: tuple[float, float] = _bandwidth((0.1, 0.4))

    def apply_samples(self, samples, sample_rate, params):
        return butterworth(samples, sample_rate=sample_rate, kind="bandstop",
                           cutoff_hz=self.band(params), order=self.order)
