"""Damaged and oversized video: the handler's demux scan (verify, load), decode errors while
rendering, and the budgets checked from the header and from the measured content."""

from __future__ import annotations

import struct
import subprocess

import numpy as np
import pytest

from mediasynth.core.config import Budgets, pipeline_from_config
from mediasynth.core.errors import MediaError
from mediasynth.io.ffmpeg import PacketScan, StreamSpan, ffmpeg_binary
from mediasynth.video.handler import VideoHandler
from mediasynth.video.probe import _refuse_damage

BUDGETS = Budgets()


def _clip(path, *, seconds=3, size="160x90", fps=30):
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=d={seconds}:r={fps}:s={size}", "-f", "lavfi", "-i",
                    f"sine=f=1000:d={seconds}", "-c:v", "libx264", "-preset", "ultrafast",
                    "-pix_fmt", "yuv420p", "-c:a", "aac", "-movflags", "+faststart", str(path)],
                   check=True)
    return path


def _cut(src, dest, share):
    data = src.read_bytes()
    dest.write_bytes(data[: int(len(data) * share)])
    return dest


@pytest.mark.parametrize("ext", ["mp4", "mkv"])
def test_a_cut_file_passes_the_header_check_but_not_verify_or_load(tmp_path, ext):
    cut = _cut(_clip(tmp_path / f"full.{ext}"), tmp_path / f"cut.{ext}", 0.7)
    handler = VideoHandler()
    handler.check(cut, BUDGETS)  # header and first frame are intact
    for step in (handler.verify, handler.load):
        with pytest.raises(MediaError) as info:
            step(cut, BUDGETS)
        assert info.value.code == "truncated", info.value.message


def test_an_intact_file_verifies_and_loads_with_its_measured_length(tmp_path):
    src = _clip(tmp_path / "full.mp4")
    handler = VideoHandler()
    handler.verify(src, BUDGETS)
    video = handler.load(src, BUDGETS)
    assert abs(video.duration_s - 3.0) < 1e-6 and video.frame_count == 90


@pytest.mark.parametrize("error,code", [("Invalid data found when processing input", "damaged"),
                                        ("End of file", "truncated")])
def test_demuxer_errors_are_damage_or_truncation(error, code):
    scan = PacketScan(10.0, {0: StreamSpan(100, 0.0, 4.0, 0.0)}, error=error)
    with pytest.raises(MediaError) as info:
        _refuse_damage(scan)
    assert info.value.code == code and error in info.value.message


def test_decode_errors_while_rendering_are_damage(tmp_path):
    src = _clip(tmp_path / "full.mp4", seconds=2, size="64x48")
    data = bytearray(src.read_bytes())
    lo, hi = int(len(data) * 0.2), int(len(data) * 0.95)
    data[lo:hi] = np.random.default_rng(0).integers(0, 256, hi - lo, dtype=np.uint8).tobytes()
    bad = tmp_path / "bad.mp4"
    bad.write_bytes(bytes(data))
    handler = VideoHandler()
    video = handler.load(bad, BUDGETS)  # the container is intact: only the frames are not
    for path in ("fused", "frames"):
        pipeline = pipeline_from_config({"version": 1, "output": {"video": {"path": path}},
                                         "video": {"frames": [{"type": "image.flip_horizontal"}]}})
        with pytest.raises(MediaError) as info:
            handler.render(video, pipeline, np.random.default_rng(0), tmp_path / f"{path}.mp4")
        assert info.value.code == "damaged" and "decod" in info.value.message


def test_frame_size_and_worker_memory_are_checked_from_the_header(tmp_path):
    src = _clip(tmp_path / "full.mp4")  # 160 x 90
    handler = VideoHandler()
    for budgets in (Budgets(max_video_pixels=160 * 90 - 1),
                    Budgets(max_worker_memory_bytes=160 * 90 * 3)):
        for step in (handler.check, handler.load):
            with pytest.raises(MediaError) as info:
                step(src, budgets)
            assert info.value.code == "too_large"
    handler.load(src, Budgets(max_video_pixels=160 * 90))


def test_the_memory_estimate_counts_ffmpeg_buffers_not_only_frames(tmp_path):
    """A 1280x720 clip: 8 RGB frames are 21 MiB, but FFmpeg's decoder and libx264 hold
    about 84 bytes a pixel more (bench/memory.py); a 48 MiB budget refuses it from the
    header with the estimate, before any frame is decoded."""
    from mediasynth.video.probe import FFMPEG_BYTES_PER_PIXEL, FRAMES_IN_MEMORY

    src = _clip(tmp_path / "hd.mp4", seconds=1, size="1280x720")
    pixels = 1280 * 720
    assert FRAMES_IN_MEMORY * 3 * pixels < 48 * 2**20 < (FRAMES_IN_MEMORY * 3
                                                          + FFMPEG_BYTES_PER_PIXEL) * pixels
    handler = VideoHandler()
    with pytest.raises(MediaError) as info:
        handler.check(src, Budgets(max_worker_memory_bytes=48 * 2**20))
    assert info.value.code == "too_large"
    assert "95 MiB" in info.value.message and "FFmpeg" in info.value.message
    handler.check(src, Budgets(max_worker_memory_bytes=100 * 2**20))


def _mkv_claiming(path, seconds_claimed):
    """Rewrite the Segment Info Duration (EBML 0x4489, a float in ms) of an MKV."""
    data = bytearray(path.read_bytes())
    at = data.find(b"\x44\x89\x88")
    if at >= 0:
        data[at + 3:at + 11] = struct.pack(">d", seconds_claimed * 1000.0)
    else:
        at = data.index(b"\x44\x89\x84")
        data[at + 3:at + 7] = struct.pack(">f", seconds_claimed * 1000.0)
    path.write_bytes(bytes(data))


def test_a_header_that_understates_the_length_does_not_pass_load(tmp_path):
    src = tmp_path / "long.mkv"
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    "color=s=16x16:r=1:d=600", "-c:v", "libx264", "-preset", "ultrafast",
                    "-g", "600", str(src)], check=True)
    _mkv_claiming(src, 1.0)
    budgets = Budgets(max_video_duration_s=60)
    handler = VideoHandler()
    handler.check(src, budgets)  # the header says 1 s
    for step in (handler.verify, handler.load):
        with pytest.raises(MediaError) as info:
            step(src, budgets)
        assert info.value.code == "too_large" and "measured" in info.value.message
