"""Implementations of the CLI subcommands (argparse namespace in, exit code out)."""

from __future__ import annotations

import sys
from pathlib import Path

from mediasynth.core.errors import ConfigError


def _pipeline_from_args(args):
    from mediasynth.core.config import check_number, load_pipeline, resolve_pipeline_path

    pipeline = load_pipeline(resolve_pipeline_path(args.pipeline))
    changes: dict = {}
    if args.variants is not None:
        if args.variants < 0:
            raise ConfigError("-n/--variants must be >= 0")
        changes["variants"] = args.variants
    if args.seed is not None:
        if args.seed < 0:
            raise ConfigError("--seed must be >= 0")
        changes["seed"] = args.seed
    dataset: dict = {}
    if args.balance:
        dataset["balance"] = args.balance
    if args.split:
        dataset["split"] = split_option(args.split)
    if args.keep_originals:
        dataset["keep_originals"] = True
    if getattr(args, "layout", None):
        dataset["layout"] = args.layout
    if getattr(args, "annotations", None):
        from mediasynth.io.layouts import EXPORT_FORMATS

        formats = tuple(f.strip() for f in args.annotations.split(",") if f.strip())
        bad = [f for f in formats if f not in EXPORT_FORMATS]
        if bad:
            raise ConfigError(f"--annotations: unknown format {bad[0]!r} (formats: "
                              f"{', '.join(EXPORT_FORMATS)})")
        dataset["annotations"] = formats
    if args.augment_eval:
        dataset["augment_eval"] = True
    if dataset:
        changes["dataset"] = dataset
    if getattr(args, "format", None):
        changes["output"] = {"format": args.format}
    budgets = {key: check_number(value, flag, 0, low_excluded=True,
                                 integer=key == "max_image_pixels")
               for key, flag, value in (
                   ("max_image_pixels", "--max-image-pixels", args.max_image_pixels),
                   ("max_audio_duration_s", "--max-audio-seconds", args.max_audio_seconds),
                   ("max_video_duration_s", "--max-video-seconds", args.max_video_seconds),
                   ("file_timeout_s", "--timeout", args.timeout)) if value is not None}
    if budgets:
        changes["budgets"] = budgets
    return pipeline.with_overrides(**changes) if changes else pipeline


def split_option(text: str) -> dict[str, float]:
    """--split TRAIN,VAL,TEST (or TRAIN,VAL) as fractions: finite, within [0, 1], summing
    to 1; else ConfigError (NaN would otherwise put every source in one split)."""
    from mediasynth.core.config import validate_split

    parts = [p.strip() for p in text.split(",")]
    if len(parts) not in (2, 3) or not all(parts):
        raise ConfigError("--split takes 2 or 3 comma-separated fractions, e.g. 0.8,0.1,0.1, "
                          f"got {text!r}")
    try:
        values = [float(p) for p in parts]
    except ValueError:
        raise ConfigError(f"--split takes numbers, e.g. 0.8,0.1,0.1, got {text!r}") from None
    split = dict(zip(("train", "val", "test"), values))
    try:
        validate_split(split)
    except ConfigError as exc:
        raise ConfigError(f"--split {text}: {exc.message}") from None
    return split


def cmd_expand(args) -> int:
    import contextlib

    from mediasynth.engine.pool import make_pool  # standard library only: starts at once
    from mediasynth.engine.sink import OutLock, check_folders

    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers must be >= 1")
    check_folders(Path(args.src), Path(args.out))
    # Workers start while the engine is imported, the pipeline read and SRC walked; the
    # pipeline and options are checked before OUT is created (a bad one leaves no OUT).
    # One writer per OUT, held through the report; the pool stops before the lock is freed.
    with make_pool(args.executor, args.workers, args.scheduler).start_async() as pool:
        pipeline = _pipeline_from_args(args)
        with contextlib.nullcontext() if args.dry_run else OutLock(args.out):
            return _expand(args, pool, pipeline)


