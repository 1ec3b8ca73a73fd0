"""`synth` on the expand engine: plan -> lock -> journal -> (resume) -> execute -> manifest,
annotations, dataset card; the same OUT rules as `expand` (engine/sink.py).

Layout of OUT:
    <split>/<class>/<generator>_<index>.<ext>     the media (class folders)
    annotations/classes.txt                        class names, one a line
    annotations/...                                the generator's files (`write_annotations`
                                                   per split, `side_files` per item)
    manifest.jsonl, labels.csv, README.md, croissant.json   as for `expand`

- **Resume**: a re-run (after a kill at any point, or a finished run) keeps every item whose
  ok row has the same config (pipeline_sha256) and whose file still has the recorded bytes
  and its side files; only the rest is made. Same seed, same bytes: the OUT of a killed and
  re-run synth equals an uninterrupted run's.
- **Executors**: the local pool (engine/pool.py) or Dask (engine/dask_executor.py); work
  units are chunks of consecutive items (engine/synth_plan.py), fed a window at a time so
  the parent never holds an object per item. A chunk that crashes or times out its worker is
  retried one item per task, so a bad item costs itself only.
- **Reason rows**: an item that fails (its generator raised, its worker died or timed out)
  gets a `failed` row with a reason; the run's exit code is then 3, as expand's.
"""

from __future__ import annotations

import contextlib
import itertools
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from mediasynth.core.errors import ConfigError, FatalError
from mediasynth.engine import manifest as M
from mediasynth.engine.pool import make_pool
from mediasynth.engine.sink import FolderSink, OutLock, check_out
from mediasynth.engine.synth_plan import SynthChunk, SynthPlan, make_synth_plan
from mediasynth.engine.synth_source import SynthContext, failure_row, render_chunk
from mediasynth.engine.worker import FatalOutputError
from mediasynth.synth.base import Generator

WINDOW = 512  # chunks handed to the pool at a time (bounds the parent's memory)
CHUNK_TIMEOUT_S = 3600.0  # a chunk taking longer is killed and its items retried alone


@dataclass
class SynthOptions:
    workers: int | None = None
    executor: str = "local"
    scheduler: str | None = None
    overwrite: bool = False  # start afresh instead of resuming
    quiet: bool = True
    timeout_s: float = CHUNK_TIMEOUT_S


@dataclass
class SynthRunResult:
    """Counts of a synth run (rows themselves are in OUT/manifest.jsonl: `rows` reads them);
    the same attributes as expand's result, for engine/run_result.summary_table."""

    plan: SynthPlan
    out: Path
    status_counts: Counter = field(default_factory=Counter)
    ok_counts: Counter = field(default_factory=Counter)  # (split, class, kind) -> items
    problems: list[dict] = field(default_factory=list)
    resumed: int = 0
    removed: int = 0
    warnings: list[str] = field(default_factory=list)

    @property
    def rows(self) -> list[dict]:
        return M.read_manifest(self.out)

    @property
    def exit_code(self) -> int:
        counts = self.status_counts
        return 3 if counts.get("skipped", 0) or counts.get("failed", 0) else 0


def run_synth(generator: Generator, out: str | Path, *, count: int, seed: int = 0,
              split: dict[str, float] | None = None, class_counts: dict | None = None,
              class_weights: dict | None = None, workers: int | None = None,
              quiet: bool = True, options: SynthOptions | None = None, pool=None,
              locked: bool = False) -> SynthRunResult:
    """Generate `count` items into OUT (see the module docstring). `options` (or `workers`,
    `quiet`) choose the executor; `pool`: a running pool to use; `locked`: the caller holds
    `OutLock(out)`. Scripts that call this must guard their entry point with
    `if __name__ == "__main__":` (worker processes). Raises FatalError when OUT is refused
    or cannot be written."""
    options = options or SynthOptions(workers=workers, quiet=quiet)
    out = Path(out)
    check_out(out)
    plan = make_synth_plan(generator, count=count, seed=seed, split=split,
                           class_counts=class_counts, class_weights=class_weights)
    lock = contextlib.nullcontext() if locked else OutLock(out)
    with lock:
        try:
            if pool is not None:
                return _run(plan, out, options, pool)
            with make_pool(options.executor, options.workers, options.scheduler) as own:
                return _run(plan, out, options, own.start_async())
        except FatalOutputError as exc:
            raise FatalError(f"{exc} [OUT {out}]") from None
        except OSError as exc:
            raise FatalError(f"cannot write to OUT {out}: {exc.strerror or exc}"
                             f"{f' ({exc.filename})' if exc.filename else ''}") from None


