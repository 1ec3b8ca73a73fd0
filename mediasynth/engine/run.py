"""`expand`: discover -> plan -> (resume) -> execute -> manifest, with the safety rules of
docs/architecture.md (SRC never written, atomic outputs, bad input never stops the run)."""

from __future__ import annotations

import contextlib
import dataclasses
import os
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from mediasynth.core import output_format
from mediasynth.core.balance import balance_spec, strategy
from mediasynth.core.config import Pipeline
from mediasynth.core.errors import ConfigError
from mediasynth.core.output_format import FinishedRun
from mediasynth.engine import manifest as M
from mediasynth.engine import near_duplicates, previews
from mediasynth.engine.background import background_sources
from mediasynth.engine.dataset_card import write_dataset_card
from mediasynth.engine.exports import AnnotatedRows, export_annotations
from mediasynth.engine.handlers import handler_for, output_extension
from mediasynth.engine.plan import Plan, SourceJob, make_plan
from mediasynth.engine.pool import make_pool
from mediasynth.engine.run_warnings import RunWarning
from mediasynth.engine.sampler import nearest_same_class
from mediasynth.engine.sink import (
    FatalError,
    FolderSink,
    OutLock,
    check_folders,
    source_stamp,
)
from mediasynth.engine.sources import Sources, find_sources
from mediasynth.engine.worker import (
    DAMAGE_CODES,
    MAX_ATTEMPTS,
    FatalOutputError,
    RunContext,
    failure_rows,
    process_source,
)
from mediasynth.io.discover import Found
from mediasynth.io.layouts.unclaimed import UnreadAnnotationsError


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


@dataclass
class ExpandResult:
    """Counts of a run (rows themselves are in OUT/manifest.jsonl: `rows` reads them)."""

    plan: Plan
    out: Path | None = None
    status_counts: Counter = field(default_factory=Counter)
    ok_counts: Counter = field(default_factory=Counter)  # (split, class, kind) -> outputs
    problems: list[dict] = field(default_factory=list)
    resumed: int = 0
    removed: int = 0  # stale outputs of earlier runs deleted
    warnings: list[str] = field(default_factory=list)

    def note_rows(self, rows: list[dict]) -> None:
        """Warnings carried by rows (duplicates that could not be made distinct...)."""
        for row in rows:
            if row.get("info", {}) and row["info"].get("duplicate_of_earlier_output"):
                self.warnings.append(RunWarning(
                    f"{row['output']}: same bytes as an earlier output of {row['source']} "
                    f"after {MAX_ATTEMPTS} draws", "duplicate_output",
                    f"{{n}} outputs have the same bytes as an earlier output of their source "
                    f"after {MAX_ATTEMPTS} draws (info.duplicate_of_earlier_output in "
                    f"{M.MANIFEST})"))

    @property
    def rows(self) -> list[dict]:
        return M.read_manifest(self.out) if self.out is not None else []

    @property
    def exit_code(self) -> int:
        counts = self.status_counts
        return 3 if counts.get("skipped", 0) or counts.get("failed", 0) else 0


def build_plan(found: list[Found], pipeline: Pipeline, pool, sources: Sources | None = None,
               keep_damaged: bool = False, cache_dir: Path | None = None) -> Plan:
    """Check every discovered file's header in worker processes (so balancing and splitting
    count only usable sources, with their near-duplicate signatures), then plan (outputs
    where the layout puts them, near-duplicates grouped). `cache_dir`: the OUT whose
    signature cache is read and updated (None: neither)."""
    near_mode = pipeline.dataset.near_duplicates
    if cache_dir is not None and near_mode != "off":
        found = near_duplicates.with_cached(found, cache_dir)
    found = check_headers(found, pipeline, pool, keep_damaged)
    pairs = near_duplicates.find_pairs(found) if near_mode != "off" else []
    if cache_dir is not None and near_mode != "off":
        (cache_dir / ".mediasynth").mkdir(parents=True, exist_ok=True)
        near_duplicates.save_pairs(pairs, cache_dir)
    placement: dict = {"near_pairs": [(p.a, p.b) for p in pairs]}
    if sources is not None and sources.read.annotated:
        layout, meta = sources.layout, sources.read.meta
        placement["media_folder"] = lambda split, _cls: layout.media_folder(split, meta)
        placement["side_files"] = layout.side_files
    from mediasynth.engine.plan import partner_step

    if strategy(balance_spec(pipeline.dataset.balance).strategy).needs_neighbours or any(
            getattr(partner_step(pipeline, k), "partners_from", "") == "neighbours"
            for k in pipeline.chains):
        placement["neighbours"] = _neighbour_search(found, pipeline, pool)
    background = background_sources(pipeline, lambda items: check_headers(items, pipeline,
                                                                        pool))
    if sources is not None:
        sources.background = background
    if background:
        placement["background"] = [(f.rel_path, f.info["split"]) for f in background]
    try:
        plan = make_plan(found, pipeline, output_extension=lambda kind, fmt: output_extension(
            kind, fmt, pipeline.output), **placement)
        return dataclasses.replace(plan, notes=(
            *near_duplicates.warnings_of(pairs, near_mode), *plan.notes),
            signatures=near_duplicates.signatures_of(found))
    except ValueError as exc:  # a plan that cannot be made (no background for a split...)
        raise FatalError(str(exc)) from None


