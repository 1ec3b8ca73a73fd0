"""Resume trusts a source's recorded sha256 only while its stamp (size, mtime, inode, ctime)
is unchanged: an edit that keeps size and mtime (a tool that restores timestamps, `cp -p`,
`touch -r`) still changes ctime, so the source is hashed again and its outputs remade."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from mediasynth.core.config import load_pipeline
from mediasynth.engine import manifest as M
from mediasynth.engine.run import ExpandOptions, expand
from mediasynth.engine.sink import RACY_S, SOURCES, STATE_DIR, source_stamp
from mediasynth.engine.worker import file_sha256

DEFAULT = load_pipeline(Path(__file__).resolve().parents[2] / "mediasynth" / "pipelines"
                        / "default.yaml")


def _bmp(path: Path, pixels: np.ndarray) -> None:
    """An uncompressed BMP: any pixel change keeps the file size."""
    import cv2

    path.parent.mkdir(parents=True, exist_ok=True)
    ok, data = cv2.imencode(".bmp", pixels)
    assert ok
    path.write_bytes(data.tobytes())


def _tree(src: Path, count: int = 200) -> None:
    rng = np.random.default_rng(7)
    for i in range(count):
        gray = i % 3 == 0
        shape = (20, 28) if gray else (20, 28, 3)
        _bmp(src / ("a" if i % 2 else "b") / f"{i:03d}.bmp",
             rng.integers(0, 256, shape, dtype=np.uint8))


def _run(src: Path, out: Path):
    pipeline = DEFAULT.with_overrides(variants=1)
    return expand(src, out, pipeline, ExpandOptions(workers=2, quiet=True, previews=False))


def test_same_size_same_mtime_edit_is_detected(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    _tree(src)
    time.sleep(RACY_S + 0.2)  # stamps of files changed just now are not trusted
    _run(src, out)
    first = {r["id"]: r["output_sha256"] for r in M.read_manifest(out)
             if r["source"] == "a/001.bmp"}
    state = json.loads((out / STATE_DIR / SOURCES).read_text())
    assert len(state) == 200 and all(len(v) == 5 for v in state.values())

    edited = src / "a" / "001.bmp"
    before = os.stat(edited)
    data = bytearray(edited.read_bytes())
    data[-50:] = bytes(255 - b for b in data[-50:])  # pixel bytes: size unchanged
    edited.write_bytes(bytes(data))
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))  # mtime put back
    after = os.stat(edited)
    assert (after.st_size, after.st_mtime_ns) == (before.st_size, before.st_mtime_ns)

    second = _run(src, out)
    rows = [r for r in M.read_manifest(out) if r["source"] == "a/001.bmp"]
    assert rows and all(r["source_sha256"] == file_sha256(edited) for r in rows)
    assert any(first[r["id"]] != r["output_sha256"] for r in rows)  # remade from the new bytes
    made = sum(1 for r in rows if r["status"] == "ok")
    total = sum(1 for r in second.rows if r["status"] == "ok")
    assert second.resumed == total - made  # every other source resumed, none re-rendered


def test_a_stamp_of_a_file_changed_just_now_is_not_kept(tmp_path):
    fresh = tmp_path / "fresh.bin"
    fresh.write_bytes(b"x" * 100)
    assert source_stamp(fresh) is None  # its next edit could fall in the same clock tick
    assert source_stamp(tmp_path / "missing") is None
    old = tmp_path / "old.bin"
    old.write_bytes(b"y" * 100)
    past = time.time_ns() - 3_600 * 10**9
    os.utime(old, ns=(past, past))
    # ctime cannot be set back: it is now, so this stamp is not kept either
    assert source_stamp(old) is None
