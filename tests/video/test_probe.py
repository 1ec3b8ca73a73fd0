"""Probing what real files carry besides audio and video (a timecode track, a font
attachment) and headers that overstate the length: the duration budget counts the measured
content, not the header's claim."""

from __future__ import annotations

import json
import struct
import subprocess
from pathlib import Path

import numpy as np
import pytest

from mediasynth.core.config import Budgets
from mediasynth.core.errors import MediaError
from mediasynth.io.ffmpeg import ffmpeg_binary
from mediasynth.video.handler import VideoHandler

BUDGETS = Budgets(max_video_duration_s=60)


def _encode(path: Path, *extra: str, seconds: float = 1.5, codec=("-c:v", "libx264")) -> Path:
    subprocess.run([ffmpeg_binary(), "-v", "error", "-y", "-f", "lavfi", "-i",
                    f"testsrc2=s=160x96:r=25:d={seconds}", "-f", "lavfi", "-i",
                    f"sine=f=440:d={seconds}", *codec, "-pix_fmt", "yuv420p", "-c:a", "aac",
                    *extra, str(path)], check=True)
    return path


def _with_timecode(path: Path) -> Path:
    return _encode(path, "-timecode", "01:00:00:00")


def _with_attachment(path: Path) -> Path:
    font = path.with_suffix(".ttf")
    font.write_bytes(bytes(np.random.default_rng(0).integers(0, 256, 4096, dtype=np.uint8)))
    return _encode(path, "-attach", str(font), "-metadata:s:t",
                   "mimetype=application/x-truetype-font")


def _avi_claiming(path: Path, frames_claimed: int) -> Path:
    """Rewrite an AVI's stated frame counts (avih dwTotalFrames, strh dwLength, the OpenDML
    dmlh dwTotalFrames): the length its header states."""
    data = bytearray(path.read_bytes())
    for tag, offset in ((b"avih", 16), (b"strh", 32), (b"dmlh", 0)):
        at = data.find(tag)
        if at >= 0:
            data[at + 8 + offset: at + 12 + offset] = struct.pack("<I", frames_claimed)
    path.write_bytes(bytes(data))
    return path


def _mkv_claiming(path: Path, seconds_claimed: float) -> Path:
    """Rewrite the Segment Info Duration (EBML 0x4489, a float in ms) of an MKV."""
    data = bytearray(path.read_bytes())
    at = data.find(b"\x44\x89\x88")
    if at >= 0:
        data[at + 3:at + 11] = struct.pack(">d", seconds_claimed * 1000.0)
    else:
        at = data.index(b"\x44\x89\x84")
        data[at + 3:at + 7] = struct.pack(">f", seconds_claimed * 1000.0)
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("name,make", [("timecode.mov", _with_timecode),
                                       ("timecode.mp4", _with_timecode),
                                       ("font.mkv", _with_attachment)])
def test_data_and_attachment_streams_do_not_make_a_file_unreadable(tmp_path, name, make):
    import av

    src = make(tmp_path / name)
    with av.open(str(src)) as c:  # the file really has the extra stream
        assert any(s.type in ("data", "attachment") for s in c.streams)
    handler = VideoHandler()
    handler.check(src, BUDGETS)
    handler.verify(src, BUDGETS)
    video = handler.load(src, BUDGETS)
    assert abs(video.duration_s - 1.5) < 0.05 and video.audio


def _claiming_ten_hours(tmp_path: Path, ext: str) -> Path:
    if ext == "avi":
        src = _encode(tmp_path / "short.avi", codec=("-c:v", "mpeg4"))
        return _avi_claiming(src, 25 * 3600 * 10)
    return _mkv_claiming(_encode(tmp_path / "short.mkv"), 36000.0)


@pytest.mark.parametrize("ext", ["avi", "mkv"])
def test_a_short_clip_whose_header_claims_ten_hours_is_measured_not_refused(tmp_path, ext):
    import av

    src = _claiming_ten_hours(tmp_path, ext)
    with av.open(str(src)) as c:
        assert c.duration / 1e6 > 3000  # the header's claim
    handler = VideoHandler()
    handler.check(src, BUDGETS)
    handler.verify(src, BUDGETS)  # not "truncated" by the header's claim either
    video = handler.load(src, BUDGETS)
    assert abs(video.duration_s - 1.5) < 0.1  # what the packets hold, not 36000 s
    assert abs(video.frame_count - 38) <= 2


def test_content_over_the_budget_is_refused_whatever_the_header(tmp_path):
    src = _avi_claiming(_encode(tmp_path / "long.avi", seconds=8, codec=("-c:v", "mpeg4")),
                        25 * 3600 * 10)
    with pytest.raises(MediaError) as info:
        VideoHandler().check(src, Budgets(max_video_duration_s=5))
    assert info.value.code == "too_large" and "measured" in info.value.message


def test_expand_keeps_timecoded_attached_and_overclaiming_files(tmp_path):
    from mediasynth.cli import main

    src = tmp_path / "src" / "clips"
    src.mkdir(parents=True)
    _with_timecode(src / "a.mov")
    _with_timecode(src / "b.mp4")
    _with_attachment(src / "c.mkv")
    (src / "c.ttf").unlink()
    (src / "d.avi").write_bytes(_claiming_ten_hours(tmp_path, "avi").read_bytes())
    out = tmp_path / "out"
    assert main(["expand", str(tmp_path / "src"), str(out), "-n", "1", "--split", "1,0,0",
                 "-q", "--no-report"]) == 0
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    assert sorted(r["source"] for r in rows if r["status"] == "ok" and r["variant"] == 0) == \
        ["clips/a.mov", "clips/b.mp4", "clips/c.mkv", "clips/d.avi"], rows
    d = next(r for r in rows if r["source"] == "clips/d.avi" and r["variant"] == 0)
    assert abs(d["info"]["duration_s"] - 1.5) < 0.1
