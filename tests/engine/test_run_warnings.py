"""Repeated warnings reach the terminal as one line per kind with their count; each stays
in full in the run's result and its rows in the manifest."""

from __future__ import annotations

import re

import numpy as np

from mediasynth.cli import main
from mediasynth.core.media import Image
from mediasynth.engine import manifest as M
from mediasynth.engine.run_warnings import RunWarning, summarize
from mediasynth.io.image_io import write_image


def _dup(i: int) -> RunWarning:
    return RunWarning(f"train/a/{i}__v001.png: same bytes as an earlier output of a/{i}.png",
                      "duplicate_output", "{n} outputs have the same bytes as an earlier output")


def test_summarize_counts_each_kind_once_in_order():
    small = [RunWarning(f"class {c!r} (2 sources) is too small for every split: none in test",
                        "split_too_small", "{n} classes are too small for every split")
             for c in ("x", "y", "z")]
    lines = summarize(["skipped annotated/: a coco dataset of its own",
                       *[_dup(i) for i in range(80)], *small, "plain", "plain",
                       RunWarning("only once", "rare", "{n} rare things")])
    assert lines == [
        "skipped annotated/: a coco dataset of its own",
        "80 outputs have the same bytes as an earlier output, e.g. "
        "train/a/0__v001.png: same bytes as an earlier output of a/0.png",
        "3 classes are too small for every split, e.g. class 'x' (2 sources) is too small "
        "for every split: none in test",
        "plain (2 times)",
        "only once",
    ]
    assert isinstance(_dup(1), str) and _dup(1).kind == "duplicate_output"


def test_duplicate_outputs_are_one_line_under_quiet(tmp_path, capsys):
    """A pipeline without randomness makes every second variant a duplicate: before, one
    warning line per output (hundreds); now one line with their count."""
    src, out = tmp_path / "src", tmp_path / "out"
    rng = np.random.default_rng(3)
    for i in range(150):
        shape = (16, 20, 1) if i % 3 == 0 else (16, 20, 3)
        write_image(Image(rng.integers(0, 256, shape, dtype=np.uint8)),
                    src / ("p" if i % 2 else "q") / f"{i:03d}.png")
    pipeline = tmp_path / "fixed.yaml"
    pipeline.write_text("variants: 2\nversion: 1\nimage:\n  - {type: image.invert}\n")
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-q", "--no-report",
                 "--workers", "2"]) == 0
    err = capsys.readouterr().err.strip().splitlines()
    duplicates = [r for r in M.read_manifest(out)
                  if (r.get("info") or {}).get("duplicate_of_earlier_output")]
    assert len(duplicates) >= 100
    assert len(err) == 1, err
    count = int(re.match(r"mediasynth: warning: (\d+) outputs have the same bytes", err[0])[1])
    assert count == len(duplicates)
