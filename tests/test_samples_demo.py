"""The newcomer's first run, `mediasynth expand samples out`, is clean: no warning, every
class in every split, nothing skipped (samples/README.md; samples/make_samples.py)."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from mediasynth.cli import main
from mediasynth.engine import manifest as M

SAMPLES = Path(__file__).resolve().parent.parent / "samples"


def test_expand_samples_prints_no_warning(tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["expand", str(SAMPLES), str(out), "-q", "--no-report", "--workers", "2"]) == 0
    err = capsys.readouterr().err
    assert err == "", err  # before: five warnings (a nested COCO dataset, small classes)
    splits = defaultdict(set)
    rows = M.read_manifest(out)
    for row in rows:
        assert row["status"] == "ok", row
        splits[row["class"]].add(row["split"])
    assert set(splits) == {"circle", "square", "sine", "chirp", "bouncing", "circular"}
    assert all(s == {"train", "val", "test"} for s in splits.values()), dict(splits)
