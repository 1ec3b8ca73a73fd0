"""synth on the expand engine (engine/synth_runner.py): resume keeps intact items and makes
the rest, a failing item is a reason row and exit 3, and a realistic synth OUT expands."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from mediasynth.cli import main
from mediasynth.core import registry
from mediasynth.engine import manifest as M
from mediasynth.engine.synth_runner import run_synth
from tests.engine.helpers import tree_digest
from tests.engine.synth_crashy import CrashingShapes

SHAPES = ["--set", "width=48", "--set", "height=48"]


def _digest(out):
    """Every file of OUT but its lock (which holds the last run's pid)."""
    return {k: v for k, v in tree_digest(out).items() if not k.endswith(".mediasynth/lock")}


@pytest.fixture(scope="module")
def shapes_300(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "shapes"
    assert main(["synth", "shapes", str(out), "--count", "300", "--split", "0.8,0.1,0.1",
                 "--seed", "4", "--workers", "2", "-q", "--no-report", *SHAPES]) == 0
    return out, _digest(out)


def test_a_rerun_remakes_only_missing_or_damaged_items(shapes_300, tmp_path):
    import shutil

    ref, digest = shapes_300
    out = tmp_path / "shapes"
    shutil.copytree(ref, out)
    rows = M.read_manifest(out)
    assert len(rows) == 300 and {r["status"] for r in rows} == {"ok"}
    (out / rows[10]["output"]).unlink()  # an item gone
    (out / rows[11]["output"]).write_bytes(b"damaged")  # an item's bytes changed
    (out / rows[12]["info"]["mask"]).unlink()  # an item's side file gone
    (out / "annotations" / "train.coco.json").unlink()
    (out / "manifest.jsonl").open("ab").write(b'{"torn": ')  # a killed writer's last line
    stray = out / rows[13]["output"]
    stray.with_name(".mediasynth-tmp-1-x.png").write_bytes(b"half")
    from mediasynth import api

    result = api.synth("shapes", out, count=300, split=(0.8, 0.1, 0.1), seed=4, workers=2,
                       width=48, height=48, report=False, progress=False)
    assert result.resumed == 297 and result.items == 300 and result.exit_code == 0
    assert _digest(out) == digest


def test_overwrite_makes_every_item_again_with_the_same_bytes(shapes_300, tmp_path):
    import shutil

    ref, digest = shapes_300
    out = tmp_path / "shapes"
    shutil.copytree(ref, out)
    from mediasynth import api

    result = api.synth("shapes", out, count=300, split=(0.8, 0.1, 0.1), seed=4, workers=2,
                       width=48, height=48, report=False, progress=False, overwrite=True)
    assert result.resumed == 0 and result.items == 300
    assert _digest(out) == digest


def test_a_realistic_synth_out_expands(shapes_300, tmp_path):
    ref, _ = shapes_300
    out = tmp_path / "expanded"
    assert main(["expand", str(ref), str(out), "-n", "1", "-q", "--no-report",
                 "--workers", "2"]) == 0
    rows = M.read_manifest(out)
    assert Counter(r["split"] for r in rows) == Counter(r["split"]
                                                       for r in M.read_manifest(ref))
    assert {r["status"] for r in rows} == {"ok"} and len(rows) == 300


def test_a_failing_item_is_a_reason_row_and_exit_3(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(registry._REGISTRY, "synth.test_crashing_shapes", CrashingShapes)
    ref, out = tmp_path / "ref", tmp_path / "out"
    args = ["--count", "40", "--split", "0.5,0.5", "--workers", "2", "--no-report", *SHAPES]
    assert main(["synth", "shapes", str(ref), "-q", *args]) == 0
    code = main(["synth", "test_crashing_shapes", str(out), *args, "--set", "crash_at=[5]",
                 "--set", "kill_at=[17]"])
    assert code == 3
    printed = capsys.readouterr().out
    assert "failed 2" in printed and "RuntimeError: drawing failed on purpose" in printed
    rows = M.read_manifest(out)
    assert [r["variant"] for r in rows] == list(range(40))
    bad = {r["variant"]: r for r in rows if r["status"] != "ok"}
    assert set(bad) == {5, 17}
    assert bad[5]["reason"] == {"code": "crashed",
                                "message": "RuntimeError: drawing failed on purpose"}
    assert bad[17]["reason"]["code"] == "crashed" and "worker process died" in \
        bad[17]["reason"]["message"]
    assert all(r["output"] is None and r["class"] and r["split"] for r in bad.values())
    # every other item has the bytes the plain generator gives (items do not share a seed)
    good = {r["output"]: r["output_sha256"] for r in rows if r["status"] == "ok"}
    assert good == {r["output"]: r["output_sha256"] for r in M.read_manifest(ref)
                    if r["variant"] not in bad}
    labels = (out / "labels.csv").read_text().splitlines()
    assert len(labels) == 1 + 38
    coco = [json.loads((out / "annotations" / f"{s}.coco.json").read_text())
            for s in ("train", "val")]
    assert sum(len(c["images"]) for c in coco) == 38
    # a re-run keeps the 38 and tries the two again (they fail again: exit 3 again)
    from mediasynth import api

    again = api.synth("test_crashing_shapes", out, count=40, split=(0.5, 0.5), workers=2,
                      report=False, progress=False, width=48, height=48, crash_at=[5],
                      kill_at=[17])
    assert again.resumed == 38 and again.exit_code == 3
    assert {p.row_id for p in again.problems} == {bad[5]["id"], bad[17]["id"]}


def test_run_synth_returns_counts_and_writes_the_card(tmp_path):
    generator = registry.build({"type": "synth.tones", "duration_s_range": [0.1, 0.1],
                                "sample_rate": 8000})
    result = run_synth(generator, tmp_path / "tones", count=12, seed=2,
                       split={"train": 0.5, "val": 0.5}, workers=1)
    assert result.exit_code == 0 and result.status_counts == Counter(ok=12)
    assert sum(result.ok_counts.values()) == 12 and len(result.rows) == 12
    assert (tmp_path / "tones" / "README.md").is_file()
    assert (tmp_path / "tones" / "croissant.json").is_file()


def test_a_foreign_out_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "mine.txt").write_text("x")
    assert main(["synth", "shapes", str(out), "--count", "3", "-q"]) == 1
    assert (out / "mine.txt").read_text() == "x" and len(list(out.iterdir())) == 1
