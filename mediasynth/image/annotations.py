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
