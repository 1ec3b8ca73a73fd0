"""kinds_to_warm (engine/warmup.py): the kinds the pipeline transforms among the first file
names under SRC, without opening files, within its bounds."""

from __future__ import annotations

import os

from mediasynth.core.config import load_pipeline
from mediasynth.engine.warmup import kinds_to_warm

ALL_CHAINS = """version: 1
image: [{type: image.flip_horizontal}]
audio: [{type: audio.gain, gain_db_range: [-3, 3]}]
video:
  frames: [{type: image.flip_horizontal}]
"""


def _pipeline(tmp_path, text=ALL_CHAINS):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    return load_pipeline(path)


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")  # never read: names only


def test_an_image_folder_warms_images_only_under_a_pipeline_with_every_chain(tmp_path):
    src = tmp_path / "src"
    for i in range(300):
        _touch(src / f"class{i % 3}" / f"img_{i:03d}.jpg")
    assert kinds_to_warm(src, _pipeline(tmp_path)) == ("image",)


def test_mixed_folders_give_every_kind_seen_sorted(tmp_path):
    src = tmp_path / "src"
    names = ["a.PNG", "b.wav", "c.mp4", "d.txt", "e.OGG"]
    for i, name in enumerate(names * 10):
        _touch(src / f"c{i % 4}" / f"{i}_{name}")
    assert kinds_to_warm(src, _pipeline(tmp_path)) == ("audio", "image", "video")


def test_kinds_without_a_chain_are_left_out(tmp_path):
    src = tmp_path / "src"
    _touch(src / "a" / "x.mp4")
    _touch(src / "a" / "y.jpg")
    only_image = _pipeline(tmp_path, "version: 1\nimage: [{type: image.flip_horizontal}]\n")
    assert kinds_to_warm(src, only_image) == ("image",)


def test_the_look_is_bounded_by_file_names_and_folders(tmp_path):
    src = tmp_path / "src"
    for i in range(100):
        _touch(src / "a" / f"{i:03d}.jpg")
    _touch(src / "a" / "zzz.wav")  # the 101st name, past the bound
    _touch(src / "b" / "deep" / "x.mp4")
    pipeline = _pipeline(tmp_path)
    assert kinds_to_warm(src, pipeline, files=64) == ("image",)
    assert kinds_to_warm(src, pipeline, files=1000) == ("audio", "image", "video")
    assert kinds_to_warm(src, pipeline, files=1000, folders=2) == ("audio", "image")


def test_hidden_entries_non_utf8_names_and_unreadable_sources(tmp_path):
    src = tmp_path / "src"
    _touch(src / ".cache" / "x.mp4")
    _touch(src / "a" / ".hidden.wav")
    raw = os.fsencode(str(src / "a")) + b"/caf\xe9.png"
    with open(raw, "wb"):
        pass
    pipeline = _pipeline(tmp_path)
    assert kinds_to_warm(src, pipeline) == ("image",)
    assert kinds_to_warm(tmp_path / "missing", pipeline) == ()
    assert kinds_to_warm(raw.decode("utf-8", "surrogateescape"), pipeline) == ()  # a file
