"""expand's work on the pool: every source job to `worker.process_source`, and what the
pool reports of a job that did not finish (an error, a dead worker, a time-out) turned into
the job's failed rows."""

from __future__ import annotations

from mediasynth.engine.plan import SourceJob
from mediasynth.engine.worker import (
    FatalOutputError,
    RunContext,
    failure_rows,
    process_source,
)


def execute(jobs: list[SourceJob], ctx: RunContext, quiet: bool, pool):
    """Yield (job, rows) as sources finish, with a progress bar on a terminal."""
    bar = _progress(len(jobs), quiet)
    try:
        for job, rows in _run(jobs, ctx, pool):
            bar.update(1)
            yield job, rows
    finally:
        bar.close()


def _run(jobs: list[SourceJob], ctx: RunContext, pool):
    timeout = ctx.pipeline.budgets.file_timeout_s
    for index, status, value in pool.map(process_source, jobs, ctx, timeout_s=timeout):
        job = jobs[index]
        if status == "ok":
            yield job, value
        elif status == "error":
            if isinstance(value, FatalOutputError):
                raise value
            yield job, failure_rows(job, ctx, "failed", "crashed",
                                    f"{type(value).__name__}: {value}")
        elif status == "crashed":
            yield job, failure_rows(job, ctx, "failed", "crashed",
                                    f"worker process died (exit code {value}) on this file")
        else:
            yield job, failure_rows(job, ctx, "failed", "timeout",
                                    f"took longer than {value:g} s (budgets.file_timeout_s)")


def _progress(total: int, quiet: bool):
    from mediasynth.engine.progress import progress_bar

    return progress_bar(total, unit="file", desc="expand", quiet=quiet)


