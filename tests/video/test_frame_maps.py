"""Temporal frame maps measured on rendered clips: frames that show their own index go
through every temporal transform (and chains of them, in any order) on both render paths;
the index each output frame shows must be the map's entry, frame for frame, and the
output must have exactly the map's length."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.config import pipeline_from_config
from mediasynth.video.handler import VideoHandler
from mediasynth.video.render import plan_clip, render_clip
from mediasynth.video.timeline import clip_frame_sources, frame_sources, select
from mediasynth.video.transforms.temporal import resampled_frames
from tests.video.helpers import encode_frames
from tests.video.sync import index_frame, read_index

CHAINS = {
    "speed_up": [{"type": "video.speed", "factor_range": [1.37, 1.37]}],
    "speed_halves": [{"type": "video.speed", "factor_range": [2.0, 2.0]}],  # ties at .5
    "slow_down": [{"type": "video.speed", "factor_range": [0.8, 0.8]}],
    "speed_random": [{"type": "video.speed", "factor_range": [0.6, 1.8]}],
    "rate_24": [{"type": "video.frame_rate", "fps_range": [24, 24]}],
    "rate_odd": [{"type": "video.frame_rate", "fps_range": [17.123, 17.123]}],
    "trim": [{"type": "video.trim", "duration_s": 1.1}],
    "speed_trim": [{"type": "video.speed", "factor_range": [0.7, 1.4]},
                   {"type": "video.trim", "duration_s": 1.0}],
    "trim_speed_fade": [{"type": "video.trim", "duration_s": 1.2},
                        {"type": "video.speed", "factor_range": [1.2, 1.2]},
                        {"type": "video.fade"}],
    "reverse_trim": [{"type": "video.reverse"}, {"type": "video.trim", "duration_s": 0.8}],
    "stutter": [{"type": "video.drop_duplicate", "drop_probability_range": [0.3, 0.3]}],
    "stutter_speed_rate": [
        {"type": "video.drop_duplicate", "drop_probability_range": [0.3, 0.3]},
        {"type": "video.speed", "factor_range": [1.3, 1.3]},
        {"type": "video.frame_rate", "fps_range": [20, 20]}],
    "speed_reverse_trim": [{"type": "video.speed", "factor_range": [0.9, 0.9]},
                           {"type": "video.reverse"},
                           {"type": "video.trim", "duration_s": 1.0}],
}
STUTTERS = {"stutter", "stutter_speed_rate"}  # no FFmpeg equivalent: frame path only
FPS = 25
FRAMES = 50


@pytest.fixture(scope="module")
def index_clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("maps") / "index.mp4"
    return encode_frames(path, [index_frame(i) for i in range(FRAMES)], fps=FPS)


def _shown_indices(path) -> list[int | None]:
    import av

    with av.open(str(path)) as c:
        return [read_index(f.to_ndarray(format="rgb24")) for f in c.decode(c.streams.video[0])]


@pytest.mark.parametrize("path", ["fused", "frames"])
@pytest.mark.parametrize("name", sorted(CHAINS))
def test_every_output_frame_shows_the_source_frame_its_map_names(index_clip, tmp_path, name,
                                                                 path):
    if name in STUTTERS and path == "fused":
        pytest.skip("drop_duplicate has no FFmpeg equivalent")
    pipeline = pipeline_from_config({"version": 1, "video": {"temporal": CHAINS[name]},
                                     "output": {"video": {"path": path, "preset": "ultrafast",
                                                          "crf": 10}}})
    video = VideoHandler().load(index_clip, pipeline.budgets)
    plan = plan_clip(video, pipeline, rng=np.random.default_rng(3))
    _, info = render_clip(plan, pipeline, tmp_path / "out.mp4")
    assert info["path"] == path
    expected, fps = clip_frame_sources(plan)
    shown = _shown_indices(tmp_path / "out.mp4")
    readable = [(i, s) for i, s in enumerate(shown) if s is not None]  # fades darken ends
    assert len(shown) == len(expected)
    assert len(readable) >= 0.6 * len(shown)
    assert [s for _, s in readable] == [int(expected[i]) for i, _ in readable]
    assert fps == pytest.approx(plan.edited.fps)


def test_fps_filter_rounding_of_halves_and_ends():
    # output k shows the last input whose time i * ratio rounds (halves up) to <= k
    assert resampled_frames(6, 0.5).tolist() == [0, 2, 4]  # frame 1 at 0.5 -> 1, not 0
    assert resampled_frames(3, 2.0).tolist() == [0, 0, 1, 1, 2, 2]
    assert resampled_frames(5, 0.8).tolist() == [0, 1, 3, 4]  # 2.4 -> 2 replaces 1.6 -> 2
    assert len(resampled_frames(7, 0.5)) == 4  # the end, 3.5 frames, rounds up


def test_maps_compose_in_edit_order():
    edits = [{"op": "reverse", "max_buffer_bytes": 1 << 20},
             {"op": "trim", "start_frame": 2, "frames": 3, "fps": 10.0}]
    sources, fps = frame_sources(edits, 10, 10.0)
    assert sources.tolist() == [7, 6, 5] and fps == 10.0
    sources, _ = frame_sources(edits[::-1], 10, 10.0)
    assert sources.tolist() == [4, 3, 2]


def test_select_holds_and_skips_frames_without_buffering():
    seen = []

    def frames():
        for i in range(6):
            seen.append(i)
            yield i

    out = select(frames(), np.array([0, 0, 2, 5]))
    assert next(out) == 0 and seen == [0]
    assert list(out) == [0, 2, 5]
