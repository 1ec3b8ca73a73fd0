"""`expand`: discover -> plan -> (resume) -> execute -> manifest, with the safety rules of
docs/architecture.md (SRC never written, atomic outputs, bad input never stops the run)."""

from __future__ import annotations

import contextlib
import dataclasses
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mediasynth.core import output_format
from mediasynth.core.config import Pipeline
from mediasynth.core.errors import ConfigError
from mediasynth.core.output_format import FinishedRun
from mediasynth.engine import manifest as M
from mediasynth.engine import near_duplicates, previews
from mediasynth.engine.dataset_card import write_dataset_card
from mediasynth.engine.execute import execute
from mediasynth.engine.expand_plan import build_plan, plan_warnings
from mediasynth.engine.exports import AnnotatedRows, export_annotations
from mediasynth.engine.header_checks import needs_ffmpeg
from mediasynth.engine.plan import Plan, SourceJob
from mediasynth.engine.pool import make_pool
from mediasynth.engine.resume import finished_rows
from mediasynth.engine.run_result import ExpandResult, summary_table
from mediasynth.engine.sink import FatalError, FolderSink, OutLock, check_folders, source_stamp
from mediasynth.engine.sources import Sources, find_sources
from mediasynth.engine.worker import FatalOutputError, RunContext
from mediasynth.io.layouts.unclaimed import UnreadAnnotationsError

__all__ = ["ExpandOptions", "ExpandResult", "expand", "summary_table"]


@dataclass
class ExpandOptions:
    workers: int | None = None
    executor: str = "local"
    scheduler: str | None = None
    on_error: str = "skip"
    on_damaged: str = "skip"  # or "keep": truncated/damaged sources kept with a warning
    dry_run: bool = False
    overwrite: bool = False
    quiet: bool = False
    fsync: bool = False
    previews: bool = True  # FFmpeg writes the report's keyframe strips on the way


def expand(src: str | Path, out: str | Path, pipeline: Pipeline,
           options: ExpandOptions | None = None, *, pool=None, locked: bool = False
           ) -> ExpandResult:
    """Expand SRC into OUT. Re-running resumes; `overwrite` starts afresh. After a run OUT
    holds exactly the files its manifest lists (plus mediasynth's own metadata).

    Uses worker processes (`pool`, a WorkerPool, or one made here): scripts that call this
    must guard their entry point with `if __name__ == "__main__":`, as for any
    multiprocessing code. `locked`: the caller already holds `OutLock(out)`."""
    options = options or ExpandOptions()
    src, out = Path(src), Path(out)
    check_folders(src, out)
    lock = contextlib.nullcontext() if locked or options.dry_run else OutLock(out)
    with lock:
        if pool is not None:
            return _expand(src, out, pipeline, options, pool)
        with make_pool(options.executor, options.workers, options.scheduler) as own:
            return _expand(src, out, pipeline, options, own.start_async())


def _expand(src: Path, out: Path, pipeline: Pipeline, options: ExpandOptions, pool
            ) -> ExpandResult:
    from mediasynth.engine.versions import versions

    try:
        sources = find_sources(src, out, pipeline.dataset.layout)
    except UnreadAnnotationsError:
        raise  # a usage error (exit 2): the user chooses a layout
    except ConfigError as exc:
        raise FatalError(str(exc)) from None
    found = sources.found
    if not any(f.kind is not None for f in found):
        raise FatalError(f"no media files found under {src} (images, audio or video, in "
                         "class folders SRC/<class>/... or an annotated layout)")
    with ThreadPoolExecutor(1) as background:  # versions are read during the header checks
        library_versions = background.submit(versions, needs_ffmpeg(found))
        plan = build_plan(found, pipeline, pool, sources, options.on_damaged == "keep",
                          None if options.dry_run else out)
    result = ExpandResult(plan, out, warnings=sources.warnings + plan_warnings(
        plan, found, pipeline))
    if options.dry_run:
        return result
    try:
        return _write(src, out, pipeline, options, pool, result, sources,
                      library_versions.result())
    except FatalOutputError as exc:
        raise FatalError(f"{exc} [OUT {out}]") from None
    except OSError as exc:
        raise FatalError(f"cannot write to OUT {out}: {exc.strerror or exc}"
                         f"{f' ({exc.filename})' if exc.filename else ''}") from None


