"""Pitch shift, time stretch and speed change.

Pitch shift and time stretch share the fuse group "stretch": consecutive ones in a chain are
done in ONE Signalsmith time-stretch pass plus one soxr resampling by the total pitch ratio
(see functional/stretch.py), which is faster and better-sounding than one pass per step.
Pitch is exact (< 0.01 cent measured at -12..+12 st, 16-48 kHz).

Time maps: a stretch by `rate` puts input time t at t / rate (the phase vocoder is centred:
a tone burst's half-amplitude edges land within 1 ms of t / rate), pitch shift leaves time
alone, speed puts t at t / factor; lengths are rounded exactly as the kernels round them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from mediasynth.audio.functional import stretch as S
from mediasynth.audio.retime import TimeMap
from mediasynth.audio.transforms.base import AudioTransform, _finite
from mediasynth.core.params import param
from mediasynth.core.registry import register


class _StretchGroup(AudioTransform):
    fuse_group: ClassVar[str | None] = "stretch"

    def semitones_and_rate(self, params: dict[str, Any]) -> tuple[float, float]:
        raise NotImplementedError

    def apply_samples(self, samples, sample_rate, params):
        semitones, rate = self.semitones_and_rate(params)
        return S.stretch(samples, sample_rate=sample_rate, semitones=semitones, rate=rate)

    @classmethod
    def apply_fused(cls, media, steps, records):
        semitones, rate = 0.0, 1.0
        for step, record in zip(steps, records):
            if record.applied:
                s, r = step.semitones_and_rate(record.params)
                semitones += s
                rate *= r
        out = S.stretch(media.samples, sample_rate=media.sample_rate, semitones=semitones,
                        rate=rate)
        return media.replace(samples=_finite(out))

    def time_map(self, params, frames, sample_rate):
        return _stretch_map(self.semitones_and_rate(params)[1], frames, sample_rate)

    @classmethod
    def time_maps_fused(cls, steps, records, frames, sample_rate):
        """One map for the group's one pass: the product of the applied steps' rates."""
        rate = 1.0
        for step, record in zip(steps, records):
            if record.applied:
                rate *= step.semitones_and_rate(record.params)[1]
        return [_stretch_map(rate, frames, sample_rate)]


def _stretch_map(rate: float, frames: int, sample_rate: int) -> TimeMap:
    """t -> t / rate, length round(frames / rate) (as S.stretch makes it)."""
    return TimeMap.scaled(frames, sample_rate, slope=1.0 / float(rate),
                          frames_out=int(round(frames / float(rate))))


@register("audio.pitch_shift")
@dataclass(frozen=True, kw_only=True)
class PitchShift(_StretchGroup):
    """Shift pitch by a number of semitones (every frequency x 2^(semitones/12), exact to
    < 0.01 cent); duration is kept to the frame."""

    semitones_range: tuple[float, float] = param((-2.0, 2.0), "[low, high] shift",
                                                 unit="semitones", low=-24, high=24)

    def semitones_and_rate(self, params):
        return params["semitones"], 1.0


@register("audio.time_stretch")
@dataclass(frozen=True, kw_only=True)
class TimeStretch(_StretchGroup):
    """Play `rate` times faster with the pitch kept: duration becomes duration / rate."""

    rate_range: tuple[float, float] = param(
        (0.9, 1.1), "[low, high] tempo factor (> 1 is faster and shorter)", low=0.1, high=10.0)

    def semitones_and_rate(self, params):
        return 0.0, params["rate"]


@register("audio.speed")
@dataclass(frozen=True, kw_only=True)
class Speed(AudioTransform):
    """Tape-style speed change: pitch and tempo change together by `factor` (soxr
    resampling); the sample rate is kept."""

    factor_range: tuple[float, float] = param(
        (0.9, 1.1), "[low, high] speed factor (> 1 is faster, shorter and higher)", low=0.1,
        high=10.0)

    def apply_samples(self, samples, sample_rate, params):
        return S.change_speed(samples, sample_rate=sample_rate, factor=params["factor"])

    def time_map(self, params, frames, sample_rate):
        factor = float(params["factor"])
        return TimeMap.scaled(frames, sample_rate, slope=1.0 / factor, frames_out=(
            S.resampled_frames(frames, from_hz=sample_rate * factor, to_hz=sample_rate)))
