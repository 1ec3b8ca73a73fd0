"""Loader samples of annotated images: the targets moved with the chain (through
`image.annotations.run_annotated`, exactly as `expand` moves them), as arrays:

    "boxes"      (N, 4) float32 pixel xyxy
    "labels"     (N,) int64 index into `dataset.categories`
    "keypoints"  (N, K, 3) float32 x, y, visibility (when the objects have keypoints)
    "masks"      (N, H, W) uint8 instance masks (with `instance_masks=True`)
    "mask"       (H, W) the moved semantic mask (segmentation pairs)
"""

from __future__ import annotations

import numpy as np


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
