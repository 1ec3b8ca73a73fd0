"""--group-by and --folds end to end on a speaker-style tree (speakers over two classes)."""

from __future__ import annotations

import csv
import json
from collections import defaultdict

import numpy as np
import soundfile as sf

from mediasynth.cli import main


def _speaker_tree(src, speakers=20, takes=4):
    rng = np.random.default_rng(0)
    for s in range(speakers):
        for t in range(takes):
            cls = ("yes", "no")[(s + t) % 2]
            path = src / cls / f"spk{s:02d}_take{t}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            tone = np.sin(2 * np.pi * rng.uniform(200, 900) * np.arange(4000) / 8000)
            sf.write(path, (0.3 * tone + 0.05 * rng.standard_normal(4000)).astype("float32"),
                     8000)


def _rows(out):
    return [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]


def test_no_speaker_in_two_splits(tmp_path, capsys):
    src = tmp_path / "src"
    _speaker_tree(src)
    (src / "yes" / "unmatched.wav").write_bytes((src / "yes" / "spk00_take0.wav").read_bytes()
                                               [:44] + bytes(8000))
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-q", "--no-report", "-n", "1",
                 "--split", "0.6,0.2,0.2", "--group-by", r"spk\d+"]) == 0
    splits = defaultdict(set)
    for r in _rows(out):
        if r["source"] != "yes/unmatched.wav":
            assert r["group"] == r["source"].split("/")[1][:5]
            splits[r["group"]].add(r["split"])
    assert all(len(s) == 1 for s in splits.values())
    sizes = defaultdict(int)
    for s in splits.values():
        sizes[next(iter(s))] += 1
    assert sizes == {"train": 12, "val": 4, "test": 4}
    assert "matched nothing in 1 source" in capsys.readouterr().err


def test_folds_with_groups_and_loaders(tmp_path, capsys):
    from mediasynth.loaders.dataset import MediaDataset

    src = tmp_path / "src"
    _speaker_tree(src, speakers=15, takes=2)
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-q", "--no-report", "-n", "1",
                 "--folds", "5", "--group-by", r"spk\d+"]) == 0
    rows = _rows(out)
    fold_of = {}
    assert {r["split"] for r in rows} == {"train", "test"}  # the default pipeline's test
    for r in rows:
        if r["split"] == "test":
            assert "fold" not in r
            continue
        assert r["fold"] in range(5)
        assert fold_of.setdefault(r["source"], r["fold"]) == r["fold"]
    speaker_folds = defaultdict(set)
    for source, fold in fold_of.items():
        speaker_folds[source.split("/")[1][:5]].add(fold)
    assert all(len(f) == 1 for f in speaker_folds.values())
    per_fold = [len([s for s in speaker_folds.values() if f in s]) for f in range(5)]
    assert max(per_fold) - min(per_fold) <= 1 and sum(per_fold) == len(speaker_folds)
    assert "val share joins train" in capsys.readouterr().err
    with open(out / "labels.csv", newline="") as fh:
        assert {row["fold"] for row in csv.DictReader(fh)} == {"", "0", "1", "2", "3", "4"}
    train = MediaDataset(out, split="train", fold=2)
    val = MediaDataset(out, split="val", fold=2)
    val_sources = {s for s, f in fold_of.items() if f == 2}
    assert len(val) == len(val_sources)  # the originals of fold 2
    assert not {i.path for i in train.items} & {i.path for i in val.items}
    assert all("__orig" in i.path for i in val.items)
    assert len(train) == sum(1 for r in rows if r["split"] == "train" and r["fold"] != 2)
