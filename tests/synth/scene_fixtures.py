"""Real assets for the scene generator's tests: object instances with real masks on real
photos (coins: Otsu regions; chelsea and rocket: Felzenszwalb segments), written as a COCO
set (RLE and polygons), a YOLO-seg set, image + mask pairs and RGBA cut-outs; background
photos (quarters of other photos, one with a non-ASCII name)."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
from PIL import Image

from tests.photos import quarters, real_photos

SEGMENT_PHOTOS = ("chelsea", "astronaut", "rocket")
BACKGROUND_PHOTOS = ("china", "flower", "motorcycle_left", "camera", "moon", "clock_motion")


@functools.lru_cache(maxsize=1)
def instances() -> tuple[tuple[str, np.ndarray, tuple[tuple[str, np.ndarray], ...]], ...]:
    """(file stem, RGB pixels, ((class, mask), ...)) per object image: the left and right
    halves of the coins photo (class "coin", the coins wholly inside the half) and the
    segment photos whole (class "segment")."""
    photos = real_photos()
    out = []
    rgb = np.asarray(photos["coins"].convert("RGB"))
    masks = _coin_masks(rgb)
    w = rgb.shape[1]
    for side, (x0, x1) in (("left", (0, w // 2)), ("right", (w // 2, w))):
        kept = tuple(("coin", np.ascontiguousarray(m[:, x0:x1])) for m in masks
                     if m[:, x0:x1].sum() == m.sum() and not _touches_border(m[:, x0:x1]))
        out.append((f"coins_{side}", np.ascontiguousarray(rgb[:, x0:x1]), kept))
    for name in SEGMENT_PHOTOS:
        rgb = np.asarray(photos[name].convert("RGB"))
        out.append((name, rgb, tuple(("segment", m) for m in _segment_masks(rgb))))
    return tuple(out)


def _touches_border(mask: np.ndarray) -> bool:
    return bool(mask[0].any() or mask[-1].any() or mask[:, 0].any() or mask[:, -1].any())


def _coin_masks(rgb: np.ndarray) -> list[np.ndarray]:
    import cv2

    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    _, binary = cv2.threshold(gray, 0, 255, cv2.THRESH_BINARY + cv2.THRESH_OTSU)
    binary = cv2.morphologyEx(binary, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    count, labels, stats, _ = cv2.connectedComponentsWithStats(binary)
    return [labels == i for i in range(1, count) if 800 <= stats[i, 4] <= 5000]


def _segment_masks(rgb: np.ndarray) -> list[np.ndarray]:
    """The 6 largest Felzenszwalb segments (of a half-size copy, scaled back) that are not
    the whole background, each its largest connected part."""
    import cv2
    from skimage.segmentation import felzenszwalb

    small = cv2.resize(rgb, (rgb.shape[1] // 2, rgb.shape[0] // 2), interpolation=cv2.INTER_AREA)
    seg = felzenszwalb(small, scale=300, sigma=0.8, min_size=150)
    seg = cv2.resize(seg.astype(np.int32), (rgb.shape[1], rgb.shape[0]),
                     interpolation=cv2.INTER_NEAREST)
    ids, counts = np.unique(seg, return_counts=True)
    out = []
    for i in ids[np.argsort(-counts)]:
        region = (seg == i).astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(region)
        biggest = 1 + int(np.argmax(stats[1:, 4]))
        part = labels == biggest
        if 1500 <= part.sum() <= rgb.shape[0] * rgb.shape[1] // 5:
            out.append(part)
        if len(out) == 6:
            break
    return out


def write_coco(root: Path) -> Path:
    """OBJ as COCO: images/<stem>.png and annotations/instances.json; coins as compressed
    RLE, segments as polygons (their outer contour, so the object is what the polygon
    covers)."""
    import cv2
    from pycocotools import mask as mask_utils

    (root / "images").mkdir(parents=True, exist_ok=True)
    (root / "annotations").mkdir(exist_ok=True)
    classes = sorted({c for _, _, objs in instances() for c, _ in objs})
    images, annotations = [], []
    for image_id, (stem, rgb, objs) in enumerate(instances(), start=1):
        Image.fromarray(rgb).save(root / "images" / f"{stem}.png")
        images.append({"id": image_id, "file_name": f"{stem}.png", "width": rgb.shape[1],
                       "height": rgb.shape[0]})
        for cls, mask in objs:
            ys, xs = np.nonzero(mask)
            box = [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1),
                   float(ys.max() - ys.min() + 1)]
            if cls == "coin":
                rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
                segmentation = {"size": rle["size"], "counts": rle["counts"].decode()}
            else:
                contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                               cv2.CHAIN_APPROX_SIMPLE)
                biggest = max(contours, key=cv2.contourArea).reshape(-1, 2) + 0.5
                segmentation = [biggest.ravel().tolist()]
            annotations.append({"id": len(annotations) + 1, "image_id": image_id,
                                "category_id": classes.index(cls) + 1, "bbox": box,
                                "area": float(mask.sum()), "segmentation": segmentation,
                                "iscrowd": 0})
    doc = {"images": images, "annotations": annotations,
           "categories": [{"id": i + 1, "name": c} for i, c in enumerate(classes)]}
    (root / "annotations" / "instances.json").write_text(json.dumps(doc))
    return root


def write_yolo_seg(root: Path) -> Path:
    """OBJ as YOLO-seg: images/train/*.png, labels/train/*.txt, data.yaml."""
    import cv2

    classes = sorted({c for _, _, objs in instances() for c, _ in objs})
    for sub in ("images/train", "labels/train"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for stem, rgb, objs in instances():
        Image.fromarray(rgb).save(root / "images" / "train" / f"{stem}.png")
        h, w = rgb.shape[:2]
        lines = []
        for cls, mask in objs:
            contours, _ = cv2.findContours(mask.astype(np.uint8), cv2.RETR_EXTERNAL,
                                           cv2.CHAIN_APPROX_SIMPLE)
            pts = (max(contours, key=cv2.contourArea).reshape(-1, 2) + 0.5) / (w, h)
            lines.append(" ".join([str(classes.index(cls))] + [f"{v:.6f}" for v in pts.ravel()]))
        (root / "labels" / "train" / f"{stem}.txt").write_text("\n".join(lines) + "\n")
    names = "\n".join(f"  {i}: {c}" for i, c in enumerate(classes))
    (root / "data.yaml").write_text(f"path: .\ntrain: images/train\nnames:\n{names}\n")
    return root


def write_mask_pairs(root: Path) -> Path:
    """OBJ as image + mask pairs: images/*.png and masks/*.png (label 1 = coin, 2 = the
    segments)."""
    for sub in ("images", "masks"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    for stem, rgb, objs in instances():
        labels = np.zeros(rgb.shape[:2], np.uint8)
        for cls, mask in objs:
            labels[mask] = 1 if cls == "coin" else 2  # segments do not overlap
        Image.fromarray(rgb).save(root / "images" / f"{stem}.png")
        Image.fromarray(labels).save(root / "masks" / f"{stem}.png")
    return root


def write_cutouts(root: Path) -> Path:
    """OBJ as RGBA cut-outs: <class>/<stem>_<k>.png, alpha 255 on the object."""
    for stem, rgb, objs in instances():
        for k, (cls, mask) in enumerate(objs):
            ys, xs = np.nonzero(mask)
            window = (slice(ys.min(), ys.max() + 1), slice(xs.min(), xs.max() + 1))
            rgba = np.dstack([rgb[window], mask[window].astype(np.uint8) * 255])
            (root / cls).mkdir(parents=True, exist_ok=True)
            Image.fromarray(rgba, "RGBA").save(root / cls / f"{stem}_{k}.png")
    return root


def write_backgrounds(root: Path) -> Path:
    """BG: the quarters of six photos, flat (one name non-ASCII)."""
    root.mkdir(parents=True, exist_ok=True)
    photos = real_photos()
    for name in BACKGROUND_PHOTOS:
        for q, part in enumerate(quarters(photos[name].convert("RGB"))):
            stem = f"{name}_{q}" if (name, q) != ("china", 0) else "café_0"
            part.save(root / f"{stem}.jpg", quality=92)
    return root
