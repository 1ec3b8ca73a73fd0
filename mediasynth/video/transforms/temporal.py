"""Temporal transforms of a clip.

A `Video` is a description of a clip, never its frames, so these transforms work on the
description: `apply` appends an edit to `video.meta["edits"]` and updates duration, frame
rate and frame count. The video renderer compiles the edits into one FFmpeg filtergraph
(trim, speed, frame rate, fades, small reverses) and, on the frame path, into Python steps
(frame drop/duplicate, reverse through a disk buffer). Audio gets the same edits on the
video's time base (its start offset included), so it stays in sync: cuts fall on frame
boundaries for both streams.

Each transform also says which frames it keeps: `frame_map(edit, n_frames_in, fps_in)` is
the source frame (of its own input) shown by every output frame, exactly as the renderer
plays the edit on both paths (measured in tests/video/test_frame_maps.py), and
`fps_after(edit, fps_in)` the frame rate it leaves. Annotations (tracks) and the frame
path's Python steps are driven by these maps, so a new temporal transform is one class:
`edit`, `retime`, `frame_map` (and `fps_after` when it changes the rate).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mediasynth.core.media import MediaKind, Video
from mediasynth.core.registry import register
from mediasynth.core.transform import Transform, check_range, check_value, seed_param, uniform

# edit op -> the TemporalTransform class that makes it (filled by __init_subclass__)
EDIT_CLASSES: dict[str, type] = {}


def frames_rounded(values: np.ndarray) -> np.ndarray:
    """Times in output frames rounded to the nearest frame, halves up: FFmpeg's fps filter
    (AV_ROUND_NEAR_INF on non-negative times). The tiny bias makes exact halves that
    floating point lands just below still round up."""
    return np.floor(np.asarray(values, np.float64) + 0.5 + 1e-9).astype(np.int64)


def resampled_frames(n_frames_in: int, ratio: float) -> np.ndarray:
    """Frame map of FFmpeg's fps filter for input frame i at output time i * ratio (in
    output frames): output k shows the last input whose rounded time is <= k; the clip
    ends at the rounded end time of the input (n_frames_in * ratio)."""
    n_out = int(frames_rounded(n_frames_in * ratio))
    shown = frames_rounded(np.arange(n_frames_in) * ratio)
    return np.maximum(np.searchsorted(shown, np.arange(n_out), side="right") - 1, 0)


def stutter_repeats(seed: int, drop_probability: float):
    """Endless flags, one a frame: True when that frame is replaced by the last one kept
    (the first frame is always kept). The frame path and `DropDuplicate.frame_map` both
    read these, so they agree frame for frame."""
    rng = np.random.default_rng(seed)
    yield False
    while True:
        yield bool(rng.random() < drop_probability)


@dataclass(frozen=True, kw_only=True)
class TemporalTransform(Transform):
    """Base of temporal transforms; subclasses set `op` (the edit they append)."""

    kind: ClassVar[MediaKind] = MediaKind.VIDEO
    op: ClassVar[str] = ""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        if cls.__dict__.get("op"):
            EDIT_CLASSES[cls.op] = cls

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

    @staticmethod
    def frame_map(edit: dict, n_frames_in: int, fps_in: float) -> np.ndarray:
        """int64 array, one entry per output frame: the input frame (0-based) it shows."""
        raise NotImplementedError

    @staticmethod
    def fps_after(edit: dict, fps_in: float) -> float:
        """The frame rate after the edit."""
        return fps_in


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

    op: ClassVar[str] = "trim"
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

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        start = edit["start_frame"]
        return np.arange(start, min(start + edit["frames"], n_frames_in), dtype=np.int64)


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

    op: ClassVar[str] = "speed"
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

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        # the numbers graph.video_edit_filters writes: setpts=PTS/factor, fps=fps
        factor, fps = float(f"{edit['factor']:.6f}"), float(f"{edit['fps']:.6f}")
        return resampled_frames(n_frames_in, fps / (fps_in * factor))


@register("video.frame_rate")
@dataclass(frozen=True, kw_only=True)
class FrameRate(TemporalTransform):
    """Resample to a frame rate drawn from `fps_range` (frames dropped or repeated;
    duration kept).

    Fields:
        fps_range: [low, high] output frames per second.
        p: probability of applying.
    """

    op: ClassVar[str] = "fps"
    fps_range: tuple[float, float] = (24.0, 30.0)

    def validate(self) -> None:
        check_range(self, "fps_range", low=1.0, high=240.0)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"fps": round(uniform(rng, self.fps_range), 3)}

    def edit(self, video, params):
        return {"op": "fps", "fps": params["fps"]}

    def retime(self, video, edit):
        return video.duration_s, edit["fps"]

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        return resampled_frames(n_frames_in, edit["fps"] / fps_in)

    @staticmethod
    def fps_after(edit, fps_in):
        return float(edit["fps"])


@register("video.drop_duplicate")
@dataclass(frozen=True, kw_only=True)
class DropDuplicate(TemporalTransform):
    """Stutter: each frame is replaced by its predecessor with probability
    `drop_probability` (a dropped frame shown as a duplicate); length and sync are kept.

    Fields:
        drop_probability_range: [low, high] share of frames dropped.
        p: probability of applying.
    """

    op: ClassVar[str] = "drop_duplicate"
    drop_probability_range: tuple[float, float] = (0.02, 0.1)

    def validate(self) -> None:
        check_range(self, "drop_probability_range", low=0.0, high=0.9)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {"drop_probability": uniform(rng, self.drop_probability_range),
                "noise_seed": seed_param(rng)}

    def edit(self, video, params):
        return {"op": "drop_duplicate", "drop_probability": params["drop_probability"],
                "seed": params["noise_seed"]}

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        flags = stutter_repeats(edit["seed"], edit["drop_probability"])
        shown, last = np.empty(n_frames_in, np.int64), 0
        for i, repeat in zip(range(n_frames_in), flags):
            last = last if repeat else i
            shown[i] = last
        return shown


@register("video.reverse")
@dataclass(frozen=True, kw_only=True)
class Reverse(TemporalTransform):
    """Play backwards, audio too. Memory stays bounded: frames are buffered on disk in the
    output folder (at most `max_buffer_bytes`; longer clips fail with a clear reason).

    Fields:
        max_buffer_bytes: largest raw-frame buffer allowed on disk.
        p: probability of applying.
    """

    op: ClassVar[str] = "reverse"
    max_buffer_bytes: int = 8 * 1024**3

    def validate(self) -> None:
        check_value(self, "max_buffer_bytes", low=1, high=2**50)

    def edit(self, video, params):
        return {"op": "reverse", "max_buffer_bytes": self.max_buffer_bytes}

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        return np.arange(n_frames_in - 1, -1, -1, dtype=np.int64)


@register("video.fade")
@dataclass(frozen=True, kw_only=True)
class Fade(TemporalTransform):
    """Fade in from black and out to black (audio fades with it).

    Fields:
        fade_in_s_range: [low, high] fade-in length in seconds.
        fade_out_s_range: [low, high] fade-out length in seconds.
        p: probability of applying.
    """

    op: ClassVar[str] = "fade"
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

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        return np.arange(n_frames_in, dtype=np.int64)  # frames darken, none moves

