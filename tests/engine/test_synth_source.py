"""One generated item in a worker (engine/synth_source.py): a complete item and its row, a
failing generator as a failed row, an unwritable OUT as a run-stopping error."""

from __future__ import annotations

import errno
import hashlib
from dataclasses import dataclass

import pytest

from mediasynth.core.registry import lookup
from mediasynth.engine.synth_plan import make_synth_plan
from mediasynth.engine.synth_source import SynthContext, render_chunk, render_item
from mediasynth.engine.worker import FatalOutputError
from mediasynth.synth.shapes import Shapes
from tests.engine.synth_crashy import CrashingShapes


def _context(plan, out) -> SynthContext:
    return SynthContext(plan.generator, str(out), plan.seed, plan.split_shares,
                        plan.config_sha256, {"mediasynth": "test"})


def test_an_item_is_written_with_its_side_files_and_described(tmp_path):
    plan = make_synth_plan(lookup("synth.shapes")(width=40, height=40), count=20, seed=3,
                           split={"train": 0.5, "val": 0.5})
    ctx = _context(plan, tmp_path)
    (chunk,) = list(plan.chunks(range(4, 8)))
    rows = render_chunk(chunk, ctx)
    assert [r["variant"] for r in rows] == [4, 5, 6, 7]
    for row, item in zip(rows, chunk.items):
        path = tmp_path / row["output"]
        assert row["output"] == item.rel_path and row["status"] == "ok"
        assert hashlib.sha256(path.read_bytes()).hexdigest() == row["output_sha256"]
        assert (tmp_path / row["info"]["mask"]).is_file()
        assert (tmp_path / row["info"]["yolo"]).is_file()
        assert row["pipeline_sha256"] == plan.config_sha256 and row["source"] is None
    # the item does not depend on its chunk: alone it has the same bytes
    again = render_item(chunk.items[2], _context(plan, tmp_path / "other"))
    assert again["output_sha256"] == rows[2]["output_sha256"]


def test_a_generator_error_is_a_failed_row_and_the_chunk_goes_on(tmp_path):
    plan = make_synth_plan(CrashingShapes(width=32, height=32, crash_at=(1,)), count=3)
    rows = render_chunk(next(plan.chunks(range(3))), _context(plan, tmp_path))
    assert [r["status"] for r in rows] == ["ok", "failed", "ok"]
    assert rows[1]["reason"] == {"code": "crashed",
                                 "message": "RuntimeError: drawing failed on purpose"}
    assert rows[1]["output"] is None and not (tmp_path / plan.item(1).rel_path).exists()


@dataclass(frozen=True, kw_only=True)
class FullDisk(Shapes):
    def write(self, item, path) -> None:
        raise OSError(errno.ENOSPC, "No space left on device", str(path))


def test_an_unwritable_out_stops_the_run(tmp_path):
    plan = make_synth_plan(FullDisk(width=16, height=16), count=1)
    with pytest.raises(FatalOutputError, match="No space left"):
        render_item(plan.item(0), _context(plan, tmp_path))
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
