"""The `mediasynth` command line: argparse wiring only, heavy imports happen per command.

Exit codes: 0 all done; 1 fatal error (nothing further written); 2 usage or pipeline error;
3 finished, but some inputs were skipped or failed.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from mediasynth import __version__
from mediasynth.core import modality, output_format
from mediasynth.io.layouts import LAYOUTS

EXIT_OK, EXIT_FATAL, EXIT_USAGE, EXIT_PARTIAL = 0, 1, 2, 3


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # argparse exits 2 already; keep its message short
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


class _DefaultsFormatter(argparse.RawDescriptionHelpFormatter):
    """Help that ends each option with its default, unless the text already names one
    (epilogs keep their line breaks)."""

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        if action.default in (None, False, argparse.SUPPRESS) or "default" in text:
            return text
        return f"{text} (default: %(default)s)"


EXIT_CODES_EPILOG = """exit codes:
  0  all done
  1  fatal error (nothing further written)
  2  usage or pipeline error
  3  finished, but some inputs were skipped or failed (listed with a reason)"""


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="mediasynth",
        description="Augment folders of images, audio and video into labelled datasets, "
        "and synthesize labelled test media.",
    )
    parser.add_argument("--version", action="version", version=f"mediasynth {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    p = sub.add_parser("expand", help="expand a class-folder dataset into augmented variants",
                       formatter_class=_DefaultsFormatter, epilog=EXIT_CODES_EPILOG)
    p.add_argument("src", metavar="SRC", help="source folder: SRC/<class>/<files>")
    p.add_argument("out", metavar="OUT", help="output folder")
    p.add_argument("-p", "--pipeline",
                   help="pipeline YAML, bundled pipeline name (default, image_classification, "
                   "...) or a file written by albumentations.save (default: default)")
    p.add_argument("-n", "--variants", type=int,
                   help="augmented variants per source (default: the pipeline's)")
    p.add_argument("--seed", type=int, help="root seed (default: the pipeline's)")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--balance", choices=("none", "oversample", "undersample", "synthesize"),
                   help="even out class sizes (default: the pipeline's, none in default)")
    p.add_argument("--split", help="fractions TRAIN,VAL,TEST, e.g. 0.8,0.1,0.1")
    p.add_argument("--resplit", action="store_true",
                   help="re-split a dataset that declares its own splits (default: keep them)")
    p.add_argument("--group-by", metavar="REGEX",
                   help="sources whose paths give the same match (first capture group) stay "
                   "in one split, e.g. 'spk\\d+' or '(.+)_frame\\d+'")
    p.add_argument("--near-duplicates", choices=("group", "warn", "off"),
                   help="near-identical sources: group them in one split (default), only "
                   "warn, or off")
    p.add_argument("--folds", type=int, metavar="K",
                   help="deal the non-test sources into K stratified, grouped folds")
    p.add_argument("--layout", choices=("auto", *LAYOUTS),
                   help="how SRC is organised (default: detected): class folders, COCO JSON, "
                   "YOLO (Ultralytics or Darknet), Pascal VOC, CVAT XML, Label Studio JSON, "
                   "image/mask pairs, labels.csv")
    formats = [output_format.get(name) for name in output_format.names()]
    p.add_argument("--format", choices=[f.name for f in formats],
                   help="; ".join(f"{f.name}: {f.summary}" for f in formats))
    p.add_argument("--annotations", metavar="FORMATS",
                   help="also write these annotation formats: coco,yolo,voc,cvat,labelstudio")
    p.add_argument("--augment-eval", action="store_true",
                   help="augment val/test sources too (default: originals only)")
    p.add_argument("--keep-originals", action="store_true", help="copy originals into OUT too")
    p.add_argument("--keep-metadata", action="store_true",
                   help="copy originals with their metadata (EXIF GPS, serials, tags) as they "
                   "are; by default personal metadata is removed losslessly")
    p.add_argument("--on-error", choices=("skip", "fail"), default="skip",
                   help="skip: a bad file gets a reason row and the run goes on (default); "
                   "fail: stop at the first")
    p.add_argument("--on-damaged", choices=("skip", "keep"), default="skip",
                   help="truncated or damaged media: skip them with a reason row (default) or "
                   "keep them with a warning")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: worker processes on this machine; dask: a Dask cluster")
    p.add_argument("--scheduler", help="Dask scheduler address (tcp://host:port)")
    p.add_argument("--max-image-pixels", type=int,
                   help="refuse larger images (default: the pipeline's budgets, 100000000)")
    p.add_argument("--max-audio-seconds", type=float,
                   help="refuse longer audio (default: the pipeline's budgets, 3600)")
    p.add_argument("--max-video-seconds", type=float,
                   help="refuse longer video (default: the pipeline's budgets, 10800)")
    p.add_argument("--timeout", type=float, help="per-file time limit in seconds (default: "
                   "the pipeline's budgets.file_timeout_s, 1800)")
    p.add_argument("--dry-run", action="store_true", help="print the plan, write nothing")
    p.add_argument("--overwrite", action="store_true", help="start afresh instead of resuming")
    p.add_argument("--fsync", action="store_true",
                   help="fsync every output before it is renamed into place (power-loss "
                   "durability; resume already re-checks every file's sha256)")
    p.add_argument("--no-report", action="store_true", help="do not write OUT/report.html")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("synth", help="generate labelled media from scratch",
                       formatter_class=_DefaultsFormatter, epilog=EXIT_CODES_EPILOG)
    p.add_argument("generator", help="what to generate: a registered generator (shapes, "
                   "tones, video...; `mediasynth list --kind synth`) or 'pipeline', the "
                   "source: of -p PIPELINE")
    p.add_argument("out", metavar="OUT")
    p.add_argument("-p", "--pipeline", help="pipeline YAML with a source: section")
    p.add_argument("--count", type=int, help="items to generate (default: the pipeline's, or 100)")
    p.add_argument("--seed", type=int,
                   help="root seed (default: the pipeline's with `synth pipeline`, else 0)")
    p.add_argument("--split", help="fractions TRAIN,VAL,TEST")
    p.add_argument("--workers", type=int, help="worker processes (default: all cores)")
    p.add_argument("--executor", choices=("local", "dask"), default="local",
                   help="local: worker processes on this machine; dask: a Dask cluster")
    p.add_argument("--scheduler", help="Dask scheduler address (tcp://host:port)")
    p.add_argument("--overwrite", action="store_true",
                   help="start afresh instead of resuming (a re-run keeps intact items)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="generator option or class_weights/class_counts (repeatable), e.g. "
                   "--set width=256 --set 'class_weights={circle: 1, square: 10}'")
    p.add_argument("--objects", metavar="OBJ", help="scenes: the objects (an instance-"
                   "annotated layout or RGBA cut-outs in class folders)")
    p.add_argument("--backgrounds", metavar="BG", help="scenes: the background photos")
    p.add_argument("--foreground", metavar="FG", help="soundscape: folder of clean events "
                   "(FG/<label>/<files>, or an event table layout); the same as --set "
                   "foreground=FG")
    p.add_argument("--background", metavar="BG", help="soundscape: folder of ambient "
                   "recordings (BG/<label>/<files>); the same as --set background=BG")
    p.add_argument("--stems", action="store_true", help="soundscape: also write every "
                   "event's isolated stem and the background (--set stems=true)")
    p.add_argument("--no-report", action="store_true", help="do not write OUT/report.html")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar, no summary")

    p = sub.add_parser("evaluate", help="does the augmented or synthetic data help? train "
                       "probes on each arm and score them on real test data",
                       formatter_class=_DefaultsFormatter, epilog=EXIT_CODES_EPILOG)
    p.add_argument("out", metavar="OUT", help="an expand or synth output folder")
    p.add_argument("--test", metavar="DIR", help="a real test folder (class folders or any "
                   "layout expand reads: object boxes and event-table windows are classified "
                   "one by one) instead of OUT's test split; required for a synth OUT")
    p.add_argument("--compare", nargs="+", default=[], metavar="OUT2",
                   help="other OUTs of the same SRC and split, evaluated side by side")
    p.add_argument("--probe", choices=("linear", "cnn"), default="linear",
                   help="linear: features + logistic regression; cnn: a small network (torch), "
                   "with an extra 'online' arm augmented on the fly by the data loader")
    p.add_argument("--seeds", type=int, default=5, help="seeds per arm and fraction")
    p.add_argument("--json", action="store_true", help="print the result as JSON on stdout")
    p.add_argument("--max-seconds", type=float,
                   help="stop starting new seeds after this long (the seeds done are kept)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")

    p = sub.add_parser("report", help="write OUT/report.html for an output folder")
    p.add_argument("out", metavar="OUT")

    p = sub.add_parser("list", help="list registered transforms and generators")
    p.add_argument("name", metavar="NAME", nargs="?",
                   help="print the documentation and parameters of this transform, e.g. "
                   "image.rotate or albumentations.CLAHE")
    p.add_argument("--kind", choices=(*modality.kinds(), "synth"))

    p = sub.add_parser("validate", help="check a pipeline file")
    p.add_argument("pipeline", metavar="PIPELINE",
                   help="pipeline YAML, bundled pipeline name or albumentations.save file")

    p = sub.add_parser("audit", help="leakage audit of a split dataset (exit 4 on leakage)")
    p.add_argument("dir", metavar="DIR", help="a mediasynth OUT, train/ val/ test/ folders, "
                   "or an annotated layout with subsets")
    p.add_argument("--group-by", metavar="REGEX",
                   help="also report groups (first capture group) found in several splits")
    p.add_argument("--json", action="store_true", help="print the findings as JSON")
    p.add_argument("--html", metavar="PATH", help="write a page with thumbnails of each pair")

    p = sub.add_parser("replay", help="re-render one output from its manifest row")
    p.add_argument("out", metavar="OUT")
    p.add_argument("row_id", metavar="ROW_ID")
    p.add_argument("dest", metavar="DEST", nargs="?")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return EXIT_USAGE
    if args.command in ("expand", "synth") and args.executor == "local":
        from mediasynth.engine.worker_process import start_fork_server

        start_fork_server()  # before anything heavy is imported: workers start warm sooner
    from mediasynth.core.errors import ConfigError, MediasynthError, one_line

    _printable_names()
    previous_term = _sigterm_as_interrupt()
    try:
        if args.command == "list":
            return _cmd_list(args)
        if args.command == "validate":
            return _cmd_validate(args)
        from mediasynth import commands

        return getattr(commands, f"cmd_{args.command}")(args)
    except ConfigError as exc:
        print(f"mediasynth: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except MediasynthError as exc:
        print(f"mediasynth: error: {one_line(str(exc))}", file=sys.stderr)
        return EXIT_FATAL
    except KeyboardInterrupt:
        print("mediasynth: interrupted; re-run the same command to resume", file=sys.stderr)
        return EXIT_FATAL
    except BrokenPipeError:  # `mediasynth ... | head`: the reader is gone, nothing to say
        _silence_stdout()
        return EXIT_OK
    except OSError as exc:  # a file the command was pointed at (DEST, OUT...) is unusable
        where = f": {exc.filename}" if exc.filename else ""
        print(f"mediasynth: error: {one_line(exc.strerror or str(exc))}{where}",
              file=sys.stderr)
        return EXIT_FATAL
    finally:
        _restore_sigterm(previous_term)


def run() -> None:
    """The console entry point: `main`, then exit without the interpreter's teardown.

    Once a command returns, its files are closed and its workers stopped; the exit
    handlers still run (multiprocessing's, tempfile's...), but freeing every module and
    object one by one costs 0.1 s of an expand's wall time for nothing."""
    import atexit
    import contextlib
    import os

    code = main()
    if sys.getprofile() is not None or sys.gettrace() is not None:
        sys.exit(code)  # a profiler or debugger wraps the run: it reports after main
    atexit._run_exitfuncs()
    with contextlib.suppress(BrokenPipeError, ValueError):  # the reader left, or closed
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(code)


