"""Class folders: `SRC/<class>/...`, one label per file from its top folder (the default
layout; the engine's discovery already yields it)."""

from __future__ import annotations

from pathlib import Path

from mediasynth.io.layouts.base import LayoutRead
from mediasynth.io.layouts.contract import LayoutBase


class ClassFoldersLayout(LayoutBase):
    name = "folders"

    def detect(self, src: Path) -> list[str]:
        return []

    def media_folder(self, split: str | None, meta: dict) -> str:
        return ""

    def read(self, src: Path) -> LayoutRead:
        return LayoutRead(meta={"format": "folders"}, annotated=False)

    def export(self, out: Path, splits, meta, *, primary: bool) -> list[str]:
        return []


LAYOUT = ClassFoldersLayout()
