"""Implementations of the CLI subcommands (argparse namespace in, exit code out): each
checks its options, calls the public API (mediasynth/commands/api.py) and prints what it returns."""

from __future__ import annotations

import sys

from mediasynth.core.errors import ConfigError


def _at_least(flag: str, value: int | None, low: int) -> None:
    """ConfigError naming `flag` when it was given below `low`."""
    if value is not None and value < low:
        raise ConfigError(f"{flag} must be >= {low}")


def _expand_keywords(args) -> dict:
    """`mediasynth.api.expand`'s keywords from the expand options, each option checked here
    so that its error names the option as typed."""
    from mediasynth.commands.api import split_fractions

    _at_least("--workers", args.workers, 1)
    _at_least("-n/--variants", args.variants, 0)
    _at_least("--seed", args.seed, 0)
    split = None
    if args.split:
        split = split_fractions(split_option(args.split))
    annotations = None
    if getattr(args, "annotations", None):
        from mediasynth.io.layouts import EXPORT_FORMATS

        annotations = tuple(f.strip() for f in args.annotations.split(",") if f.strip())
        bad = [f for f in annotations if f not in EXPORT_FORMATS]
        if bad:
            raise ConfigError(f"--annotations: unknown format {bad[0]!r} (formats: "
                              f"{', '.join(EXPORT_FORMATS)})")
    return dict(
        variants=args.variants, seed=args.seed, split=split, balance=args.balance or None,
        layout=getattr(args, "layout", None) or None, annotations=annotations or None,
        output_format=getattr(args, "format", None) or None,
        keep_originals=args.keep_originals, augment_eval=args.augment_eval,
        workers=args.workers, executor=args.executor, scheduler=args.scheduler,
        on_error=args.on_error, on_damaged=args.on_damaged,
        **_budget_flags(args),
        dry_run=args.dry_run, overwrite=args.overwrite, fsync=args.fsync,
        report=not args.no_report, progress=not args.quiet,
        keep_metadata=getattr(args, "keep_metadata", False), **_grouping_from_args(args))


def _grouping_from_args(args) -> dict:
    """dataset changes from --group-by, --near-duplicates, --folds and --resplit."""
    changes: dict = {}
    if getattr(args, "group_by", None):
        changes["group_by"] = args.group_by
    if getattr(args, "near_duplicates", None):
        changes["near_duplicates"] = args.near_duplicates
    if getattr(args, "folds", None) is not None:
        changes["folds"] = args.folds
    if getattr(args, "resplit", False):
        changes["resplit"] = True
    return changes


def _budget_flags(args) -> dict:
    """The budget flags, each a finite number > 0 (NaN or a negative would turn a budget
    off), named as typed in the error."""
    from mediasynth.core.config import check_number

    return {key: None if value is None else check_number(
                value, flag, 0, low_excluded=True, integer=key == "max_image_pixels")
            for key, flag, value in (
                ("max_image_pixels", "--max-image-pixels", args.max_image_pixels),
                ("max_audio_duration_s", "--max-audio-seconds", args.max_audio_seconds),
                ("max_video_duration_s", "--max-video-seconds", args.max_video_seconds),
                ("file_timeout_s", "--timeout", args.timeout))}


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
    """`expand SRC OUT`: `mediasynth.api.expand` (lock, pool, run, report), then the plan
    (--dry-run) or the summary table; exit 3 when sources were skipped or failed."""
    from mediasynth.commands import api
    from mediasynth.engine.run_warnings import summarize

    result = api.expand(args.src, args.out, args.pipeline, **_expand_keywords(args))
    for line in summarize(result.warnings):  # one line per kind; details in the manifest
        eprint(f"mediasynth: warning: {line}")
    if args.dry_run:
        pipeline = result.pipeline
        print(f"plan: {len(result.plan.jobs)} sources, {result.plan.outputs()} outputs "
              f"(seed {pipeline.seed}, {pipeline.variants} variants, balance "
              f"{pipeline.dataset.balance})")
        print(f"{'split':8s} {'class':20s} {'kind':6s} {'sources':>8s} {'outputs':>8s}")
        for split, cls, kind, n_src, n_out in result.plan.summary():
            print(f"{split:8s} {cls[:20]:20s} {kind:6s} {n_src:8d} {n_out:8d}")
        for problem in result.problems:
            print(f"skip     {problem.code:11s} {problem.source}: {problem.message}")
        return 0
    if not args.quiet:
        print(result.summary())
    return result.exit_code


