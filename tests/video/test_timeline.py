"""video/timeline.py: composed frame maps of temporal edits, and the two ways the frame path
plays them (streaming a non-decreasing map, buffering one that goes back in time)."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.errors import MediaError
from mediasynth.video.timeline import (
    buffered,
    edit_class,
    frame_sources,
    is_monotone,
    select,
    stream_facts,
)

TRIM = {"op": "trim", "start_frame": 10, "frames": 40, "fps": 25.0}
REVERSE = {"op": "reverse", "max_buffer_bytes": 1 << 30}
RATE_HALF = {"op": "fps", "fps": 12.5}


def _frames(n: int, shape=(4, 6, 3)):
    """Frames that show their own index (every pixel)."""
    return (np.full(shape, i % 256, np.uint8) for i in range(n))


def test_edits_compose_in_order():
    index, fps = frame_sources([TRIM, REVERSE], 100, 25.0)
    assert fps == 25.0 and index.tolist() == list(range(49, 9, -1))
    index, fps = frame_sources([REVERSE, TRIM], 100, 25.0)
    assert index.tolist() == list(range(89, 49, -1))
    index, fps = frame_sources([TRIM, RATE_HALF], 100, 25.0)
    assert fps == 12.5 and len(index) == 20 and is_monotone(index)
    assert index[0] == 10 and np.all(np.diff(index) == 2)
    assert frame_sources([], 7, 30.0)[0].tolist() == list(range(7))


def test_stream_facts_are_what_each_edit_receives():
    assert stream_facts([TRIM, RATE_HALF, REVERSE], 100, 25.0) == [
        (100, 25.0), (40, 25.0), (20, 12.5)]


def test_an_unknown_edit_is_refused():
    with pytest.raises(ValueError, match="no temporal transform makes 'warp'"):
        frame_sources([{"op": "warp"}], 10, 25.0)
    assert edit_class("trim").op == "trim"


def test_select_holds_and_skips_frames_as_the_map_says_and_stops_when_they_run_out():
    shown = [int(f[0, 0, 0]) for f in select(_frames(10), np.array([0, 0, 1, 4, 4, 9]))]
    assert shown == [0, 0, 1, 4, 4, 9]
    assert [int(f[0, 0, 0]) for f in select(_frames(3), np.array([0, 2, 5, 6]))] == [0, 2]
    assert is_monotone(np.array([0, 0, 3])) and not is_monotone(np.array([2, 1]))


def test_buffered_plays_a_reverse_from_disk_and_leaves_no_temp_file(tmp_path):
    dest = tmp_path / "clip__v000.mp4"
    shown = [int(f[0, 0, 0]) for f in buffered(_frames(120), REVERSE, dest)]
    assert shown == list(range(119, -1, -1))  # the map is made for the frames received
    assert list(tmp_path.iterdir()) == []
    assert list(buffered(iter(()), REVERSE, dest)) == []


def test_buffered_refuses_more_frames_than_its_budget_and_cleans_up(tmp_path):
    edit = {**REVERSE, "max_buffer_bytes": 4 * 6 * 3 * 50}  # 50 frames
    with pytest.raises(MediaError) as refused:
        list(buffered(_frames(51), edit, tmp_path / "x.mp4"))
    assert refused.value.code == "too_large" and "max_buffer_bytes" in refused.value.message
    assert list(tmp_path.iterdir()) == []
    assert len(list(buffered(_frames(50), edit, tmp_path / "x.mp4"))) == 50


def test_a_reader_that_stops_early_leaves_no_buffer_behind(tmp_path):
    played = buffered(_frames(30), REVERSE, tmp_path / "x.mp4")
    assert int(next(played)[0, 0, 0]) == 29
    assert len(list(tmp_path.iterdir())) == 1  # the buffer, while it plays
    played.close()
    assert list(tmp_path.iterdir()) == []
