"""Rendering sparse sources: an AVI whose repeated frames were left out (Cinepak with a long
GOP keeps only the frames that change; the AVI index holds empty entries for the rest) must
come out as long as its source, with each frame showing what the source shows at its time."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from mediasynth.core.config import pipeline_from_config
from mediasynth.io.ffmpeg import ffmpeg_binary
from mediasynth.video.handler import VideoHandler
from mediasynth.video.render import plan_clip, render_clip

FPS = 15
FRAMES = 444  # 29.6 s


def _sparse_cinepak(path: Path) -> Path:
    """444 frames at 15 fps of which 65 are stored (every 7th and the last)."""
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=s=160x96:r={FPS}:d={FRAMES / FPS}",
                    "-vf", r"select='not(mod(n\,7))+eq(n\,443)'", "-fps_mode", "vfr",
                    "-c:v", "cinepak", "-g", "1000", "-an", str(path)], check=True)
    return path


def _stored_frames(path: Path) -> tuple[list[int], list[np.ndarray]]:
    """(frame numbers, RGB frames) of the frames the file stores, via PyAV."""
    import av

    with av.open(str(path)) as c:
        stream = c.streams.video[0]
        pairs = [(int(round(f.time * FPS)), f.to_ndarray(format="rgb24"))
                 for f in c.decode(stream)]
    return [n for n, _ in pairs], [f for _, f in pairs]


def _output(path: Path) -> tuple[float, list[np.ndarray]]:
    import av

    with av.open(str(path)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(c.streams.video[0])]
        return c.duration / 1e6, frames


def _pipeline(path: str, temporal=None):
    video = {"frames": [{"type": "image.brightness_contrast", "brightness_range": [0, 0],
                         "contrast_range": [1, 1]}]}
    if temporal:
        video["temporal"] = temporal
    return pipeline_from_config({"version": 1, "video": video,
                                 "output": {"video": {"path": path, "preset": "ultrafast",
                                                      "crf": 10}}})


@pytest.fixture(scope="module")
def sparse(tmp_path_factory) -> Path:
    src = _sparse_cinepak(tmp_path_factory.mktemp("sparse") / "sparse.avi")
    numbers, _ = _stored_frames(src)
    assert len(numbers) == 65 and numbers[-1] == FRAMES - 1  # sparse, as meant
    return src


def _shown(numbers: list[int], frames: list[np.ndarray], at: int) -> np.ndarray:
    """The stored frame a player shows at frame number `at` (the last one at or before)."""
    return frames[int(np.searchsorted(numbers, at, side="right")) - 1]


@pytest.mark.parametrize("path", ["fused", "frames"])
def test_a_sparse_avi_comes_out_as_long_as_its_source(tmp_path, sparse, path):
    pipeline = _pipeline(path)
    handler = VideoHandler()
    video = handler.load(sparse, pipeline.budgets)
    assert video.frame_count == FRAMES and abs(video.duration_s - FRAMES / FPS) < 1e-6
    record, info = handler.render(video, pipeline, np.random.default_rng(0),
                                  tmp_path / "out.mp4")
    assert info["path"] == path
    duration, frames = _output(tmp_path / "out.mp4")
    assert len(frames) == FRAMES and abs(duration - FRAMES / FPS) < 1e-3
    numbers, stored = _stored_frames(sparse)
    for at in (0, 6, 7, 200, 436, 442, 443):
        diff = np.abs(frames[at].astype(int) - _shown(numbers, stored, at).astype(int)).mean()
        assert diff < 8, (at, diff)


@pytest.mark.parametrize("path", ["fused", "frames"])
def test_a_trim_of_a_sparse_avi_cuts_by_time_not_by_stored_frames(tmp_path, sparse, path):
    pipeline = _pipeline(path, temporal=[{"type": "video.trim", "duration_s": 4.0}])
    video = VideoHandler().load(sparse, pipeline.budgets)
    plan = plan_clip(video, pipeline, rng=np.random.default_rng(5))
    edit = plan.edited.meta["edits"][0]
    assert edit["start_frame"] > 0
    render_clip(plan, pipeline, tmp_path / "out.mp4")
    duration, frames = _output(tmp_path / "out.mp4")
    assert len(frames) == 4 * FPS and abs(duration - 4.0) < 1e-3
    numbers, stored = _stored_frames(sparse)
    for i in (0, 1, 30, 59):
        expected = _shown(numbers, stored, edit["start_frame"] + i)
        assert np.abs(frames[i].astype(int) - expected.astype(int)).mean() < 8, i
