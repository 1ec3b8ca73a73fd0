"""Per-image annotations through an image chain.

An annotation is plain JSON-safe data (what layout readers produce and manifest rows keep):

    {"width": W, "height": H, "normalized": false,
     "objects": [{"category": "cat", "bbox": [x0, y0, x1, y1],
                  "polygons": [[x, y, x, y, ...], ...],          # optional
                  "area": A,              # moved polygon objects: what the polygons cover
                  "rle": {"size": [H, W], "counts": "..."},       # optional, compressed
                  "keypoints": [[x, y, v], ...],                  # optional
                  "iscrowd": 0, "extra": {...}}],                 # passed through
     "mask_file": "/abs/path.png"}                                # optional semantic mask

Coordinates are continuous pixels (pixel (i, j) covers [j, j+1) x [i, i+1)); with
`normalized: true` (YOLO) they are fractions of the width and height. `pack` puts every
polygon vertex, box corner and keypoint into one keypoint array and the RLE instances into
an instance-id mask, so the chain's geometric transforms move them with the pixels; `unpack`
reads them back: polygons clipped to the frame (never re-traced from masks), boxes tightened
to what is visible (polygon or mask bounds, else the moved corners' hull clipped), keypoints
outside the frame made invisible (v = 0), and objects whose visible share, area or box side
(under 1 px) falls below the limits dropped and counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from mediasynth.core.media import Image
from mediasynth.io.layouts.base import polygon_area


@dataclass(frozen=True)
class Limits:
    """When a moved object is dropped: visible share of its moved outline below
    `min_visibility`, box area below `min_area_px`, or box width or height below
    `min_side_px` (a sliver no detector can learn, which VOC cannot even write)."""

    min_visibility: float = 0.0
    min_area_px: float = 1.0
    min_side_px: float = 1.0


@dataclass
class _Slots:
    """Where each object's points sit in the packed keypoint array."""

    corners: list[int]
    polygons: list[list[tuple[int, int]]]
    keypoints: list[tuple[int, int] | None]


def denormalized(annotation: dict, width: int, height: int) -> dict:
    """The annotation in pixels (YOLO's normalized coordinates scaled by the image size)."""
    if not annotation.get("normalized"):
        return {**annotation, "width": width, "height": height}
    scale = np.array([width, height], np.float64)
    objects = []
    for obj in annotation.get("objects", []):
        new = dict(obj)
        new["bbox"] = list(np.asarray(obj["bbox"], np.float64) * np.tile(scale, 2))
        if obj.get("polygons"):
            new["polygons"] = [list((np.asarray(p, np.float64).reshape(-1, 2) * scale).ravel())
                               for p in obj["polygons"]]
        if obj.get("keypoints"):
            kp = np.asarray(obj["keypoints"], np.float64).reshape(-1, 3)
            kp[:, :2] *= scale
            new["keypoints"] = kp.tolist()
        objects.append(new)
    return {**annotation, "objects": objects, "normalized": False, "width": width,
            "height": height}


def pack(image: Image, annotation: dict, semantic_mask: np.ndarray | None = None
         ) -> tuple[Image, _Slots]:
    """`image` carrying the annotation's geometry as keypoints (and masks)."""
    points: list[np.ndarray] = []
    slots = _Slots([], [], [])
    count = 0

    def add(xy: np.ndarray) -> tuple[int, int]:
        nonlocal count
        points.append(xy.reshape(-1, 2))
        count += len(xy.reshape(-1, 2))
        return count - len(xy.reshape(-1, 2)), count

    for obj in annotation.get("objects", []):
        x0, y0, x1, y1 = (float(v) for v in obj["bbox"])
        slots.corners.append(add(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]]))[0])
        slots.polygons.append([add(np.asarray(p, np.float64)) for p in obj.get("polygons") or []
                               if len(p) >= 6])
        kp = obj.get("keypoints")
        slots.keypoints.append(add(np.asarray(kp, np.float64)[:, :2]) if kp else None)
    mask = semantic_mask if semantic_mask is not None else _instance_mask(annotation, image)
    keypoints = np.concatenate(points) if points else None
    return image.replace(keypoints=keypoints, mask=mask, boxes=None), slots


