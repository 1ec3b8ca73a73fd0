"""Dataset layouts: how a source tree says what each file is, and how OUT says it back.

A layout is one module with a `LAYOUT` object offering:

    name: str
    detect(src) -> list[str]          # evidence found (empty: not this layout)
    read(src) -> LayoutRead           # items by media path, annotation files consumed
    media_folder(split) -> str        # where outputs go in OUT ("" = class folders)
    export(out, splits, meta) -> list[str]   # annotation files written (relative to OUT)

`read_layout` picks the layout (auto-detected, or forced by name) and reads it once, in the
parent process; each item then carries only its own annotation, so workers never hold the
index. Adding a layout is one module plus one line in `LAYOUTS`.
"""

from __future__ import annotations

import importlib
from pathlib import Path

from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts.base import LayoutRead

LAYOUTS = {
    "coco": "mediasynth.io.layouts.coco",
    "yolo": "mediasynth.io.layouts.yolo",
    "voc": "mediasynth.io.layouts.voc",
    "cvat": "mediasynth.io.layouts.cvat",
    "labelstudio": "mediasynth.io.layouts.labelstudio",
    "masks": "mediasynth.io.layouts.masks",
    "labels": "mediasynth.io.layouts.labels_table",
    "tracks": "mediasynth.io.layouts.tracks",
    "events": "mediasynth.io.layouts.events",
    "folders": "mediasynth.io.layouts.folders",
}
EXPORT_FORMATS = ("coco", "yolo", "voc", "cvat", "labelstudio")


def get(name: str):
    if name not in LAYOUTS:
        raise ConfigError(f"unknown layout {name!r} (layouts: {', '.join(LAYOUTS)})")
    return importlib.import_module(LAYOUTS[name]).LAYOUT


def detect(src: Path) -> str:
    """The one layout SRC is in; class folders when nothing else is found. Two layouts with
    evidence are refused with what was found, so the user can pass --layout."""
    found = {name: ev for name in LAYOUTS if name != "folders"
             for ev in [get(name).detect(src)] if ev}
    if not found:
        return "folders"
    if len(found) > 1:
        what = "; ".join(f"{name}: {', '.join(ev[:3])}" for name, ev in sorted(found.items()))
        raise ConfigError(f"{src} looks like several layouts ({what}); choose one with "
                          f"--layout {'|'.join(sorted(found))}")
    return next(iter(found))


def read_layout(src: Path, name: str = "auto") -> tuple[object, LayoutRead]:
    layout = get(detect(src) if name in (None, "auto") else name)
    return layout, layout.read(Path(src))
