"""OUTs that other tools load as they are: Hugging Face `datasets` (imagefolder,
audiofolder) for classification and detection OUTs."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from mediasynth.cli import main
from tests.engine.helpers import make_tree

datasets = pytest.importorskip("datasets")
HF_SPLITS = {"train": "train", "val": "validation", "test": "test"}


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_classification_out_loads_in_imagefolder_and_audiofolder(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 12), ("square", 10)),
                    tones=(("sine", 10),))
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-n", "2", "-q", "--no-report"]) == 0
    rows = [r for r in _rows(out) if r["status"] == "ok"]
    images = datasets.load_dataset("imagefolder", data_dir=str(out))
    want = Counter((HF_SPLITS[r["split"]], r["class"]) for r in rows if r["kind"] == "image")
    got = Counter()
    for split, ds in images.items():
        names = ds.features["label"].names
        got.update((split, names[label]) for label in ds["label"])
    assert got == want
    try:
        import torchcodec  # noqa: F401  (datasets >= 4 decodes audio with it)
    except ImportError:
        if int(datasets.__version__.split(".")[0]) >= 4:
            return
    audio = datasets.load_dataset("audiofolder", data_dir=str(out))
    assert sum(len(ds) for ds in audio.values()) == sum(1 for r in rows if r["kind"] == "audio")


def test_detection_out_loads_in_imagefolder_with_objects(tmp_path):
    src = tmp_path / "synth"
    assert main(["synth", "shapes", str(src), "--count", "12", "--split", "0.5,0.5", "-q",
                 "--no-report", "--set", "width=96", "--set", "height=64"]) == 0
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", "image_detection", "-n", "1", "-q",
                 "--no-report"]) == 0
    rows = {Path(r["output"]).name: r for r in _rows(out) if r["status"] == "ok"}
    loaded = datasets.load_dataset("imagefolder", data_dir=str(out))
    assert sum(len(ds) for ds in loaded.values()) == len(rows)
    for ds in loaded.values():
        for item in ds:
            assert len(item["objects"]["bbox"]) == len(item["objects"]["categories"])
        assert sum(len(i["objects"]["bbox"]) for i in ds) > 0


def test_webdataset_shards_read_back_with_webdataset(tmp_path):
    wds = pytest.importorskip("webdataset")
    src = make_tree(tmp_path / "src", images=(("circle", 8), ("square", 6)), tones=(("sine", 4),))
    out = tmp_path / "out"
    args = ["expand", str(src), str(out), "-n", "2", "-q", "--no-report", "--format",
            "webdataset"]
    assert main(args) == 0
    rows = [r for r in _rows(out) if r["status"] == "ok"]
    shards = sorted(out.rglob("shard-*.tar"))
    assert shards and {r["output"] for r in rows} == {p.relative_to(out).as_posix()
                                                       for p in shards}
    files = {p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file()}
    assert not [f for f in files if "__v" in f], "loose outputs are packed, not left"
    import hashlib

    seen = {}
    for shard in shards:
        for sample in wds.WebDataset(str(shard), shardshuffle=False):
            meta = json.loads(sample["json"])
            media = next(v for k, v in sample.items() if k not in ("json", "__key__",
                                                                   "__url__", "__local_path__"))
            seen[sample["__key__"]] = (meta["class"], hashlib.sha256(media).hexdigest())
    assert seen == {r["id"]: (r["class"], r["output_sha256"]) for r in rows}
    before = {p: p.read_bytes() for p in shards}
    assert main(args) == 0  # a re-run resumes from the shards and writes the same bytes
    assert {p: p.read_bytes() for p in sorted(out.rglob("shard-*.tar"))} == before
    other = tmp_path / "other"
    assert main([args[0], str(src), str(other), *args[3:]]) == 0
    assert {p.relative_to(other): p.read_bytes() for p in other.rglob("shard-*.tar")} == {
        p.relative_to(out): b for p, b in before.items()}