def _instance_mask(annotation: dict, image: Image) -> np.ndarray | None:
    """uint16 mask: object i's RLE region holds i + 1 (later objects win overlaps)."""
    rles = [(i, o["rle"]) for i, o in enumerate(annotation.get("objects", [])) if o.get("rle")]
    if not rles:
        return None
    from pycocotools import mask as mask_utils

    ids = np.zeros((image.height, image.width), np.uint16)
    for i, rle in rles:
        region = mask_utils.decode(_coco_rle(rle))
        if region.shape == ids.shape:
            ids[region > 0] = i + 1
    return ids


def _coco_rle(rle: dict) -> dict:
    counts = rle["counts"]
    return {"size": list(rle["size"]), "counts": counts.encode() if isinstance(counts, str)
            else counts}


def unpack(out: Image, slots: _Slots, annotation: dict, limits: Limits
           ) -> tuple[dict, int]:
    """(moved annotation, number of objects dropped)."""
    xy = np.asarray(out.keypoints if out.keypoints is not None else np.zeros((0, 2)),
                    np.float64).reshape(-1, 2)
    stats = _SegmentStats(xy, slots, out.width, out.height)
    objects, dropped = [], 0
    for i, obj in enumerate(annotation.get("objects", [])):
        moved = _move_object(obj, i, stats, slots, out, limits)
        if moved is None:
            dropped += 1
        else:
            objects.append(moved)
    return {**annotation, "width": out.width, "height": out.height, "objects": objects}, dropped


class _SegmentStats:
    """Per packed segment (an object's box corners, each polygon), computed for all at once:
    whether it lies inside the frame, its shoelace area and its bounds. `pack` lays the
    segments end to end, so numpy's reduceat covers them in one call each."""

    def __init__(self, xy: np.ndarray, slots: _Slots, width: int, height: int):
        self.xy = xy
        segments = [(a, a + 4) for a in slots.corners]
        segments += [seg for polys in slots.polygons for seg in polys]
        segments += [seg for seg in slots.keypoints if seg is not None]
        starts = sorted(a for a, b in segments if b > a)
        self.index = {a: k for k, a in enumerate(starts)}
        if not starts or len(xy) == 0:
            return
        bounds = np.array(starts + [len(xy)])
        x, y = xy[:, 0], xy[:, 1]
        nxt = np.arange(1, len(xy) + 1)
        nxt[bounds[1:] - 1] = bounds[:-1]
        self.area = 0.5 * np.add.reduceat(x * y[nxt] - x[nxt] * y, bounds[:-1])
        ok = (x >= 0) & (y >= 0) & (x <= width) & (y <= height)
        self.inside = np.logical_and.reduceat(ok, bounds[:-1])
        self.box = np.stack([np.minimum.reduceat(x, bounds[:-1]),
                             np.minimum.reduceat(y, bounds[:-1]),
                             np.maximum.reduceat(x, bounds[:-1]),
                             np.maximum.reduceat(y, bounds[:-1])], axis=1).tolist()
        self.rounded = np.round(xy, 3)

    def bounds(self, a: int) -> list[float]:
        return self.box[self.index[a]]


def _move_object(obj: dict, index: int, stats: _SegmentStats, slots: _Slots, out: Image,
                 limits: Limits) -> dict | None:
    width, height = out.width, out.height
    hull = stats.bounds(slots.corners[index])
    new = dict(obj)
    full_area, visible_area = _box_area(hull), _box_area(_clip_box(hull, width, height))
    polygons = slots.polygons[index]
    if polygons:
        k = [stats.index[a] for a, _ in polygons]
        full_area = float(sum(abs(stats.area[j]) for j in k))
        if all(stats.inside[j] for j in k):
            visible_area = full_area
            new["polygons"] = [stats.rounded[a:b].ravel().tolist() for a, b in polygons]
            boxes = [stats.box[j] for j in k]
            box = [min(b[0] for b in boxes), min(b[1] for b in boxes),
                   max(b[2] for b in boxes), max(b[3] for b in boxes)]
        else:
            clipped = [p for p in (clip_polygon(stats.xy[a:b], width, height)
                                   for a, b in polygons) if len(p) >= 3]
            visible_area = sum(abs(polygon_area(p)) for p in clipped)
            new["polygons"] = [np.round(p.ravel(), 3).tolist() for p in clipped]
            box = _bounds(np.concatenate(clipped)) if clipped else None
        new["area"] = round(float(visible_area), 3)  # COCO's area: what the polygons cover
    elif obj.get("rle") and out.mask is not None:
        box, new["rle"], visible_area = _moved_rle(out.mask, index + 1)
        full_area = max(full_area, visible_area)
    else:
        box = _clip_box(hull, width, height)
    if box is None or _box_area(box) < limits.min_area_px or visible_area <= 0:
        return None
    if min(box[2] - box[0], box[3] - box[1]) < limits.min_side_px:
        return None
    if visible_area < limits.min_visibility * max(full_area, 1e-12):
        return None
    new["bbox"] = [round(float(v), 3) for v in box]
    if slots.keypoints[index] is not None:
        a, b = slots.keypoints[index]
        new["keypoints"] = _moved_keypoints(obj["keypoints"], stats.xy[a:b], width, height)
    return new