def _neighbour_search(found: list[Found], pipeline: Pipeline, pool):
    """For `balance: synthesize`: embed the train sources the plan asks about (in the
    workers) and find each one's k nearest of its own class and kind."""
    by_rel = {f.rel_path: f for f in found}
    k = balance_spec(pipeline.dataset.balance).k_neighbors

    def neighbours(by_class: dict) -> dict[str, list[str]]:
        from mediasynth.engine.worker import embed_chunk

        items = [by_rel[p] for paths in by_class.values() for p in sorted(paths)]
        chunks = [items[i:i + 16] for i in range(0, len(items), 16)]
        vectors, groups = {}, {}
        for index, status, value in pool.map(embed_chunk, chunks, pipeline.budgets,
                                             timeout_s=pipeline.budgets.file_timeout_s):
            if status != "ok":
                continue
            for f, vector in zip(chunks[index], value):
                if vector is not None:
                    vectors[f.rel_path] = vector
                    groups[f.rel_path] = (f.class_name, f.kind)
        return nearest_same_class(vectors, groups, k)
    return neighbours


def needs_ffmpeg(found: list[Found]) -> bool:
    """Whether any source will go through FFmpeg (its version is then recorded)."""
    return any(handler_for(f.kind).needs_ffmpeg(f.format)
               for f in found if f.kind)


