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
from mediasynth.core.registry import register
from mediasynth.core.transform import check_range, check_value, uniform


def _log_uniform(rng, bounds: tuple[float, float]) -> float:
    """Frequencies are drawn uniformly on a log scale (equal odds per octave)."""
    lo, hi = math.log(bounds[0]), math.log(bounds[1])
    return math.exp(uniform(rng, (lo, hi)))


@dataclass(frozen=True, kw_only=True)
class _Filter(AudioTransform):
    order: int = 4

    def validate(self) -> None:
        check_value(self, "order", low=1, high=12)


@dataclass(frozen=True, kw_only=True)
class _CutoffFilter(_Filter):
    btype: ClassVar[str]
    cutoff_hz_range: tuple[float, float]

    def validate(self) -> None:
        super().validate()
        check_range(self, "cutoff_hz_range", low=1.0, high=1e6)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"cutoff_hz": _log_uniform(rng, self.cutoff_hz_range)}

    def apply_samples(self, samples, sample_rate, params):
        return butterworth(samples, sample_rate=sample_rate, kind=self.btype,
                           cutoff_hz=params["cutoff_hz"], order=self.order)


@register("audio.low_pass")
@dataclass(frozen=True, kw_only=True)
class LowPass(_CutoffFilter):
    """Butterworth low pass with a cutoff drawn (log-uniformly) from `cutoff_hz_range`.

    Fields:
        cutoff_hz_range: [low, high] cutoff in Hz, the -3 dB point of the zero-phase response
            (clamped below Nyquist).
        order: Butterworth order per pass; applied forwards and backwards (zero phase), so
            the slope is 12 * order dB/octave.
        p: probability of applying.
    """

    btype: ClassVar[str] = "lowpass"
    cutoff_hz_range: tuple[float, float] = (2000.0, 7500.0)


@register("audio.high_pass")
@dataclass(frozen=True, kw_only=True)
class HighPass(_CutoffFilter):
    """Butterworth high pass with a cutoff drawn (log-uniformly) from `cutoff_hz_range`.

    Fields:
        cutoff_hz_range: [low, high] cutoff in Hz, the -3 dB point of the zero-phase response.
        order: Butterworth order per pass (zero phase: 12 * order dB/octave).
        p: probability of applying.
    """

    btype: ClassVar[str] = "highpass"
    cutoff_hz_range: tuple[float, float] = (20.0, 400.0)


@dataclass(frozen=True, kw_only=True)
class _BandFilter(_Filter):
    center_hz_range: tuple[float, float] = (200.0, 4000.0)
    bandwidth_fraction_range: tuple[float, float] = (0.5, 1.0)

    def validate(self) -> None:
        super().validate()
        check_range(self, "center_hz_range", low=1.0, high=1e6)
        check_range(self, "bandwidth_fraction_range", low=0.01, high=1.9)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"center_hz": _log_uniform(rng, self.center_hz_range),
                "bandwidth_fraction": uniform(rng, self.bandwidth_fraction_range)}

    def band(self, params) -> tuple[float, float]:
        half = params["center_hz"] * params["bandwidth_fraction"] / 2.0
        return params["center_hz"] - half, params["center_hz"] + half


@register("audio.band_pass")
@dataclass(frozen=True, kw_only=True)
class BandPass(_BandFilter):
    """Butterworth band pass around a centre frequency.

    Fields:
        center_hz_range: [low, high] centre frequency in Hz (drawn log-uniformly).
        bandwidth_fraction_range: [low, high] band width as a share of the centre frequency;
            the edges centre * (1 -/+ fraction / 2) are the -3 dB points.
        order: Butterworth order per pass (zero phase).
        p: probability of applying.
    """

    def apply_samples(self, samples, sample_rate, params):
        return butterworth(samples, sample_rate=sample_rate, kind="bandpass",
                           cutoff_hz=self.band(params), order=self.order)


@register("audio.frequency_mask")
@dataclass(frozen=True, kw_only=True)
class FrequencyMask(_BandFilter):
    """SpecAugment-style frequency masking on the waveform: a band-stop filter removes one
    band.

    Fields:
        center_hz_range: [low, high] centre of the removed band in Hz (drawn log-uniformly).
        bandwidth_fraction_range: [low, high] band width as a share of the centre frequency;
            the edges centre * (1 -/+ fraction / 2) are the -3 dB points.
        order: Butterworth order per pass (zero phase).
        p: probability of applying.
    """

    bandwidth_fraction_range: tuple[float, float] = (0.1, 0.4)

    def apply_samples(self, samples, sample_rate, params):
        return butterworth(samples, sample_rate=sample_rate, kind="bandstop",
                           cutoff_hz=self.band(params), order=self.order)
