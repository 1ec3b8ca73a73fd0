"""video/transforms/temporal.py at the level of its frame maps (the renderers are measured
against them in test_frame_maps.py): FFmpeg's fps rule, every edit's map, and the frame
path's streaming stutter agreeing with its map frame for frame."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mediasynth.video.transforms.temporal import (
    EDIT_CLASSES,
    frames_rounded,
    resampled_frames,
    stutter_repeats,
)


def _fps_filter(n_in: int, ratio: float) -> list[int]:
    """FFmpeg's fps filter the slow way: output frame k shows the last input frame whose
    time, rounded half up to output frames, is <= k; n_in * ratio output frames, rounded."""
    n_out = int(np.floor(n_in * ratio + 0.5 + 1e-9))
    times = [int(np.floor(i * ratio + 0.5 + 1e-9)) for i in range(n_in)]
    return [max([i for i, t in enumerate(times) if t <= k], default=0) for k in range(n_out)]


@pytest.mark.parametrize("seed", range(40))
def test_resampled_frames_is_the_fps_filter_rule(seed):
    rng = np.random.default_rng(seed)
    n_in = int(rng.integers(1, 200))
    ratio = float(rng.choice([0.5, 2.0, 24 / 25, 25 / 24, 1.0, rng.uniform(0.2, 3.0)]))
    assert resampled_frames(n_in, ratio).tolist() == _fps_filter(n_in, ratio)


def test_halves_round_up_as_ffmpeg_does():
    assert frames_rounded(np.array([0.5, 1.5, 2.4999999999, 2.5])).tolist() == [1, 2, 3, 3]


def test_edit_maps_trim_speed_rate_and_reverse():
    trim = EDIT_CLASSES["trim"]
    assert trim.frame_map({"start_frame": 10, "frames": 20}, 100, 25.0).tolist() == \
        list(range(10, 30))
    assert trim.frame_map({"start_frame": 90, "frames": 20}, 100, 25.0).tolist() == \
        list(range(90, 100))  # never past the frames it receives
    speed = EDIT_CLASSES["speed"]
    double = speed.frame_map({"factor": 2.0, "fps": 25.0}, 100, 25.0)
    assert double.tolist() == list(range(0, 100, 2))
    assert len(speed.frame_map({"factor": 0.5, "fps": 25.0}, 100, 25.0)) == 200
    rate = EDIT_CLASSES["fps"]
    assert len(rate.frame_map({"fps": 12.5}, 100, 25.0)) == 50
    assert rate.fps_after({"fps": 12.5}, 25.0) == 12.5
    assert EDIT_CLASSES["reverse"].frame_map({}, 5, 25.0).tolist() == [4, 3, 2, 1, 0]


@pytest.mark.parametrize("probability", [0.0, 0.3, 0.9])
def test_the_streamed_stutter_is_its_frame_map(probability):
    stutter = EDIT_CLASSES["drop_duplicate"]
    edit = {"drop_probability": probability, "seed": 1234}
    index = stutter.frame_map(edit, 300, 25.0)
    streamed = list(stutter.stream_frames(edit, iter(range(300))))
    assert streamed == index.tolist()
    assert index[0] == 0 and np.all(index <= np.arange(300))  # only earlier frames repeat
    repeats = float(np.mean(index != np.arange(300)))
    assert repeats == pytest.approx(probability, abs=0.08)


def test_stutter_flags_are_seeded_and_keep_the_first_frame():
    a = list(itertools.islice(stutter_repeats(7, 0.5), 1000))
    assert a == list(itertools.islice(stutter_repeats(7, 0.5), 1000)) and a[0] is False
    assert a != list(itertools.islice(stutter_repeats(8, 0.5), 1000))


def test_a_trims_audio_is_cut_on_the_video_frame_grid():
    trim = EDIT_CLASSES["trim"]
    edit = {"start_frame": 25, "frames": 50, "fps": 25.0}
    samples = np.arange(16000 * 4, dtype=np.float32)[None]
    cut = trim.play_audio(edit, samples, 16000)
    assert cut.shape == (1, 32000) and cut[0, 0] == 16000  # 1 s in, 2 s long
    assert trim.audio_filters(edit, 16000) == [
        "atrim=start_sample=16000:end_sample=48000,asetpts=PTS-STARTPTS"]