def _printable_names() -> None:
    """File names that are not UTF-8 reach Python as surrogate escapes; print them as \\xNN
    escapes instead of failing with UnicodeEncodeError (a stream already lenient stays so)."""
    import codecs

    codecs.register_error(_NAME_ERRORS, _escape_name_bytes)
    for stream in (sys.stdout, sys.stderr):
        if getattr(stream, "errors", None) == "strict" and hasattr(stream, "reconfigure"):
            stream.reconfigure(errors=_NAME_ERRORS)


_NAME_ERRORS = "mediasynth-name-bytes"


def _escape_name_bytes(exc: UnicodeError) -> tuple[str, int]:
    """Encoding error handler: a surrogate escape (a byte of a non-UTF-8 name) as \\xNN,
    any other character the stream cannot encode as \\uNNNN."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    bad = exc.object[exc.start:exc.end]
    return "".join(f"\\x{ord(c) - 0xDC00:02x}" if 0xDC80 <= ord(c) <= 0xDCFF
                   else f"\\u{ord(c):04x}" for c in bad), exc.end


def _sigterm_as_interrupt():
    """SIGTERM (`kill PID`, a service manager stopping the run) ends the command as Ctrl-C
    does: workers stopped, the "interrupted" line, exit 1. Returns the previous handler (None
    when it could not be set: not the main thread)."""
    import signal

    def interrupt(signum, frame):
        raise KeyboardInterrupt

    try:
        return signal.signal(signal.SIGTERM, interrupt)
    except ValueError:
        return None


def _restore_sigterm(previous) -> None:
    import signal

    if previous is not None:
        signal.signal(signal.SIGTERM, previous)


def _silence_stdout() -> None:
    import os

    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())


def _cmd_list(args) -> int:
    """`list`: one line per transform (name, first doc line) and its parameters with their
    defaults; `list NAME`: that transform's whole doc and parameters."""
    from mediasynth.core import registry

    if args.name:
        cls = registry.lookup(args.name)  # ConfigError (exit 2) names the closest name
        print(f"{args.name}\n\n{_doc(cls)}\n\nparameters:")
        for field, default in _parameters(cls):
            print(f"  {field} = {default}")
        return EXIT_OK
    for name in registry.names():
        cls = registry.lookup(name)
        kind = str(getattr(cls, "kind", "compose"))
        if args.kind and kind != args.kind:
            continue
        print(f"{name:32s} {_summary(_doc(cls))}")
        _print_wrapped(", ".join(f"{f}={d}" for f, d in _parameters(cls)), indent=4)
    if args.kind in (None, "image"):
        print(f"{'albumentations.<Name>':32s} any albumentations 2.0 transform, with its own "
              "parameter names and p")
        _print_wrapped("e.g. {type: albumentations.CLAHE, clip_limit: 2.0}; see "
                       "`mediasynth list albumentations.CLAHE`", indent=4)
    return EXIT_OK


