"""Temporal transforms of a clip.

A `Video` is a description of a clip, never its frames, so these transforms work on the
description: `apply` appends an edit to `video.meta["edits"]` and updates duration, frame
rate and frame count. The video renderer compiles the edits into one FFmpeg filtergraph
(trim, speed, frame rate, fades, small reverses) and, on the frame path, into Python steps
(frame drop/duplicate, reverse through a disk buffer). Audio gets the same edits on the
video's time base (its start offset included), so it stays in sync: cuts fall on frame
boundaries for both streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

from mediasynth.core.media import MediaKind, Video
from mediasynth.core.registry import register
from mediasynth.core.transform import Transform, check_range, check_value, seed_param, uniform


@dataclass(frozen=True, kw_only=True)
class TemporalTransform(Transform):
    kind: ClassVar[MediaKind] = MediaKind.VIDEO

    def apply(self, media: Video, params: dict[str, Any]) -> Video:
        edit = self.edit(media, params)
        if edit is None:
            return media
        edits = [*media.meta.get("edits", []), edit]
        duration, fps = self.retime(media, edit)
        return media.replace(meta={**media.meta, "edits": edits}, duration_s=duration, fps=fps,
                             frame_count=max(1, int(round(duration * fps))))

    def edit(self, video: Video, params: dict[str, Any]) -> dict | None:
        raise NotImplementedError

    def retime(self, video: Video, edit: dict) -> tuple[float, float]:
        return video.duration_s, video.fps


@register("video.trim")
@dataclass(frozen=True, kw_only=True)
class Trim(TemporalTransform):
    """Keep a random excerpt of `duration_s` seconds (clips that are shorter are kept whole).
    The excerpt is whole frames (its start and length rounded to the frame grid), and the
    audio is cut on the same boundaries.

    Fields:
        duration_s: length of the excerpt in seconds.
        p: probability of applying.
    """

    duration_s: float = 2.0

    def validate(self) -> None:
        check_value(self, "duration_s", low=0.04, high=1e6)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"start_fraction": float(rng.random())}

    def edit(self, video, params):
        if video.duration_s <= self.duration_s:
            return None
        frames = max(1, int(round(self.duration_s * video.fps)))
        spare = max(0, video.frame_count - frames)
        start = min(spare, int(round(params["start_fraction"] * spare)))
        return {"op": "trim", "start_frame": start, "frames": frames, "fps": video.fps,
                "start_s": round(start / video.fps, 6),
                "duration_s": round(frames / video.fps, 6)}

    def retime(self, video, edit):
        return edit["frames"] / video.fps, video.fps


@register("video.speed")
@dataclass(frozen=True, kw_only=True)
class Speed(TemporalTransform):
    """Play faster or slower; the frame rate is kept (frames dropped or repeated) and the
    audio is retimed with it, its pitch kept unless `keep_pitch` is false.

    Fields:
        factor_range: [low, high] speed factor (> 1 is faster and shorter).
        keep_pitch: time-stretch the audio (Signalsmith Stretch) instead of resampling it.
        p: probability of applying.
    """

    factor_range: tuple[float, float] = (0.9, 1.1)
    keep_pitch: bool = True

    def validate(self) -> None:
        check_range(self, "factor_range", low=0.25, high=4.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"factor": uniform(rng, self.factor_range)}

    def edit(self, video, params):
        return {"op": "speed", "factor": params["factor"], "keep_pitch": self.keep_pitch,
                "fps": video.fps}

    def retime(self, video, edit):
        return video.duration_s / edit["factor"], video.fps


@register("video.frame_rate")
@dataclass(frozen=True, kw_only=True)
class FrameRate(TemporalTransform):
    """Resample to a frame rate drawn from `fps_range` (frames dropped or repeated;
    duration kept).

    Fields:
        fps_range: [low, high] output frames per second.
        p: probability of applying.
    """

    fps_range: tuple[float, float] = (24.0, 30.0)

    def validate(self) -> None:
        check_range(self, "fps_range", low=1.0, high=240.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"fps": round(uniform(rng, self.fps_range), 3)}

    def edit(self, video, params):
        return {"op": "fps", "fps": params["fps"]}

    def retime(self, video, edit):
        return video.duration_s, edit["fps"]


@register("video.drop_duplicate")
@dataclass(frozen=True, kw_only=True)
class DropDuplicate(TemporalTransform):
    """Stutter: each frame is replaced by its predecessor with probability
    `drop_probability` (a dropped frame shown as a duplicate); length and sync are kept.

    Fields:
        drop_probability_range: [low, high] share of frames dropped.
        p: probability of applying.
    """

    drop_probability_range: tuple[float, float] = (0.02, 0.1)

    def validate(self) -> None:
        check_range(self, "drop_probability_range", low=0.0, high=0.9)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"drop_probability": uniform(rng, self.drop_probability_range),
                "noise_seed": seed_param(rng)}

    def edit(self, video, params):
        return {"op": "drop_duplicate", "drop_probability": params["drop_probability"],
                "seed": params["noise_seed"]}


@register("video.reverse")
@dataclass(frozen=True, kw_only=True)
class Reverse(TemporalTransform):
    """Play backwards, audio too. Memory stays bounded: frames are buffered on disk in the
    output folder (at most `max_buffer_bytes`; longer clips fail with a clear reason).

    Fields:
        max_buffer_bytes: largest raw-frame buffer allowed on disk.
        p: probability of applying.
    """

    max_buffer_bytes: int = 8 * 1024**3

    def validate(self) -> None:
        check_value(self, "max_buffer_bytes", low=1, high=2**50)

    def edit(self, video, params):
        return {"op": "reverse", "max_buffer_bytes": self.max_buffer_bytes}


@register("video.fade")
@dataclass(frozen=True, kw_only=True)
class Fade(TemporalTransform):
    """Fade in from black and out to black (audio fades with it).

    Fields:
        fade_in_s_range: [low, high] fade-in length in seconds.
        fade_out_s_range: [low, high] fade-out length in seconds.
        p: probability of applying.
    """

    fade_in_s_range: tuple[float, float] = (0.0, 0.5)
    fade_out_s_range: tuple[float, float] = (0.0, 0.5)

    def validate(self) -> None:
        check_range(self, "fade_in_s_range", low=0.0, high=3600.0)
        check_range(self, "fade_out_s_range", low=0.0, high=3600.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"fade_in_s": uniform(rng, self.fade_in_s_range),
                "fade_out_s": uniform(rng, self.fade_out_s_range)}

    def edit(self, video, params):
        half = video.duration_s / 2
        return {"op": "fade", "in_s": round(min(params["fade_in_s"], half), 6),
                "out_s": round(min(params["fade_out_s"], half), 6)}

