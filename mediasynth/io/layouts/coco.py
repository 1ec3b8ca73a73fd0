"""COCO instances JSON (boxes, polygons, RLE, keypoints, iscrowd), in the layouts the COCO
release, CVAT/Datumaro ("COCO 1.0"), Roboflow and mediasynth's own synth use:

    annotations/instances_<subset>.json  + images/<subset>/... | images/... | <subset>/...
    <subset>/_annotations.coco.json      (images beside it)
    annotations/<split>.coco.json         (file_name relative to SRC)
    labels.json + data/...                (FiftyOne's COCODetectionDataset; <split>/ each)
    result.json + images/...              (Label Studio's COCO export)

A file is COCO when parsing it finds an `"images"` list among its top-level keys, in any key
order and at any size (see json_keys.py); no byte window is guessed from.

Out: `annotations/instances_<split>.json` with images in `images/<split>/` (outputs of a
VOC or Darknet source hard-linked there, file_name relative to that folder). Image and
annotation fields mediasynth does not use are passed through; ids are renumbered; the
source's `info` and `licenses` are kept (a minimal `info` when it had none); box-only
objects have no `segmentation` key.

Datumaro's `coco` export writes one file per task beside the instances
(`image_info_<subset>.json`, `stuff_<subset>.json`, `captions_`, `labels_`, `panoptic_`):
they are part of the layout, and a subset's objects come from its instances (or
person_keypoints) file. A subset with only such files (the COCO release's
`image_info_test2017.json`) gives its images without objects.
"""

from __future__ import annotations

import json
from pathlib import Path

from mediasynth.core.errors import ConfigError
from mediasynth.io.atomic import write_bytes_atomic
from mediasynth.io.layouts.base import (
    LayoutRead,
    name_below,
    normal_subset,
    polygon_area,
    rel,
    stratum,
)
from mediasynth.io.layouts.contract import LayoutBase
from mediasynth.io.layouts.json_keys import top_level_keys
from mediasynth.io.layouts.media_links import place, split_images_path

OBJECT_FIELDS = {"id", "image_id", "category_id", "bbox", "segmentation", "area", "iscrowd",
                 "keypoints", "num_keypoints"}
IMAGE_FIELDS = {"id", "file_name", "width", "height"}


def is_coco(path: Path) -> bool:
    """Whether `path` is a JSON object with an `"images"` list at its top."""
    keys = top_level_keys(path, stop_at={"images"})
    return bool(keys) and keys.get("images") == "["


def looks_like_coco(path: Path) -> bool:
    """Whether `path` is a JSON object with COCO's `images` or `annotations` at its top."""
    keys = top_level_keys(path, stop_at={"images", "annotations"})
    return bool(keys) and "[" in (keys.get("images"), keys.get("annotations"))


def _candidates(src: Path) -> list[Path]:
    found = []
    for pattern in ("*.json", "annotations/*.json", "*/*.json", "*/annotations/*.json"):
        found += sorted(src.glob(pattern))
    return [path for path in dict.fromkeys(found) if is_coco(path)]


OBJECT_TASKS = ("instances_", "person_keypoints_")
OTHER_TASKS = ("image_info_", "stuff_", "captions_", "labels_", "panoptic_")


def task_of(path: Path) -> str:
    """The COCO task a file's name gives ("instances" for unprefixed files)."""
    prefix = next((p for p in OBJECT_TASKS + OTHER_TASKS if path.name.startswith(p)), "")
    return prefix.rstrip("_") or "instances"


GENERIC_STEMS = {"labels", "result", "annotations", "instances", "coco"}


def subset_of(path: Path, src: Path | None = None) -> str | None:
    """The subset a COCO file's name (or its folder's, for a generic name such as FiftyOne's
    `labels.json`) declares, as written; None when neither declares one."""
    stem = path.name.removesuffix(".json").removesuffix(".coco")
    for prefix in (*OBJECT_TASKS, *OTHER_TASKS, "_annotations"):
        stem = stem.removeprefix(prefix)
    if stem and stem not in GENERIC_STEMS:
        return stem
    folder = path.parent
    if folder.name == "annotations":
        folder = folder.parent
    if src is not None and folder.resolve() == Path(src).resolve():
        return None
    return folder.name or None


