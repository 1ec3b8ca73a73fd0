"""engine/replay.py: `mediasynth replay OUT ID` regenerates rows of synth OUTs (the generator
rebuilt from OUT/.mediasynth/generator.json) byte for byte, for procedural and asset-drawing
generators, and refuses what it cannot do with a MediasynthError."""

from __future__ import annotations

from pathlib import Path

import pytest

from mediasynth import api
from mediasynth.cli import main
from mediasynth.core.errors import MediasynthError
from mediasynth.engine import manifest as M
from mediasynth.engine.replay import replay_row

ROOT = Path(__file__).resolve().parents[2]


def _replays_every_row(out: Path, dest: Path) -> int:
    dest.mkdir()
    rows = [r for r in M.read_manifest(out) if r["status"] == "ok"]
    for row in rows:
        path, identical = replay_row(out, row["id"], dest)
        assert identical, row["output"]
        assert path.read_bytes() == (out / row["output"]).read_bytes()
    return len(rows)


def test_shapes_and_tones_rows_replay_byte_identical(tmp_path):
    api.synth("shapes", tmp_path / "shapes", count=24, seed=5, split=(0.5, 0.25, 0.25),
              width=96, height=72, report=False, progress=False, workers=2)
    assert _replays_every_row(tmp_path / "shapes", tmp_path / "d1") == 24
    api.synth("tones", tmp_path / "tones", count=12, seed=1, report=False, progress=False,
              workers=1, duration_s_range=[0.2, 0.4])
    assert _replays_every_row(tmp_path / "tones", tmp_path / "d2") == 12


def test_scenes_rows_replay_through_the_cli(tmp_path):
    out = tmp_path / "scenes"
    api.synth("scenes", out, count=6, seed=2, report=False, progress=False, workers=1,
              objects=str(ROOT / "samples_coco"), backgrounds=str(ROOT / "samples" / "circle"),
              width=96, height=72)
    row = next(r for r in M.read_manifest(out) if r["status"] == "ok")
    dest = tmp_path / "again.png"
    assert main(["replay", str(out), row["id"][:8], str(dest)]) == 0
    assert dest.read_bytes() == (out / row["output"]).read_bytes()


def test_a_synth_out_without_its_generator_file_is_refused(tmp_path):
    out = tmp_path / "shapes"
    api.synth("shapes", out, count=2, report=False, progress=False, workers=1)
    (out / ".mediasynth" / "generator.json").unlink()
    row = M.read_manifest(out)[0]
    with pytest.raises(MediasynthError, match="generator.json"):
        replay_row(out, row["id"], tmp_path)
