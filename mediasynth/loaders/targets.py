"""Annotated items for the loaders: where their annotations come from (an annotated source
layout, or an expanded OUT's manifest) and how a sample carries them after the chain:

    "boxes"      (N, 4) float32 pixel xyxy
    "labels"     (N,) int64 index into `dataset.categories`
    "keypoints"  (N, K, 3) float32 x, y, visibility (when the objects have keypoints)
    "masks"      (N, H, W) uint8 instance masks (with `instance_masks=True`)
    "mask"       (H, W) the moved semantic mask (segmentation pairs)

The chain runs through `image.annotations.run_annotated`, exactly as `expand` moves them.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np


def layout_items(root: Path) -> tuple[list[tuple[str, dict | None]], list[str]] | None:
    """[(path, annotation)] and category names of an annotated source tree, or None when
    `root` is not one."""
    from mediasynth.layouts import detect, get

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


def annotated_sample(image, annotation: dict, chain, rng, categories: list[str],
                     instance_masks: bool, limits=None) -> tuple[dict, object]:
    """(sample fields, record) of one annotated image through `chain`."""
    from mediasynth.image.annotations import Limits, denormalized, run_annotated

    annotation = denormalized(annotation, image.width, image.height)
    out, record, moved, _, side = run_annotated(chain, image, annotation, limits or Limits(),
                                                rng=rng)
    objects = moved.get("objects", [])
    index = {n: i for i, n in enumerate(categories)}
    fields = {"image": out.pixels,
              "boxes": np.array([o["bbox"] for o in objects], np.float32).reshape(-1, 4),
              "labels": np.array([index.get(o["category"], -1) for o in objects], np.int64)}
    if any(o.get("keypoints") for o in objects):
        width = max(len(o.get("keypoints") or []) for o in objects)
        kps = np.zeros((len(objects), width, 3), np.float32)
        for i, o in enumerate(objects):
            if o.get("keypoints"):
                kps[i, : len(o["keypoints"])] = o["keypoints"]
        fields["keypoints"] = kps
    if side:
        from mediasynth.image.annotations import read_label_bytes

        fields["mask"] = read_label_bytes(side[0])
    if instance_masks:
        fields["masks"] = instance_mask_stack(objects, out.height, out.width)
    return fields, record


def instance_mask_stack(objects: list[dict], height: int, width: int) -> np.ndarray:
    """(N, H, W) uint8 masks rasterized from polygons (pycocotools) or RLE."""
    from pycocotools import mask as mask_utils

    masks = np.zeros((len(objects), height, width), np.uint8)
    for i, obj in enumerate(objects):
        if obj.get("rle"):
            rle = {"size": obj["rle"]["size"], "counts": obj["rle"]["counts"].encode()}
            masks[i] = mask_utils.decode(rle)
        elif obj.get("polygons"):
            rles = mask_utils.frPyObjects(obj["polygons"], height, width)
            masks[i] = mask_utils.decode(mask_utils.merge(rles))
        else:
            x0, y0, x1, y1 = (int(round(v)) for v in obj["bbox"])
            masks[i, y0:y1, x0:x1] = 1
    return masks