def _moved_keypoints(original: list, xy: np.ndarray, width: int, height: int) -> list:
    rows = []
    for (x, y), kp in zip(xy, original):
        v = int(kp[2]) if len(kp) > 2 else 2
        if v == 0 or not (0 <= x < width and 0 <= y < height):
            rows.append([0.0, 0.0, 0])  # COCO writes unlabelled points as (0, 0, 0)
        else:
            rows.append([round(float(x), 3), round(float(y), 3), v])
    return rows


def _moved_rle(mask: np.ndarray, instance: int):
    from pycocotools import mask as mask_utils

    region = np.asfortranarray((mask == instance).astype(np.uint8))
    area = float(region.sum())
    rle = mask_utils.encode(region)
    ys, xs = np.nonzero(region)
    box = [float(xs.min()), float(ys.min()), float(xs.max()) + 1, float(ys.max()) + 1] \
        if len(xs) else None
    return box, {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode()}, area


def _bounds(points: np.ndarray) -> list[float]:
    return [float(points[:, 0].min()), float(points[:, 1].min()), float(points[:, 0].max()),
            float(points[:, 1].max())]


def _clip_box(box: list[float], width: int, height: int) -> list[float]:
    return [min(max(box[0], 0), width), min(max(box[1], 0), height),
            min(max(box[2], 0), width), min(max(box[3], 0), height)]


def _box_area(box: list[float]) -> float:
    return max(0.0, box[2] - box[0]) * max(0.0, box[3] - box[1])


def clip_polygon(points: np.ndarray, width: float, height: float) -> np.ndarray:
    """The part of an N x 2 polygon inside [0, width] x [0, height] (Sutherland-Hodgman:
    exact for any simple polygon against the convex frame)."""
    return _clip_rect(np.asarray(points, np.float64), (0.0, 0.0, width, height))


def _clip_edge(poly: list, axis: int, bound: float, keep_below: bool) -> list:
    def inside(p) -> bool:
        return p[axis] <= bound if keep_below else p[axis] >= bound

    out = []
    for i, cur in enumerate(poly):
        prev = poly[i - 1]
        if inside(cur) != inside(prev):
            t = (bound - prev[axis]) / (cur[axis] - prev[axis])
            out.append(tuple(prev[k] + t * (cur[k] - prev[k]) for k in range(2)))
        if inside(cur):
            out.append(cur)
    return out


def run_annotated(chain, image: Image, annotation: dict, limits: Limits, *, rng=None,
                  record=None):
    """Run (or replay from `record`) `chain` on `image` with its annotation; returns
    (image, record, moved annotation, objects dropped, side blobs). The side blob is the
    moved semantic mask as PNG bytes (palette kept) when the annotation has a mask file.
    A partner step first in the chain (image/transforms/mixing.py) finds the annotation in
    `meta["annotation"]` and re-packs the merged objects (meta "slots")."""
    from mediasynth.core.compose import run_chain

    semantic, palette = (read_label_image(annotation["mask_file"])
                         if annotation.get("mask_file") else (None, None))
    packed, slots = pack(image.replace(mask=None, keypoints=None, boxes=None), annotation,
                         semantic)
    packed = packed.replace(meta={**image.meta, "annotation": annotation,
                                  "semantic_mask": semantic is not None})
    out, record = run_chain(chain, packed, rng, record)
    slots = out.meta.get("slots", slots)
    moved, dropped = unpack(out, slots, out.meta.get("annotation", annotation), limits)
    side = ()
    if semantic is not None:
        side = (encode_label_image(out.mask, palette),)
        moved = {k: v for k, v in moved.items() if k != "mask_file"}
    meta = {k: v for k, v in out.meta.items()
            if k not in ("annotation", "slots", "partners", "semantic_mask")}
    return out.replace(mask=None, keypoints=None, meta=meta), record, moved, dropped, side