def check_headers(found: list[Found], pipeline: Pipeline, pool, keep_damaged: bool = False
                  ) -> list[Found]:
    """Header check of every media file in the workers; a problem found becomes the file's
    reason row (truncated/damaged files stay in with `keep_damaged`: the worker then keeps
    what it can read, with a warning)."""
    from mediasynth.engine.worker import check_chunk

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
    context = (pipeline.budgets, max(1, (os.cpu_count() or 1) // workers),
               pipeline.dataset.near_duplicates != "off")
    results: dict[int, tuple] = {}
    failed: list[int] = []
    for index, status, value in pool.map(check_chunk, chunks, context, timeout_s=timeout):
        if status == "ok":
            for j, checked in enumerate(value):
                results[index * size + j] = ("ok", checked)
        else:
            failed += range(index * size, index * size + len(chunks[index]))
    # a chunk that crashed or hung: check its files one by one to find the culprit (with
    # their signatures, so the result does not depend on how the files were chunked)
    singles = [[items[i]] for i in failed]
    for index, status, value in pool.map(check_chunk, singles, context[:1] + (1,) + context[2:],
                                         timeout_s=pipeline.budgets.ffmpeg_timeout_s):
        results[failed[index]] = (status, value[0] if status == "ok" else value)
    for index in range(len(items)):
        status, value = results[index]
        problem = None
        if status == "ok":
            problem, header, signature = value
            if header is not None or signature is not None:
                found[todo[index]] = items[index] = dataclasses.replace(
                    items[index], header=header,
                    signature=signature if signature is not None else items[index].signature)
        elif status == "error":
            problem = ("unreadable", f"{type(value).__name__}: {value}")
        elif status == "crashed":
            problem = ("crashed", f"reading the header crashed the process (exit code {value})")
        else:
            problem = ("timeout", f"reading the header took longer than {value:g} s")
        if problem is not None and problem[0] == "as":
            found[todo[index]] = dataclasses.replace(items[index], kind=problem[1],
                                                     format=problem[2])
        elif problem is not None and not (keep_damaged and problem[0] in DAMAGE_CODES):
            found[todo[index]] = dataclasses.replace(items[index], problem=tuple(problem))
    return found


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
    result = ExpandResult(plan, out, warnings=sources.warnings + _plan_warnings(
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
    done, known = ({}, {}) if options.overwrite else _finished_rows(
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
        for job, rows in _execute(todo, ctx, options, pool):
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


def _plan_warnings(plan: Plan, found: list[Found], pipeline: Pipeline) -> list[str]:
    """What a user should know before trusting the plan."""
    warnings = list(plan.notes)
    usable = [j for j in plan.jobs if j.problem is None]
    warnings += output_format.get(pipeline.output.format).plan_warnings(usable)
    if usable and all(j.class_name is None and set(j.info or ()) <= {"provenance"}
                      for j in usable):
        warnings.append("SRC has no class folders (SRC/<class>/...): outputs carry no labels")
    if pipeline.variants == 0 and not pipeline.dataset.keep_originals:
        warnings.append("-n 0 without --keep-originals: train gets no outputs")
    copied = Counter(j.kind for j in usable if not pipeline.has_chain(j.kind))
    for kind, n in sorted(copied.items()):
        warnings.append(f"the pipeline has no {kind} chain: {n} {kind} source(s) copied once "
                        "as originals (dataset.unchained: skip leaves them out)")
    if plan.splits:
        per_class: dict[str | None, Counter] = {}
        for j in usable:
            key = (j.info or {}).get("stratum", j.class_name)
            per_class.setdefault(key, Counter())[j.split] += 1
        for cls, counts in sorted(per_class.items(), key=lambda kv: kv[0] or ""):
            empty = [s for s in plan.splits if not counts.get(s) and
                     (pipeline.dataset.split or {}).get(s, 0) > 0
                     and not (pipeline.dataset.folds and s != "test")]
            if empty:
                what = f"class {cls!r}" if cls is not None else "the dataset"
                warnings.append(RunWarning(
                    f"{what} ({sum(counts.values())} sources) is too small for every split: "
                    f"none in {', '.join(empty)}", "split_too_small",
                    "{n} classes are too small for every split (their sources all went to "
                    "the other splits)"))
    return warnings


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
    from mediasynth.engine.progress import progress_bar

    return progress_bar(total, unit="file", desc="expand", quiet=quiet)


def _finished_rows(out: Path, pipeline: Pipeline, found: dict[str, Found],
                   sources: dict[str, list], stamps: dict[str, list[int] | None]
                   ) -> tuple[dict[str, M.Ref], dict[str, str]]:
    """ok rows of a previous run of the same pipeline whose source is unchanged and whose
    output file is still there with the recorded bytes (its sha256 is checked, so a file a
    crash or power loss damaged is made again), as references into the manifest file; and
    the sha256 of each source found unchanged. A source counts as unchanged when its stamp
    (`sink.source_stamp`: size, mtime, inode, ctime) is the one recorded with its sha256 in
    the sink's state, else when its bytes hash to the sha256 its rows recorded."""
    from mediasynth.engine.worker import file_sha256

    sha = pipeline.sha256()
    done: dict[str, M.Ref] = {}
    current: dict[str, str | None] = {}
    shards: dict[str, dict[str, str]] = {}

    def source_sha(rel: str, recorded: str) -> str | None:
        if rel not in current:
            f, state, stamp = found[rel], sources.get(rel), stamps.get(rel)
            if stamp and state and state[:-1] == stamp and state[-1] == recorded:
                current[rel] = recorded
            else:
                try:
                    current[rel] = file_sha256(f.path)
                except OSError:
                    current[rel] = None
        return current[rel]

    for row, offset, length in M.scan(out):
        if row.get("status") != "ok" or row.get("pipeline_sha256") != sha or not row["output"]:
            continue
        used = [(row.get("source"), row.get("source_sha256"))] + [
            (s["path"], s["sha256"]) for s in row.get("sources", [])[1:]]
        if any(rel not in found or source_sha(rel, sha) != sha for rel, sha in used):
            continue
        if _output_sha256(out, row, shards) == row.get("output_sha256"):
            done[row["id"]] = M.ref_of(row, offset, length)
    return done, {rel: s for rel, s in current.items() if s is not None}


def _output_sha256(out: Path, row: dict, cache: dict) -> str | None:
    """sha256 of a row's output as it is on disk now (as the format that holds it stores it)."""
    return output_format.of_row(row).stored_sha256(out, row, cache)


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


def summary_table(result: ExpandResult) -> str:
    """Text table of outputs per split/class/kind plus problems."""
    counts = result.ok_counts
    lines = [f"{'split':8s} {'class':20s} {'kind':6s} {'outputs':>8s}"]
    for (split, cls, kind), n in sorted(counts.items()):
        lines.append(f"{split:8s} {cls[:20]:20s} {kind:6s} {n:8d}")
    status = result.status_counts
    lines.append(f"ok {status.get('ok', 0)}, skipped {status.get('skipped', 0)}, "
                 f"failed {status.get('failed', 0)}"
                 + (f" (resumed {result.resumed} outputs already done)" if result.resumed else "")
                 + (f"; removed {result.removed} stale outputs of earlier runs"
                    if result.removed else ""))
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
