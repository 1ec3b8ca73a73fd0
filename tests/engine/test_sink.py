"""engine/sink.py: the lock on OUT, the journal of paths a run may write, stale-output
removal, the temp sweep, the source stamps and the folder checks, without a run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from mediasynth.core.errors import FatalError, OutLocked, SourceNotFound
from mediasynth.engine import manifest as M
from mediasynth.engine import sink
from mediasynth.engine.sink import FolderSink, OutLock, check_folders, is_ours, source_stamp
from mediasynth.io.atomic import TEMP_PREFIX

NON_UTF8 = os.fsdecode(b"caf\xe9")  # a Latin-1 name, held as a surrogate escape


def _journal(out: Path) -> list[str]:
    data = (out / sink.STATE_DIR / sink.JOURNAL).read_bytes()
    return data.decode("utf-8", "surrogateescape").splitlines()


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


# --- the lock ---------------------------------------------------------------------------

def test_lock_creates_out_records_the_pid_and_refuses_a_second_holder(tmp_path):
    out = tmp_path / "out"
    with OutLock(out):
        lock = out / sink.STATE_DIR / sink.LOCK
        assert lock.read_text() == f"{os.getpid()}\n"
        with pytest.raises(OutLocked) as refused:
            OutLock(out).__enter__()
        assert refused.value.pid == str(os.getpid())
        assert str(os.getpid()) in str(refused.value) and str(out) in str(refused.value)
    assert lock.read_text() == ""  # released: no pid left behind
    with OutLock(out):  # and free again
        pass


def test_lock_holds_against_another_process(tmp_path):
    out = tmp_path / "out"
    code = ("import sys\nfrom mediasynth.core.errors import OutLocked\n"
            "from mediasynth.engine.sink import OutLock\n"
            "try:\n    OutLock(sys.argv[1]).__enter__()\n"
            "except OutLocked as exc:\n    print('locked', exc.pid)\nelse:\n    print('free')\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}

    def other() -> str:
        return subprocess.run([sys.executable, "-c", code, str(out)], capture_output=True,
                              text=True, check=True, env=env).stdout.strip()

    with OutLock(out):
        assert other() == f"locked {os.getpid()}"
    assert other() == "free"


def test_a_run_failing_before_it_wrote_leaves_no_out(tmp_path):
    out = tmp_path / "new"
    with pytest.raises(RuntimeError), OutLock(out):
        raise RuntimeError("fatal")
    assert not out.exists()


def test_a_failing_run_keeps_an_earlier_out_but_sweeps_its_temp_files(tmp_path):
    out = tmp_path / "out"
    keep = _touch(out / "train" / "a" / "x__v000.png")
    with pytest.raises(RuntimeError), OutLock(out):
        _touch(out / "train" / "a" / f"{TEMP_PREFIX}half.png")
        raise RuntimeError("disk full")
    assert keep.read_bytes() == b"x"
    assert not list(out.rglob(f"{TEMP_PREFIX}*"))


def test_an_unwritable_out_is_a_fatal_error_naming_it(tmp_path):
    blocker = _touch(tmp_path / "file")
    with pytest.raises(FatalError, match="cannot write to OUT") as failed:
        OutLock(blocker / "out").__enter__()
    assert not isinstance(failed.value, OutLocked)


# --- folder checks ----------------------------------------------------------------------

def test_check_folders_refuses_pairs_that_would_write_into_src_or_mix_files(tmp_path):
    src = tmp_path / "src"
    _touch(src / "a" / "1.png")
    with pytest.raises(SourceNotFound):
        check_folders(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(FatalError, match="must not be SRC"):
        check_folders(src, src)
    with pytest.raises(FatalError, match="contains SRC"):
        check_folders(src, tmp_path)
    with pytest.raises(FatalError, match="not a folder"):
        check_folders(src, _touch(tmp_path / "out.txt"))
    foreign = tmp_path / "foreign"
    _touch(foreign / "notes.txt")
    with pytest.raises(FatalError, match="not empty"):
        check_folders(src, foreign)
    check_folders(src, tmp_path / "new")  # absent: fine
    (tmp_path / "empty").mkdir()
    check_folders(src, tmp_path / "empty")
    check_folders(src, src / "out")  # OUT inside SRC is excluded from discovery


def test_an_out_with_a_manifest_or_state_folder_is_ours(tmp_path):
    assert not is_ours(tmp_path)
    _touch(tmp_path / "a" / M.MANIFEST)
    _touch(tmp_path / "a" / M.LABELS)
    assert is_ours(tmp_path / "a")
    (tmp_path / "b" / sink.STATE_DIR).mkdir(parents=True)
    assert is_ours(tmp_path / "b")
    _touch(tmp_path / "b" / "notes.txt")
    check_folders(_touch(tmp_path / "src" / "x.png").parent, tmp_path / "b")


# --- journal and stale removal ----------------------------------------------------------

def _manifest(out: Path, outputs: list[str | None]) -> None:
    rows = [{"id": f"{i:012x}", "status": "ok" if o else "skipped", "output": o,
             "class": "a", "split": None, "source": f"s{i}", "variant": 0}
            for i, o in enumerate(outputs)]
    M.write_final(out, rows)


def test_begin_journals_planned_paths_with_everything_earlier_runs_wrote(tmp_path):
    out = tmp_path / "out"
    with OutLock(out):
        fs = FolderSink(out)
        _manifest(out, ["train/a/old__v000.png", None])
        fs.end({"train/a/old__v000.png", "annotations/coco.json"})
        _manifest(out, ["train/a/old__v000.png", "train/a/crashed__v000.png"])
        planned = {"train/a/new__v000.png", f"train/a/{NON_UTF8}__v000.png"}
        journal = fs.begin(planned)
    expected = planned | {"train/a/old__v000.png", "train/a/crashed__v000.png",
                          "annotations/coco.json"}
    assert journal == expected
    assert _journal(out) == sorted(expected)  # on disk before anything is written
    assert FolderSink(out).recorded_outputs() == expected


def test_remove_stale_deletes_only_journalled_files_not_kept_and_their_empty_folders(tmp_path):
    out = tmp_path / "out"
    outside = _touch(tmp_path / "outside.png")
    files = [f"train/a/{i:03d}__v000.png" for i in range(300)]
    for rel in files:
        _touch(out / rel)
    _touch(out / "val" / "b" / f"{NON_UTF8}.png")
    foreign = _touch(out / "train" / "a" / "mine.txt")  # never planned: never touched
    (out / "train" / "link").symlink_to(tmp_path)  # a path through it leaves OUT
    keep = set(files[:100])
    journal = set(files) | {f"val/b/{NON_UTF8}.png", "../outside.png",
                            "train/link/outside.png", "train/a/gone.png"}
    with OutLock(out):
        removed = FolderSink(out).remove_stale(journal, keep)
    assert removed == 201
    assert sorted(p.relative_to(out).as_posix() for p in (out / "train" / "a").iterdir()) == \
        sorted([*files[:100], "train/a/mine.txt"])
    assert foreign.exists() and outside.exists()
    assert not (out / "val").exists()  # emptied folders go, up to OUT
    assert out.is_dir()


def test_end_records_exactly_the_files_kept(tmp_path):
    out = tmp_path / "out"
    with OutLock(out):
        fs = FolderSink(out)
        fs.begin({"a.png", "b.png", "c.png"})
        fs.end({"b.png", f"{NON_UTF8}.png"})
    assert _journal(out) == sorted(["b.png", f"{NON_UTF8}.png"])
    assert FolderSink(out).recorded_outputs() == {"b.png", f"{NON_UTF8}.png"}


def test_sweep_temps_removes_killed_writers_temp_files_only(tmp_path):
    out = tmp_path / "out"
    temps = [_touch(out / "train" / c / f"{TEMP_PREFIX}{i}.png") for c in "ab" for i in range(5)]
    kept = _touch(out / "train" / "a" / "x.png")
    with OutLock(out):
        assert FolderSink(out).sweep_temps() == len(temps)
    assert not any(t.exists() for t in temps) and kept.exists()


def test_remove_report_drops_the_page_and_its_assets_only(tmp_path):
    out = tmp_path / "out"
    _touch(out / "report.html")
    _touch(out / "report_assets" / "00001-thumb.png")
    data = _touch(out / "train" / "report_assets" / "x.png")  # a class folder of that name
    FolderSink(out).remove_report()
    FolderSink(out).remove_report()  # nothing there: no error
    assert not (out / "report.html").exists() and not (out / "report_assets").exists()
    assert data.exists()


# --- sources and run files --------------------------------------------------------------

def test_sources_round_trip_and_a_damaged_file_reads_as_empty(tmp_path):
    out = tmp_path / "out"
    fs = FolderSink(out)
    assert fs.load_sources() == {}
    stamps = {f"a/{i}.png": [i, i * 10, i * 100, i * 1000, f"{i:064x}"] for i in range(200)}
    stamps[f"a/{NON_UTF8}.png"] = [1, 2, 3, 4, "0" * 64]
    (out / sink.STATE_DIR).mkdir(parents=True)
    fs.save_sources(stamps)
    assert FolderSink(out).load_sources() == stamps
    (out / sink.STATE_DIR / sink.SOURCES).write_bytes(b'{"a/0.png": [1, 2')  # torn
    assert fs.load_sources() == {}


def test_a_freshly_changed_source_has_no_stamp(tmp_path):
    path = _touch(tmp_path / "a.png")
    assert source_stamp(path) is None  # within RACY_S of its change
    assert source_stamp(tmp_path / "missing.png") is None


def test_a_stamp_changes_with_an_edit_that_keeps_size_and_mtime(tmp_path, monkeypatch):
    monkeypatch.setattr(sink, "RACY_S", 0.0)
    path = _touch(tmp_path / "a.png", b"abcd")
    before = source_stamp(path)
    st = os.stat(path)
    assert before == [4, st.st_mtime_ns, st.st_ino, st.st_ctime_ns]
    path.write_bytes(b"abce")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # size and mtime as before
    after = source_stamp(path)
    assert after is not None and after[:3] == before[:3] and after != before


def test_write_run_files_records_the_pipeline_and_where_the_data_came_from(tmp_path):
    class Pipeline:
        def to_yaml(self) -> str:
            return "image:\n  - type: image.hflip\n"

        def sha256(self) -> str:
            return "ab" * 32

    src = (tmp_path / "src")
    src.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    FolderSink(out).write_run_files(src, Pipeline())
    assert (out / "pipeline.yaml").read_text() == "image:\n  - type: image.hflip\n"
    assert json.loads((out / "run.json").read_text()) == {
        "src": str(src.resolve()), "pipeline_sha256": "ab" * 32}