def _doc(cls) -> str:
    import inspect

    return inspect.cleandoc(cls.__doc__ or "")


def _summary(doc: str) -> str:
    """The first sentence of a docstring's first paragraph."""
    paragraph = " ".join(doc.split("\n\n", 1)[0].split())
    end = paragraph.find(". ")
    return paragraph if end < 0 else paragraph[:end + 1]


def _parameters(cls) -> list[tuple[str, str]]:
    """(name, default as text) of a transform's parameters: its dataclass fields, or the
    bridged library's own parameters (`parameter_defaults`)."""
    import dataclasses
    import inspect

    if hasattr(cls, "parameter_defaults"):
        defaults = cls.parameter_defaults()
    else:
        defaults = {}
        for f in dataclasses.fields(cls):
            if f.default is not dataclasses.MISSING:
                defaults[f.name] = f.default
            elif f.default_factory is not dataclasses.MISSING:
                defaults[f.name] = f.default_factory()
            else:
                defaults[f.name] = inspect.Parameter.empty
    if "p" in defaults:  # the probability last, as in the docs
        defaults["p"] = defaults.pop("p")
    return [(name, "(required)" if value is inspect.Parameter.empty else
             repr(list(value) if isinstance(value, tuple) else value))
            for name, value in defaults.items()]


def _print_wrapped(text: str, *, indent: int) -> None:
    import textwrap

    if text:
        print(textwrap.fill(text, width=100, initial_indent=" " * indent,
                            subsequent_indent=" " * indent, break_on_hyphens=False))


def _cmd_validate(args) -> int:
    from mediasynth.commands.api import load_pipeline

    pipeline = load_pipeline(args.pipeline)
    counts = []
    for key in modality.chain_kinds():
        chain = pipeline.chain(key)
        counts.append(f"{key}: {len(chain) if chain else 0} steps")
    if pipeline.source:
        from mediasynth.engine.synth_plan import generator_and_options

        settings = dict(pipeline.source)
        generator, _ = generator_and_options(str(settings.pop("type", "")), settings)
        counts.append(f"source: {generator.name}")
    print(f"{args.pipeline}: OK ({', '.join(counts)}; sha256 {pipeline.sha256()[:12]})")
    return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
