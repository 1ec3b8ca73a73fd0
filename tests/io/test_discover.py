from __future__ import annotations

import os

import numpy as np
from PIL import Image as PILImage

from mediasynth.io.discover import discover
from mediasynth.io.sniff import sniff_bytes


def _png(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    PILImage.fromarray(np.zeros((4, 4, 3), np.uint8)).save(path, format="PNG")


def test_sorted_sniffed_and_safe(tmp_path):
    src = tmp_path / "src"
    _png(src / "cats" / "b.png")
    _png(src / "cats" / "a image.jpg")  # PNG content behind a .jpg name
    _png(src / "dogs" / "-leading:colon ü.png")
    _png(src / "dogs" / "new\nline.png")
    _png(src / "dogs" / ".hidden.png")
    _png(src / ".git" / "x.png")
    (src / "dogs" / "notes.txt").write_text("hello")
    (src / "dogs" / "zero.png").write_bytes(b"")
    (src / "dogs" / "fake.wav").write_text("not audio at all")
    os.mkfifo(src / "dogs" / "pipe.wav")
    outside = tmp_path / "outside.png"
    _png(outside)
    os.symlink(outside, src / "dogs" / "escape.png")
    os.symlink(src / "cats" / "b.png", src / "dogs" / "inside.png")
    os.symlink(src, src / "dogs" / "loop")
    found = {f.rel_path: f for f in discover(src)}
    assert list(found) == sorted(found)
    assert found["cats/a image.jpg"].format == "png" and found["cats/a image.jpg"].problem is None
    assert found["dogs/-leading:colon ü.png"].kind == "image"
    assert found["dogs/new\nline.png"].kind == "image"
    assert found["dogs/inside.png"].problem is None
    assert found["dogs/escape.png"].problem[0] == "unsupported"
    assert found["dogs/pipe.wav"].problem[0] == "unsupported"
    assert found["dogs/zero.png"].problem[0] == "empty"
    assert found["dogs/fake.wav"].problem[0] == "unreadable"
    assert found["dogs/notes.txt"].kind is None and found["dogs/notes.txt"].problem is None
    assert not any(".hidden" in k or ".git" in k or "loop" in k for k in found)
    assert found["cats/b.png"].class_name == "cats"


def test_excluded_output_folder_is_skipped(tmp_path):
    _png(tmp_path / "a" / "x.png")
    _png(tmp_path / "out" / "train" / "a" / "x__v000.png")
    assert [f.rel_path for f in discover(tmp_path, exclude=(tmp_path / "out",))] == ["a/x.png"]


def test_sniff_table():
    assert sniff_bytes(b"\x00\x00\x00\x18ftypM4A \x00").kind == "audio"
    assert sniff_bytes(b"\x00\x00\x00\x18ftypisom\x00").kind == "video"
    assert sniff_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ").format == "wav"
    assert sniff_bytes(b"#EXTM3U\n#EXT-X-VERSION").kind is None
    assert sniff_bytes(b"ffconcat version 1.0").kind is None
