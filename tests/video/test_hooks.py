"""A frame transform the fused path can play, and a temporal transform, are each one class
with its own FFmpeg hooks: nothing else is edited for the video renderer to play them.

The classes are module attributes so that the worker processes of `expand`, which receive
the pipeline pickled, import them by name (importing this module declares the temporal
op); their registry names are added and removed around each test by `registered`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import ClassVar

import numpy as np
import pytest

from mediasynth.core import registry
from mediasynth.core.config import pipeline_from_config
from mediasynth.image.transforms.base import PixelTransform
from mediasynth.video.transforms.temporal import EDIT_CLASSES, TemporalTransform
from tests.video.helpers import decode, encode_frames, tone


@dataclass(frozen=True, kw_only=True)
class InvertFrames(PixelTransform):
    """The negative of every frame."""

    name: ClassVar[str] = "test.invert_frames"

    def apply_pixels(self, pixels, params):
        return 255 - pixels

    def ffmpeg_filters(self, params, width, height):
        # lut's negval is range-aware (Y -> 251 - Y, chroma -> 256 - C): exact, unlike negate
        return ["lutyuv=y=negval:u=negval:v=negval"]


@dataclass(frozen=True, kw_only=True)
class FirstHalf(TemporalTransform):
    """Keep the first half of the frames, the audio cut with them."""

    name: ClassVar[str] = "test.first_half"
    op: ClassVar[str] = "test_first_half"

    def edit(self, video, params):
        return {"op": self.op, "frames": max(1, video.frame_count // 2), "fps": video.fps}

    def retime(self, video, edit):
        return edit["frames"] / video.fps, video.fps

    @staticmethod
    def frame_map(edit, n_frames_in, fps_in):
        return np.arange(min(edit["frames"], n_frames_in), dtype=np.int64)

    @staticmethod
    def video_filters(edit):
        return [f"trim=end_frame={edit['frames']}"]

    @staticmethod
    def _end_sample(edit, sample_rate):
        return int(round(edit["frames"] * sample_rate / edit["fps"]))

    @staticmethod
    def audio_filters(edit, sample_rate):
        return [f"atrim=end_sample={FirstHalf._end_sample(edit, sample_rate)}"]

    @staticmethod
    def play_audio(edit, samples, sample_rate):
        return samples[:, :FirstHalf._end_sample(edit, sample_rate)]

    @staticmethod
    def audio_extent(edit):
        return edit["frames"] / edit["fps"], 1.0


@dataclass(frozen=True, kw_only=True)
class FirstHalfInPython(FirstHalf):
    """FirstHalf, played by Python (from its frame map) on the frame path."""

    name: ClassVar[str] = "test.first_half_in_python"
    op: ClassVar[str] = "test_first_half_in_python"
    python_on_frame_path: ClassVar[bool] = True


TEST_CLASSES = (InvertFrames, FirstHalf, FirstHalfInPython)


@pytest.fixture
def registered():
    for cls in TEST_CLASSES:
        registry.register(cls.name)(cls)
        if hasattr(cls, "op"):
            EDIT_CLASSES[cls.op] = cls
    yield
    for cls in TEST_CLASSES:
        registry._REGISTRY.pop(cls.name, None)
        EDIT_CLASSES.pop(getattr(cls, "op", None), None)


def _pipeline(frames=(), temporal=(), path="auto", audio=()):
    chains = {"frames": list(frames), "temporal": list(temporal), "audio": list(audio)}
    return pipeline_from_config({"version": 1, "variants": 1,
                                 "video": {k: v for k, v in chains.items() if v},
                                 "output": {"video": {"path": path, "preset": "ultrafast",
                                                      "crf": 10}}})


def _ramp(n=20, w=64, h=48):
    """Frames of distinct greys (frame i: 40 + 8 i) with a colour bar, so order and colour
    both show."""
    frames = []
    for i in range(n):
        frame = np.full((h, w, 3), 40 + 8 * i, np.uint8)
        frame[:, : w // 4] = (200, 60, 30)
        frames.append(frame)
    return frames


def _mad(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.abs(a.astype(float) - b.astype(float)).mean())


@pytest.mark.parametrize("path,taken", [("auto", "fused"), ("frames", "frames")])
def test_a_fused_frame_transform_is_one_class(tmp_path, registered, path, taken):
    """A whole `expand` run (worker process) picks the fused path by itself, and its frames
    are the Python kernel's (the frame path's)."""
    from mediasynth.engine.run import ExpandOptions, expand

    src = tmp_path / "src"
    (src / "clips").mkdir(parents=True)
    encode_frames(src / "clips" / "ramp.mp4", _ramp(), audio=tone(0.8))
    pipeline = _pipeline(frames=[{"type": "test.invert_frames"}], path=path)
    result = expand(src, tmp_path / "out", pipeline,
                    ExpandOptions(workers=1, quiet=True, previews=False))
    rows = [r for r in result.rows if r.get("status") == "ok" and r.get("kind") == "video"]
    assert len(rows) == 1, json.dumps(result.rows, indent=1)
    assert rows[0]["info"]["path"] == taken
    out, _ = decode(tmp_path / "out" / rows[0]["output"])
    source, _ = decode(src / "clips" / "ramp.mp4")
    assert len(out) == len(source)
    assert max(_mad(o, 255 - s) for o, s in zip(out, source)) < 2.0


@pytest.mark.parametrize("cls,path", [(FirstHalf, "fused"), (FirstHalf, "frames"),
                                      (FirstHalfInPython, "frames")])
@pytest.mark.parametrize("then_reverse", [False, True])
def test_a_temporal_transform_is_one_class(tmp_path, registered, cls, path, then_reverse):
    """Both paths play the new edit (FFmpeg on the fused path, the decoder or Python from
    its frame map on the frame path), alone or followed by a built-in one, frames and
    soundtrack alike, as its frame map says."""
    from mediasynth.video.handler import VideoHandler
    from mediasynth.video.render import plan_clip, render_clip
    from mediasynth.video.timeline import clip_frame_sources

    src = encode_frames(tmp_path / "ramp.mp4", _ramp(n=20), fps=10, audio=tone(2.0))
    temporal = [{"type": cls.name}] + ([{"type": "video.reverse"}] if then_reverse else [])
    # the Python audio route (play_audio) with the Python frame route
    audio = [{"type": "audio.pitch_shift", "semitones_range": [1, 1]}] \
        if cls.python_on_frame_path else []
    pipeline = _pipeline(frames=[{"type": "image.flip_horizontal"}], temporal=temporal,
                         path=path, audio=audio)
    video = VideoHandler().load(src, pipeline.budgets)
    plan = plan_clip(video, pipeline, rng=np.random.default_rng(0))
    _, info = render_clip(plan, pipeline, tmp_path / "out.mp4")
    assert info["path"] == path
    out, facts = decode(tmp_path / "out.mp4")
    source, _ = decode(src)
    shown, _ = clip_frame_sources(plan)
    expected = list(range(10))[::-1] if then_reverse else list(range(10))
    assert shown.tolist() == expected and len(out) == 10
    for frame, i in zip(out, expected):
        assert _mad(frame, source[i][:, ::-1]) < 2.0, i
    (_, _, audio_s), = facts["audio"]
    assert abs(audio_s - facts["video_duration"]) < 0.05