def cmd_replay(args) -> int:
    from mediasynth.commands import api

    result = api.replay(args.out, args.row_id, args.dest or None)
    print(f"wrote {result.path}: "
          f"{'byte-identical to' if result.identical else 'DIFFERS from'} the recorded output")
    return 0 if result.identical else 1


def cmd_synth(args) -> int:
    """`synth GENERATOR OUT` (or `synth pipeline OUT -p PIPELINE`, the generator named by the
    pipeline's `source:`): `mediasynth.api.synth` with the --set values over the
    generator's settings, --count and --split over its runner options; then the summary
    table. Exit codes as expand's: 3 when items failed (each has a reason row)."""
    from mediasynth.commands import api

    if args.generator == "pipeline" and not args.pipeline:
        raise ConfigError("`mediasynth synth pipeline OUT` needs -p PIPELINE with a source:")
    _at_least("--count", args.count, 1)
    _at_least("--workers", args.workers, 1)
    split = None
    if args.split:
        split = split_option(args.split)
    result = api.synth(args.generator, args.out, count=args.count, seed=args.seed,
                       split=split, workers=args.workers,
                       pipeline=args.pipeline if args.generator == "pipeline" else None,
                       settings={**generator_flags(args), **parse_sets(args.set)},
                       executor=args.executor, scheduler=args.scheduler,
                       overwrite=args.overwrite,
                       report=not getattr(args, "no_report", False), progress=not args.quiet)
    if not args.quiet:
        print(result.summary())
        print(f"wrote {result.items} {result.kind} items to {args.out}")
    return result.exit_code


def generator_flags(args) -> dict:
    """The generator options given as their own flags (`synth scenes --objects OBJ
    --backgrounds BG`, `synth soundscape --foreground FG --background BG --stems`); --set
    values of the same keys win. Only those given: a generator without such an option
    refuses them by name."""
    flags = {"objects": getattr(args, "objects", None),
             "backgrounds": getattr(args, "backgrounds", None),
             "foreground": getattr(args, "foreground", None),
             "background": getattr(args, "background", None),
             "stems": True if getattr(args, "stems", False) else None}
    return {k: v for k, v in flags.items() if v is not None}


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
    from mediasynth.commands import api

    print(f"wrote {api.report(args.out)}")
    return 0


def cmd_audit(args) -> int:
    """`audit DIR`: `mediasynth.api.audit`, printed as a table (or JSON), optionally an HTML
    page; exit 0 when clean, quality.audit.LEAKAGE_EXIT when leakage is found."""
    import json
    from pathlib import Path

    from mediasynth.commands import api
    from mediasynth.report.quality.audit import LEAKAGE_EXIT, table

    result = api.audit(args.dir, group_by=args.group_by)
    if args.json:
        print(json.dumps(result.to_json(), indent=1, ensure_ascii=True))
    else:
        print(table(result).encode("utf-8", "surrogateescape").decode("utf-8", "replace"))
    if args.html:
        from mediasynth.report.quality.audit_html import write_audit_html

        write_audit_html(result, Path(args.dir), Path(args.html))
    return LEAKAGE_EXIT if result.leaks else 0


def cmd_evaluate(args) -> int:
    """`evaluate OUT`: writes OUT/evaluation.json (and refreshes OUT/report.html when there
    is one); prints the verdicts, or with --json only the JSON (messages go to stderr)."""
    import json
    from pathlib import Path

    from mediasynth.commands import api
    from mediasynth.report.quality.evaluate import EVALUATION, exit_code

    result = api.evaluate(args.out, test=args.test, compare=args.compare, probe=args.probe,
                          seeds=args.seeds, max_seconds=args.max_seconds,
                          progress=not args.quiet)
    dest = Path(args.out) / EVALUATION
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
