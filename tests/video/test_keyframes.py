"""Keyframe thumbnails (mediasynth/video/keyframes.py)."""

from __future__ import annotations

import numpy as np

from mediasynth.video.keyframes import keyframes
from tests.video.helpers import encode_frames


def test_frames_at_fractions_of_the_duration_in_order_and_width(tmp_path):
    # 100 frames at 25 fps whose grey level is the frame index x 2: a frame's level says
    # when it was taken
    frames = [np.full((96, 160, 3), 2 * i, np.uint8) for i in range(100)]
    clip = encode_frames(tmp_path / "ramp é.mp4", frames)
    got = keyframes(clip, (0.1, 0.5, 0.9), width_px=80)
    assert [f.shape for f in got] == [(48, 80, 3)] * 3
    levels = [float(f.mean()) / 2 for f in got]
    for level, want in zip(levels, (10, 50, 90)):
        assert abs(level - want) <= 3, levels


def test_targets_past_the_end_repeat_the_last_frame(tmp_path):
    frames = [np.full((64, 64, 3), 3 * i, np.uint8) for i in range(50)]
    clip = encode_frames(tmp_path / "short.mp4", frames)
    got = keyframes(clip, (0.5, 1.5, 2.0), width_px=32)
    assert len(got) == 3 and np.array_equal(got[1], got[2])
    assert got[1].mean() > got[0].mean()
