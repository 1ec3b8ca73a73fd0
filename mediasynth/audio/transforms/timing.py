"""Time-axis transforms: shift, reverse, crop, pad, trim, time mask; each declares its
time map (audio/retime.py) beside its kernel, from the same frame arithmetic."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediasynth.audio.functional import timing as T
from mediasynth.audio.retime import Piece, TimeMap
from mediasynth.audio.transforms.base import AudioTransform
from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import uniform


@register("audio.shift")
@dataclass(frozen=True, kw_only=True)
class Shift(AudioTransform):
    """Move the audio in time by a share of its length; wrap around or pad with silence.
    Events move with it; with `rollover` an event crossing the end is split in two (its
    head stays at the end, its tail starts at 0), without it the part pushed out is cut."""

    shift_fraction_range: tuple[float, float] = param(
        (-0.5, 0.5), "[low, high] shift as a share of the length (negative = earlier)",
        low=-1.0, high=1.0)
    rollover: bool = param(True, "wrap what falls off one end onto the other (else fill with "
                           "silence)", checked=False)

    def apply_samples(self, samples, sample_rate, params):
        frames = _shift_frames(params, samples.shape[1])
        return T.shift(samples, frames=frames, rollover=self.rollover)

    def time_map(self, params, frames, sample_rate):
        shift, sr = _shift_frames(params, frames), sample_rate
        if self.rollover:  # np.roll: frame i goes to (i + shift) mod frames
            k = shift % frames if frames else 0
            return TimeMap((Piece(0.0, (frames - k) / sr, k / sr),
                            Piece((frames - k) / sr, frames / sr, 0.0)), frames)
        if shift >= 0:
            return TimeMap((Piece(0.0, max(frames - shift, 0) / sr, shift / sr),), frames)
        return TimeMap((Piece(min(-shift, frames) / sr, frames / sr, 0.0),), frames)


def _shift_frames(params, frames: int) -> int:
    """Frames to move later (negative: earlier)."""
    return int(round(params["shift_fraction"] * frames))


@register("audio.reverse")
@dataclass(frozen=True, kw_only=True)
class Reverse(AudioTransform):
    """Play backwards; an event [onset, offset] becomes [T - offset, T - onset]."""

    def apply_samples(self, samples, sample_rate, params):
        return T.reverse(samples)

    def time_map(self, params, frames, sample_rate):
        end_s = frames / sample_rate
        return TimeMap((Piece(0.0, end_s, end_s, -1.0),), frames)


@register("audio.crop")
@dataclass(frozen=True, kw_only=True)
class Crop(AudioTransform):
    """Cut a random excerpt of `duration_s` seconds; shorter clips are left as they are.
    Events are moved by the excerpt's start and clipped to it; those outside are dropped."""

    duration_s: float = param(1.0, "length of the excerpt", unit="s", low=1e-3, high=1e6)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"start_fraction": float(rng.random())}

    def apply_samples(self, samples, sample_rate, params):
        window = self._window(params, samples.shape[1], sample_rate)
        if window is None:
            return samples.copy()
        return T.crop(samples, start_frame=window[0], length_frames=window[1])

    def time_map(self, params, frames, sample_rate):
        window = self._window(params, frames, sample_rate)
        if window is None:
            return TimeMap.identity(frames, sample_rate)
        return TimeMap.window(*window, sample_rate)

    def _window(self, params, frames: int, sample_rate: int) -> tuple[int, int] | None:
        """(start frame, length in frames) of the excerpt; None when the clip is not
        longer than it."""
        length = int(round(self.duration_s * sample_rate))
        spare = frames - length
        if spare <= 0:
            return None
        return min(int(params["start_fraction"] * (spare + 1)), spare), length


@register("audio.pad")
@dataclass(frozen=True, kw_only=True)
class Pad(AudioTransform):
    """Pad with silence up to `duration_s` seconds; longer clips are left as they are.
    Events move later by the silence put before the audio."""

    duration_s: float = param(1.0, "target length", unit="s", low=1e-3, high=1e6)
    position: str = param("start", "where the audio sits",
                          choices=("start", "end", "center", "random"))

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"offset_fraction": float(rng.random())}

    def apply_samples(self, samples, sample_rate, params):
        before, after = self._padding(params, samples.shape[1], sample_rate)
        if before + after == 0:
            return samples.copy()
        return T.pad(samples, before_frames=before, after_frames=after)

    def time_map(self, params, frames, sample_rate):
        before, after = self._padding(params, frames, sample_rate)
        return TimeMap((Piece(0.0, frames / sample_rate, before / sample_rate),),
                       frames + before + after)

    def _padding(self, params, frames: int, sample_rate: int) -> tuple[int, int]:
        """(frames of silence before, after); (0, 0) when the clip is long enough."""
        missing = int(round(self.duration_s * sample_rate)) - frames
        if missing <= 0:
            return 0, 0
        before = {"start": 0, "end": missing, "center": missing // 2,
                  "random": int(params["offset_fraction"] * (missing + 1))}[self.position]
        before = min(before, missing)
        return before, missing - before


@register("audio.trim")
@dataclass(frozen=True, kw_only=True)
class Trim(AudioTransform):
    """Cut leading and trailing silence: keep from the first to the last sample within
    `top_db` of the peak (any channel), plus `margin_s` of what was around it. The cut is
    measured on the audio the step receives and recorded (start and length in frames), so a
    replay cuts the same. Events move by the cut start; events in the cut silence are
    dropped."""

    top_db: float = param(40.0, "how far below the peak counts as silence", unit="dB",
                          low=1.0, high=200.0)
    margin_s: float = param(0.0, "audio kept before the first and after the last loud sample",
                            unit="s", low=0.0, high=1e6)

    def get_params(self, rng, media) -> dict[str, Any]:
        first, stop = T.loud_span(media.samples, top_db=self.top_db)
        margin = int(round(self.margin_s * media.sample_rate))
        start, stop = max(0, first - margin), min(media.frames, stop + margin)
        return {"start_frame": start, "length_frames": stop - start}

    def apply_samples(self, samples, sample_rate, params):
        return T.crop(samples, start_frame=params["start_frame"],
                      length_frames=params["length_frames"])

    def time_map(self, params, frames, sample_rate):
        return TimeMap.window(params["start_frame"], params["length_frames"], sample_rate)


@register("audio.time_mask")
@dataclass(frozen=True, kw_only=True)
class TimeMask(AudioTransform):
    """SpecAugment-style time masking on the waveform: silence one segment (with 5 ms fades).
    Time does not move: events keep their times even where they are masked (a masked
    stretch is part of the augmentation, not the end of the event)."""

    duration_fraction_range: tuple[float, float] = param(
        (0.0, 0.15), "[low, high] masked length as a share of the clip", low=0.0, high=1.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        length = uniform(rng, self.duration_fraction_range)
        return {"length_fraction": length, "start_fraction": uniform(rng, (0.0, 1.0 - length))}

    def apply_samples(self, samples, sample_rate, params):
        n = samples.shape[1]
        return T.time_mask(samples, start_frame=int(params["start_fraction"] * n),
                           length_frames=int(params["length_fraction"] * n),
                           fade_frames=int(0.005 * sample_rate))
