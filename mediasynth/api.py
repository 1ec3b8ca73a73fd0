"""The public Python API: what `mediasynth expand|synth|replay|report` do, as functions.

The command line parses its arguments and calls these functions (never the other way
round); they never print, parse command-line strings or exit. A call that cannot do its job
raises an exception of the documented hierarchy (core/errors.py, exported by `mediasynth`):
`ConfigError` for a bad option or pipeline, `FatalError` (`SourceNotFound`, `OutLocked`,
...) when a run cannot go on. Inputs that are bad one by one are not exceptions: they are
reason rows, listed in `ExpandResult.problems`.

Running on worker processes, `expand` and `synthesize` must be called from a script whose
entry point is guarded by `if __name__ == "__main__":` (as any multiprocessing code), or
from a notebook.

Importing this module is cheap: the engine loads when a function runs.
"""

from __future__ import annotations

import contextlib
import dataclasses
import numbers
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mediasynth.core.errors import ConfigError, MediasynthError

if TYPE_CHECKING:
    from mediasynth.core.config import Pipeline
    from mediasynth.core.transform import Transform
    from mediasynth.engine.plan import Plan

    # what `pipeline=` and `split=` take (see `as_pipeline`, `split_fractions`)
    PipelineSpec = (str | Path | Pipeline | Transform | Sequence[Transform]
                    | Mapping[str, Any] | None)
    SplitSpec = str | Sequence[float] | Mapping[str, float] | None

__all__ = ["ExpandResult", "Problem", "ReplayResult", "SynthResult", "as_pipeline", "expand",
           "load_pipeline", "replay", "report", "split_fractions", "synth"]

SPLIT_NAMES = ("train", "val", "test")


# --- results ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """A source (or one output of it) that was skipped or failed, and why.

    `status` is "skipped" (the input cannot be used) or "failed" (rendering it failed);
    `code` is a reason code (`unreadable`, `truncated`, `damaged`, `too_large`,
    `unsupported`, `timeout`, `crashed`, `empty`, `invalid`); `row_id` names its manifest
    row (None for a dry run, which writes no rows)."""

    source: str
    status: str
    code: str
    message: str
    row_id: str | None = None


@dataclass(frozen=True)
class ExpandResult:
    """What `expand` did.

    - `counts[split][class]`: outputs written per split and class (split None when the
      run does not split); `planned` the same for the outputs the plan asked for.
    - `statuses`: rows per status (`ok`, `skipped`, `failed`).
    - `problems`: every skipped or failed source with its reason; `warnings`: what the
      run noticed but could work with (small classes, skipped folders...).
    - `resumed`: outputs of an earlier run found intact and kept; `removed`: stale
      outputs of earlier runs deleted.
    - `out`, `manifest` (OUT/manifest.jsonl), `report` (OUT/report.html or None).
    - `pipeline`: the pipeline the run used, options applied; `plan`: the engine's plan.
    - `exit_code`: what the CLI exits with (0 all done, 3 some inputs skipped or failed).
    """

    out: Path
    manifest: Path
    report: Path | None
    pipeline: Pipeline = field(repr=False)
    counts: dict[str | None, dict[str, int]]
    planned: dict[str | None, dict[str, int]]
    statuses: dict[str, int]
    problems: tuple[Problem, ...]
    warnings: tuple[str, ...]
    resumed: int
    removed: int
    dry_run: bool
    plan: Plan = field(repr=False)
    _engine: Any = field(repr=False, compare=False)

    @property
    def exit_code(self) -> int:
        return 3 if self.problems and not self.dry_run else 0

    @property
    def outputs(self) -> int:
        """Outputs written (all splits and classes)."""
        return sum(n for by_class in self.counts.values() for n in by_class.values())

    def rows(self) -> list[dict]:
        """The manifest's rows (one per output, skipped or failed source), as written."""
        from mediasynth.engine import manifest as M

        return M.read_manifest(self.out) if self.manifest.is_file() else []

    def summary(self) -> str:
        """The CLI's text table: outputs per split/class/kind, statuses, problems."""
        from mediasynth.engine.run import summary_table

        return summary_table(self._engine)


@dataclass(frozen=True)
class SynthResult:
    """What `synth` wrote: `items` outputs of `kind` made by `generator` into `out`, with
    their manifest rows (`rows`) and the report (None when not written)."""

    out: Path
    manifest: Path
    report: Path | None
    generator: str
    kind: str
    items: int
    rows: tuple[dict, ...] = field(repr=False)


