"""Instance annotations of a rendered image from its instance-id mask (shared by the image
generators): per visible instance its class, the tight box of its visible pixels, its
visible area and its COCO segmentation."""

from __future__ import annotations

import numpy as np

from mediasynth.image.functional.segmentation import coco_segmentation


def annotate_instances(classes: list[str], instances: np.ndarray,
                       windows: list[tuple[int, int, int, int]]) -> list[dict]:
    """Instance k (1-based) has class `classes[k - 1]` and is looked for only inside
    `windows[k - 1]` ((x0, y0, x1, y1), where its pixels can be). Per visible instance:
    {"instance": k, "class", "box": tight [x0, y0, x1, y1] of its visible pixels, "area":
    visible pixels, and "polygons" (hole-free) or "rle" (with a hole)}, see
    `coco_segmentation`. Fully hidden instances are left out."""
    height, width = instances.shape
    out = []
    for k, (cls, (x0, y0, x1, y1)) in enumerate(zip(classes, windows), start=1):
        visible = (instances[y0:y1, x0:x1] == k).view(np.uint8)
        area = int(np.count_nonzero(visible))
        if area == 0:
            continue
        rows, cols = np.flatnonzero(visible.any(axis=1)), np.flatnonzero(visible.any(axis=0))
        box = [float(x0 + cols[0]), float(y0 + rows[0]), float(x0 + cols[-1] + 1),
               float(y0 + rows[-1] + 1)]
        entry = {"instance": k, "class": cls, "box": box, "area": area}
        segmentation = coco_segmentation(visible, x0, y0, width, height)
        entry["rle" if isinstance(segmentation, dict) else "polygons"] = segmentation
        out.append(entry)
    return out