def _documents(paths: list[Path]) -> list[tuple[Path, bool]]:
    """(file, read its objects) in reading order: object files first; another task's file
    only for a subset no object file covers (stuff regions then count as objects; image
    info, captions, image labels and panoptic segments give images only)."""
    objects = {t.rstrip("_") for t in OBJECT_TASKS}
    first = [p for p in paths if task_of(p) in objects]
    covered = {(p.parent, subset_of(p)) for p in first}
    rest = [(p, task_of(p) == "stuff") for p in paths
            if task_of(p) not in objects and (p.parent, subset_of(p)) not in covered]
    return [(p, True) for p in first] + rest


class CocoLayout(LayoutBase):
    name = "coco"

    def detect(self, src: Path) -> list[str]:
        return [rel(p, src) for p in _candidates(src)]

    def media_folder(self, split: str | None, meta: dict) -> str:
        return f"images/{split or 'default'}"

    def read(self, src: Path) -> LayoutRead:
        result = LayoutRead(meta={"categories": {}, "format": "coco"})
        candidates = _candidates(src)
        result.consumed |= {rel(p, src) for p in candidates}
        for path, with_objects in _documents(candidates):
            try:
                doc = json.loads(path.read_text(encoding="utf-8-sig"))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"{path}: not a readable COCO JSON ({exc})") from None
            for key in ("info", "licenses"):
                if key in doc:
                    result.meta.setdefault(key, doc[key])
            self._read_document(src, path, doc, result, with_objects)
        return result

    def _read_document(self, src: Path, path: Path, doc: dict, result: LayoutRead,
                       with_objects: bool = True) -> None:
        categories = {c["id"]: c for c in doc.get("categories", [])}
        if with_objects:
            for c in categories.values():
                result.meta["categories"].setdefault(c["name"], c)
        by_image: dict = {}
        for ann in doc.get("annotations", []) if with_objects else ():
            by_image.setdefault(ann.get("image_id"), []).append(ann)
        subset = subset_of(path, src)
        box_segmentations = {"segmentation" in a for a in doc.get("annotations", [])
                             if with_objects and not a.get("segmentation")}
        if box_segmentations:  # whether box-only objects came with "segmentation": []
            result.meta["box_segmentation"] = result.meta.get(
                "box_segmentation", False) or True in box_segmentations
        for image in doc.get("images", []):
            media = _find_image(src, path, subset, image["file_name"])
            if media is None:
                result.missing.append(image["file_name"])
                continue
            key = rel(media, src)
            if key in result.items:
                continue
            objects = [_object(a, categories, image) for a in by_image.get(image["id"], [])]
            annotation = {"width": image.get("width"), "height": image.get("height"),
                          "objects": objects,
                          "extra": {k: v for k, v in image.items() if k not in IMAGE_FIELDS}}
            result.items[key] = {"label": stratum(annotation), "annotation": annotation,
                                 "name": name_below(key, rel(media.parent, src)),
                                 "subset": normal_subset(subset)}

    def export(self, out: Path, splits: dict[str, list[dict]], meta: dict, *,
               primary: bool) -> list[str]:
        written = []
        categories = _categories(meta, splits)
        for split, entries in sorted(splits.items()):
            folder = self.media_folder(split if split != "default" else None, meta)
            placed = []
            for entry in entries:  # outputs of another layout's folder: linked where
                image = split_images_path(entry["file"], split)  # COCO readers look
                if image != entry["file"]:
                    written.append(place(out, entry["file"], image))
                placed.append({**entry, "file": image})
            doc = {**document_header(meta), **coco_document(placed, categories, folder)}
            if meta.get("box_segmentation"):  # the source wrote "segmentation": [] for boxes
                for ann in doc["annotations"]:
                    ann.setdefault("segmentation", [])
            dest = f"annotations/instances_{split}.json"
            write_bytes_atomic(out / dest, (json.dumps(doc, separators=(",", ":"))
                                            + "\n").encode())
            written.append(dest)
        return written


def document_header(meta: dict) -> dict:
    """`info` and `licenses` of the source (LayoutRead.meta) when it had them, else a
    minimal `info` and no licenses: some readers copy `info` and fail without it."""
    info = meta.get("info") if isinstance(meta.get("info"), dict) else {
        "description": "written by mediasynth"}
    licenses = meta.get("licenses") if isinstance(meta.get("licenses"), list) else []
    return {"info": info, "licenses": licenses}


def _find_image(src: Path, json_path: Path, subset: str, file_name: str) -> Path | None:
    base = json_path.parent.parent if json_path.parent.name == "annotations" else \
        json_path.parent
    by_subset = (base / "images" / subset, base / subset) if subset else ()
    for folder in (*by_subset[:1], base / "images", *by_subset[1:], base, base / "data",
                   json_path.parent, src, src / "images"):
        candidate = folder / file_name
        if candidate.is_file():
            return candidate
    return None