@dataclass(frozen=True)
class ReplayResult:
    """A re-rendered output: where it was written and whether its bytes equal the
    recorded output's (`identical`)."""

    path: Path
    identical: bool


# --- pipelines ---------------------------------------------------------------------------


def load_pipeline(pipeline: str | Path | None = None) -> Pipeline:
    """A pipeline from a YAML file, a bundled pipeline's name (`default`,
    `image_classification`, ...; None is `default`) or a file written by
    `albumentations.save`. ConfigError names the file, line and closest valid key.
    `pipeline.save(path)` writes it back; loading that file gives an equal pipeline."""
    from mediasynth.core.config import load_pipeline as load
    from mediasynth.core.config import resolve_pipeline_path

    return load(resolve_pipeline_path(None if pipeline is None else str(pipeline)))


def as_pipeline(pipeline: PipelineSpec) -> Pipeline:
    """A Pipeline from any of the forms the API takes:

    - None, a path or a bundled name: `load_pipeline`;
    - a Pipeline: itself;
    - a transform (a `Compose`, `OneOf`... or one step) or a list of them: the chain of its
      kind's modality (`image`, `audio`; video's temporal chain for `video` transforms);
    - a mapping of chain keys to transforms or lists, e.g. `{"image": [...], "audio":
      Compose([...])}` (`video.frames`, `video.temporal`, `video.audio` for video).

    A chain given as transforms replaces every chain of the default pipeline: media of a
    kind without a chain are copied once, not augmented. Variants, seed, dataset and
    budgets stay the default pipeline's unless `expand` is told otherwise."""
    from mediasynth.core import modality
    from mediasynth.core.config import Pipeline

    if pipeline is None or isinstance(pipeline, (str, Path)):
        return load_pipeline(pipeline)
    if isinstance(pipeline, Pipeline):
        return pipeline
    if isinstance(pipeline, Mapping):
        given = dict(pipeline)
    else:
        chain = _as_chain(pipeline, "pipeline")
        given = {_chain_key(chain.kind): chain}
    keys = modality.chain_kinds()
    chains: dict[str, Any] = {}
    for key, value in given.items():
        if key not in keys:
            raise ConfigError(f"pipeline: unknown chain {key!r} (chains: {', '.join(keys)})")
        chain = _as_chain(value, f"pipeline[{key!r}]")
        if chain.kind is not None and str(chain.kind) != keys[key]:
            raise ConfigError(f"pipeline[{key!r}] holds {chain.kind} transforms; the chain "
                              f"takes {keys[key]} transforms")
        chains[key] = chain
    return load_pipeline(None).with_overrides(**{**dict.fromkeys(keys), **chains})


def _as_chain(value: Any, where: str):
    from mediasynth.core.compose import Compose
    from mediasynth.core.transform import Transform

    if isinstance(value, Compose):
        return value
    if isinstance(value, Transform):
        return Compose([value])
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return Compose(list(value))  # ConfigError names a step that is not a transform
    raise ConfigError(f"{where}: expected a pipeline file or name, a Pipeline, a transform, "
                      f"a list of transforms or a mapping of chains, got {value!r}")


def _chain_key(kind: Any) -> str:
    """The chain a transform of `kind` belongs to when no key is given: the modality's own
    chain (`image`, `audio`), else the first chain taking that kind (`video.temporal`)."""
    from mediasynth.core import modality

    keys = modality.chain_kinds()
    if kind is None:
        raise ConfigError("pipeline: an empty chain has no kind; give it as "
                          "{'image': [...]} or a Pipeline")
    if str(kind) in keys:
        return str(kind)
    for key, takes in keys.items():
        if takes == str(kind) and key.startswith(f"{kind}."):
            return key
    raise ConfigError(f"pipeline: no chain takes {kind} transforms")