class _Offsets:
    """Where each item's row sits in the manifest file, and its status: three arrays."""

    STATUSES = ("ok", "failed", "skipped")

    def __init__(self, n: int):
        self.offset = np.full(n, -1, dtype=np.int64)
        self.length = np.zeros(n, dtype=np.int32)
        self.status = np.zeros(n, dtype=np.int8)

    def set(self, index: int, ref: M.Ref) -> None:
        self.offset[index], self.length[index] = ref.offset, ref.length
        self.status[index] = self.STATUSES.index(ref.status)

    def refs(self, plan: SynthPlan) -> Iterator[M.Ref]:
        """Refs in index order (items without a row are left out)."""
        for i in np.flatnonzero(self.offset >= 0):
            item = plan.item(int(i))
            yield M.Ref(int(self.offset[i]), int(self.length[i]), int(i),
                        self.STATUSES[self.status[i]], item.split, item.cls,
                        plan.generator.media_kind, item.rel_path)


def _run(plan: SynthPlan, out: Path, options: SynthOptions, pool) -> SynthRunResult:
    from mediasynth.engine.versions import versions

    gen = plan.generator
    ctx = SynthContext(gen, str(out.resolve()), plan.seed, plan.split_shares,
                       plan.config_sha256, versions(gen.needs_ffmpeg))
    sink = FolderSink(out)
    sink.sweep_temps()
    sink.remove_report()
    rows = _Offsets(len(plan))
    result = SynthRunResult(plan, out)
    if not options.overwrite:
        result.resumed = finished_items(out, plan, rows)
    journal = sink.begin(set(plan.planned_paths()))
    todo = np.flatnonzero(rows.offset < 0)
    appender = M.ManifestAppender(out)
    bar = _progress(len(todo), options.quiet)
    try:
        for chunk_rows in execute(plan.chunks(todo), ctx, pool, options.timeout_s):
            for row, ref in zip(chunk_rows, appender.append(chunk_rows)):
                rows.set(row["variant"], ref)
                if row["status"] != "ok":
                    result.problems.append(row)
            bar.update(len(chunk_rows))
    finally:
        bar.close()
        appender.close()
    sink.sweep_temps()  # temp files of workers that were killed mid-write
    keep: set[str] = set()
    for ref in rows.refs(plan):
        result.status_counts[ref.status] += 1
        if ref.status == "ok":
            result.ok_counts[(ref.split or "-", ref.cls or "-", ref.kind or "-")] += 1
            keep.add(ref.output)
            keep.update(gen.side_files(ref.output, ref.split))
    M.write_final_refs(out, rows.refs(plan))
    annotation_files = write_annotations(gen, out)
    keep |= set(annotation_files)
    keep |= set(write_synth_card(out, plan.config, annotation_files))
    write_generator_config(out, plan.config)
    result.removed = sink.remove_stale(journal, keep)
    sink.end(keep)
    return result


def execute(chunks: Iterator[SynthChunk], ctx: SynthContext, pool, timeout_s: float
            ) -> Iterator[list[dict]]:
    """Rows of every chunk as chunks finish, `WINDOW` chunks at a time. A chunk whose task
    failed (its worker died, timed out, or Dask gave up on it) is run again one item per
    task; an item that fails alone gets a failed row with the reason."""
    while True:
        window = list(itertools.islice(chunks, WINDOW))
        if not window:
            return
        retry: list[SynthChunk] = []
        for index, status, value in pool.map(render_chunk, window, ctx, timeout_s=timeout_s):
            if status == "ok":
                yield value
            elif status == "error" and isinstance(value, (FatalOutputError, ConfigError)):
                raise value
            elif len(window[index].items) > 1:
                retry += [SynthChunk((item,)) for item in window[index].items]
            else:
                yield [failure_row(window[index].items[0], ctx, *_reason(status, value,
                                                                          timeout_s))]
        for index, status, value in pool.map(render_chunk, retry, ctx, timeout_s=timeout_s):
            if status == "ok":
                yield value
            elif status == "error" and isinstance(value, (FatalOutputError, ConfigError)):
                raise value
            else:
                yield [failure_row(retry[index].items[0], ctx, *_reason(status, value,
                                                                         timeout_s))]


