"""video/signature.py: a clip re-encoded at another size, quality or frame rate is a
near-duplicate of itself; another clip, or the same clip reversed, is not."""

from __future__ import annotations

import cv2
import numpy as np

from mediasynth.video.signature import TIMES, clip_signature, distance, near_pairs
from tests.video.helpers import encode_frames


def _scene(seed: int, n: int = 50, w: int = 128, h: int = 96) -> list[np.ndarray]:
    """A smooth random texture panning across the frame: every moment looks different."""
    rng = np.random.default_rng(seed)
    world = cv2.resize(rng.integers(0, 255, (12, 40, 3), dtype=np.uint8), (w * 2, h),
                       interpolation=cv2.INTER_CUBIC)
    return [np.ascontiguousarray(world[:, i * 2:i * 2 + w]) for i in range(n)]


def test_reencodes_are_near_and_other_clips_are_not(tmp_path):
    frames = _scene(1)
    clips = {
        "a.mp4": encode_frames(tmp_path / "a.mp4", frames),
        "a small.mp4": encode_frames(tmp_path / "a small.mp4", frames, extra=[
            "-vf", "scale=64:48", "-crf", "35"]),
        "a 12fps.mkv": encode_frames(tmp_path / "a 12fps.mkv", frames, extra=["-r", "12"]),
        "b.mp4": encode_frames(tmp_path / "b.mp4", _scene(2)),
        "a reversed.mp4": encode_frames(tmp_path / "a reversed.mp4", frames[::-1]),
    }
    sigs = {name: clip_signature(path) for name, path in clips.items()}
    assert {len(s) for s in sigs.values()} == {len(sigs["a.mp4"])}
    assert len(sigs["a.mp4"]) % len(TIMES) == 0
    assert distance(sigs["a.mp4"], sigs["a.mp4"]) == 0.0
    assert distance(sigs["a.mp4"], sigs["a small.mp4"]) <= 0.2
    assert distance(sigs["a.mp4"], sigs["a 12fps.mkv"]) <= 0.2
    assert distance(sigs["a.mp4"], sigs["b.mp4"]) >= 0.8
    assert distance(sigs["a.mp4"], sigs["a reversed.mp4"]) >= 0.6
    assert [(a, b) for a, b, _ in near_pairs(sigs)] == [
        ("a 12fps.mkv", "a small.mp4"), ("a 12fps.mkv", "a.mp4"), ("a small.mp4", "a.mp4")]


def test_a_file_without_decodable_frames_raises(tmp_path):
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(b"\x00\x00\x00\x18ftypisom" + bytes(200))
    try:
        clip_signature(bad)
    except Exception as exc:  # noqa: BLE001 - PyAV's own error types, as documented
        assert exc is not None
    else:
        raise AssertionError("a file without frames has no signature")
