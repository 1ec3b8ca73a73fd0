"""Atomic writes (io/atomic.py): a reader never sees a partial file, a failed write leaves
no temp file, and a writer that decides late (the engine's workers) commits or drops."""

from __future__ import annotations

import os

import pytest

from mediasynth.io.atomic import (
    TEMP_PREFIX,
    atomic_path,
    commit,
    remove_stale_temps,
    temp_path,
    write_bytes_atomic,
)


def test_atomic_path_replaces_only_on_success(tmp_path):
    dest = tmp_path / "a" / "out.png"
    write_bytes_atomic(dest, b"first")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder died")
    assert dest.read_bytes() == b"first"
    assert os.listdir(dest.parent) == ["out.png"]
    with atomic_path(dest) as tmp:
        assert tmp.suffix == ".png" and tmp.name.startswith(TEMP_PREFIX)
        tmp.write_bytes(b"second")
    assert dest.read_bytes() == b"second"


@pytest.mark.parametrize("fsync", [False, True])
def test_temp_path_is_dropped_unless_committed(tmp_path, fsync):
    dest = tmp_path / "clip.mp4"
    with temp_path(dest) as tmp:
        assert tmp.parent == dest.parent and tmp.name.endswith("-clip.mp4")
        tmp.write_bytes(b"redrawn")  # the writer decides not to keep it
    assert not list(tmp_path.iterdir())
    with temp_path(dest) as tmp:
        tmp.write_bytes(b"kept")
        commit(tmp, dest, fsync=fsync)
    assert [p.name for p in tmp_path.iterdir()] == ["clip.mp4"]
    assert dest.read_bytes() == b"kept"


def test_stale_temps_of_killed_writers_are_swept(tmp_path):
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / f"{TEMP_PREFIX}123-a.png").write_bytes(b"")
    (tmp_path / "keep.png").write_bytes(b"")
    assert remove_stale_temps(tmp_path) == 1
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["keep.png"]
