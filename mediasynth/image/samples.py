"""Loader samples of annotated images: the targets moved with the chain (through
image/render.py, exactly as `expand` moves them, box limits included), as arrays:

    "boxes"      (N, 4) float32 pixel xyxy
    "labels"     (N,) int64 index into `dataset.categories`
    "keypoints"  (N, K, 3) float32 x, y, visibility (when the objects have keypoints)
    "masks"      (N, H, W) uint8 instance masks (with `instance_masks=True`)
    "mask"       (H, W) the moved semantic mask (segmentation pairs)
"""

from __future__ import annotations

import numpy as np


def annotated_fields(made, categories: list[str], instance_masks: bool) -> dict:
    """Sample fields of an annotated image rendered by image/render.py (`made`: its moved
    annotation and side blobs)."""
    objects = made.annotation.get("objects", [])
    out = made.image
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
    if made.side:
        from mediasynth.image.annotations import read_label_bytes

        fields["mask"] = read_label_bytes(made.side[0])
    if instance_masks:
        fields["masks"] = instance_mask_stack(objects, out.height, out.width)
    return fields


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
