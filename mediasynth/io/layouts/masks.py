"""Segmentation pairs: `images/...` and `masks/...` matched by relative stem (a mask is a
PNG label image; a palette PNG stays a palette PNG with its palette). The mask moves with
every geometric transform (nearest) and is written beside each output:
`images/<split>/x__v000.jpg` and `masks/<split>/x__v000.png`.
"""

from __future__ import annotations

from pathlib import Path

from mediasynth.io.layouts.base import (
    SPLIT_NAMES,
    LayoutRead,
    media_files,
    name_below,
    normal_subset,
    rel,
)
from mediasynth.io.layouts.contract import LayoutBase

MASK_DIRS = ("masks", "labels", "annotations")


class MaskPairsLayout(LayoutBase):
    name = "masks"

    def detect(self, src: Path) -> list[str]:
        if not (src / "images").is_dir():
            return []
        return [f"{d}/" for d in ("masks",) if (src / d).is_dir()]

    def media_folder(self, split: str | None, meta: dict) -> str:
        return f"images/{split or 'default'}"

    def side_files(self, output_path: str) -> tuple[str, ...]:
        return (mask_path(output_path),)

    def read(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"format": "masks"})
        masks = {}
        for mask in media_files(src / "masks"):
            result.consumed.add(rel(mask, src))
            masks[Path(name_below(rel(mask, src), "masks")).with_suffix("").as_posix()] = mask
        for image in media_files(src / "images"):
            key = rel(image, src)
            stem = Path(name_below(key, "images")).with_suffix("").as_posix()
            mask = masks.get(stem)
            if mask is None:
                result.missing.append(f"masks/{stem}.png")
                continue
            parts = Path(key).parts  # images/<subset>/x.png names a subset
            subset = parts[1] if len(parts) > 2 and parts[1].lower() in SPLIT_NAMES else None
            result.items[key] = {"label": None, "name": name_below(key, "images"),
                                 "annotation": {"objects": [], "mask_file": rel(mask, src)},
                                 "subset": normal_subset(subset)}
        return result

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        return []  # masks are written by the workers, beside each output


def mask_path(image_rel: str) -> str:
    """Where the mask of an output image goes: images/<split>/x.jpg -> masks/<split>/x.png."""
    parts = Path(image_rel).parts
    below = Path(*parts[1:]) if parts[:1] == ("images",) else Path(image_rel)
    return (Path("masks") / below).with_suffix(".png").as_posix()


LAYOUT = MaskPairsLayout()
