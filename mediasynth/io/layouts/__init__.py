"""Dataset layouts: how a source tree says what each file is, and how OUT says it back.

A layout is one module with a `LAYOUT` object: a reader and an exporter, the Protocols of
io/layouts/contract.py (`LayoutReader`, `AnnotationExporter`), checked when the module is
first loaded (`get`).

`read_layout` picks the layout (auto-detected, or forced by name) and reads it once, in the
parent process; each item then carries only its own annotation, so workers never hold the
index. Adding a layout is one module plus one line in `LAYOUTS` (a plugin outside the
package calls `register_layout(name, module)`).
"""

from __future__ import annotations

import importlib
from pathlib import Path

from mediasynth.core.contracts import check_implements
from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts.base import LayoutRead
from mediasynth.io.layouts.contract import AnnotationExporter, LayoutReader

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
EXPORT_FORMATS = ["coco", "yolo", "voc", "cvat", "labelstudio"]


def register_layout(name: str, module: str, *, exporter: bool = False) -> None:
    """Add a layout module (its `LAYOUT` is checked when first loaded); `exporter`: also
    offer it as a `dataset.annotations` format."""
    existing = LAYOUTS.get(name)
    if existing is not None and existing != module:
        raise ValueError(f"layout {name!r} is already registered (by {existing})")
    LAYOUTS[name] = module
    if exporter and name not in EXPORT_FORMATS:
        EXPORT_FORMATS.append(name)


def unregister_layout(name: str) -> None:
    LAYOUTS.pop(name, None)
    if name in EXPORT_FORMATS:
        EXPORT_FORMATS.remove(name)
    _CHECKED.discard(name)


_CHECKED: set[str] = set()


def get(name: str):
    """The `LAYOUT` of a layout (ConfigError for an unknown name; TypeError naming what it
    lacks of the contract)."""
    if name not in LAYOUTS:
        raise ConfigError(f"unknown layout {name!r} (layouts: {', '.join(LAYOUTS)})")
    layout = importlib.import_module(LAYOUTS[name]).LAYOUT
    if name not in _CHECKED:
        check_implements(layout, LayoutReader, f"layout {name!r} ({LAYOUTS[name]})")
        check_implements(layout, AnnotationExporter, f"layout {name!r} ({LAYOUTS[name]})")
        _CHECKED.add(name)
    return layout


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