def _object(ann: dict, categories: dict, image: dict) -> dict:
    x, y, w, h = (float(v) for v in ann.get("bbox", [0, 0, 0, 0]))
    category = categories.get(ann.get("category_id"), {}).get("name", str(ann.get("category_id")))
    obj = {"category": category, "bbox": [x, y, x + w, y + h],
           "iscrowd": int(ann.get("iscrowd", 0)),
           "extra": {k: v for k, v in ann.items() if k not in OBJECT_FIELDS}}
    seg = ann.get("segmentation")
    if isinstance(seg, list) and seg:
        obj["polygons"] = [list(map(float, p)) for p in seg if len(p) >= 6]
    elif isinstance(seg, dict) and "counts" in seg:
        obj["rle"] = compressed_rle(seg, image.get("height"), image.get("width"))
    kp = ann.get("keypoints")
    if kp:
        obj["keypoints"] = [list(map(float, kp[i:i + 3])) for i in range(0, len(kp), 3)]
    return obj


def compressed_rle(seg: dict, height, width) -> dict:
    """A COCO RLE in its compressed form (pycocotools converts uncompressed counts)."""
    from pycocotools import mask as mask_utils

    size = seg.get("size") or [height, width]
    if isinstance(seg["counts"], list):
        rle = mask_utils.frPyObjects({"size": list(size), "counts": seg["counts"]}, *size)
        return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode()}
    counts = seg["counts"]
    return {"size": [int(v) for v in size],
            "counts": counts.decode() if isinstance(counts, bytes) else counts}


def _categories(meta: dict, splits: dict[str, list[dict]]) -> list[dict]:
    """The source's categories (ids and fields kept), then any new names."""
    known = dict(meta.get("categories") or {})
    cats = sorted(known.values(), key=lambda c: c.get("id", 0))
    next_id = max([c.get("id", 0) for c in cats] + [0]) + 1
    for entries in splits.values():
        for entry in entries:
            for obj in entry["annotation"].get("objects", []):
                if obj["category"] not in known:
                    known[obj["category"]] = {"id": next_id, "name": obj["category"]}
                    cats.append(known[obj["category"]])
                    next_id += 1
    return cats


def coco_document(entries: list[dict], categories: list[dict], media_folder: str) -> dict:
    """COCO JSON of entries {"file": path relative to OUT, "annotation": {...}};
    file_name is relative to `media_folder` for files inside it, else to OUT."""
    ids = {c["name"]: c["id"] for c in categories}
    images, annotations = [], []
    for image_id, entry in enumerate(entries, start=1):
        ann = entry["annotation"]
        images.append({**ann.get("extra", {}), "id": image_id,
                       "file_name": name_below(entry["file"], media_folder),
                       "width": ann["width"], "height": ann["height"]})
        for obj in ann.get("objects", []):
            annotations.append(_coco_object(obj, len(annotations) + 1, image_id, ids))
    return {"images": images, "annotations": annotations, "categories": categories}


def _coco_object(obj: dict, ann_id: int, image_id: int, ids: dict) -> dict:
    x0, y0, x1, y1 = obj["bbox"]
    out = {**obj.get("extra", {}), "id": ann_id, "image_id": image_id,
           "category_id": ids[obj["category"]], "bbox": [x0, y0, x1 - x0, y1 - y0],
           "iscrowd": obj.get("iscrowd", 0)}
    if obj.get("polygons"):
        out["segmentation"] = obj["polygons"]
        out["area"] = obj["area"] if "area" in obj else _polygons_area(obj["polygons"])
    elif obj.get("rle"):
        from pycocotools import mask as mask_utils

        out["segmentation"] = obj["rle"]
        out["area"] = float(mask_utils.area({"size": obj["rle"]["size"],
                                             "counts": obj["rle"]["counts"].encode()}))
    else:  # a box-only object has no segmentation (an empty list would claim one)
        out["area"] = (x1 - x0) * (y1 - y0)
    if obj.get("keypoints"):
        out["keypoints"] = [v for kp in obj["keypoints"] for v in kp]
        out["num_keypoints"] = sum(1 for kp in obj["keypoints"] if kp[2] > 0)
    return out


def _polygons_area(polygons: list[list[float]]) -> float:
    import numpy as np

    return float(sum(abs(polygon_area(np.asarray(p).reshape(-1, 2))) for p in polygons))


LAYOUT = CocoLayout()
