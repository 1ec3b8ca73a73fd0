"""A run's result (engine/run_result.py): exit code 3 whenever an input or item failed,
and the CLI's table for expand and synth alike."""

from __future__ import annotations

from collections import Counter

from mediasynth.engine.plan import Plan
from mediasynth.engine.run_result import ExpandResult, summary_table


def test_exit_code_and_table_of_a_run_with_problems():
    result = ExpandResult(Plan((), ()))
    assert result.exit_code == 0
    result.status_counts = Counter(ok=5, failed=1, skipped=1)
    result.ok_counts = Counter({("train", "cat", "image"): 3, ("val", "dog", "image"): 2})
    result.resumed, result.removed = 2, 1
    result.problems = [
        {"source": "dog/x.png", "status": "skipped",
         "reason": {"code": "truncated", "message": "file ends early"}},
        {"source": None, "output": None, "variant": 17, "status": "failed",  # a synth item
         "reason": {"code": "crashed", "message": "RuntimeError: boom"}}]
    assert result.exit_code == 3
    table = summary_table(result).splitlines()
    assert table[1].split() == ["train", "cat", "image", "3"]
    assert "ok 5, skipped 1, failed 1 (resumed 2 outputs already done); removed 1" in table[3]
    assert table[-2].split()[:3] == ["skipped", "truncated", "dog/x.png:"]
    assert table[-1].split() == ["failed", "crashed", "item", "17:", "RuntimeError:", "boom"]