def split_fractions(split: SplitSpec) -> dict[str, float] | None:
    """`split` as the pipeline's {name: fraction} mapping: (0.8, 0.2) or (0.8, 0.1, 0.1)
    name train, val, test in order; "0.8,0.1,0.1" the same; a mapping's keys may come in
    any order (train, val, test first, then other names sorted: the same split whatever
    the order). Fractions must be non-negative and sum to 1 (ConfigError)."""
    from mediasynth.core.config import validate_split

    if split is None:
        return None
    if isinstance(split, str):
        try:
            split = [float(p) for p in split.split(",") if p.strip()]
        except ValueError:
            raise ConfigError(f"split: not a list of numbers: {split!r}") from None
    if isinstance(split, Mapping):
        fractions = {str(k): v for k, v in split.items()}
    elif isinstance(split, Sequence) and 2 <= len(split) <= 3:
        fractions = dict(zip(SPLIT_NAMES, split))
    else:
        raise ConfigError(f"split takes 2 or 3 fractions (train, val[, test]) or a mapping, "
                          f"got {split!r}")
    if any(isinstance(v, bool) or not isinstance(v, numbers.Real) for v in fractions.values()):
        raise ConfigError(f"split fractions must be numbers, got {fractions!r}")
    # one order whatever the mapping's: the plan lays fractions out in mapping order
    order = sorted(fractions, key=lambda k: (SPLIT_NAMES.index(k) if k in SPLIT_NAMES
                                             else len(SPLIT_NAMES), k))
    fractions = {k: float(fractions[k]) for k in order}
    validate_split(fractions)
    return fractions


# --- expand ------------------------------------------------------------------------------


def expand(src: str | Path, out: str | Path, pipeline: PipelineSpec = None, *,
           variants: int | None = None, seed: int | None = None, split: SplitSpec = None,
           balance: Any = None, layout: str | None = None,
           annotations: Sequence[str] | str | None = None, output_format: str | None = None,
           keep_originals: bool = False, augment_eval: bool = False,
           workers: int | None = None, executor: str = "local", scheduler: str | None = None,
           on_error: str = "skip", on_damaged: str = "skip",
           max_image_pixels: int | None = None, max_audio_duration_s: float | None = None,
           max_video_duration_s: float | None = None, file_timeout_s: float | None = None,
           dry_run: bool = False, overwrite: bool = False, fsync: bool = False,
           report: bool = True, progress: bool = True, group_by: str | None = None,
           near_duplicates: str | None = None, folds: int | None = None,
           resplit: bool = False, keep_metadata: bool = False) -> ExpandResult:
    """Expand the dataset in `src` into `out`: `mediasynth expand` as a function.

    `pipeline`: see `as_pipeline` (default: the bundled `default`). The keywords override
    the pipeline's settings as the CLI's options do: `variants` per source, root `seed`,
    `split` (see `split_fractions`), `balance` (none, oversample, undersample, synthesize
    or a mapping), `layout` of SRC (default: detected), extra `annotations` formats
    (coco, yolo, voc), `output_format` (folder, webdataset), `keep_originals`,
    `augment_eval`, input budgets (`max_*`, `file_timeout_s`), grouping (`group_by` a
    regular expression over source paths, `near_duplicates` group | warn | off, `folds` K,
    `resplit` a dataset that declares its splits; see engine/split.py), `keep_metadata`
    (copy originals with their personal metadata). Run options: `workers`
    (default: all cores), `executor` ("local" or "dask" with `scheduler`), `on_error`
    ("skip" or "fail"), `on_damaged` ("skip" or "keep"), `dry_run` (plan only, nothing
    written), `overwrite` (start afresh instead of resuming), `fsync`, `report`
    (OUT/report.html), `progress` (a progress bar on a terminal).

    Same guarantees as the CLI: one writer per OUT (`OutLocked` while another live run
    holds it), resume of an interrupted or repeated run, same seed same bytes. Raises
    `SourceNotFound`, `OutLocked`, `FatalError` (OUT refused or unwritable, no media),
    `ConfigError` (a bad option or pipeline); bad inputs are `problems`, not exceptions."""
    from mediasynth.engine.pool import make_pool  # standard library only: starts at once
    from mediasynth.engine.sink import OutLock, check_folders

    _check_choice("executor", executor, ("local", "dask"))
    _check_choice("on_error", on_error, ("skip", "fail"))
    _check_choice("on_damaged", on_damaged, ("skip", "keep"))
    if workers is not None:
        _check_int("workers", workers, low=1)
    overrides = _expand_overrides(
        variants=variants, seed=seed, split=split, balance=balance, layout=layout,
        annotations=annotations, output_format=output_format, keep_originals=keep_originals,
        augment_eval=augment_eval, max_image_pixels=max_image_pixels,
        max_audio_duration_s=max_audio_duration_s, max_video_duration_s=max_video_duration_s,
        file_timeout_s=file_timeout_s, group_by=group_by, near_duplicates=near_duplicates,
        folds=folds, resplit=resplit, keep_metadata=keep_metadata)
    if executor == "local":
        from mediasynth.engine.worker_process import start_fork_server

        start_fork_server()  # no-op when already running (the CLI starts it first thing)
    src, out = Path(src), Path(out)
    check_folders(src, out)
    # Workers start while the engine is imported, the pipeline read and SRC walked; the
    # pipeline is read before OUT is created (a bad one leaves no OUT). One writer per OUT,
    # held through the report; the pool stops before the lock is freed.
    with make_pool(executor, workers, scheduler).start_async() as pool:
        resolved = as_pipeline(pipeline)
        if overrides:
            resolved = resolved.with_overrides(**overrides)
        with contextlib.nullcontext() if dry_run else OutLock(out):
            return _expand_locked(src, out, resolved, pool, workers=workers,
                                  executor=executor, scheduler=scheduler, on_error=on_error,
                                  dry_run=dry_run, overwrite=overwrite, progress=progress,
                                  fsync=fsync, on_damaged=on_damaged, report=report)


