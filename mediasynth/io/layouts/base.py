"""What a layout reader returns, and helpers shared by readers and exporters."""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mediasynth.io.discover import files_under


@dataclass
class LayoutRead:
    """One read of a source tree.

    items: media path relative to SRC (POSIX) -> {"label": class or None, "name": the path
        that names its outputs, "annotation": per-image annotation (see
        image/annotations.py) or None}.
    consumed: files that are part of the layout (annotation files, masks), never data.
    missing: media paths the annotations name that are not on disk.
    meta: what exporters need back: categories in order (with fields passed through), the
        YOLO task, keypoint names and skeleton...
    annotated: whether items carry per-object annotations (outputs then go to the layout's
        media folder instead of class folders).
    warnings: what the reader could read only in part or had to assume (one line each).

    An item whose source declares its subset (a split file, folder or list) carries it as
    "subset" (see `normal_subset`).
    """

    items: dict[str, dict] = field(default_factory=dict)
    consumed: set[str] = field(default_factory=set)
    missing: list[str] = field(default_factory=list)
    meta: dict = field(default_factory=dict)
    annotated: bool = True
    warnings: list[str] = field(default_factory=list)


SUBSET_ALIASES = {"valid": "val", "validation": "val"}
SPLIT_NAMES = {"train", "val", "valid", "validation", "test"}  # folders that name a subset


def normal_subset(name: str | None) -> str | None:
    """A declared subset's name as splits use it: "valid" and "validation" are "val"; train,
    val, test and any other name stay as they are."""
    if not name:
        return None
    return SUBSET_ALIASES.get(name.lower(), name)


IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff", ".gif"}


def rel(path: Path, root: Path) -> str:
    return Path(os.path.relpath(path, root)).as_posix()


def media_files(folder: Path) -> list[Path]:
    """Image files under `folder` (by suffix; content is checked later by the engine)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in files_under(folder) if p.is_file()
                  and p.suffix.lower() in IMAGE_SUFFIXES and not p.name.startswith("."))


def files_by_name(root: Path) -> dict[str, list[Path]]:
    """Every visible file under `root` by its base name (sorted paths per name): how readers
    find media an annotation names by file name only."""
    by_name: dict[str, list[Path]] = {}
    for path in files_under(root):
        if path.is_file() and not path.name.startswith("."):
            by_name.setdefault(path.name, []).append(path)
    return by_name


@functools.lru_cache(maxsize=64)
def _prefix(root: str) -> str:
    return str(PurePosixPath(root)) if root not in ("", ".") else ""


def name_below(path: str, root: str) -> str:
    """`path` relative to `root` (both POSIX, relative to SRC)."""
    prefix = _prefix(root)
    if prefix and path.startswith(prefix + "/") and "/./" not in path and "//" not in path:
        return path[len(prefix) + 1:]  # the common case, without pathlib's parsing
    p, r = PurePosixPath(path), PurePosixPath(root)
    try:
        return p.relative_to(r).as_posix() if prefix else p.as_posix()
    except ValueError:
        return p.as_posix()


def stratum(annotation: dict | None, fallback: str | None = None) -> str | None:
    """The class an annotated image is stratified by: its rarest-looking category (the
    alphabetically first of its least frequent ones within the image), so small classes
    still reach every split."""
    objects = (annotation or {}).get("objects") or []
    if not objects:
        return fallback
    counts: dict[str, int] = {}
    for obj in objects:
        counts[obj["category"]] = counts.get(obj["category"], 0) + 1
    return min(counts, key=lambda c: (counts[c], c))


def polygon_area(points) -> float:
    """Signed area (shoelace) of an N x 2 polygon (a numpy array)."""
    x, y = points[:, 0], points[:, 1]
    return 0.5 * float(x[:-1] @ y[1:] - y[:-1] @ x[1:] + x[-1] * y[0] - y[-1] * x[0])
