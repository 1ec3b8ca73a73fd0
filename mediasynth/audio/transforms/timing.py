"""Time-axis transforms: shift, reverse, crop, pad, time mask."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediasynth.audio.functional import timing as T
from mediasynth.audio.transforms.base import AudioTransform
from mediasynth.core.registry import register
from mediasynth.core.transform import check_choice, check_range, check_value, uniform


@register("audio.shift")
@dataclass(frozen=True, kw_only=True)
class Shift(AudioTransform):
    """Move the audio in time by a share of its length; wrap around or pad with silence.

    Fields:
        shift_fraction_range: [low, high] shift as a share of the length (negative = earlier).
        rollover: wrap what falls off one end onto the other (else fill with silence).
        p: probability of applying.
    """

    shift_fraction_range: tuple[float, float] = (-0.5, 0.5)
    rollover: bool = True

    def validate(self) -> None:
        check_range(self, "shift_fraction_range", low=-1.0, high=1.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"shift_fraction": uniform(rng, self.shift_fraction_range)}

    def apply_samples(self, samples, sample_rate, params):
        frames = int(round(params["shift_fraction"] * samples.shape[1]))
        return T.shift(samples, frames=frames, rollover=self.rollover)


@register("audio.reverse")
@dataclass(frozen=True, kw_only=True)
class Reverse(AudioTransform):
    """Play backwards.

    Fields:
        p: probability of applying.
    """

    def apply_samples(self, samples, sample_rate, params):
        return T.reverse(samples)


@register("audio.crop")
@dataclass(frozen=True, kw_only=True)
class Crop(AudioTransform):
    """Cut a random excerpt of `duration_s` seconds; shorter clips are left as they are.

    Fields:
        duration_s: length of the excerpt in seconds.
        p: probability of applying.
    """

    duration_s: float = 1.0

    def validate(self) -> None:
        check_value(self, "duration_s", low=1e-3, high=1e6)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"start_fraction": float(rng.random())}

    def apply_samples(self, samples, sample_rate, params):
        length = int(round(self.duration_s * sample_rate))
        spare = samples.shape[1] - length
        if spare <= 0:
            return samples.copy()
        start = int(params["start_fraction"] * (spare + 1))
        return T.crop(samples, start_frame=min(start, spare), length_frames=length)


@register("audio.pad")
@dataclass(frozen=True, kw_only=True)
class Pad(AudioTransform):
    """Pad with silence up to `duration_s` seconds; longer clips are left as they are.

    Fields:
        duration_s: target length in seconds.
        position: where the audio sits: start | end | center | random.
        p: probability of applying.
    """

    duration_s: float = 1.0
    position: str = "start"

    def validate(self) -> None:
        check_value(self, "duration_s", low=1e-3, high=1e6)
        check_choice(self, "position", ("start", "end", "center", "random"))

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"offset_fraction": float(rng.random())}

    def apply_samples(self, samples, sample_rate, params):
        missing = int(round(self.duration_s * sample_rate)) - samples.shape[1]
        if missing <= 0:
            return samples.copy()
        before = {"start": 0, "end": missing, "center": missing // 2,
                  "random": int(params["offset_fraction"] * (missing + 1))}[self.position]
        before = min(before, missing)
        return T.pad(samples, before_frames=before, after_frames=missing - before)


@register("audio.time_mask")
@dataclass(frozen=True, kw_only=True)
class TimeMask(AudioTransform):
    """SpecAugment-style time masking on the waveform: silence one segment (with 5 ms fades).

    Fields:
        duration_fraction_range: [low, high] masked length as a share of the clip.
        p: probability of applying.
    """

    duration_fraction_range: tuple[float, float] = (0.0, 0.15)

    def validate(self) -> None:
        check_range(self, "duration_fraction_range", low=0.0, high=1.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        length = uniform(rng, self.duration_fraction_range)
        return {"length_fraction": length, "start_fraction": uniform(rng, (0.0, 1.0 - length))}

    def apply_samples(self, samples, sample_rate, params):
        n = samples.shape[1]
        return T.time_mask(samples, start_frame=int(params["start_fraction"] * n),
                           length_frames=int(params["length_fraction"] * n),
                           fade_frames=int(0.005 * sample_rate))