def _expand_locked(src: Path, out: Path, resolved, pool, *, workers, executor, scheduler,
                   on_error, dry_run, overwrite, progress, fsync, on_damaged, report
                   ) -> ExpandResult:
    """The run under the OUT lock (see `expand`)."""
    from mediasynth.engine.run import ExpandOptions
    from mediasynth.engine.run import expand as run_expand

    options = ExpandOptions(workers=workers, executor=executor, scheduler=scheduler,
                            on_error=on_error, dry_run=dry_run, overwrite=overwrite,
                            quiet=not progress, fsync=fsync, on_damaged=on_damaged,
                            previews=report)
    result = run_expand(src, out, resolved, options, pool=pool, locked=True)
    report_path = _write_report(out) if report and not dry_run else None
    return _expand_result(out, resolved, result, report_path, dry_run)


def _grouping(group_by, near_duplicates, folds, resplit) -> dict[str, Any]:
    """dataset changes for grouped splitting, each checked as a pipeline file's would be."""
    from mediasynth.core.config import DatasetOptions, check_grouping

    changes = {k: v for k, v in (("group_by", group_by), ("near_duplicates", near_duplicates),
                                 ("folds", folds)) if v is not None}
    if resplit:
        changes["resplit"] = True
    if changes:
        check_grouping(dataclasses.replace(DatasetOptions(), **changes), None)
    return changes


def _expand_overrides(*, variants, seed, split, balance, layout, annotations, output_format,
                      keep_originals, augment_eval, group_by=None, near_duplicates=None,
                      folds=None, resplit=False, keep_metadata=False, **budgets) -> dict:
    """The pipeline changes the keywords of `expand` ask for, each checked."""
    changes: dict[str, Any] = {}
    if variants is not None:
        changes["variants"] = _check_int("variants", variants, low=0)
    if seed is not None:
        changes["seed"] = _check_int("seed", seed, low=0)
    dataset: dict[str, Any] = {}
    if balance is not None:
        from mediasynth.core.balance import balance_spec

        balance_spec(balance)  # ConfigError when malformed
        dataset["balance"] = balance
    fractions = split_fractions(split)
    if fractions is not None:
        dataset["split"] = fractions
    if keep_originals:
        dataset["keep_originals"] = True
    if layout is not None:
        from mediasynth.io.layouts import LAYOUTS

        _check_choice("layout", layout, ("auto", *LAYOUTS))
        dataset["layout"] = layout
    if annotations is not None:
        from mediasynth.io.layouts import EXPORT_FORMATS

        if isinstance(annotations, str):
            annotations = [f.strip() for f in annotations.split(",") if f.strip()]
        for name in annotations:
            _check_choice("annotations", name, EXPORT_FORMATS)
        dataset["annotations"] = tuple(annotations)
    if augment_eval:
        dataset["augment_eval"] = True
    dataset.update(_grouping(group_by, near_duplicates, folds, resplit))
    if dataset:
        changes["dataset"] = dataset
    output: dict[str, Any] = {}
    if output_format is not None:
        _check_choice("output_format", output_format, ("folder", "webdataset"))
        output["format"] = output_format
    if keep_metadata:
        output["keep_metadata"] = True
    if output:
        changes["output"] = output
    checked = {}
    for name, value in budgets.items():
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not value > 0:
            raise ConfigError(f"{name} must be a positive number, got {value!r}")
        checked[name] = value
    if checked:
        changes["budgets"] = checked
    return changes