def read_label_image(path: str) -> tuple[np.ndarray, list | None]:
    """A label PNG as an integer array, with its palette when it is a palette image."""
    from PIL import Image as PILImage

    with PILImage.open(path) as img:
        palette = img.getpalette() if img.mode == "P" else None
        array = np.array(img if img.mode in ("P", "L", "I;16", "I") else img.convert("L"))
    return array, palette


def encode_label_image(mask: np.ndarray, palette: list | None) -> bytes:
    """PNG bytes of a label array (a palette PNG when `palette` is given)."""
    import io

    from PIL import Image as PILImage

    array = np.asarray(mask)
    if array.ndim == 3:
        array = array[:, :, 0]
    if palette is not None:
        img = PILImage.fromarray(array.astype(np.uint8), "P")
        img.putpalette(palette)
    elif array.dtype == np.uint8 or array.max(initial=0) < 256:
        img = PILImage.fromarray(array.astype(np.uint8), "L")
    else:
        img = PILImage.fromarray(array.astype(np.uint16))
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def read_label_bytes(data: bytes) -> np.ndarray:
    """A label PNG's integer array from its bytes (palette indices for palette PNGs)."""
    import io

    from PIL import Image as PILImage

    with PILImage.open(io.BytesIO(data)) as img:
        return np.array(img if img.mode in ("P", "L", "I;16", "I") else img.convert("L"))


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
    x0, y0, x1, y1 = box
    new = dict(obj)
    if obj.get("polygons"):
        return _retraced(new, box, width, height, inside=True)
    elif obj.get("rle"):
        return _rle_kept(new, box, inside=True)
    else:
        b = obj["bbox"]
        clipped = [max(b[0], x0), max(b[1], y0), min(b[2], x1), min(b[3], y1)]
        if _box_area(clipped) <= 0:
            return None
        new["bbox"] = clipped
    if obj.get("keypoints"):
        new["keypoints"] = [k if k[2] and x0 <= k[0] < x1 and y0 <= k[1] < y1 else
                            [0.0, 0.0, 0] for k in obj["keypoints"]]
    return new


def subtract_box(obj: dict, box: list[float], width: int, height: int) -> dict | None:
    """The part of an object outside `box` (what stays visible when the box is pasted over
    it): its pixels outside the box traced again (as `clip_object`), or without a polygon or
    mask the tight box of what the box leaves of its box; keypoints under the box made
    invisible; None when nothing stays visible."""
    x0, y0, x1, y1 = box
    new = dict(obj)
    if obj.get("polygons"):
        return _retraced(new, box, width, height, inside=False)
    elif obj.get("rle"):
        return _rle_kept(new, box, inside=False)
    else:
        rest = box_minus_box(obj["bbox"], box)
        if rest is None:
            return None
        new["bbox"] = rest
    if obj.get("keypoints"):
        new["keypoints"] = [[0.0, 0.0, 0] if x0 <= k[0] < x1 and y0 <= k[1] < y1 else k
                            for k in obj["keypoints"]]
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


def _clip_rect(points: np.ndarray, rect) -> np.ndarray:
    """Sutherland-Hodgman against an axis-aligned rectangle (x0, y0, x1, y1)."""
    x0, y0, x1, y1 = rect
    poly = [tuple(p) for p in points]
    for axis, bound, keep_below in ((0, x0, False), (0, x1, True), (1, y0, False),
                                    (1, y1, True)):
        if not poly:
            break
        poly = _clip_edge(poly, axis, bound, keep_below)
    return np.asarray(poly, np.float64).reshape(-1, 2)
