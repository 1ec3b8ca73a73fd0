"""Annotated items for the loaders: where their annotations come from (an annotated source
layout, or an expanded OUT's manifest); image/samples.py moves them with each sample."""

from __future__ import annotations

import json
from pathlib import Path


def layout_items(root: Path) -> tuple[list[tuple[str, dict | None]], list[str]] | None:
    """[(path, annotation)] and category names of an annotated source tree, or None when
    `root` is not one."""
    from mediasynth.io.layouts import detect, get

    name = detect(root)
    if name in ("folders", "labels"):
        return None
    read = get(name).read(root)
    items = []
    for rel, item in sorted(read.items.items()):
        annotation = item.get("annotation")
        if annotation and annotation.get("mask_file"):
            annotation = {**annotation, "mask_file": str(root / annotation["mask_file"])}
        items.append((str(root / rel), annotation))
    return items, _names(read.meta, [a for _, a in items])


def manifest_annotations(manifest: Path) -> dict[str, dict]:
    """{output path relative to OUT: annotation} of an expanded OUT's rows."""
    found = {}
    with open(manifest, encoding="utf-8") as fh:
        for line in fh:
            row = json.loads(line)
            if row.get("status") == "ok" and row.get("annotation") is not None:
                found[row["output"]] = row["annotation"]
    return found


def _names(meta: dict, annotations: list[dict | None]) -> list[str]:
    cats = meta.get("categories") or {}
    names = sorted(cats, key=lambda n: cats[n].get("id", 0)) or list(meta.get("names") or [])
    for ann in annotations:
        for obj in (ann or {}).get("objects", []):
            if obj["category"] not in names:
                names.append(obj["category"])
    return names


def category_names(annotations: list[dict | None]) -> list[str]:
    return _names({}, annotations)
