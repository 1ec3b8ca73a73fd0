"""Annotation files no layout read: found after the read, so none is ignored without a word.

A source tree can hold annotations in a layout mediasynth does not know (or in a variant of
one it does): read as class folders, its boxes would vanish and its folders become classes.
`unclaimed_annotations` lists the files that look like annotations (`*.xml`, a JSON object
with COCO's `images` or `annotations`, `*.txt` under a `labels/` folder, `classes.txt`,
`*.names`) and that the layout read did not consume. A layout silences a file by listing it
in `LayoutRead.consumed`; an annotated layout also owns everything under `annotations/`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePosixPath

from mediasynth.core.errors import ConfigError
from mediasynth.io.layouts.base import LayoutRead
from mediasynth.io.layouts.coco import looks_like_coco


class UnreadAnnotationsError(ConfigError):
    """SRC holds annotation files the detected layout does not read (a usage error: the
    user picks a layout)."""


NAMES_FILES = {"classes.txt"}
NAMES_SUFFIXES = {".names"}


def looks_like_annotation(rel_path: str, path: Path) -> bool:
    """Whether the file at `rel_path` (POSIX, relative to SRC) looks like annotations."""
    pure = PurePosixPath(rel_path)
    suffix, name = pure.suffix.lower(), pure.name.lower()
    if suffix == ".xml" or suffix in NAMES_SUFFIXES or name in NAMES_FILES:
        return True
    if suffix == ".txt":
        return "labels" in (part.lower() for part in pure.parts[:-1])
    if suffix == ".json":
        return looks_like_coco(path)
    return False


def unclaimed_annotations(src: Path, read: LayoutRead, rel_paths: Iterable[str]
                          ) -> list[str]:
    """The paths among `rel_paths` (files under SRC) that look like annotations and that
    `read` did not consume, sorted."""
    found = []
    for rel_path in rel_paths:
        if rel_path in read.consumed:
            continue
        if read.annotated and rel_path.startswith("annotations/"):
            continue
        if looks_like_annotation(rel_path, Path(src) / rel_path):
            found.append(rel_path)
    return sorted(found)


def unclaimed_message(src: Path, layout_name: str, files: list[str], layouts: Iterable[str],
                      forced: bool) -> str:
    """One line naming the first few unclaimed files and their count."""
    shown = ", ".join(files[:3]) + (f" and {len(files) - 3} more" if len(files) > 3 else "")
    if forced:
        return (f"{len(files)} annotation-like file(s) not read by the {layout_name} layout "
                f"(first: {shown})")
    return (f"{src}: {len(files)} annotation-like file(s) that no layout reads ({shown}); the "
            f"{layout_name} layout would ignore them. Known layouts: {', '.join(layouts)}; "
            "pass --layout folders (or another) to proceed without them")
