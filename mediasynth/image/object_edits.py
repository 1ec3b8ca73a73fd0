"""Editing annotated objects for the mixing transforms (image/transforms/mixing.py): an
annotation scaled into a mosaic cell or a pasted region, an object clipped to a box or cut
by one pasted over it, resampled as cv2's area resize moves its pixels, or occluded by a
mask. Objects are those of image/annotations.py; a polygon or mask object is traced again
from its remaining pixels (pycocotools rasterization), a box-only object keeps a box.
"""

from __future__ import annotations

import numpy as np

from mediasynth.image.annotations import _box_area, _coco_rle


def scale_annotation(annotation: dict, sx: float, sy: float, tx: float, ty: float,
                     width: int, height: int) -> dict:
    """Every object scaled by (sx, sy) then moved by (tx, ty) into a width x height frame
    (pixel coordinates)."""
    def xy(values):
        pts = np.asarray(values, np.float64).reshape(-1, 2) * (sx, sy) + (tx, ty)
        return pts

    objects = []
    for obj in annotation.get("objects", []):
        new = dict(obj)
        x0, y0, x1, y1 = obj["bbox"]
        new["bbox"] = [x0 * sx + tx, y0 * sy + ty, x1 * sx + tx, y1 * sy + ty]
        if obj.get("polygons"):
            new["polygons"] = [xy(p).ravel().tolist() for p in obj["polygons"]]
        if obj.get("keypoints"):
            new["keypoints"] = [[*(xy(k[:2])[0]), k[2]] if k[2] else [0.0, 0.0, 0]
                                for k in obj["keypoints"]]
        if obj.get("rle"):
            new["rle"] = _moved_rle_of(obj["rle"], sx, sy, tx, ty, width, height)
        objects.append(new)
    return {**annotation, "objects": objects, "width": width, "height": height}


def _moved_rle_of(rle: dict, sx, sy, tx, ty, out_w: int, out_h: int) -> dict:
    import cv2
    from pycocotools import mask as mask_utils

    region = mask_utils.decode(_coco_rle(rle))
    matrix = np.array([[sx, 0, tx], [0, sy, ty]], np.float64)
    moved = cv2.warpAffine(region, matrix, (out_w, out_h), flags=cv2.INTER_NEAREST)
    enc = mask_utils.encode(np.asfortranarray(moved.astype(np.uint8)))
    return {"size": [int(v) for v in enc["size"]], "counts": enc["counts"].decode()}


def clip_object(obj: dict, box: list[float], width: int, height: int) -> dict | None:
    """The part of an object inside `box` (x0, y0, x1, y1) of a width x height image: its
    pixels (polygons rasterized as pycocotools does) kept inside the box and traced again
    (pixel-corner polygons, or RLE with holes), the box tightened to them, keypoints outside
    made invisible; None when nothing is left."""
    return _kept_part(obj, box, width, height, inside=True)


def subtract_box(obj: dict, box: list[float], width: int, height: int) -> dict | None:
    """The part of an object outside `box` (what stays visible when the box is pasted over
    it): its pixels outside the box traced again (as `clip_object`), or without a polygon or
    mask the tight box of what the box leaves of its box; keypoints under the box made
    invisible; None when nothing stays visible."""
    return _kept_part(obj, box, width, height, inside=False)


def _kept_part(obj: dict, box: list[float], width: int, height: int, *, inside: bool
               ) -> dict | None:
    """`clip_object` (inside) and `subtract_box` (outside): one rule, two sides of `box`."""
    if obj.get("polygons"):
        return _retraced(dict(obj), box, width, height, inside=inside)
    if obj.get("rle"):
        return _rle_kept(dict(obj), box, inside=inside)
    x0, y0, x1, y1 = box
    b = obj["bbox"]
    if inside:
        rest = [max(b[0], x0), max(b[1], y0), min(b[2], x1), min(b[3], y1)]
        rest = rest if _box_area(rest) > 0 else None
    else:
        rest = box_minus_box(b, box)
    if rest is None:
        return None
    new = {**obj, "bbox": rest}
    if obj.get("keypoints"):
        def kept(k) -> bool:
            within = x0 <= k[0] < x1 and y0 <= k[1] < y1
            return bool(k[2]) and within if inside else not within

        new["keypoints"] = [k if kept(k) else [0.0, 0.0, 0] for k in obj["keypoints"]]
    return new


def resample_object(obj: dict, width: int, height: int, cell) -> dict | None:
    """An object of a width x height image resized into `cell` (x0, y0, x1, y1) of a frame
    of the same size, as cv2's area resampling moves the pixels: its mask (polygons or RLE)
    resampled and counted where at least half covered, then traced again; a box-only object
    is scaled. Keypoints are scaled; None when nothing is left."""
    import cv2

    from mediasynth.image.functional.segmentation import coco_segmentation

    x0, y0, x1, y1 = (int(v) for v in cell)
    sx, sy = (x1 - x0) / width, (y1 - y0) / height
    new = dict(obj)
    if obj.get("keypoints"):
        new["keypoints"] = [[k[0] * sx + x0, k[1] * sy + y0, k[2]] if k[2] else [0.0, 0.0, 0]
                            for k in obj["keypoints"]]
    region = _object_mask(obj, width, height)
    if region is None:
        b = obj["bbox"]
        new["bbox"] = [b[0] * sx + x0, b[1] * sy + y0, b[2] * sx + x0, b[3] * sy + y0]
        return new if _box_area(new["bbox"]) > 0 else None
    small = cv2.resize(region.astype(np.float32), (x1 - x0, y1 - y0),
                       interpolation=cv2.INTER_AREA) >= 0.5
    full = np.zeros((height, width), np.uint8)
    full[y0:y1, x0:x1] = small
    ys, xs = np.nonzero(full)
    if not len(xs):
        return None
    segmentation = coco_segmentation(full, 0, 0, width, height)
    new = {k: v for k, v in new.items() if k not in ("polygons", "rle")}
    new["rle" if isinstance(segmentation, dict) else "polygons"] = segmentation
    new["bbox"] = [float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1]
    return new


