"""MP4 encoding (mediasynth/io/ffmpeg_encode.py): same frames, same bytes; failures named."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from mediasynth.core.errors import FFmpegError
from mediasynth.io.ffmpeg import probe
from mediasynth.io.ffmpeg_encode import encode_rgb_frames, mp4_output_args


def _frames(n=60, h=72, w=96):
    rng = np.random.default_rng(0)
    base = rng.integers(0, 255, (h, w, 3), np.uint8)
    return [np.roll(base, 2 * i, axis=1) for i in range(n)]


def test_the_same_frames_give_the_same_bytes_and_the_declared_stream(tmp_path):
    digests = []
    for name in ("a.mp4", "b é.mp4"):
        dest = tmp_path / name
        encode_rgb_frames(_frames(), width_px=96, height_px=72, fps=25,
                          output_args=mp4_output_args(dest, crf=18, bitexact_codecs=True))
        digests.append(hashlib.sha256(dest.read_bytes()).hexdigest())
    assert digests[0] == digests[1]
    info = probe(tmp_path / "a.mp4", first_frame=False, timestamps=False)
    (video,) = [s for s in info["streams"] if s["type"] == "video"]
    assert (video["codec"], video["width"], video["height"]) == ("h264", 96, 72)
    assert video["frames"] == 60 and abs(info["duration_s"] - 2.4) < 0.05


def test_output_arguments_name_every_determinism_setting(tmp_path):
    args = mp4_output_args(tmp_path / "x.mp4", threads=2, bitexact_codecs=True)
    assert args[args.index("-threads") + 1] == "2" and "-an" in args
    assert args[args.index("-map_metadata") + 1] == "-1"
    assert args[args.index("-flags:v") + 1] == "+bitexact"
    assert args[-4:-1] == ["-f", "mp4", "-y"] and args[-1].startswith("file:")
    plain = mp4_output_args(tmp_path / "x.mp4", audio=["-c:a", "aac"])
    assert "-flags:v" not in plain and plain[plain.index("-c:a") + 1] == "aac"


def test_a_failing_encoder_is_an_ffmpeg_error_naming_what_failed(tmp_path):
    with pytest.raises(FFmpegError, match="encoding the test clip failed"):
        encode_rgb_frames(_frames(5), width_px=96, height_px=72, fps=25,
                          what="encoding the test clip",
                          output_args=mp4_output_args(tmp_path / "x.mp4", codec="no_such_codec"))
