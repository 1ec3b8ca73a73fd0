"""Work on one source: decode once, render every planned output, return manifest rows.

Runs inside worker processes (local pool or Dask). Outputs are written to a temp file in
their folder and renamed into place only when complete; an output whose bytes equal an
earlier output of the same source is redrawn (new attempt in its seed) so oversampling never
produces byte-identical copies.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import shutil
import traceback
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from mediasynth.core.config import Pipeline
from mediasynth.core.errors import FFmpegError, MediaError
from mediasynth.core.rng import rng_from_record, seed_record
from mediasynth.engine import targets as T
from mediasynth.engine.handlers import handler_for
from mediasynth.engine.manifest import ABSENT, Row
from mediasynth.engine.partners import Partners, mixed_media
from mediasynth.engine.plan import ORIGINAL, SourceJob
from mediasynth.engine.previews import VARIANTS_SHOWN, preview_path
from mediasynth.io.atomic import commit, temp_path, write_bytes_atomic

MAX_ATTEMPTS = 8
LOW_SPACE_BYTES = 8 * 1024 * 1024
FATAL_ERRNOS = {errno.ENOSPC, errno.EROFS, errno.EACCES, errno.EDQUOT, errno.EPERM}


class FatalOutputError(Exception):
    """OUT cannot be written (read-only, full, no permission): the whole run must stop."""


@dataclass(frozen=True)
class RunContext:
    src: str
    out: str
    pipeline: Pipeline
    pipeline_sha256: str
    versions: dict
    fsync: bool = False
    on_damaged: str = "skip"
    previews: bool = True  # a report follows: make its previews (engine/previews.py)


def base_row(job: SourceJob, ctx: RunContext, **fields) -> Row:
    """A row of `job`'s source; `fields`: the output's own (Row's fields)."""
    labels = job.info.get("labels") if job.info else None
    provenance = job.info.get("provenance") if job.info else None
    return Row(source=job.source, cls=job.class_name, split=job.split, kind=job.kind,
               pipeline_sha256=ctx.pipeline_sha256, versions=ctx.versions,
               labels=labels or ABSENT, provenance=provenance or ABSENT,
               group=job.group if job.group is not None else ABSENT,
               fold=job.fold if job.fold is not None else ABSENT, **fields)


def failure_rows(job: SourceJob, ctx: RunContext, status: str, code: str, message: str,
                 outputs=None) -> list[dict]:
    """Rows for outputs that could not be made (one row per output, or one for the source)."""
    from mediasynth.engine.plan import row_id

    reason = {"code": code, "message": message}
    outs = job.outputs if outputs is None else outputs
    ids = [(o.row_id, o.variant) for o in outs] or [(row_id(job.source, -2), None)]
    return [base_row(job, ctx, id=i, variant=v, status=status, reason=reason).to_dict()
            for i, v in ids]


# what reading a source may raise, and the (code, message) reason each becomes
SOURCE_ERRORS = (MediaError, FFmpegError, OSError, ValueError, MemoryError)


def reason_of(exc: BaseException) -> tuple[str, str]:
    if isinstance(exc, MediaError):
        return exc.code, exc.message
    if isinstance(exc, FFmpegError):
        return "unreadable", str(exc)
    return "unreadable", f"{type(exc).__name__}: {exc}"


def _check_size(size: int, budgets) -> None:
    if size > budgets.max_file_bytes:
        raise MediaError("too_large", f"{size:,} bytes exceeds budgets.max_file_bytes")


def check_source(found, budgets, signatures: bool = False
                 ) -> tuple[tuple[str, ...] | None, object, bytes | None]:
    """Header check of one discovered file in a worker: (problem, header, signature).
    problem: None when usable, ("as", kind, format) when its handler's `reclassify` finds it
    is another kind (a video container that holds only audio), else a (code, message) pair.
    header: what the handler's `check` returned, for its `remember`. signature: the
    handler's near-duplicate signature when `signatures` is asked and the file is usable
    (None when it cannot be made: the file is then simply not compared)."""
    handler = handler_for(found.kind)
    try:
        _check_size(found.size_bytes, budgets)
        header = handler.check(found.path, budgets)
    except SOURCE_ERRORS as exc:
        reason = reason_of(exc)
        really = handler.reclassify(found, budgets, reason)
        return ("as", *really) if really else reason, None, None
    signature = found.signature  # from the cache of an earlier run
    if signatures and signature is None:
        try:
            signature = handler.signature(found.path, budgets)
        except Exception:  # noqa: BLE001 - a signature is advisory; the render reports errors
            signature = None
    return None, header, signature


def check_chunk(items, context) -> list[tuple[tuple[str, ...] | None, object, bytes | None]]:
    """`check_source` over several files in one task (header checks are cheap), on
    `threads` threads. context: (budgets, threads, signatures)."""
    budgets, threads, signatures = context
    if threads <= 1 or len(items) <= 1:
        return [check_source(found, budgets, signatures) for found in items]
    for kind in sorted({found.kind for found in items}):  # load the modalities before the
        handler_for(kind)  # threads: the registry fills itself once, on first use
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(min(threads, len(items))) as pool:
        return list(pool.map(check_source, items, [budgets] * len(items),
                             [signatures] * len(items)))


def process_source(job: SourceJob, ctx: RunContext) -> list[dict]:
    """All rows for `job` (only the outputs listed in it are made)."""
    if job.problem is not None:
        return failure_rows(job, ctx, "skipped", *job.problem, outputs=())
    src_path = Path(ctx.src) / job.source
    _made_folders.clear()  # a folder is made once per source (it may be gone since)
    handler = handler_for(job.kind)
    budgets = ctx.pipeline.budgets
    warnings: list[dict] = []
    try:
        _check_size(src_path.stat().st_size, budgets)
        sha = file_sha256(src_path)
        loaded = _load_checked(handler, src_path, job, ctx, warnings)
    except SOURCE_ERRORS as exc:
        return failure_rows(job, ctx, "skipped", *reason_of(exc))
    rows = []
    seen: set[str] = set()
    source_stats = handler.describe(loaded) if loaded is not None else None
    annotation = T.source_annotation(job, ctx.src, loaded)
    partners = Partners(handler, ctx.src, ctx.pipeline, sha, file_sha256)
    source_metadata = None  # [what the source's metadata holds], read for the first render
    for index, output in enumerate(job.outputs):
        dest = Path(ctx.out) / output.rel_path
        try:
            if output.variant == ORIGINAL:
                digest, removed = _copy_original(src_path, dest, ctx)
                seen.add(digest)
                side = T.copy_side_files(output, annotation, Path(ctx.out),
                                         lambda s, d: _copy_original(s, d, ctx)[0])
                made = dict(output=output.rel_path, status="ok", output_sha256=digest,
                            info={"stats": source_stats} if source_stats else {},
                            **T.original_fields(annotation, side),
                            **({} if removed is None else {"metadata_removed": removed}))
            else:
                made = _render_variant(handler, loaded, job, output, dest, ctx, seen,
                                       annotation, partners,
                                       _previews_wanted(handler, job, index, ctx, sha))
                if source_metadata is None:
                    source_metadata = [_personal_metadata(src_path)]
                if source_metadata[0] is not None:
                    made["metadata_removed"] = source_metadata[0]
        except FatalOutputError:
            raise
        except MediaError as exc:
            _raise_if_out_full(ctx.out, exc)
            made = dict(status="failed", reason=exc.reason())
        except Exception as exc:  # noqa: BLE001 - one bad output must not stop the source
            _raise_if_out_full(ctx.out, exc)
            tail = traceback.format_exception_only(type(exc), exc)[-1].strip()
            made = dict(status="failed", reason={"code": "crashed", "message": tail})
        row = base_row(job, ctx, source_sha256=sha, id=output.row_id, variant=output.variant,
                       source_stats=source_stats, **made)
        if warnings and row.status == "ok":
            row.warnings = warnings
        rows.append(row.to_dict())
    return rows


DAMAGE_CODES = ("truncated", "damaged")
MIX_SPAWN = 0x6D6978  # extends an output's spawn key for its mixing weight ("mix")


def mix_lambda(seed: dict) -> float:
    """The interpolation weight of a synthesized output, lambda ~ U(0, 1), from its own
    generator (so the chain draws the same as it would on an unmixed output)."""
    ss = np.random.SeedSequence(int(seed["root"]), spawn_key=(*seed["spawn_key"], MIX_SPAWN))
    return float(np.random.default_rng(ss).uniform(0.0, 1.0))


def soft_labels(job: SourceJob, output, record, pipeline) -> dict:
    """{"soft_labels": {class: share}} when a partner step mixed in other classes."""
    from mediasynth.engine.plan import partner_step

    step = partner_step(pipeline, job.kind)
    classes = [job.class_name] + [((job.partner_info or {}).get(p) or {}).get("class")
                                  for p in output.partners]
    first = record.children[0] if record.children else None
    if step is None or first is None or not first.applied or len(set(classes)) < 2 \
            or None in classes:  # unlabelled partners (backgrounds) carry no label
        return {}
    shares: dict = {}
    for cls, weight in zip(classes, step.label_weights(first.params)):
        shares[cls] = round(shares.get(cls, 0.0) + float(weight), 6)
    return {"soft_labels": shares}


def embed_chunk(items, budgets) -> list:
    """The embedding of each discovered file (None where its kind has none or it cannot be
    read), for the neighbour search of `balance: synthesize`."""
    vectors = []
    for found in items:
        try:
            handler = handler_for(found.kind)
            vectors.append(handler.embed(handler.load(found.path, budgets)))
        except SOURCE_ERRORS:
            vectors.append(None)
    return vectors


def _load_checked(handler, path: Path, job: SourceJob, ctx: RunContext, warnings: list):
    """Load a source for rendering. A source whose outputs include a byte-for-byte copy is
    fully verified first (a copy is never decoded otherwise). With `on_damaged: keep`, a
    truncated or damaged source gets a warning instead of a skip: it is copied as it is, and
    rendered where it still loads; None is returned when only copies are wanted."""
    budgets = ctx.pipeline.budgets
    if job.header is not None:  # what the header check read: not read again
        handler.remember(job.header)
    try:
        if any(o.variant == ORIGINAL for o in job.outputs):
            handler.verify(path, budgets)
        return handler.load(path, budgets)
    except MediaError as exc:
        if ctx.on_damaged != "keep" or exc.code not in DAMAGE_CODES:
            raise
        warnings.append(exc.reason())
    if all(o.variant == ORIGINAL for o in job.outputs):
        return None
    return handler.load(path, budgets)


def _raise_if_out_full(out: str, exc: BaseException) -> None:
    """Encoders report a full disk in their own words (or a short write): when OUT's file
    system is (nearly) full after a failed write, the run must stop, not mark the file."""
    if isinstance(exc, OSError) and exc.errno in FATAL_ERRNOS:
        raise _fatal_or(exc) from None
    with contextlib.suppress(OSError):
        if shutil.disk_usage(out).free < LOW_SPACE_BYTES:
            first = str(exc).partition("\n")[0]  # an FFmpegError's stderr tail is no news
            raise FatalOutputError(f"cannot write to the output folder {out}: no space left "
                                   f"on device ({type(exc).__name__}: {first})") from None


def _previews_wanted(handler, job: SourceJob, index: int, ctx: RunContext, sha: str
                     ) -> tuple[str, ...]:
    """What previews the output at `index` of `job` should bring (engine/previews.py)."""
    if not (ctx.previews and job.preview) or not handler.makes_previews or \
            index > VARIANTS_SHOWN:
        return ()
    return ("output",) if preview_path(ctx.out, sha).is_file() else ("output", "source")


def _save_previews(ctx: RunContext, made: dict, output_sha: str, source_sha: str) -> None:
    for what, data in made.items():
        dest = preview_path(ctx.out, output_sha if what == "output" else source_sha)
        dest.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(dest, data)


def _render_variant(handler, loaded, job, output, dest: Path, ctx: RunContext, seen: set,
                    annotation: dict | None, partners: Partners, previews=()) -> dict:
    extra = {"annotation": annotation} if annotation is not None else {}
    if previews:
        extra["previews"] = previews
    for attempt in range(MAX_ATTEMPTS):
        seed = seed_record(ctx.pipeline.seed, job.source, output.variant, attempt)
        media, mix = loaded, None
        if output.partners:
            mix = {"method": output.method, "partners": list(output.partners)}
            if output.method == "interpolate":
                mix = {"method": output.method, "lambda": mix_lambda(seed),
                       "partners": list(output.partners)}
            media = mixed_media(handler, loaded, mix, partners, job.partner_info)
        with _temp_beside(dest) as tmp:
            record, info = handler.render(media, ctx.pipeline, rng_from_record(seed), tmp,
                                          **extra)
            info = dict(info)
            digest = info.pop("sha256", None) or file_sha256(tmp)
            retry = digest in seen or (ctx.pipeline.dataset.empty_outputs == "redraw"
                                       and T.lost_every_object(annotation, info))
            if retry and attempt + 1 < MAX_ATTEMPTS:
                continue
            side = T.write_side_files(output, info.pop("side", ()), Path(ctx.out), _temp_beside,
                                      lambda t, d: commit(t, d, fsync=ctx.fsync))
            commit(tmp, dest, fsync=ctx.fsync)
        made = info.pop("previews", None)
        if made:
            _save_previews(ctx, made, digest, partners.source_sha)
        if digest in seen:
            info["duplicate_of_earlier_output"] = True
        seen.add(digest)
        if attempt:
            info = {**info, "redrawn_duplicates": attempt}
        mixed = {"mix": mix, "sources": partners.sources(job.source, output.partners),
                 **soft_labels(job, output, record, ctx.pipeline)} if mix else {}
        return {"output": output.rel_path, "status": "ok", "reason": None, "seed": seed,
                "record": record.to_dict(), "output_sha256": digest, "info": info,
                **T.row_fields(info, side), **mixed}
    raise AssertionError("unreachable")


_made_folders: set[Path] = set()  # output folders made for the current source's outputs


@contextlib.contextmanager
def _temp_beside(dest: Path):
    """`io.atomic.temp_path` of dest, its folder made once per source; OS errors that mean
    OUT is unusable become FatalOutputError."""
    try:
        if dest.parent not in _made_folders:
            dest.parent.mkdir(parents=True, exist_ok=True)
            _made_folders.add(dest.parent)
    except OSError as exc:
        raise _fatal_or(exc) from None
    with temp_path(dest) as tmp:
        try:
            yield tmp
        except OSError as exc:
            raise _fatal_or(exc) from None


def _fatal_or(exc: OSError) -> Exception:
    if exc.errno in FATAL_ERRNOS:
        where = f" ({exc.filename})" if exc.filename else ""
        return FatalOutputError(f"cannot write to the output folder: {exc.strerror}{where}")
    return exc


def _personal_metadata(src: Path) -> list[str] | None:
    """The source's personal metadata, none of which a rendered output carries (encoders
    write none of it)."""
    from mediasynth.io.metadata_strip import personal_metadata

    return personal_metadata(src)


def _copy_original(src: Path, dest: Path, ctx: RunContext) -> tuple[str, list[str] | None]:
    """Copy an original to `dest` without its personal metadata (io/metadata_strip.py)
    unless `output.keep_metadata`: (sha256 of the copy, what was removed; None when kept
    or the format is unknown)."""
    from mediasynth.io.metadata_strip import strip_metadata

    removed = None
    with _temp_beside(dest) as tmp:
        if ctx.pipeline.output.keep_metadata:
            shutil.copyfile(src, tmp)
        else:
            removed = strip_metadata(src, tmp, timeout_s=ctx.pipeline.budgets.ffmpeg_timeout_s)
        digest = file_sha256(tmp)
        commit(tmp, dest, fsync=ctx.fsync)
    return digest, removed


def file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