def _expand_result(out: Path, pipeline: Pipeline, result, report_path: Path | None,
                   dry_run: bool) -> ExpandResult:
    from mediasynth.engine import manifest as M

    def nested(triples) -> dict[str | None, dict[str, int]]:
        table: dict[str | None, dict[str, int]] = {}
        for (split_name, cls, _kind), n in triples:
            by_class = table.setdefault(None if split_name == "-" else split_name, {})
            by_class[cls] = by_class.get(cls, 0) + n
        return table

    if dry_run:
        problems = tuple(Problem(job.source, "skipped", job.problem[0], job.problem[1])
                         for job in result.plan.jobs if job.problem)
    else:
        problems = tuple(Problem(row["source"], row["status"],
                                 (row.get("reason") or {}).get("code", "unknown"),
                                 (row.get("reason") or {}).get("message", ""), row.get("id"))
                         for row in result.problems)
    return ExpandResult(
        out=out, manifest=out / M.MANIFEST, report=report_path, pipeline=pipeline,
        counts=nested(sorted(result.ok_counts.items())),
        planned=nested(((s, c, k), n_out) for s, c, k, _n, n_out in result.plan.summary()),
        statuses=dict(result.status_counts), problems=problems,
        warnings=tuple(result.warnings), resumed=result.resumed, removed=result.removed,
        dry_run=dry_run, plan=result.plan, _engine=result)


# --- synth, replay, report ---------------------------------------------------------------


def synth(generator: str | None, out: str | Path, *, count: int | None = None,
          seed: int | None = None,
          split: SplitSpec = None, workers: int | None = None,
          pipeline: str | Path | Pipeline | None = None, settings: Mapping[str, Any] | None = None,
          report: bool = True, progress: bool = True, **more_settings: Any) -> SynthResult:
    """Generate labelled media from scratch into `out`: `mediasynth synth` as a function.

    `generator`: a registered generator (`shapes`, `tones`, `video`, or `synth.shapes`...),
    or None/"pipeline" for the generator of `pipeline`'s `source:` section. Its options
    (e.g. `width=256`, `objects_range=(1, 5)`) and the runner's (`class_weights`,
    `class_counts`) come from `settings` and keyword arguments (over the pipeline's).
    `count` items (default: the settings', or 100), split by `split` (see
    `split_fractions`), with root `seed` (default: the pipeline's `seed:` and
    `dataset.split` when generating from a pipeline, else 0 and no split). Same seed, same
    bytes. Raises ConfigError for an
    unknown generator or option, FatalError (`OutLocked`...) when OUT cannot be written."""
    from mediasynth.engine.synth_run import generator_and_options, run_synth

    if workers is not None:
        _check_int("workers", workers, low=1)
    loaded = None
    if generator in (None, "pipeline"):
        if pipeline is None:
            raise ConfigError("synth needs a generator name, or a pipeline with a source: "
                              "section")
        loaded = as_pipeline(pipeline)
        if not loaded.source:
            named = pipeline if isinstance(pipeline, (str, Path)) else loaded.path
            raise ConfigError(f"{named or 'the pipeline'} has no source: section")
        options = dict(loaded.source)
        type_name = options.pop("type", None)
        if not isinstance(type_name, str) or not type_name.startswith("synth."):
            raise ConfigError("source.type must name a generator, e.g. synth.shapes")
    else:
        type_name = generator if generator.startswith("synth.") else f"synth.{generator}"
        options = {}
    options.update(settings or {})
    options.update(more_settings)
    made, runner = generator_and_options(type_name, options)
    count = _check_int("count", count if count is not None else runner.get("count", 100),
                       low=1)
    if seed is None:
        seed = loaded.seed if loaded is not None else 0
    seed = _check_int("seed", seed, low=0)
    fractions = split_fractions(split) if split is not None else runner.get("split")
    if fractions is None and loaded is not None:
        fractions = loaded.dataset.split  # the pipeline's own split, as expand reads it
    if fractions:
        fractions = split_fractions(fractions)
    out = Path(out)
    rows = run_synth(made, out, count=count, seed=seed, split=fractions,
                     class_counts=runner.get("class_counts"),
                     class_weights=runner.get("class_weights"), workers=workers,
                     quiet=not progress)
    report_path = _write_report(out) if report else None
    from mediasynth.engine import manifest as M

    return SynthResult(out=out, manifest=out / M.MANIFEST, report=report_path,
                       generator=made.name, kind=str(made.media_kind), items=len(rows),
                       rows=tuple(rows))


