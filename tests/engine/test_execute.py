"""expand's work on the pool (engine/execute.py): what the pool reports of a task that did
not finish becomes that source's reason rows; an unwritable OUT stops the run."""

from __future__ import annotations

import pytest

from mediasynth.core.config import Pipeline
from mediasynth.engine.execute import execute
from mediasynth.engine.plan import Output, SourceJob
from mediasynth.engine.worker import FatalOutputError, RunContext


class _Pool:
    """A pool that reports the given (status, value) per job, in reverse order."""

    def __init__(self, outcomes):
        self.outcomes = outcomes

    def map(self, fn, items, context, *, timeout_s):
        for index in reversed(range(len(items))):
            yield (index, *self.outcomes[index])


def _jobs(n: int) -> list[SourceJob]:
    return [SourceJob(f"c/{i}.png", "image", "png", "c", "train",
                      outputs=(Output(f"id{i}v0", 0, f"c/{i}_v0.png"),
                               Output(f"id{i}v1", 1, f"c/{i}_v1.png")))
            for i in range(n)]


def _ctx() -> RunContext:
    return RunContext("/src", "/out", Pipeline(), "P" * 64, {"mediasynth": "test"})


def test_unfinished_tasks_become_reason_rows_for_each_planned_output():
    ok_rows = [{"id": "id0v0", "status": "ok"}]
    pool = _Pool([("ok", ok_rows), ("error", ValueError("bad pixels")), ("crashed", -9),
                  ("timeout", 30.0)])
    got = {job.source: rows for job, rows in execute(_jobs(4), _ctx(), True, pool)}
    assert got["c/0.png"] is ok_rows
    reasons = {src: {(r["id"], r["status"], r["reason"]["code"]) for r in rows}
               for src, rows in got.items() if src != "c/0.png"}
    assert reasons == {
        "c/1.png": {("id1v0", "failed", "crashed"), ("id1v1", "failed", "crashed")},
        "c/2.png": {("id2v0", "failed", "crashed"), ("id2v1", "failed", "crashed")},
        "c/3.png": {("id3v0", "failed", "timeout"), ("id3v1", "failed", "timeout")}}
    messages = {src: rows[0]["reason"]["message"] for src, rows in got.items()
                if src != "c/0.png"}
    assert messages["c/1.png"] == "ValueError: bad pixels"
    assert "exit code -9" in messages["c/2.png"] and "30 s" in messages["c/3.png"]


def test_an_unwritable_out_stops_the_run():
    pool = _Pool([("error", FatalOutputError("disk full"))])
    with pytest.raises(FatalOutputError):
        list(execute(_jobs(1), _ctx(), True, pool))
