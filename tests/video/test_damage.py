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


def _bit_flipped(src, dest, flips=40):
    """`src` with `flips` bytes inverted in the middle half of its media data (mdat): the
    container and every packet stay intact, the decoder finds the damage."""
    data = bytearray(src.read_bytes())
    start = data.index(b"mdat") + 8
    size = len(data) - start
    for at in np.random.default_rng(0).integers(start + size // 4, start + 3 * size // 4,
                                                 flips):
        data[at] ^= 0xFF
    dest.write_bytes(bytes(data))
    return dest


def _silent_clip(path, *, seconds=4, size="320x180"):
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=d={seconds}:r=30:s={size}", "-c:v", "libx264", "-preset",
                    "veryfast", "-pix_fmt", "yuv420p", "-movflags", "+faststart", str(path)],
                   check=True)
    return path


def test_a_bit_flipped_mp4_passes_the_packet_scan_but_not_verify(tmp_path):
    from mediasynth.video.probe import verify_video

    bad = _bit_flipped(_silent_clip(tmp_path / "good.mp4"), tmp_path / "bad.mp4")
    handler = VideoHandler()
    handler.check(bad, BUDGETS)
    verify_video(bad, BUDGETS)  # every packet is there: only decoding tells
    with pytest.raises(MediaError) as info:
        handler.verify(bad, BUDGETS)
    assert info.value.code == "damaged" and "h264" in info.value.message
    assert "0x" not in info.value.message  # no addresses: the same reason on every run
    with pytest.raises(MediaError) as again:
        handler.verify(bad, BUDGETS)
    assert again.value.message == info.value.message
    handler.verify(tmp_path / "good.mp4", BUDGETS)


@pytest.mark.parametrize("path", ["fused", "frames"])
def test_a_bit_flipped_mp4_does_not_render(tmp_path, path):
    bad = _bit_flipped(_silent_clip(tmp_path / "good.mp4"), tmp_path / "bad.mp4")
    handler = VideoHandler()
    video = handler.load(bad, BUDGETS)
    pipeline = pipeline_from_config({"version": 1, "output": {"video": {"path": path}},
                                     "video": {"frames": [{"type": "image.flip_horizontal"}]}})
    with pytest.raises(MediaError) as info:
        handler.render(video, pipeline, np.random.default_rng(0), tmp_path / "out.mp4")
    assert info.value.code == "damaged" and "h264" in info.value.message


def test_a_clip_damaged_in_both_streams_gets_the_same_reason_on_every_path(tmp_path):
    bad = _bit_flipped(_clip(tmp_path / "good.mp4", seconds=4), tmp_path / "bad.mp4", flips=80)
    handler = VideoHandler()
    video = handler.load(bad, BUDGETS)
    reasons = set()
    for path in ("fused", "frames", "fused"):
        pipeline = pipeline_from_config({"version": 1, "output": {"video": {"path": path}},
                                         "video": {"frames": [{"type": "image.flip_horizontal"}]}})
        with pytest.raises(MediaError) as info:
            handler.render(video, pipeline, np.random.default_rng(0), tmp_path / "out.mp4")
        reasons.add(info.value.message)
    with pytest.raises(MediaError) as info:
        handler.verify(bad, BUDGETS)
    reasons.add(info.value.message)
    assert len(reasons) == 1, reasons


def test_expand_refuses_to_copy_a_bit_flipped_original(tmp_path):
    import json

    from mediasynth.cli import main

    src = tmp_path / "src" / "clips"
    src.mkdir(parents=True)
    _clip(src / "good.mp4")
    _bit_flipped(_clip(tmp_path / "other.mp4"), src / "bad.mp4")
    copy_only = tmp_path / "copy.yaml"
    copy_only.write_text("version: 1\n")  # no video chain: every clip is copied as it is
    out = tmp_path / "out"
    assert main(["expand", str(tmp_path / "src"), str(out), "-p", str(copy_only),
                 "--split", "1,0,0", "-q", "--no-report"]) == 3
    rows = {r["source"]: r for r in map(json.loads,
                                        (out / "manifest.jsonl").read_text().splitlines())}
    assert rows["clips/good.mp4"]["status"] == "ok"
    assert rows["clips/bad.mp4"]["status"] != "ok"
    assert rows["clips/bad.mp4"]["reason"]["code"] == "damaged"
    assert not list(out.rglob("bad*.mp4"))


def test_decoding_a_copied_original_costs_less_than_rendering_it(tmp_path):
    """The decode check of a copied original, against one rendered variant (CPU of the
    FFmpeg children; a 10 s 640x360 H.264 + AAC clip)."""
    import resource

    from mediasynth.io.ffmpeg import decode_failure

    src = _clip(tmp_path / "ten.mp4", seconds=10, size="640x360")

    def child_cpu_s() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    before = child_cpu_s()
    assert decode_failure(src, timeout_s=60) is None
    decode_s = child_cpu_s() - before
    handler = VideoHandler()
    video = handler.load(src, BUDGETS)
    pipeline = pipeline_from_config({"version": 1,
                                     "video": {"frames": [{"type": "image.flip_horizontal"}]}})
    before = child_cpu_s()
    handler.render(video, pipeline, np.random.default_rng(0), tmp_path / "out.mp4")
    render_s = child_cpu_s() - before
    assert decode_s < 0.5 * render_s, (decode_s, render_s)
