"""A/V sync through every temporal transform, on both render paths, measured on the output:
frames that show their own index, audio bursts on known frame boundaries, sources whose
audio starts 0, 78 or 478 ms after the video (and one 120 ms before it)."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.config import pipeline_from_config
from mediasynth.video.handler import VideoHandler
from mediasynth.video.render import plan_clip, render_clip
from tests.video.sync import make_sync_clip, sync_errors

FPS = 30
EXACT_S = 0.005  # decoding and burst detection
# An edit that resamples the frame grid by a non-integer ratio (speed 1.5, 30 -> 24 fps)
# can only show a boundary on the nearest output frame: half a frame more.
GRID_S = EXACT_S + 0.5 / FPS

OPS = {
    "speed_0.5": ([{"type": "video.speed", "factor_range": [0.5, 0.5]}], EXACT_S),
    "speed_1.5": ([{"type": "video.speed", "factor_range": [1.5, 1.5]}], GRID_S),
    "speed_2.0": ([{"type": "video.speed", "factor_range": [2.0, 2.0]}], EXACT_S),
    "speed_1.5_tape": ([{"type": "video.speed", "factor_range": [1.5, 1.5],
                         "keep_pitch": False}], GRID_S),
    "trim": ([{"type": "video.trim", "duration_s": 1.6}], EXACT_S),
    "speed_1.25_trim": ([{"type": "video.speed", "factor_range": [1.25, 1.25]},
                         {"type": "video.trim", "duration_s": 1.2}], GRID_S),
    "frame_rate_24": ([{"type": "video.frame_rate", "fps_range": [24, 24]}], GRID_S),
    "frame_rate_15": ([{"type": "video.frame_rate", "fps_range": [15, 15]}], EXACT_S),
    "reverse": ([{"type": "video.reverse"}], EXACT_S),
    "fade": ([{"type": "video.fade", "fade_in_s_range": [0.4, 0.4],
               "fade_out_s_range": [0.4, 0.4]}], EXACT_S),
    "stutter": ([{"type": "video.drop_duplicate", "drop_probability_range": [0.3, 0.3]}],
                EXACT_S),
    "trim_reverse": ([{"type": "video.trim", "duration_s": 1.6}, {"type": "video.reverse"}],
                     EXACT_S),
}
FRAME_PATH_ONLY = {"stutter"}
SEED = 9  # its trims start mid-frame in time (checked below), where the old cut slipped


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    root = tmp_path_factory.mktemp("sync")
    return {ms: make_sync_clip(root / f"src{ms}.mp4", fps=FPS, seconds=3.0,
                               audio_offset_s=ms / 1000) for ms in (0, 78, 478, -120)}


def _pipeline(temporal, path):
    return pipeline_from_config({"version": 1, "video": {"temporal": temporal},
                                 "output": {"video": {"path": path, "preset": "ultrafast",
                                                      "crf": 10}}})


def _render(clip, temporal, path, dest):
    pipeline = _pipeline(temporal, path)
    video = VideoHandler().load(clip.path, pipeline.budgets)
    plan = plan_clip(video, pipeline, rng=np.random.default_rng(SEED))
    render_clip(plan, pipeline, dest)
    return plan


@pytest.mark.parametrize("offset_ms", [0, 78, 478])
@pytest.mark.parametrize("path", ["fused", "frames"])
@pytest.mark.parametrize("op", sorted(OPS))
def test_bursts_land_on_their_frames(clips, tmp_path, op, path, offset_ms):
    if path == "fused" and op in FRAME_PATH_ONLY:
        pytest.skip(f"{op} has no FFmpeg equivalent: frame path only")
    temporal, tolerance_s = OPS[op]
    clip = clips[offset_ms]
    _render(clip, temporal, path, tmp_path / "out.mp4")
    errors = sync_errors(clip, tmp_path / "out.mp4")
    assert len(errors) >= 2, "too few marked frames survived the edit to measure"
    worst = max(errors, key=abs)
    assert abs(worst) <= tolerance_s, f"audio {'late' if worst > 0 else 'early'} by " \
        f"{worst * 1000:.1f} ms ({[round(e * 1000, 1) for e in errors]} ms)"


@pytest.mark.parametrize("path", ["fused", "frames"])
def test_audio_that_starts_before_the_video(clips, tmp_path, path):
    clip = clips[-120]
    _render(clip, OPS["speed_2.0"][0] + OPS["trim"][0], path, tmp_path / "out.mp4")
    errors = sync_errors(clip, tmp_path / "out.mp4")
    assert len(errors) >= 2 and max(map(abs, errors)) <= EXACT_S, errors


def test_trims_cut_both_streams_on_one_frame_boundary(clips, tmp_path):
    plan = _render(clips[0], OPS["trim"][0], "fused", tmp_path / "out.mp4")
    trim, = plan.edited.meta["edits"]
    drawn = plan.record.children[0].children[0].params["start_fraction"]
    unrounded = drawn * (clips[0].frames - trim["frames"])
    assert abs(unrounded - round(unrounded)) > 0.2, "the seed must draw a mid-frame start"
    assert trim["start_s"] == round(trim["start_frame"] / FPS, 6)
