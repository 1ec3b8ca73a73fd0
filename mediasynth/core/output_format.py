"""Output formats: how an OUT stores its finished outputs, one registered object per format.

`output.format` (and `--format`, `mediasynth.expand(output_format=...)`) names one of them.
The built-in ones, `folder` (loose files) and `webdataset` (tar shards), live in
engine/output_formats.py, imported by name the first time a format is asked for (core has no
static import of the engine). A new format is one module that calls
`register_output_format(MyFormat())` when imported; nothing else in the package
names formats (tests/engine/test_output_formats.py registers a toy `zip` format that way and
runs `expand` with it end to end).

The contract (`OutputFormat`, checked at registration):
- `name`: what `output.format` says; `summary`: one line for `--help` and the docs.
- `finish(run) -> Finished`: called once after the final manifest is written. The workers
  always write loose files (`run.loose_files`, relative to OUT); a format keeps them, or
  packs them and rewrites the manifest (`engine.manifest.write_final`) so that every ok row
  names where its output now is. It returns the files (relative to OUT) the run keeps;
  every other file the run's journal lists is removed as stale.
- `holds(row) -> bool`: whether a manifest row's output is stored by this format (a packed
  format recognises its own rows; `folder`, the fallback, holds every other row).
- `output_bytes(out, row) -> bytes`: the bytes of a row's output as rendered (readers:
  the report, resume).
- `stored_sha256(out, row, cache) -> str | None`: sha256 of a row's output as it is on
  disk now, None when it is gone (resume re-makes it); `cache` is a dict the format may
  use across the rows of one resume (an opened shard's digests).
- `card_files(row) -> (config, pattern) | None`: the Hugging Face card's data-file pattern
  of a row (None: loose files, described per kind by the card itself).
- `plan_warnings(jobs) -> list[str]`: what a user should know about the plan in this
  format before it runs (WebDataset: shards that mix media types).
- `loose`: whether rows' `output` are media files a loader or the report can open in place.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from mediasynth.core.contracts import PluginRegistry

BUILTIN_MODULE = "mediasynth.engine.output_formats"


@dataclass
class FinishedRun:
    """What `finish` is handed: OUT, the run's pipeline, the loose output and side files the
    final manifest lists, and a callable that writes the annotation files the pipeline asks
    for (`dataset.annotations`) and returns their paths relative to OUT."""

    out: Path
    pipeline: Any
    loose_files: set[str]
    export_annotations: Callable[[], list[str]] = list


@dataclass
class Finished:
    """What `finish` returns: every file it keeps (relative to OUT), and among them the
    annotation files (the dataset card lists them)."""

    keep: set[str]
    annotation_files: list[str] = field(default_factory=list)


@runtime_checkable
class OutputFormat(Protocol):
    """How an OUT stores its outputs; see the module doc for each member's contract."""

    name: str
    summary: str
    loose: bool

    def finish(self, run: FinishedRun) -> Finished: ...

    def holds(self, row: dict) -> bool: ...

    def output_bytes(self, out: Path, row: dict) -> bytes: ...

    def stored_sha256(self, out: Path, row: dict, cache: dict) -> str | None: ...

    def card_files(self, row: dict) -> tuple[str, str] | None: ...

    def plan_warnings(self, jobs: list) -> list[str]: ...


_REGISTRY = PluginRegistry("output format", OutputFormat, BUILTIN_MODULE)
FALLBACK = "folder"


def register_output_format(fmt: OutputFormat) -> OutputFormat:
    """Register `fmt` under `fmt.name` (formats run in the parent process only: workers need
    not know them). Raises TypeError naming what `fmt` lacks of the contract, ValueError
    when another class holds the name."""
    return _REGISTRY.register(fmt)


def unregister_output_format(name: str) -> None:
    """Remove a registered format (tests that register a toy one clean up with this)."""
    _REGISTRY.unregister(name)


def names() -> tuple[str, ...]:
    """Every registered format name, the built-in ones first."""
    return _REGISTRY.names()


def get(name: str) -> OutputFormat:
    """The format registered as `name`; KeyError naming the registered ones."""
    return _REGISTRY.get(name)


def of_row(row: dict) -> OutputFormat:
    """The format that stores a manifest row's output: the first that `holds` it, else
    `folder` (a loose file at `row['output']`)."""
    return next((f for f in _REGISTRY.values() if f.name != FALLBACK and f.holds(row)),
                get(FALLBACK))
