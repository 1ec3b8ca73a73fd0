"""Temporal transforms of a clip.

A `Video` is a description of a clip, never its frames, so these transforms work on the
description: `apply` appends an edit (a JSON-safe dict whose "op" names the class that made
it, EDIT_CLASSES) to `video.meta["edits"]` and updates duration, frame rate and frame count.
The class also says how its edits are played, so a new temporal transform is one class:
`edit`, `retime`, `frame_map(edit, n_frames_in, fps_in)` (the source frame, of its own
input, shown by every output frame, exactly as the renderer plays the edit on both paths:
measured in tests/video/test_frame_maps.py; annotations and the frame path's Python steps
follow these maps), `fps_after` when it changes the rate, and the renderer's hooks (see
TemporalTransform): FFmpeg filters for the video, the audio and the clip's end, Python
playing of frames and samples. The renderer compiles the edits into one FFmpeg filtergraph
and, on the frame path, into Python steps from the first edit Python plays on. Audio gets
the same edits on the video's time base (its start offset included), so it stays in sync:
cuts fall on frame boundaries for both streams.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import accumulate
from typing import Any, ClassVar

import numpy as np

from mediasynth.core.media import MediaKind, Video
from mediasynth.core.params import param
from mediasynth.core.registry import register
from mediasynth.core.transform import Transform, seed_param, uniform

# edit op -> the TemporalTransform class that makes it (filled by __init_subclass__)
EDIT_CLASSES: dict[str, type] = {}
FUSED_REVERSE_LIMIT_BYTES = 256 * 1024**2  # the reverse filter holds every frame in memory


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
    """Base of temporal transforms; subclasses set `op` (the edit they append). The hooks'
    defaults: an edit only Python plays (frame path only) that leaves the audio alone."""

    kind: ClassVar[MediaKind] = MediaKind.VIDEO
    op: ClassVar[str] = ""
    # the frame path plays it (and every later edit) in Python even though FFmpeg can
    python_on_frame_path: ClassVar[bool] = False
    # played by `end_filters` after the frame chain (its frame map is the identity)
    at_end: ClassVar[bool] = False
    # audio cut or untouched: FFmpeg plays it while decoding for the Python audio route
    audio_cut_only: ClassVar[bool] = True

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

    @staticmethod
    def video_filters(edit: dict) -> list[str] | None:
        """FFmpeg filters playing the edit as `frame_map` says; None: only Python can."""
        return None

    @classmethod
    def fusable(cls, edit: dict, width: int, height: int, frames: int) -> bool:
        """True when the fused path may play the edit in a clip of `frames` frames that size."""
        return cls.video_filters(edit) is not None

    @staticmethod
    def stream_frames(edit: dict, frames: Iterator) -> Iterator | None:
        """Python playing of the edit on a stream of unknown length; None: by its frame map."""
        return None

    @staticmethod
    def audio_filters(edit: dict, sample_rate: int) -> list[str] | None:
        """FFmpeg filters playing the edit on the soundtrack; None: Python only (`play_audio`)."""
        return []

    @staticmethod
    def play_audio(edit: dict, samples: np.ndarray, sample_rate: int) -> np.ndarray:
        """The edit on (channels, n) samples (Python audio route), as `audio_filters` plays it."""
        return samples

    @staticmethod
    def audio_extent(edit: dict) -> tuple[float, float]:
        """(longest soundtrack after the edit in s, its speed factor): bounds the memory used."""
        return math.inf, 1.0

    @staticmethod
    def end_filters(edit: dict, duration_s: float) -> tuple[list[str], list[str]]:
        """(video, audio) filters of an `at_end` edit on the finished clip."""
        return [], []


@register("video.trim")
@dataclass(frozen=True, kw_only=True)
class Trim(TemporalTransform):
    """Keep a random excerpt of `duration_s` seconds (clips that are shorter are kept whole).
    The excerpt is whole frames (its start and length rounded to the frame grid), and the
    audio is cut on the same boundaries."""

    op: ClassVar[str] = "trim"
    duration_s: float = param(2.0, "length of the excerpt", unit="s", low=0.04, high=1e6)

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

    @staticmethod
    def video_filters(edit):
        end = edit["start_frame"] + edit["frames"]
        return [f"trim=start_frame={edit['start_frame']}:end_frame={end},setpts=PTS-STARTPTS"]

    @staticmethod
    def sample_span(edit: dict, sample_rate: int) -> tuple[int, int]:
        """[first, end) sample of the trim: the frame boundaries the video is cut on."""
        fps = edit["fps"]
        first = int(round(edit["start_frame"] * sample_rate / fps))
        return first, int(round((edit["start_frame"] + edit["frames"]) * sample_rate / fps))

    @staticmethod
    def audio_filters(edit, sample_rate):
        first, end = Trim.sample_span(edit, sample_rate)
        return [f"atrim=start_sample={first}:end_sample={end},asetpts=PTS-STARTPTS"]

    @staticmethod
    def play_audio(edit, samples, sample_rate):
        first, end = Trim.sample_span(edit, sample_rate)
        return samples[:, first:end]

    @staticmethod
    def audio_extent(edit):
        return edit["duration_s"], 1.0


@register("video.speed")
@dataclass(frozen=True, kw_only=True)
class Speed(TemporalTransform):
    """Play faster or slower; the frame rate is kept (frames dropped or repeated) and the
    audio is retimed with it, its pitch kept unless `keep_pitch` is false."""

    op: ClassVar[str] = "speed"
    audio_cut_only: ClassVar[bool] = False
    factor_range: tuple[float, float] = param((0.9, 1.1), "[low, high] speed factor (> 1 is "
                                              "faster and shorter)", low=0.25, high=4.0)
    keep_pitch: bool = param(True, "time-stretch the audio (Signalsmith Stretch) instead of "
                             "resampling it", checked=False)

    def edit(self, video, params):
        return {"op": "speed", "factor": params["factor"], "keep_pitch": self.keep_pitch,
                "fps": video.fps}

    def retime(self, video, edit):
        return video.duration_s / edit["factor"], video.fps

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        # the numbers video_filters writes
        factor, fps = float(f"{edit['factor']:.6f}"), float(f"{edit['fps']:.6f}")
        return resampled_frames(n_frames_in, fps / (fps_in * factor))

    @staticmethod
    def video_filters(edit):
        return [f"setpts=PTS/{edit['factor']:.6f},fps={edit['fps']:.6f}"]

    @staticmethod
    def audio_filters(edit, sample_rate):
        if edit["keep_pitch"] and edit["factor"] != 1.0:
            return None  # atempo moves onsets by up to ~60 ms, Signalsmith Stretch < 1 ms
        return [f"asetrate={sample_rate * edit['factor']:.3f},aresample={sample_rate}"]

    @staticmethod
    def play_audio(edit, samples, sample_rate):
        from mediasynth.audio.functional.stretch import change_speed, stretch

        if edit["keep_pitch"]:
            return stretch(samples, sample_rate=sample_rate, rate=edit["factor"])
        return change_speed(samples, sample_rate=sample_rate, factor=edit["factor"])

    @staticmethod
    def audio_extent(edit):
        return math.inf, edit["factor"]


@register("video.frame_rate")
@dataclass(frozen=True, kw_only=True)
class FrameRate(TemporalTransform):
    """Resample to a frame rate drawn from `fps_range` (frames dropped or repeated;
    duration kept)."""

    op: ClassVar[str] = "fps"
    fps_range: tuple[float, float] = param((24.0, 30.0), "[low, high] output frames per "
                                           "second", low=1.0, high=240.0)

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

    @staticmethod
    def video_filters(edit):
        return [f"fps={edit['fps']}"]


@register("video.drop_duplicate")
@dataclass(frozen=True, kw_only=True)
class DropDuplicate(TemporalTransform):
    """Stutter: each frame is replaced by its predecessor with probability
    `drop_probability` (a dropped frame shown as a duplicate); length and sync are kept.
    Frame path only."""

    op: ClassVar[str] = "drop_duplicate"
    drop_probability_range: tuple[float, float] = param((0.02, 0.1), "[low, high] share of "
                                                        "frames dropped", low=0.0, high=0.9)

    def get_params(self, rng, media) -> dict[str, Any]:
        return {**super().get_params(rng, media), "noise_seed": seed_param(rng)}

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

    @staticmethod
    def stream_frames(edit, frames):
        flags = stutter_repeats(edit["seed"], edit["drop_probability"])
        shown = accumulate(zip(frames, flags), lambda last, new: last if new[1] else new)
        return (frame for frame, _ in shown)


@register("video.reverse")
@dataclass(frozen=True, kw_only=True)
class Reverse(TemporalTransform):
    """Play backwards, audio too. Memory stays bounded: frames are buffered on disk in the
    output folder (at most `max_buffer_bytes`; longer clips fail with a clear reason)."""

    op: ClassVar[str] = "reverse"
    python_on_frame_path: ClassVar[bool] = True
    audio_cut_only: ClassVar[bool] = False
    max_buffer_bytes: int = param(8 * 1024**3, "largest raw-frame buffer allowed on disk",
                                  unit="bytes", low=1, high=2**50)

    def edit(self, video, params):
        return {"op": "reverse", "max_buffer_bytes": self.max_buffer_bytes}

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        return np.arange(n_frames_in - 1, -1, -1, dtype=np.int64)

    @staticmethod
    def video_filters(edit):
        return ["reverse"]

    @classmethod
    def fusable(cls, edit, width, height, frames):
        return width * height * 3 * frames <= FUSED_REVERSE_LIMIT_BYTES

    @staticmethod
    def audio_filters(edit, sample_rate):
        return ["areverse"]

    @staticmethod
    def play_audio(edit, samples, sample_rate):
        return samples[:, ::-1]


@register("video.fade")
@dataclass(frozen=True, kw_only=True)
class Fade(TemporalTransform):
    """Fade in from black and out to black (audio fades with it)."""

    op: ClassVar[str] = "fade"
    at_end: ClassVar[bool] = True
    fade_in_s_range: tuple[float, float] = param((0.0, 0.5), "[low, high] fade-in length",
                                                 unit="s", low=0.0, high=3600.0)
    fade_out_s_range: tuple[float, float] = param((0.0, 0.5), "[low, high] fade-out length",
                                                  unit="s", low=0.0, high=3600.0)

    def edit(self, video, params):
        half = video.duration_s / 2
        return {"op": "fade", "in_s": round(min(params["fade_in_s"], half), 6),
                "out_s": round(min(params["fade_out_s"], half), 6)}

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        return np.arange(n_frames_in, dtype=np.int64)  # frames darken, none moves

    @staticmethod
    def video_filters(edit):
        return []  # all in end_filters

    @staticmethod
    def end_filters(edit, duration_s):
        vf, af = [], []
        if edit["in_s"] > 0:
            vf.append(f"fade=t=in:st=0:d={edit['in_s']}")
            af.append(f"afade=t=in:st=0:d={edit['in_s']}")
        if edit["out_s"] > 0:
            start = max(0.0, duration_s - edit["out_s"])
            vf.append(f"fade=t=out:st={start:.6f}:d={edit['out_s']}")
            af.append(f"afade=t=out:st={start:.6f}:d={edit['out_s']}")
        return vf, af