def _write(src: Path, out: Path, pipeline: Pipeline, options: ExpandOptions, pool,
           result: ExpandResult, sources: Sources, library_versions: dict) -> ExpandResult:
    plan, found = result.plan, sources.found
    sink = FolderSink(out)
    sink.sweep_temps()
    sink.remove_report()
    found_by_rel = {f.rel_path: f for f in [*found, *sources.background]}
    stamps = {rel: source_stamp(f.path) for rel, f in found_by_rel.items()}  # before hashing
    done, known = ({}, {}) if options.overwrite else finished_rows(
        out, pipeline, found_by_rel, sink.load_sources(), stamps)
    journal = sink.begin({p for j in plan.jobs for o in j.outputs for p in (o.rel_path, *o.side)})
    ctx = RunContext(str(src.resolve()), str(out.resolve()), pipeline, pipeline.sha256(),
                     library_versions, options.fsync, options.on_damaged, options.previews)
    todo: list[SourceJob] = []
    for job in plan.jobs:
        missing = tuple(o for o in job.outputs if o.row_id not in done
                        or done[o.row_id][-3:] != (o.rel_path, job.group, job.fold))
        if job.problem is not None or missing:
            todo.append(job if len(missing) == len(job.outputs) else
                        dataclasses.replace(job, outputs=missing))
    result.resumed = sum(len(j.outputs) for j in plan.jobs) - sum(len(j.outputs) for j in todo
                                                                   if not j.problem)
    new_refs: dict[str, list[tuple[str, M.Ref]]] = {}
    appender = M.ManifestAppender(out)
    try:
        for job, rows in execute(todo, ctx, options.quiet, pool):
            refs = appender.append(rows)
            new_refs[job.source] = [(r["id"], ref) for r, ref in zip(rows, refs)]
            sha = next((r["source_sha256"] for r in rows if r.get("source_sha256")), None)
            if sha:
                known[job.source] = sha
            result.problems += [r for r in rows if r["status"] != "ok"]
            result.note_rows(rows)
            if options.on_error == "fail" and any(r["status"] != "ok" for r in rows):
                bad = next(r for r in rows if r["status"] != "ok")
                raise FatalError(f"{job.source}: {bad['reason']['code']}: "
                                 f"{bad['reason']['message']} (--on-error fail)")
    finally:
        appender.close()
    sink.sweep_temps()  # temp files of workers that were killed mid-write
    refs = _ordered_refs(plan, done, new_refs)
    annotated, listed = AnnotatedRows(), set()

    def on_ok_row(row: dict) -> None:
        annotated(row)
        listed.update(v for v in (row.get("output_sha256"), row.get("source_sha256")) if v)

    M.write_final_refs(out, refs, on_ok_row)
    previews.prune(out, listed)
    finished = output_format.get(pipeline.output.format).finish(FinishedRun(
        out, pipeline, {r.output for r in refs if r.output} | _side_files(plan, refs),
        lambda: export_annotations(out, sources.layout, sources.read.meta,
                                   pipeline.dataset.annotations, annotated, result.warnings)))
    keep, annotation_files = set(finished.keep), finished.annotation_files
    keep |= set(write_dataset_card(out, pipeline, src=src, layout=sources.layout.name,
                                   provenance=sources.provenance,
                                   annotation_files=annotation_files))
    result.removed = sink.remove_stale(journal, keep)
    sink.save_sources({rel: [*stamps[rel], sha] for rel, sha in sorted(known.items())
                       if stamps.get(rel)})
    if pipeline.dataset.near_duplicates != "off":
        near_duplicates.save_cache(plan.signatures, known, out)
    sink.write_run_files(src, pipeline)
    sink.end(keep)
    for ref in refs:
        result.status_counts[ref.status] += 1
        if ref.status == "ok":
            result.ok_counts[(ref.split or "-", ref.cls or "-", ref.kind or "-")] += 1
    return result


def _side_files(plan: Plan, refs: list[M.Ref]) -> set[str]:
    """Side files (masks) of the outputs the manifest lists."""
    listed = {r.output for r in refs if r.output and r.status == "ok"}
    return {p for j in plan.jobs for o in j.outputs if o.rel_path in listed for p in o.side}


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


