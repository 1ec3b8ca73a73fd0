"""io/atomic.py: a write is all or nothing; a failed or killed one leaves at most a hidden
temp file that `remove_stale_temps` clears; outputs get the mode a plain open() would."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap

import pytest

from mediasynth.io.atomic import (
    TEMP_PREFIX,
    atomic_path,
    commit,
    remove_stale_temps,
    temp_path,
    write_bytes_atomic,
)

NON_UTF8 = os.fsdecode(b"caf\xe9")


def test_a_write_replaces_the_file_whole_and_creates_its_folders(tmp_path):
    dest = tmp_path / "a" / NON_UTF8 / "x.png"
    write_bytes_atomic(dest, b"first")
    write_bytes_atomic(dest, b"second, longer")
    assert dest.read_bytes() == b"second, longer"
    assert os.listdir(dest.parent) == ["x.png"]


def test_a_failing_writer_leaves_the_old_file_and_no_temp(tmp_path):
    dest = tmp_path / "x.wav"
    dest.write_bytes(b"old")
    with pytest.raises(RuntimeError), atomic_path(dest) as tmp:
        assert tmp.parent == dest.parent and tmp.name.startswith(TEMP_PREFIX)
        assert tmp.suffix == ".wav"  # encoders choose their format by it
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder failed")
    assert dest.read_bytes() == b"old"
    assert os.listdir(tmp_path) == ["x.wav"]


def test_the_temp_suffix_can_be_chosen(tmp_path):
    with atomic_path(tmp_path / "x.tar", suffix=".part") as tmp:
        assert tmp.suffix == ".part"
        tmp.write_bytes(b"t")
    assert (tmp_path / "x.tar").read_bytes() == b"t"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_outputs_follow_the_umask_like_a_plain_open(tmp_path, umask):
    code = textwrap.dedent(f"""
        import os, sys
        os.umask({umask})
        from mediasynth.io.atomic import write_bytes_atomic
        write_bytes_atomic(sys.argv[1] + "/atomic", b"x")
        open(sys.argv[1] + "/plain", "wb").close()
        """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code, str(tmp_path)], check=True, env=env)
    mode = [stat.S_IMODE((tmp_path / n).stat().st_mode) for n in ("atomic", "plain")]
    assert mode[0] == mode[1] == 0o666 & ~umask


def test_a_killed_writer_leaves_only_a_temp_that_the_sweep_removes(tmp_path):
    code = textwrap.dedent("""
        import os, signal, sys
        from mediasynth.io.atomic import atomic_path
        with atomic_path(sys.argv[1] + "/deep/x.png") as tmp:
            tmp.write_bytes(b"half")
            os.kill(os.getpid(), signal.SIGKILL)
        """)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    result = subprocess.run([sys.executable, "-c", code, str(tmp_path)], env=env)
    assert result.returncode == -9
    assert not (tmp_path / "deep" / "x.png").exists()
    left = list(tmp_path.rglob(f"{TEMP_PREFIX}*"))
    assert len(left) == 1 and left[0].read_bytes() == b"half"
    keep = tmp_path / "deep" / "keep.png"
    keep.write_bytes(b"k")
    assert remove_stale_temps(tmp_path) == 1
    assert remove_stale_temps(tmp_path) == 0
    assert [p.name for p in (tmp_path / "deep").iterdir()] == ["keep.png"]


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