def _expand(args, pool, pipeline) -> int:
    from mediasynth.engine.run import ExpandOptions, expand, summary_table
    from mediasynth.engine.run_warnings import summarize

    options = ExpandOptions(workers=args.workers, executor=args.executor,
                            scheduler=args.scheduler, on_error=args.on_error,
                            dry_run=args.dry_run, overwrite=args.overwrite, quiet=args.quiet,
                            fsync=args.fsync, on_damaged=args.on_damaged,
                            previews=not args.no_report)
    result = expand(args.src, args.out, pipeline, options, pool=pool, locked=True)
    for line in summarize(result.warnings):  # one line per kind; details in the manifest
        eprint(f"mediasynth: warning: {line}")
    if args.dry_run:
        print(f"plan: {len(result.plan.jobs)} sources, {result.plan.outputs()} outputs "
              f"(seed {pipeline.seed}, {pipeline.variants} variants, balance "
              f"{pipeline.dataset.balance})")
        print(f"{'split':8s} {'class':20s} {'kind':6s} {'sources':>8s} {'outputs':>8s}")
        for split, cls, kind, n_src, n_out in result.plan.summary():
            print(f"{split:8s} {cls[:20]:20s} {kind:6s} {n_src:8d} {n_out:8d}")
        problems = [j for j in result.plan.jobs if j.problem]
        for job in problems:
            print(f"skip     {job.problem[0]:11s} {job.source}: {job.problem[1]}")
        return 0
    if not args.no_report:
        _try_report(Path(args.out))
    if not args.quiet:
        print(summary_table(result))
    return result.exit_code


def _try_report(out: Path) -> None:
    try:
        from mediasynth.report.html import write_report
    except ImportError:
        return
    write_report(out)


def cmd_replay(args) -> int:
    from mediasynth.engine.replay import replay_row

    dest = Path(args.dest) if args.dest else None
    dest, matches = replay_row(Path(args.out), args.row_id, dest)
    print(f"wrote {dest}: {'byte-identical to' if matches else 'DIFFERS from'} the recorded output")
    return 0 if matches else 1


def cmd_synth(args) -> int:
    """`synth GENERATOR OUT` (or `synth pipeline OUT -p PIPELINE`, the generator named by the
    pipeline's `source:`): --set values over the generator's settings, --count and --split
    over its runner options; writes OUT (see engine/synth_run.py) and its report."""
    from mediasynth.core.config import load_pipeline, resolve_pipeline_path, validate_split
    from mediasynth.engine.synth_run import generator_and_options, run_synth

    if args.generator == "pipeline":
        if not args.pipeline:
            raise ConfigError("`mediasynth synth pipeline OUT` needs -p PIPELINE with a source:")
        pipeline = load_pipeline(resolve_pipeline_path(args.pipeline))
        if not pipeline.source:
            raise ConfigError(f"{args.pipeline} has no source: section")
        settings = dict(pipeline.source)
        type_name = settings.pop("type", None)
        if not isinstance(type_name, str) or not type_name.startswith("synth."):
            raise ConfigError("source.type must name a generator, e.g. synth.shapes")
    else:
        type_name, settings = f"synth.{args.generator}", {}
    settings.update(parse_sets(args.set))
    generator, runner = generator_and_options(type_name, settings)
    count = int(args.count if args.count is not None else runner.get("count", 100))
    if count < 1:
        raise ConfigError("--count must be >= 1")
    split = runner.get("split")
    if args.split:
        split = split_option(args.split)
    if split:
        validate_split(split)
    rows = run_synth(generator, args.out, count=count, seed=args.seed, split=split,
                     class_counts=runner.get("class_counts"),
                     class_weights=runner.get("class_weights"), workers=args.workers,
                     quiet=args.quiet)
    if not getattr(args, "no_report", False):
        _try_report(Path(args.out))
    if not args.quiet:
        print(f"wrote {len(rows)} {generator.media_kind} items to {args.out}")
    return 0


def parse_sets(pairs: list[str]) -> dict:
    """--set KEY=VALUE pairs as a mapping; values are read as YAML (numbers, lists,
    mappings). A pair without `=` or without a key raises ConfigError."""
    import yaml

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigError(f"--set takes KEY=VALUE, got {pair!r}")
        out[key.strip()] = yaml.safe_load(value)
    return out


def cmd_report(args) -> int:
    from mediasynth.core.errors import MediasynthError
    from mediasynth.engine import manifest as M
    from mediasynth.engine.sink import OutLock
    from mediasynth.report.html import write_report

    out = Path(args.out)
    if not (out / M.MANIFEST).is_file():
        raise MediasynthError(f"{out} is not a mediasynth OUT (no {M.MANIFEST}): nothing to "
                              "report")
    with OutLock(out):
        path = write_report(out)
    print(f"wrote {path}")
    return 0


def eprint(*parts) -> None:
    print(*parts, file=sys.stderr)
