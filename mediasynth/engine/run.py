"""`expand`: discover -> plan -> (resume) -> execute -> manifest, with the safety rules of
DESIGN.md section 8 (SRC never written, atomic outputs, bad input never stops the run)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import sys
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mediasynth.core.config import Pipeline
from mediasynth.core.errors import MediasynthError
from mediasynth.engine import manifest as M
from mediasynth.engine.handlers import output_extension
from mediasynth.engine.plan import Plan, SourceJob, make_plan
from mediasynth.engine.pool import make_pool
from mediasynth.engine.worker import (
    FatalOutputError,
    RunContext,
    failure_rows,
    process_source,
)
from mediasynth.io.atomic import remove_stale_temps
from mediasynth.io.audio_io import SOUNDFILE_FORMATS
from mediasynth.io.discover import Found, discover


class FatalError(MediasynthError):
    """The run cannot go on (bad folders, OUT unwritable); nothing further is written."""


@dataclass
class ExpandOptions:
    workers: int | None = None
    executor: str = "local"
    scheduler: str | None = None
    on_error: str = "skip"
    dry_run: bool = False
    overwrite: bool = False
    quiet: bool = False
    fsync: bool = False


@dataclass
class ExpandResult:
    """Counts of a run (rows themselves are in OUT/manifest.jsonl: `rows` reads them)."""

    plan: Plan
    out: Path | None = None
    status_counts: Counter = field(default_factory=Counter)
    ok_counts: Counter = field(default_factory=Counter)  # (split, class, kind) -> outputs
    problems: list[dict] = field(default_factory=list)
    resumed: int = 0

    @property
    def rows(self) -> list[dict]:
        return M.read_manifest(self.out) if self.out is not None else []

    @property
    def exit_code(self) -> int:
        counts = self.status_counts
        return 3 if counts.get("skipped", 0) or counts.get("failed", 0) else 0


def check_folders(src: Path, out: Path) -> None:
    if not src.is_dir():
        raise FatalError(f"source folder {src} does not exist or is not a folder")
    s, o = src.resolve(), out.resolve()
    if s == o:
        raise FatalError("OUT must not be SRC: the source folder is never written")
    if s.is_relative_to(o):
        raise FatalError(f"OUT ({o}) contains SRC ({s}); choose an OUT outside the source tree")
    if out.exists() and not out.is_dir():
        raise FatalError(f"OUT {out} exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not (out / M.MANIFEST).exists():
        raise FatalError(f"OUT {out} is not empty and holds no {M.MANIFEST}: refusing to mix "
                         "outputs with other files (choose an empty or new folder)")


def build_plan(found: list[Found], pipeline: Pipeline, pool) -> Plan:
    """Check every discovered file's header in worker processes (so balancing and splitting
    count only usable sources), then plan."""
    found = check_headers(found, pipeline, pool)
    return make_plan(found, pipeline, output_extension=lambda kind, fmt: output_extension(
        kind, fmt, pipeline.output))


def needs_ffmpeg(found: list[Found]) -> bool:
    """Whether any source will go through FFmpeg (its version is then recorded)."""
    return any(f.kind == "video" or (f.kind == "audio" and f.format not in SOUNDFILE_FORMATS)
               for f in found)


def check_headers(found: list[Found], pipeline: Pipeline, pool) -> list[Found]:
    from mediasynth.engine.worker import check_chunk, check_source

    todo = [i for i, f in enumerate(found) if f.kind is not None and f.problem is None]
    if not todo:
        return found
    found = list(found)
    items = [found[i] for i in todo]
    # chunks of up to 32 files, at least two per worker when there are few files; a worker
    # checks its chunk with a thread per core it has to itself (probes release the GIL)
    workers = pool.size
    size = max(1, min(32, -(-len(items) // (2 * workers))))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    timeout = pipeline.budgets.ffmpeg_timeout_s * size
    context = (pipeline.budgets, max(1, (os.cpu_count() or 1) // workers))
    results: dict[int, tuple] = {}
    failed: list[int] = []
    for index, status, value in pool.map(check_chunk, chunks, context, timeout_s=timeout):
        if status == "ok":
            for j, problem in enumerate(value):
                results[index * size + j] = ("ok", problem)
        else:
            failed += range(index * size, index * size + len(chunks[index]))
    # a chunk that crashed or hung: check its files one by one to find the culprit
    singles = [items[i] for i in failed]
    for index, status, value in pool.map(check_source, singles, pipeline.budgets,
                                         timeout_s=pipeline.budgets.ffmpeg_timeout_s):
        results[failed[index]] = (status, value)
    for index in range(len(items)):
        status, value = results[index]
        problem = None
        if status == "ok":
            problem = value
        elif status == "error":
            problem = ("unreadable", f"{type(value).__name__}: {value}")
        elif status == "crashed":
            problem = ("crashed", f"reading the header crashed the process (exit code {value})")
        else:
            problem = ("timeout", f"reading the header took longer than {value:g} s")
        if problem is not None:
            found[todo[index]] = dataclasses.replace(items[index], problem=tuple(problem))
    return found


def expand(src: str | Path, out: str | Path, pipeline: Pipeline,
           options: ExpandOptions | None = None, *, pool=None) -> ExpandResult:
    """Expand SRC into OUT. Re-running resumes; `overwrite` starts afresh.

    Uses worker processes (`pool`, a WorkerPool, or one made here): scripts that call this
    must guard their entry point with `if __name__ == "__main__":`, as for any
    multiprocessing code."""
    options = options or ExpandOptions()
    src, out = Path(src), Path(out)
    check_folders(src, out)
    if pool is not None:
        return _expand(src, out, pipeline, options, pool)
    with make_pool(options.executor, options.workers, options.scheduler) as own:
        return _expand(src, out, pipeline, options, own.start_async())


def _expand(src: Path, out: Path, pipeline: Pipeline, options: ExpandOptions, pool
            ) -> ExpandResult:
    from mediasynth.engine.versions import versions

    found = discover(src, exclude=(out,))
    with ThreadPoolExecutor(1) as background:  # versions are read during the header checks
        library_versions = background.submit(versions, needs_ffmpeg(found))
        plan = build_plan(found, pipeline, pool)
    result = ExpandResult(plan, out)
    if options.dry_run:
        return result
    try:
        out.mkdir(parents=True, exist_ok=True)
        remove_stale_temps(out)
        if options.overwrite:
            _clear_previous(out)
        done = _finished_rows(out, pipeline)
    except OSError as exc:
        raise FatalError(f"cannot prepare OUT {out}: {exc.strerror}") from None
    ctx = RunContext(str(src.resolve()), str(out.resolve()), pipeline, pipeline.sha256(),
                     library_versions.result(), options.fsync)
    todo: list[SourceJob] = []
    for job in plan.jobs:
        missing = tuple(o for o in job.outputs if o.row_id not in done)
        if job.problem is not None or missing:
            todo.append(job if len(missing) == len(job.outputs) else
                        SourceJob(job.source, job.kind, job.format, job.class_name, job.split,
                                  missing, job.problem))
    result.resumed = sum(len(j.outputs) for j in plan.jobs) - sum(len(j.outputs) for j in todo
                                                                   if not j.problem)
    new_refs: dict[str, list[tuple[str, M.Ref]]] = {}
    appender = M.ManifestAppender(out)
    try:
        for job, rows in _execute(todo, ctx, options, pool):
            refs = appender.append(rows)
            new_refs[job.source] = [(r["id"], ref) for r, ref in zip(rows, refs)]
            result.problems += [r for r in rows if r["status"] != "ok"]
            if options.on_error == "fail" and any(r["status"] != "ok" for r in rows):
                bad = next(r for r in rows if r["status"] != "ok")
                raise FatalError(f"{job.source}: {bad['reason']['code']}: "
                                 f"{bad['reason']['message']} (--on-error fail)")
    except FatalOutputError as exc:
        raise FatalError(str(exc)) from None
    finally:
        appender.close()
    remove_stale_temps(out)  # temp files of workers that were killed mid-write
    refs = _ordered_refs(plan, done, new_refs)
    M.write_final_refs(out, refs)
    for ref in refs:
        result.status_counts[ref.status] += 1
        if ref.status == "ok":
            result.ok_counts[(ref.split or "-", ref.cls or "-", ref.kind or "-")] += 1
    return result


def _execute(jobs: list[SourceJob], ctx: RunContext, options: ExpandOptions, pool):
    """Yield (job, rows) as sources finish, with a progress bar on a terminal."""
    bar = _progress(len(jobs), options.quiet)
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
    from tqdm import tqdm

    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, unit="file", desc="expand", disable=disable, leave=False)


def _finished_rows(out: Path, pipeline: Pipeline) -> dict[str, M.Ref]:
    """ok rows of a previous run of the same pipeline whose output file is still there with
    the recorded bytes (its sha256 is checked, so a file a crash or power loss damaged is
    made again), as references into the manifest file."""
    from mediasynth.engine.worker import file_sha256

    sha = pipeline.sha256()
    done = {}
    for row, offset, length in M.scan(out):
        if row.get("status") != "ok" or row.get("pipeline_sha256") != sha or not row["output"]:
            continue
        path = out / row["output"]
        if path.is_file() and file_sha256(path) == row.get("output_sha256"):
            done[row["id"]] = M.ref_of(row, offset, length)
    return done


def _ordered_refs(plan: Plan, done: dict[str, M.Ref],
                  new: dict[str, list[tuple[str, M.Ref]]]) -> list[M.Ref]:
    """The manifest rows of this run, in plan order."""
    refs = []
    for job in plan.jobs:
        fresh = dict(new.get(job.source, []))
        if job.problem is not None or not job.outputs:
            refs.extend(fresh.values())
            continue
        source_failed = [r for r in fresh.values() if r.variant is None]
        if source_failed:
            refs.extend(source_failed)
            continue
        for o in job.outputs:
            ref = fresh.get(o.row_id) or done.get(o.row_id)
            if ref is not None:
                refs.append(ref)
    return refs


def _clear_previous(out: Path) -> None:
    """--overwrite: remove what an earlier run wrote (files its manifest lists, the manifest,
    labels, report) and folders left empty; other files are left alone."""
    for row in M.read_manifest(out):
        if row.get("output"):
            with contextlib.suppress(OSError):
                (out / row["output"]).unlink()
    for name in (M.MANIFEST, M.LABELS, "report.html"):
        with contextlib.suppress(OSError):
            (out / name).unlink()
    with contextlib.suppress(OSError):
        shutil.rmtree(out / "report_assets")
    for folder in sorted((p for p in out.rglob("*") if p.is_dir()), key=lambda p: -len(p.parts)):
        with contextlib.suppress(OSError):
            folder.rmdir()


def summary_table(result: ExpandResult) -> str:
    """Text table of outputs per split/class/kind plus problems."""
    counts = result.ok_counts
    lines = [f"{'split':8s} {'class':20s} {'kind':6s} {'outputs':>8s}"]
    for (split, cls, kind), n in sorted(counts.items()):
        lines.append(f"{split:8s} {cls[:20]:20s} {kind:6s} {n:8d}")
    status = result.status_counts
    lines.append(f"ok {status.get('ok', 0)}, skipped {status.get('skipped', 0)}, "
                 f"failed {status.get('failed', 0)}"
                 + (f" (resumed {result.resumed} outputs already done)" if result.resumed else ""))
    problems = result.problems
    if problems:
        lines.append("problems:")
        seen = set()
        for r in problems:
            key = (r["source"], r["reason"]["code"])
            if key in seen:
                continue
            seen.add(key)
            lines.append(f"  {r['status']:7s} {r['reason']['code']:11s} {r['source']}: "
                         f"{r['reason']['message'][:120]}")
    return "\n".join(lines)
