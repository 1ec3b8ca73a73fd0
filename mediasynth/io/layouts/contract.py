"""What a dataset layout module offers (its `LAYOUT` object), as Protocols checked when the
layout is first loaded (io/layouts/__init__.py `get`).

A layout is a reader (how a source tree says what each file is) and an exporter (how OUT
says it back). `LayoutBase` gives the optional members their defaults.

LayoutReader:
    name: str
    detect(src) -> list[str]: evidence found (empty: not this layout)
    read(src) -> LayoutRead: items by media path, annotation files consumed (base.py)
    media_folder(split, meta) -> str: where outputs go in OUT ("" = class folders)
    side_files(output_path) -> tuple[str, ...]: files written beside an output (a mask
        image beside its picture); default none

AnnotationExporter:
    name: str
    exports: tuple[str, ...]: the annotation kinds it can write for an OUT of another
        layout ("objects", "events", "tracks"); default ("objects",)
    export(out, splits, meta, *, primary) -> list[str]: annotation files written (relative
        to OUT); `primary` when the OUT is in this layout (else an extra format)
"""

from __future__ import annotations

from pathlib import Path
from typing import Protocol, runtime_checkable

from mediasynth.io.layouts.base import LayoutRead


@runtime_checkable
class LayoutReader(Protocol):
    name: str

    def detect(self, src: Path) -> list[str]: ...

    def read(self, src: Path) -> LayoutRead: ...

    def media_folder(self, split: str | None, meta: dict) -> str: ...

    def side_files(self, output_path: str) -> tuple[str, ...]: ...


@runtime_checkable
class AnnotationExporter(Protocol):
    name: str
    exports: tuple[str, ...]

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]: ...


class LayoutBase:
    """Defaults of the optional layout members."""

    exports: tuple[str, ...] = ("objects",)

    def side_files(self, output_path: str) -> tuple[str, ...]:
        return ()
