"""The built-in output formats (engine/output_formats.py) against their contract."""

from __future__ import annotations

import hashlib
import io
import tarfile
from types import SimpleNamespace

from mediasynth.core.contracts import missing_members
from mediasynth.core.output_format import FinishedRun, OutputFormat
from mediasynth.engine.output_formats import FOLDER, WEBDATASET


def test_both_formats_implement_the_whole_contract():
    assert missing_members(FOLDER, OutputFormat) == []
    assert missing_members(WEBDATASET, OutputFormat) == []
    assert isinstance(FOLDER, OutputFormat) and isinstance(WEBDATASET, OutputFormat)


def test_folder_keeps_the_loose_files_and_the_annotation_exports(tmp_path):
    loose = {f"train/c/{i:03d}.png" for i in range(300)}
    done = FOLDER.finish(FinishedRun(tmp_path, None, loose, lambda: ["annotations/coco.json"]))
    assert done.keep == loose | {"annotations/coco.json"}
    assert done.annotation_files == ["annotations/coco.json"]


def test_folder_hashes_the_file_as_it_is_now_and_none_when_it_is_gone(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "x\udcff.png").write_bytes(b"pixels")  # a non-UTF-8 name
    row = {"output": "a/x\udcff.png"}
    assert FOLDER.stored_sha256(tmp_path, row, {}) == hashlib.sha256(b"pixels").hexdigest()
    assert FOLDER.output_bytes(tmp_path, row) == b"pixels"
    assert FOLDER.stored_sha256(tmp_path, {"output": "a/gone.png"}, {}) is None
    assert FOLDER.card_files(row) is None and FOLDER.loose


def _tar(path, members: dict[str, bytes]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with tarfile.open(path, "w") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))


def test_webdataset_reads_members_and_hashes_each_shard_once(tmp_path):
    members = {f"{i:012x}.png": bytes([i]) * (i + 1) for i in range(200)}
    _tar(tmp_path / "train" / "shard-000000.tar", members)
    cache: dict = {}
    for name, data in members.items():
        row = {"output": "train/shard-000000.tar", "member": name, "split": "train"}
        assert WEBDATASET.holds(row)
        assert WEBDATASET.output_bytes(tmp_path, row) == data
        assert WEBDATASET.stored_sha256(tmp_path, row, cache) == hashlib.sha256(data).hexdigest()
    assert list(cache) == ["train/shard-000000.tar"]
    gone = {"output": "train/shard-000000.tar", "member": "missing.png"}
    assert WEBDATASET.stored_sha256(tmp_path, gone, cache) is None
    assert WEBDATASET.card_files({"split": "val"}) == ("default", "val/*.tar")
    assert WEBDATASET.card_files({"split": None}) == ("default", "*.tar")
    assert not WEBDATASET.holds({"output": "train/a.png"}) and not WEBDATASET.loose


def test_webdataset_warns_of_shards_that_mix_media_types_per_split_and_kind():
    def job(split, kind, *names):
        return SimpleNamespace(split=split, kind=kind,
                               outputs=[SimpleNamespace(rel_path=n) for n in names])

    jobs = [job("train", "image", "a.png", "b.PNG"), job("train", "image", "c.jpg"),
            job("val", "image", "d.png"), job("train", "audio", "e.wav", "f.wav")]
    warnings = WEBDATASET.plan_warnings(jobs)
    assert len(warnings) == 1 and "train mix image types (jpg, png)" in warnings[0]
    assert FOLDER.plan_warnings(jobs) == []
