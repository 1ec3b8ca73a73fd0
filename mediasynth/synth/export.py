"""Annotation exports: COCO JSON, YOLO txt, instance-mask PNGs, tone CSV/JSON."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path, PurePosixPath

from mediasynth.io.atomic import write_bytes_atomic


def yolo_lines(objects: list[dict], classes: list[str], width: int, height: int) -> str:
    """One 'class cx cy w h' line per object, normalized to [0, 1]."""
    lines = []
    for obj in objects:
        x0, y0, x1, y1 = obj["box"]
        lines.append(f"{classes.index(obj['class'])} {(x0 + x1) / 2 / width:.6f} "
                     f"{(y0 + y1) / 2 / height:.6f} {(x1 - x0) / width:.6f} "
                     f"{(y1 - y0) / height:.6f}")
    return "\n".join(lines) + ("\n" if lines else "")


def coco_document(items: list[dict], classes: list[str], supercategory: str = "shape") -> dict:
    """COCO detection/segmentation JSON from per-image entries
    {file_name, width, height, objects: [{class, box, area, polygons | rle}]}: an object's
    segmentation is its polygon list, or its compressed RLE when it has a hole (still
    iscrowd 0)."""
    images, annotations = [], []
    for image_id, item in enumerate(items, start=1):
        images.append({"id": image_id, "file_name": item["file_name"], "width": item["width"],
                       "height": item["height"]})
        for obj in item["objects"]:
            x0, y0, x1, y1 = obj["box"]
            annotations.append({
                "id": len(annotations) + 1, "image_id": image_id,
                "category_id": classes.index(obj["class"]) + 1,
                "bbox": [x0, y0, x1 - x0, y1 - y0], "area": obj["area"],
                "segmentation": _segmentation(obj), "iscrowd": 0,
            })
    categories = [{"id": i + 1, "name": c, "supercategory": supercategory}
                  for i, c in enumerate(classes)]
    return {"images": images, "annotations": annotations, "categories": categories}


def _segmentation(obj: dict) -> list | dict:
    """COCO segmentation of an annotated object: its "polygons", else its "rle"."""
    return obj["polygons"] if "polygons" in obj else obj["rle"]


def instance_side_files(rel: str, split: str | None) -> tuple[str, str]:
    """(instance mask PNG, YOLO label) of the image item at `rel` (relative to OUT)."""
    stem, split_dir = PurePosixPath(rel).stem, split or "all"
    return (f"annotations/masks/{split_dir}/{stem}.png", f"annotations/yolo/{split_dir}/{stem}.txt")


def write_instance_side_files(item, out: Path, rel: str, split: str | None,
                              classes: list[str]) -> dict:
    """Write `instance_side_files(rel, split)` of an image item whose media carries its
    instance-id mask (0 = background; 8-bit PNG up to 255 instances, else 16-bit) and whose
    annotations list its objects; return the row's info fields."""
    from mediasynth.core.media import Image
    from mediasynth.io.image_io import encode_image

    mask_rel, yolo_rel = instance_side_files(rel, split)
    image = item.media
    mask = image.mask.astype("uint8") if image.mask.max() < 256 else image.mask
    write_bytes_atomic(out / mask_rel, encode_image(Image(mask[:, :, None]), "png"))
    text = yolo_lines(item.annotations["objects"], classes, image.width, image.height)
    write_bytes_atomic(out / yolo_rel, text.encode())
    return {"mask": mask_rel, "yolo": yolo_rel, "width": image.width, "height": image.height}


def write_coco_split(folder: Path, split: str, rows: list[dict], classes: list[str],
                     supercategory: str = "shape") -> None:
    """<split>.coco.json of the manifest rows of one split (their info's labels)."""
    entries = [{"file_name": r["output"], "width": r["info"]["width"],
                "height": r["info"]["height"], "objects": r["info"]["labels"]["objects"]}
               for r in rows]
    write_json(folder / f"{split}.coco.json", coco_document(entries, classes, supercategory))


def write_json(path: Path, data) -> None:
    write_bytes_atomic(path, (json.dumps(data, indent=1, sort_keys=True) + "\n").encode())


def write_tone_tables(folder: Path, split: str, rows: list[dict]) -> None:
    """<split>.json (full labels) and <split>.csv (file, class, f0, onset, offset)."""
    write_json(folder / f"{split}.json", rows)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["file", "class", "f0_hz", "onset_s", "offset_s", "duration_s"])
    for r in rows:
        labels = r["labels"]
        w.writerow([r["file_name"], labels["signal"], labels.get("f0_hz", ""),
                    round(labels["onset_s"], 6), round(labels["offset_s"], 6),
                    round(labels["duration_s"], 6)])
    write_bytes_atomic(folder / f"{split}.csv", buf.getvalue().encode())
