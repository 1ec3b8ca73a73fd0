"""Implementations of the CLI subcommands (argparse namespace in, exit code out)."""

from __future__ import annotations

import sys
from pathlib import Path

from mediasynth.core.errors import ConfigError


def _pipeline_from_args(args):
    from mediasynth.core.config import load_pipeline, resolve_pipeline_path, validate_split
    from mediasynth.engine.plan import parse_split

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
        try:
            split = parse_split(args.split)
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        validate_split(split)
        dataset["split"] = split
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
    budgets = {k: v for k, v in (("max_image_pixels", args.max_image_pixels),
                                 ("max_audio_duration_s", args.max_audio_seconds),
                                 ("max_video_duration_s", args.max_video_seconds),
                                 ("file_timeout_s", args.timeout)) if v is not None}
    if budgets:
        changes["budgets"] = budgets
    return pipeline.with_overrides(**changes) if changes else pipeline


def cmd_expand(args) -> int:
    import contextlib

    from mediasynth.engine.pool import make_pool  # standard library only: starts at once
    from mediasynth.engine.sink import OutLock, check_folders

    if args.workers is not None and args.workers < 1:
        raise ConfigError("--workers must be >= 1")
    check_folders(Path(args.src), Path(args.out))
    # one writer per OUT, held through the report; the pool stops before the lock is freed.
    # Workers start while the engine is imported, the pipeline read and SRC walked.
    lock = contextlib.nullcontext() if args.dry_run else OutLock(args.out)
    with lock, make_pool(args.executor, args.workers, args.scheduler).start_async() as pool:
        return _expand(args, pool)


def _expand(args, pool) -> int:
    from mediasynth.engine.run import ExpandOptions, expand, summary_table

    options = ExpandOptions(workers=args.workers, executor=args.executor,
                            scheduler=args.scheduler, on_error=args.on_error,
                            dry_run=args.dry_run, overwrite=args.overwrite, quiet=args.quiet,
                            fsync=args.fsync, on_damaged=args.on_damaged,
                            previews=not args.no_report)
    pipeline = _pipeline_from_args(args)
    result = expand(args.src, args.out, pipeline, options, pool=pool, locked=True)
    for warning in result.warnings:
        eprint(f"mediasynth: warning: {warning}")
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
    from mediasynth.engine.plan import parse_split
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
        split = parse_split(args.split)
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


def cmd_evaluate(args) -> int:
    """`evaluate OUT`: writes OUT/evaluation.json (and refreshes OUT/report.html when there
    is one); prints the verdicts, or with --json only the JSON (messages go to stderr)."""
    import json

    from mediasynth.engine.sink import OutLock
    from mediasynth.quality.evaluate import Settings, evaluate, exit_code, write

    settings = Settings(test=args.test, compare=tuple(args.compare), probe=args.probe,
                        seeds=args.seeds, max_seconds=args.max_seconds,
                        progress=not args.quiet)
    result = evaluate(args.out, settings)
    out = Path(args.out)
    with OutLock(out):
        dest = write(out, result)
        if (out / "report.html").is_file():
            _try_report(out)
    if args.json:
        print(json.dumps(result, indent=1, ensure_ascii=True))
    else:
        for line in result["summary"]:
            print(line)
        for note in result["notes"]:
            print(f"note: {note}")
        print(f"wrote {dest}")
    if result["skipped"]["count"]:
        first = result["skipped"]["items"][0]
        eprint(f"mediasynth: {result['skipped']['count']} item(s) left out (first: "
               f"{first['path']}: {first['message']}); see skipped in {dest.name}")
    return exit_code(result)


def eprint(*parts) -> None:
    print(*parts, file=sys.stderr)
