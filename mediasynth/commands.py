"""Implementations of the CLI subcommands (argparse namespace in, exit code out)."""

from __future__ import annotations

import sys
from pathlib import Path

from mediasynth.core.errors import ConfigError

PIPELINES_DIR = Path(__file__).resolve().parent / "pipelines"


def resolve_pipeline_path(name: str | None) -> Path:
    """A pipeline path, or the name of a bundled pipeline (`default`, `speech`, ...)."""
    if name is None:
        return PIPELINES_DIR / "default.yaml"
    path = Path(name)
    if path.exists():
        return path
    bundled = PIPELINES_DIR / f"{name.removesuffix('.yaml')}.yaml"
    if bundled.exists():
        return bundled
    names = sorted(p.stem for p in PIPELINES_DIR.glob("*.yaml"))
    raise ConfigError(f"no pipeline file {name!r} (bundled pipelines: {', '.join(names)})")


def _pipeline_from_args(args):
    from mediasynth.core.config import load_pipeline, validate_split
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
        from mediasynth.core.config import ANNOTATION_FORMATS

        formats = tuple(f.strip() for f in args.annotations.split(",") if f.strip())
        bad = [f for f in formats if f not in ANNOTATION_FORMATS]
        if bad:
            raise ConfigError(f"--annotations: unknown format {bad[0]!r} (formats: "
                              f"{', '.join(ANNOTATION_FORMATS)})")
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
                            fsync=args.fsync, on_damaged=args.on_damaged)
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
    from mediasynth.synth.run import run_synth_cli

    return run_synth_cli(args)


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
