"""Clips for data loaders, made as `mediasynth expand` makes them: the same plan (temporal
edits, frame chain, audio chain drawn by `video.render.plan_clip` from the same generator,
or replayed from a record), the same decoder command and Python edits as the frame path,
the same soundtrack functions; nothing is encoded, and only the frames asked for go
through the frame chain.

Decoding stops after the last frame asked for (unless a reverse needs them all). A clip
without temporal edits, or whose first edit is a trim, starts decoding at its first
needed frame by an input seek (constant frame rate sources); other edits decode from the
clip's start.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediasynth.core.media import Image, Video
from mediasynth.core.transform import OpRecord


@dataclass(frozen=True)
class Clip:
    """frames: (T, H, W, 3) uint8 RGB; fps of the edited clip; indices: the frames' positions
    in the edited clip (clips that are too short repeat their last frame); record: the
    clip's record (children: temporal, frames, audio), as a manifest row holds it; audio:
    (C, N) float32 soundtrack under the frames' span (None unless asked for, or when the
    clip has none) at sample_rate Hz."""

    frames: np.ndarray
    fps: float
    indices: np.ndarray
    record: OpRecord
    audio: np.ndarray | None = None
    sample_rate: int = 0


def read_clip(video: Video, pipeline, *, count: int, stride: int,
              rng: np.random.Generator | None = None, record: OpRecord | None = None,
              start: int | None = None, with_audio: bool = False) -> Clip:
    """`count` frames `stride` apart of `video` as `pipeline` renders it, from frame `start`
    of the edited clip (drawn from `rng` after the plan when None and rng is given, else 0).
    Give `rng` to draw the params as expand does with the same generator, or `record` to
    replay them."""
    from mediasynth.video.render import plan_clip

    plan = plan_clip(video, pipeline, rng=rng, record=record)
    span = (count - 1) * stride + 1
    if start is None:
        start = int(rng.integers(0, max(1, plan.edited.frame_count - span + 1))) \
            if rng is not None else 0
    wanted = [start + k * stride for k in range(count)]
    timeout = pipeline.budgets.ffmpeg_timeout_s
    i420 = _edited_frames(plan, wanted, timeout)
    frames = _through_chain(i420, pipeline.video.frames, plan.record.children[1])
    clip_record, audio, rate = plan.record, None, 0
    if with_audio and video.audio:
        audio, rate, clip_record = _soundtrack(plan, pipeline, start, span)
    return Clip(frames, plan.edited.fps, np.asarray(wanted), clip_record, audio, rate)


def _edited_frames(plan, wanted: list[int], timeout_s: float) -> list[np.ndarray]:
    """The I420 frames at `wanted` positions of the edited clip (the last one decoded
    stands in for positions past the end)."""
    from mediasynth.video.render import decoding, python_edit_frames

    cmd, python_edits, shift = _decoder(plan, wanted[0])
    targets = {w - shift for w in wanted}
    last = max(targets)
    scratch = Path(tempfile.gettempdir()) / f"loader-{os.getpid()}"
    picked: dict[int, np.ndarray] = {}
    with decoding(cmd, plan.in_size, timeout_s) as decoded:
        frames = python_edit_frames(iter(decoded), python_edits, scratch)
        previous = None
        for i, frame in enumerate(frames):
            previous = frame
            if i in targets:
                picked[i] = frame
            if i >= last:
                break
        else:
            decoded.finish()  # ended early: raise the decoder's failure, if any
    if previous is None:
        raise ValueError(f"{plan.source.path}: the edited clip has no frames")
    fill = picked[max(picked)] if picked else previous
    return [picked.get(w - shift, fill) for w in wanted]


def _decoder(plan, first: int):
    """(decoder command, Python edits, index shift): with an input seek to the first frame
    needed when the edits allow (see the module docstring), else from the start."""
    from mediasynth.video.render import decoder_command

    edits = list(plan.edited.meta.get("edits", []))
    video = plan.source
    origin = video.meta.get("video_start_s")
    if video.variable_fps or origin is None:
        return (*decoder_command(plan), 0)
    if not edits and first > 0:
        return (*decoder_command(plan, edits=[], seek_s=_seek_s(video, first)), first)
    if edits and edits[0]["op"] == "trim" and edits[0]["start_frame"] > 0:
        moved = [{**edits[0], "start_frame": 0}, *edits[1:]]
        seek = _seek_s(video, edits[0]["start_frame"])
        return (*decoder_command(plan, edits=moved, seek_s=seek), 0)
    return (*decoder_command(plan), 0)


def _seek_s(video: Video, frame: int) -> float:
    """An input seek that makes source frame `frame` the first one delivered: half a frame
    before its time (FFmpeg drops the frames decoded before the seek point)."""
    return max(0.0, video.meta["video_start_s"] + (frame - 0.5) / video.fps)


def _through_chain(i420: list[np.ndarray], chain, record: OpRecord) -> np.ndarray:
    """RGB frames, through the frame chain replayed from `record` (the frame path's OpenCV
    conversion, so colours match the frame path's)."""
    import cv2

    out = []
    for frame in i420:
        rgb = cv2.cvtColor(frame, cv2.COLOR_YUV2RGB_I420)
        if chain is not None:
            rgb = np.ascontiguousarray(chain.replay(Image(rgb), record).pixels, np.uint8)
        out.append(rgb)
    return np.stack(out)


def _soundtrack(plan, pipeline, start: int, span: int) -> tuple[np.ndarray, int, OpRecord]:
    """(samples under frames [start, start + span), sample rate, record with the audio
    chain's params)."""
    from mediasynth.video.soundtrack import final_track

    audio, record = final_track(plan, pipeline, pipeline.budgets.ffmpeg_timeout_s)
    fps, rate = plan.edited.fps, audio.sample_rate
    first = int(round(start * rate / fps))
    end = int(round((start + span) * rate / fps))
    return np.ascontiguousarray(audio.samples[:, first:end]), rate, record
