"""What SRC holds: the files discovery finds, read through the dataset layout.

The layout (auto-detected or `dataset.layout`) is read once, here in the parent; each media
file then carries its own labels and annotation in `Found.info`. Files that belong to the
layout (annotation JSON/XML/TXT, masks, anything under `annotations/`) are never data; media
an annotated layout does not list gets a reason row instead of being guessed at.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from mediasynth.engine.sink import is_ours
from mediasynth.io.discover import Found, discover
from mediasynth.io.layouts import read_layout
from mediasynth.io.layouts.base import LayoutRead
from mediasynth.io.provenance import merged, tree_provenance


@dataclass
class Sources:
    found: list[Found]
    layout: object
    read: LayoutRead
    warnings: list[str] = field(default_factory=list)
    background: list[Found] = field(default_factory=list)  # audio.background recordings
    provenance: dict = field(default_factory=dict)  # SRC's LICENSE/ATTRIBUTION files


def find_sources(src: Path, out: Path, layout_name: str = "auto") -> Sources:
    outs_inside: list[str] = []
    found = discover(src, exclude=(out,), outs_found=outs_inside)
    warnings = [f"skipped {rel}/: it holds an earlier mediasynth OUT" for rel in outs_inside]
    if is_ours(src):  # SRC is itself an OUT: its report is not data
        report = [f for f in found if _is_report_file(f.rel_path)]
        if report:
            found = [f for f in found if not _is_report_file(f.rel_path)]
            warnings.append(f"skipped {len(report)} file(s) of the report of the mediasynth "
                            "run that wrote SRC (report_assets/)")
        stems = _stem_files(src)
        if stems:
            kept = [f for f in found if f.rel_path not in stems]
            if len(kept) < len(found):
                warnings.append(f"skipped {len(found) - len(kept)} isolated stem file(s) of "
                                "the soundscapes in SRC (their manifest rows list them)")
            found = kept
    layout, read = read_layout(src, layout_name)
    warnings += read.warnings
    if read.missing:
        warnings.append(f"{len(read.missing)} file(s) named by the {layout.name} annotations "
                        f"are not in SRC (first: {read.missing[0]})")
    notes = read.meta.get("notes") or []
    warnings += notes[:3] + ([f"... and {len(notes) - 3} more such notes"]
                             if len(notes) > 3 else [])
    if layout.name == "folders":
        nested = nested_datasets(src)
        for rel, name in nested:
            warnings.append(f"skipped {rel}/: it is a {name} dataset of its own (expand it "
                            "by itself)")
        prefixes = tuple(f"{rel}/" for rel, _ in nested)
        found = [f for f in found if not f.rel_path.startswith(prefixes)] if prefixes else found
    warnings += _unclaimed(src, layout.name, read, found, layout_name not in (None, "auto"))
    if layout.name != "folders":
        found = [f for f in (_with_info(f, read) for f in found) if f is not None]
    tree = tree_provenance(src)
    return Sources(_with_provenance(found, tree, read), layout, read, warnings, provenance=tree)


def _with_provenance(found: list[Found], tree: dict, read: LayoutRead) -> list[Found]:
    """Media files with their licence and attribution in `info["provenance"]`."""
    if not tree and not any(i.get("provenance") for i in read.items.values()):
        return found
    out = []
    for f in found:
        item = read.items.get(f.rel_path) or {}
        provenance = merged(tree, item.get("provenance")) if f.kind is not None else None
        out.append(dataclasses.replace(f, info={**(f.info or {}), "provenance": provenance})
                   if provenance else f)
    return out


def _is_report_file(rel_path: str) -> bool:
    """OUT/report.html, its dataset card (README.md, croissant.json) or a file under
    OUT/report_assets/ (a class folder named `report.html` is data)."""
    return rel_path in ("report.html", "README.md", "croissant.json") or rel_path.startswith(
        "report_assets/")


def _stem_files(src: Path) -> set[str]:
    """The side files SRC's manifest rows list as stems (`synth soundscape --stems`): parts
    of an item, not items."""
    from mediasynth.engine import manifest as M

    return {stem["path"] for row in M.read_manifest(src)
            for stem in ((row.get("info") or {}).get("stems") or []) if "path" in stem}


MAX_NESTED_CHECKS = 2000


def _unclaimed(src: Path, layout_name: str, read: LayoutRead, found: list[Found],
               forced: bool) -> list[str]:
    """A warning when the user chose the layout and annotation-like files are left unread;
    UnreadAnnotationsError (exit 2) when the layout was detected."""
    from mediasynth.io.layouts import LAYOUTS
    from mediasynth.io.layouts.unclaimed import (
        UnreadAnnotationsError,
        unclaimed_annotations,
        unclaimed_message,
    )

    files = unclaimed_annotations(src, read, (f.rel_path for f in found if f.kind is None))
    if not files:
        return []
    message = unclaimed_message(src, layout_name, files, LAYOUTS, forced)
    if forced:
        return [message]
    raise UnreadAnnotationsError(message)


def nested_datasets(src: Path) -> list[tuple[str, str]]:
    """(folder, layout) of annotated datasets among SRC's class folders and their children
    (e.g. a COCO export beside class folders): in a class-folder tree they are not a
    class of their own."""
    from mediasynth.io.layouts import LAYOUTS, get

    folders = [d for d in sorted(src.iterdir()) if d.is_dir() and not d.name.startswith(".")]
    folders += [c for d in folders for c in sorted(d.iterdir())
                if c.is_dir() and not c.name.startswith(".")][:MAX_NESTED_CHECKS]
    found, taken = [], ()
    for folder in folders:
        rel = folder.relative_to(src).as_posix()
        if rel.startswith(taken):
            continue
        name = next((n for n in LAYOUTS if n not in ("folders", "labels")
                     and get(n).detect(folder)), None)
        if name:
            found.append((rel, name))
            taken = (*taken, f"{rel}/")
    return found


def _with_info(f: Found, read: LayoutRead) -> Found | None:
    if f.rel_path in read.consumed or (read.annotated and f.rel_path.startswith(
            "annotations/")):
        return None
    if f.kind is None:
        return f
    item = read.items.get(f.rel_path)
    if item is None:
        return dataclasses.replace(f, info={"label": None}, problem=f.problem or (
            "unsupported", "not listed in the dataset's annotations"))
    info = {"label": item.get("label") if not read.annotated else None,
            "stratum": item.get("label"), "name": item.get("name"),
            "annotation": item.get("annotation")}
    if item.get("labels"):
        info["labels"] = list(item["labels"])
    for key in ("subset", "group"):  # the split the input declares, a group it names
        if item.get(key) is not None:
            info[key] = item[key]
    return dataclasses.replace(f, info=info)
