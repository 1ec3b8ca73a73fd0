"""The header check's probe and packet scan travel with the job (engine/handlers.py
`remember`): the worker that renders a clip does not open it again, unless it changed."""

from __future__ import annotations

import os
import pickle

import pytest

from mediasynth.core.config import pipeline_from_config
from mediasynth.core.errors import MediaError
from mediasynth.io import ffmpeg as F
from mediasynth.video import probe as P
from mediasynth.video.handler import VideoHandler
from tests.video.helpers import encode_frames, red_blue, tone


def _forget() -> None:
    P._PROBES.items.clear()
    P._SCANS.items.clear()


@pytest.fixture()
def clip(tmp_path):
    path = tmp_path / "a.mp4"
    encode_frames(path, red_blue(n=25), audio=tone(1.0))
    return path


def test_a_remembered_header_spares_the_renderer_every_read(clip, monkeypatch):
    budgets = pipeline_from_config({"version": 1}).budgets
    handler = VideoHandler()
    header = pickle.loads(pickle.dumps(handler.check(clip, budgets)))  # as it travels
    expected = handler.load(clip, budgets)
    _forget()  # another process: nothing cached

    def refuse(*_a, **_k):
        raise AssertionError("the file was read again")

    monkeypatch.setattr(F, "probe", refuse)
    monkeypatch.setattr(F, "scan_packets", refuse)
    handler.remember(header)
    video = handler.load(clip, budgets)
    handler.verify(clip, budgets)
    assert (video.frame_count, video.duration_s, video.meta) == \
        (expected.frame_count, expected.duration_s, expected.meta)


def test_a_changed_file_is_read_again(clip, monkeypatch):
    budgets = pipeline_from_config({"version": 1}).budgets
    handler = VideoHandler()
    header = handler.check(clip, budgets)
    _forget()
    clip.write_bytes(clip.read_bytes()[: clip.stat().st_size // 3])  # now truncated
    os.utime(clip, ns=(header.mtime_ns + 10**9, header.mtime_ns + 10**9))
    handler.remember(header)
    with pytest.raises(MediaError) as info:
        handler.load(clip, budgets)
    assert info.value.code in ("truncated", "unreadable", "damaged")
