"""Background recordings for `audio.background`: a folder read like a source tree (iterative
discovery, header checks with the budgets) and split by the same rule as SRC, so each
output only meets backgrounds of its own split. Background files are named `bg:<path in
the folder>` wherever the engine names partners (plans, rows, resume fingerprints)."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from mediasynth.engine.plan import partner_step
from mediasynth.engine.split import SplitItem, SplitSpec, split_items
from mediasynth.io.discover import Found, discover

PREFIX = "bg:"


def background_folder(pipeline) -> Path | None:
    """The folder of the audio chain's background step, or None without one."""
    step = partner_step(pipeline, "audio")
    if step is None or getattr(step, "partners_from", "") != "folder":
        return None
    return Path(step.folder)


def background_sources(pipeline, check) -> list[Found]:
    """The usable recordings of the background folder, as Found entries named `bg:...`
    whose `info["split"]` is their split; `check(found) -> found` runs the header checks."""
    folder = background_folder(pipeline)
    if folder is None:
        return []
    if not folder.is_dir():
        from mediasynth.engine.sink import FatalError

        raise FatalError(f"audio.background: folder {folder} does not exist")
    found = check([f for f in discover(folder) if f.kind == "audio" and f.problem is None])
    usable = [dataclasses.replace(f, rel_path=PREFIX + f.rel_path) for f in found
              if f.problem is None and f.kind == "audio"]
    placed = split_items([SplitItem(f.rel_path) for f in usable],
                         SplitSpec(pipeline.dataset.split, seed=pipeline.seed))
    return [dataclasses.replace(f, info={"split": placed.split_of(f.rel_path)}) for f in usable]


def partner_path(src_root: str | Path, pipeline, rel: str) -> Path:
    """Where a partner named in a plan or row lives: SRC, or the background folder."""
    if rel.startswith(PREFIX):
        return background_folder(pipeline) / rel[len(PREFIX):]
    return Path(src_root) / rel