def replay(out: str | Path, row_id: str, dest: str | Path | None = None) -> ReplayResult:
    """Render the output of manifest row `row_id` (its id or a unique prefix) of OUT again,
    from the source, the recorded seed and parameters, into `dest` (a file with the
    output's extension, or an existing folder to write the output's name into; default: the
    current folder). `identical` says whether the bytes equal the recorded output's.
    MediasynthError when the row has no output or DEST cannot hold it."""
    from mediasynth.engine.replay import replay_row

    path, identical = replay_row(Path(out), row_id, None if dest is None else Path(dest))
    return ReplayResult(Path(path), bool(identical))


def report(out: str | Path) -> Path:
    """Write OUT/report.html (and report_assets/) for a finished OUT, holding OUT's lock
    (`OutLocked` while a run writes it); MediasynthError when OUT has no manifest."""
    from mediasynth.engine import manifest as M
    from mediasynth.engine.sink import OutLock
    from mediasynth.report.html import write_report

    out = Path(out)
    if not (out / M.MANIFEST).is_file():
        raise MediasynthError(f"{out} is not a mediasynth OUT (no {M.MANIFEST}): nothing to "
                              "report")
    with OutLock(out):
        return Path(write_report(out))


def _write_report(out: Path) -> Path | None:
    """The report of a run that holds OUT's lock; None when the report's own libraries are
    not installed."""
    try:
        from mediasynth.report.html import write_report
    except ImportError:
        return None
    return Path(write_report(out))


# --- checks ------------------------------------------------------------------------------


def _check_int(name: str, value: Any, *, low: int) -> int:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ConfigError(f"{name} must be an integer >= {low}, got {value!r}")
    return int(value)


def _check_choice(name: str, value: Any, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(map(str, choices))}; got {value!r}")



def audit(root: str | Path, *, group_by: str | None = None):
    """Leakage audit of the split dataset at `root` (an OUT, train/ val/ test/ folders or an
    annotated layout with subsets): a `quality.audit.AuditResult` whose `leaks` says
    whether files, near-duplicates or groups (`group_by`) straddle splits. Raises
    `SourceNotFound` when `root` is not a folder, `ConfigError` for a bad `group_by`."""
    import re

    from mediasynth.core.errors import SourceNotFound
    from mediasynth.quality.audit import audit as run_audit

    root = Path(root)
    if not root.is_dir():
        raise SourceNotFound(f"{root} is not a folder", path=str(root))
    if group_by:
        try:
            re.compile(group_by)
        except re.error as exc:
            raise ConfigError(f"group_by is not a valid regular expression: {exc}") from None
    return run_audit(root, group_by=group_by)


def evaluate(out: str | Path, *, test: str | Path | None = None,
             compare: Sequence[str | Path] = (), probe: str = "linear", seeds: int = 5,
             max_seconds: float | None = None, progress: bool = True) -> tuple[dict, Path]:
    """Does the augmentation (or synthesis) help? `mediasynth evaluate` as a function: the
    result (the structure of OUT/evaluation.json: arms, deltas with 95 % intervals and
    verdicts, fidelity) and the path it was written to, under OUT's lock; OUT's report is
    refreshed when it has one. See mediasynth/quality/evaluate.py for the settings."""
    from mediasynth.engine.sink import OutLock
    from mediasynth.quality.evaluate import Settings, write
    from mediasynth.quality.evaluate import evaluate as run_evaluate

    settings = Settings(test=str(test) if test is not None else None,
                        compare=tuple(str(c) for c in compare), probe=probe, seeds=seeds,
                        max_seconds=max_seconds, progress=progress)
    result = run_evaluate(out, settings)
    out = Path(out)
    with OutLock(out):
        dest = write(out, result)
        if (out / "report.html").is_file():
            _write_report(out)
    return result, dest