def occlude_object(obj: dict, covered: np.ndarray) -> dict | None:
    """An object with the `covered` pixels (bool H x W) taken away: its remaining pixels
    traced again (polygons or RLE); a box-only object is kept unless covered whole, and its
    keypoints under the cover made invisible; None when nothing stays visible."""
    from mediasynth.image.functional.segmentation import coco_segmentation

    height, width = covered.shape
    new = dict(obj)
    if obj.get("keypoints"):
        new["keypoints"] = [[0.0, 0.0, 0] if k[2] and 0 <= int(k[1]) < height and
                            0 <= int(k[0]) < width and covered[int(k[1]), int(k[0])] else k
                            for k in obj["keypoints"]]
    region = _object_mask(obj, width, height)
    if region is None:
        x0, y0, x1, y1 = (int(round(v)) for v in obj["bbox"])
        window = covered[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)]
        return None if window.size and window.all() else new
    region &= ~covered
    ys, xs = np.nonzero(region)
    if not len(xs):
        return None
    segmentation = coco_segmentation(region.astype(np.uint8), 0, 0, width, height)
    new = {k: v for k, v in new.items() if k not in ("polygons", "rle")}
    new["rle" if isinstance(segmentation, dict) else "polygons"] = segmentation
    new["bbox"] = [float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1]
    return new


def object_mask(obj: dict, width: int, height: int) -> np.ndarray | None:
    """The object's pixels in a width x height image (None for a box-only object)."""
    return _object_mask(obj, width, height)


def _object_mask(obj: dict, width: int, height: int) -> np.ndarray | None:
    """The object's pixels (pycocotools rasterization), or None for a box-only object."""
    from pycocotools import mask as mask_utils

    if obj.get("rle"):
        return mask_utils.decode(_coco_rle(obj["rle"])).astype(bool)
    if obj.get("polygons"):
        return mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(
            [list(map(float, p)) for p in obj["polygons"]], height, width))).astype(bool)
    return None


def _retraced(obj: dict, box: list[float], width: int, height: int, *, inside: bool
              ) -> dict | None:
    """A polygon object's pixels kept inside (or outside) `box`, as a new segmentation."""
    from pycocotools import mask as mask_utils

    from mediasynth.image.functional.segmentation import coco_segmentation

    region = mask_utils.decode(mask_utils.merge(mask_utils.frPyObjects(
        [list(map(float, p)) for p in obj["polygons"]], height, width))).astype(bool)
    x0, y0, x1, y1 = (max(int(round(v)), 0) for v in box)
    window = np.zeros_like(region)
    window[y0:y1, x0:x1] = True
    region &= window if inside else ~window
    ys, xs = np.nonzero(region)
    if not len(xs):
        return None
    segmentation = coco_segmentation(region.astype(np.uint8), 0, 0, width, height)
    new = {k: v for k, v in obj.items() if k != "polygons"}
    new["rle" if isinstance(segmentation, dict) else "polygons"] = segmentation
    new["bbox"] = [float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1]
    if obj.get("keypoints"):
        keep = (lambda k: x0 <= k[0] < x1 and y0 <= k[1] < y1) if inside else \
            (lambda k: not (x0 <= k[0] < x1 and y0 <= k[1] < y1))
        new["keypoints"] = [k if k[2] and keep(k) else [0.0, 0.0, 0] for k in obj["keypoints"]]
    return new


def _rle_kept(obj: dict, box: list[float], *, inside: bool) -> dict | None:
    """An RLE object's mask kept inside (or outside) a box, re-encoded; None when empty."""
    from pycocotools import mask as mask_utils

    region = mask_utils.decode(_coco_rle(obj["rle"])).astype(bool)
    x0, y0, x1, y1 = (int(round(v)) for v in box)
    window = np.zeros_like(region)
    window[max(y0, 0):max(y1, 0), max(x0, 0):max(x1, 0)] = True
    region &= window if inside else ~window
    if not region.any():
        return None
    ys, xs = np.nonzero(region)
    enc = mask_utils.encode(np.asfortranarray(region.astype(np.uint8)))
    return {**obj, "rle": {"size": [int(v) for v in enc["size"]],
                           "counts": enc["counts"].decode()},
            "bbox": [float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1]}


def box_minus_box(b: list[float], cut: list[float]) -> list[float] | None:
    """The tight box of what `b` keeps outside `cut`; None when `cut` covers it."""
    inter = [max(b[0], cut[0]), max(b[1], cut[1]), min(b[2], cut[2]), min(b[3], cut[3])]
    if _box_area(inter) <= 0:
        return list(b)
    full_h = cut[1] <= b[1] and cut[3] >= b[3]
    full_w = cut[0] <= b[0] and cut[2] >= b[2]
    if full_h and full_w:
        return None
    if full_h:
        left, right = (b[0], min(b[2], cut[0])), (max(b[0], cut[2]), b[2])
        xs = [v for lo, hi in (left, right) if hi > lo for v in (lo, hi)]
        return [min(xs), b[1], max(xs), b[3]]
    if full_w:
        top, bottom = (b[1], min(b[3], cut[1])), (max(b[1], cut[3]), b[3])
        ys = [v for lo, hi in (top, bottom) if hi > lo for v in (lo, hi)]
        return [b[0], min(ys), b[2], max(ys)]
    return list(b)