def _reason(status: str, value, timeout_s: float) -> tuple[str, str]:
    if status == "crashed":
        return "crashed", f"worker process died (exit code {value}) on this item"
    if status == "timeout":
        return "timeout", f"took longer than {timeout_s:g} s"
    return "crashed", f"{type(value).__name__}: {value}"


def finished_items(out: Path, plan: SynthPlan, rows: _Offsets) -> int:
    """Mark in `rows` the items an earlier run finished: an ok row of the same config at
    the planned path, whose file has the recorded sha256 and whose side files exist (a
    row is appended only after all of them were written). Returns how many."""
    from mediasynth.engine.worker import file_sha256

    found = 0
    for row, offset, length in M.scan(out):
        index = row.get("variant")
        if row.get("status") != "ok" or row.get("pipeline_sha256") != plan.config_sha256 \
                or not isinstance(index, int) or not 0 <= index < len(plan) \
                or rows.offset[index] >= 0:
            continue
        item = plan.item(index)
        if row.get("id") != item.row_id or row.get("output") != item.rel_path:
            continue
        path = out / item.rel_path
        if not path.is_file() or file_sha256(path) != row.get("output_sha256"):
            continue
        if not all((out / p).is_file()
                   for p in plan.generator.side_files(item.rel_path, item.split)):
            continue
        rows.set(index, M.ref_of(row, offset, length))
        found += 1
    return found


class ManifestRows(Sequence):
    """Rows of the final manifest at given offsets, read when asked (a split's rows for
    `Generator.write_annotations` without holding every row of the run)."""

    def __init__(self, path: Path, spans: list[tuple[int, int]]):
        self.path, self.spans = path, spans

    def __len__(self) -> int:
        return len(self.spans)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        import json
        import os

        offset, length = self.spans[i]
        with open(self.path, "rb") as fh:
            return json.loads(os.pread(fh.fileno(), length, offset))

    def __iter__(self):
        import json
        import os

        with open(self.path, "rb") as fh:
            for offset, length in self.spans:
                yield json.loads(os.pread(fh.fileno(), length, offset))


def write_annotations(generator: Generator, out: Path) -> list[str]:
    """Write classes.txt and the generator's per-split annotation files from the final
    manifest's ok rows (replacing every earlier file: the folder is mediasynth's); return
    their paths relative to OUT."""
    from mediasynth.io.atomic import write_bytes_atomic

    folder = out / "annotations"
    if folder.is_dir():
        for old in folder.iterdir():
            if old.is_file():
                old.unlink()
    classes = generator.annotation_classes()
    write_bytes_atomic(folder / "classes.txt", ("\n".join(classes) + "\n").encode())
    by_split: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for row, offset, length in M.scan(out):
        if row.get("status") == "ok":
            by_split[row.get("split") or "all"].append((offset, length))
    for split, spans in sorted(by_split.items()):
        generator.write_annotations(folder, split, ManifestRows(out / M.MANIFEST, spans))
    return sorted(f"annotations/{p.name}" for p in folder.iterdir() if p.is_file())


GENERATOR_CONFIG = "generator.json"  # in OUT/.mediasynth: what `replay` rebuilds the generator from


def write_generator_config(out: Path, config: dict) -> None:
    """OUT/.mediasynth/generator.json: the run's generator (its `to_config()`) and runner
    settings, so `mediasynth replay OUT ID` can regenerate any row (engine/replay.py)."""
    import json

    from mediasynth.core.config import builtin
    from mediasynth.engine.sink import STATE_DIR
    from mediasynth.io.atomic import write_bytes_atomic

    text = json.dumps(builtin(config), sort_keys=True, indent=1, ensure_ascii=False)
    write_bytes_atomic(out / STATE_DIR / GENERATOR_CONFIG,
                       text.encode("utf-8", "surrogateescape"))


def write_synth_card(out: Path, config: dict, annotation_files: list[str]) -> list[str]:
    """The dataset card and croissant.json of a synth OUT (engine/dataset_card.py)."""
    import yaml

    from mediasynth.core.config import builtin
    from mediasynth.engine.dataset_card import Recipe, write_card

    config = builtin(config)  # a pipeline's `source:` keeps the parser's line-tracking maps
    recipe = Recipe(source_name=config["generator"]["type"], seed=config["seed"],
                    config_yaml=yaml.safe_dump(config, sort_keys=False),
                    split=config["split"], synthesized=True)
    return write_card(out, recipe, annotation_files=annotation_files)


def _progress(total: int, quiet: bool):
    from mediasynth.engine.progress import progress_bar

    return progress_bar(total, unit="item", desc="synth", quiet=quiet)
