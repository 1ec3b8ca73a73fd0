"""Loader clips are expand's clips: same generator or record -> the frames (and soundtrack)
`mediasynth expand` renders, checked on frames that show their own source index."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.config import pipeline_from_config
from mediasynth.core.rng import rng_from_record, seed_record
from mediasynth.core.transform import OpRecord
from mediasynth.loaders import MediaDataset
from mediasynth.video.clips import read_clip
from mediasynth.video.handler import VideoHandler
from tests.video.sync import burst_times, decoded_audio, make_sync_clip, read_index

BRIGHTER = {"type": "image.brightness_contrast", "brightness_range": [0.06, 0.06],
            "contrast_range": [1.0, 1.0]}
TEMPORAL = {
    "trim_then_speed": [{"type": "video.trim", "duration_s": 2.0},
                        {"type": "video.speed", "factor_range": [1.2, 1.6]}],
    "none": [],
    "speed_then_reverse": [{"type": "video.speed", "factor_range": [0.7, 0.9]},
                           {"type": "video.reverse"}],
    "stutter": [{"type": "video.drop_duplicate", "drop_probability_range": [0.3, 0.3]}],
}


@pytest.fixture(scope="module", params=[0.078, -0.12], ids=["audio_late", "video_late"])
def source(tmp_path_factory, request):
    root = tmp_path_factory.mktemp("loader") / "src"
    (root / "clips").mkdir(parents=True)
    return make_sync_clip(root / "clips" / "a.mp4", fps=30, seconds=3.0,
                          audio_offset_s=request.param)


def _pipeline(temporal):
    return pipeline_from_config({"version": 1, "video": {"temporal": temporal,
                                                         "frames": [BRIGHTER]}})


def _decoded(path):
    import av

    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


def _assert_same_frames(loader_frames, indices, rendered):
    for i, frame in zip(indices, loader_frames):
        expected = rendered[min(i, len(rendered) - 1)]
        assert read_index(frame) == read_index(expected), f"frame {i} shows another source frame"
        assert np.abs(frame.astype(float) - expected.astype(float)).mean() < 3.0


@pytest.mark.parametrize("name", sorted(TEMPORAL))
def test_same_generator_gives_the_frames_expand_renders(source, tmp_path, name):
    pipeline = _pipeline(TEMPORAL[name])
    handler = VideoHandler()
    video = handler.load(source.path, pipeline.budgets)
    seed = seed_record(0, "clips/a.mp4", 0)
    record, _ = handler.render(video, pipeline, rng_from_record(seed), tmp_path / "out.mp4")
    clip = read_clip(video, pipeline, count=6, stride=3, rng=rng_from_record(seed))
    assert clip.record.to_dict() == record.to_dict()
    _assert_same_frames(clip.frames, clip.indices, _decoded(tmp_path / "out.mp4"))


def test_record_replay_gives_the_same_clip(source):
    pipeline = _pipeline(TEMPORAL["trim_then_speed"])
    video = VideoHandler().load(source.path, pipeline.budgets)
    drawn = read_clip(video, pipeline, count=5, stride=2, rng=np.random.default_rng(3))
    replayed = read_clip(video, pipeline, count=5, stride=2, record=drawn.record,
                         start=int(drawn.indices[0]))
    assert np.array_equal(drawn.frames, replayed.frames)


def test_dataset_samples_replay_to_expand_outputs(source, tmp_path):
    pipeline = _pipeline(TEMPORAL["trim_then_speed"])
    ds = MediaDataset(source.path.parent.parent, pipeline, seed=2, return_record=True,
                      clip_frames=12, clip_stride=3, clip_audio=True)
    sample = ds[0]
    handler = VideoHandler()
    video = handler.load(source.path, pipeline.budgets)
    handler.replay(video, pipeline, OpRecord.from_dict(sample["record"]), tmp_path / "r.mp4")
    _assert_same_frames(sample["video"], sample["frame_indices"], _decoded(tmp_path / "r.mp4"))
    first_s = sample["frame_indices"][0] / sample["fps"]
    span_s = sample["audio"].shape[1] / sample["sample_rate"]
    assert abs(span_s - 34 / sample["fps"]) < 1e-3
    ours = burst_times(sample["audio"].mean(axis=0), first_s, sample["sample_rate"])
    samples, start_s, rate = decoded_audio(tmp_path / "r.mp4")
    theirs = burst_times(samples, start_s, rate)
    theirs = theirs[(theirs > first_s + 0.01) & (theirs < first_s + span_s - 0.01)]
    inside = ours[(ours > first_s + 0.01) & (ours < first_s + span_s - 0.01)]
    assert len(theirs) >= 1, "the window must hold a burst"
    assert len(inside) == len(theirs) and np.allclose(inside, theirs, atol=0.002)
