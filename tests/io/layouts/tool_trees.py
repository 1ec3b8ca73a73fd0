"""Annotated trees as annotation tools write them (FiftyOne, Label Studio, labelImg), at
realistic sizes: hundreds of tiny images, grayscale next to RGB, PNG next to JPEG.

Layouts follow the tools' exporters: FiftyOne's fiftyone/utils/{coco,yolo,voc}.py
(`data/` + `labels.json` | `labels/*.xml` | `obj.names` + `images.txt` + `data/*.txt`,
`dataset.yaml` + `images/<split>/` + `labels/<split>/`), Label Studio's
label_studio_converter/converter.py (`result.json` + `images/`, `images/` + `labels/` +
`classes.txt` + `notes.json`, `Annotations/` + `images/`), labelImg (`classes.txt` and a .txt
beside each image).
"""

from __future__ import annotations

import json
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
from PIL import Image

W, H = 32, 24
CLASSES = ["person", "bicycle", "car", "dog", "cat"]


def image_name(i: int) -> str:
    return f"img_{i:04d}.{'png' if i % 4 == 0 else 'jpg'}"


def write_image(path: Path, i: int) -> tuple[int, int]:
    """A 32x24 image, grayscale for every third index; (width, height)."""
    rng = np.random.default_rng(i)
    path.parent.mkdir(parents=True, exist_ok=True)
    if i % 3 == 0:
        Image.fromarray(rng.integers(0, 255, (H, W), dtype=np.uint8), "L").save(path)
    else:
        Image.fromarray(rng.integers(0, 255, (H, W, 3), dtype=np.uint8)).save(path)
    return W, H


def boxes(i: int) -> list[tuple[int, float, float, float, float]]:
    """1-3 objects (class index, x0, y0, x1, y1 in pixels) for image `i`."""
    rng = np.random.default_rng(1000 + i)
    out = []
    for _ in range(1 + i % 3):
        x0, y0 = float(rng.integers(0, W // 2)), float(rng.integers(0, H // 2))
        w, h = float(rng.integers(4, W // 2)), float(rng.integers(4, H // 2))
        out.append((int(rng.integers(0, len(CLASSES))), x0, y0, x0 + w, y0 + h))
    return out


def coco_doc(count: int, file_name, *, first_id: int = 1) -> dict:
    """A COCO document for `count` images, box-only objects without "segmentation" (as
    FiftyOne writes them), info and licenses."""
    images, annotations = [], []
    for i in range(count):
        images.append({"id": i + first_id, "file_name": file_name(i), "width": W, "height": H,
                       "license": 1})
        for cls, x0, y0, x1, y1 in boxes(i):
            annotations.append({"id": len(annotations) + 1, "image_id": i + first_id,
                                "category_id": cls + 1, "bbox": [x0, y0, x1 - x0, y1 - y0],
                                "area": (x1 - x0) * (y1 - y0), "iscrowd": 0})
    return {"info": {"year": 2026, "version": "1.0", "description": "tool tree",
                     "contributor": "tests", "url": "", "date_created": "2026-01-01"},
            "licenses": [{"id": 1, "name": "CC-BY-4.0", "url": "https://example.org/l"}],
            "categories": [{"id": k + 1, "name": n, "supercategory": "thing"}
                           for k, n in enumerate(CLASSES)],
            "images": images, "annotations": annotations}


def fiftyone_coco(root: Path, count: int, *, sort_keys: bool = False) -> dict:
    """FiftyOne's COCODetectionDataset: data/<name> + labels.json."""
    for i in range(count):
        write_image(root / "data" / image_name(i), i)
    doc = coco_doc(count, image_name)
    (root / "labels.json").write_text(json.dumps(doc, sort_keys=sort_keys))
    return doc


def label_studio_coco(root: Path, count: int) -> dict:
    """Label Studio's COCO export: result.json (indent 2) + images/, file_name "images/x"."""
    for i in range(count):
        write_image(root / "images" / image_name(i), i)
    doc = coco_doc(count, lambda i: f"images/{image_name(i)}", first_id=0)
    doc.pop("licenses")
    for ann in doc["annotations"]:
        ann["ignore"] = 0
    (root / "result.json").write_text(json.dumps(
        {k: doc[k] for k in ("images", "categories", "annotations", "info")}, indent=2))
    return doc


def yolo_line(cls: int, box) -> str:
    x0, y0, x1, y1 = box
    return (f"{cls} {(x0 + x1) / 2 / W:.6f} {(y0 + y1) / 2 / H:.6f} {(x1 - x0) / W:.6f} "
            f"{(y1 - y0) / H:.6f}\n")


def fiftyone_yolov4(root: Path, count: int) -> None:
    """FiftyOne's YOLOv4Dataset: obj.names, images.txt (data/<name> lines), data/ holding
    each image and its .txt."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "obj.names").write_text("".join(n + "\n" for n in CLASSES))
    lines = []
    for i in range(count):
        write_image(root / "data" / image_name(i), i)
        (root / "data" / image_name(i)).with_suffix(".txt").write_text(
            "".join(yolo_line(c, b) for c, *b in boxes(i)))
        lines.append(f"data/{image_name(i)}\n")
    (root / "images.txt").write_text("".join(lines))


def label_studio_yolo(root: Path, count: int, ids: dict[str, int]) -> None:
    """Label Studio's YOLO export: images/, labels/, classes.txt and notes.json with the
    categories' ids (`ids`: name -> id, which need not be 0..N-1 in CLASSES order)."""
    root.mkdir(parents=True, exist_ok=True)
    by_id = sorted(ids.items(), key=lambda kv: kv[1])
    (root / "classes.txt").write_text("".join(n + "\n" for n, _ in by_id))
    (root / "notes.json").write_text(json.dumps({
        "categories": [{"id": k, "name": n} for n, k in by_id],
        "info": {"year": 2026, "version": "1.0", "contributor": "Label Studio"}}, indent=2))
    for i in range(count):
        write_image(root / "images" / image_name(i), i)
        label = (root / "labels" / image_name(i)).with_suffix(".txt")
        label.parent.mkdir(parents=True, exist_ok=True)
        label.write_text("".join(yolo_line(ids[CLASSES[c]], b) for c, *b in boxes(i)))


def voc_xml(name: str, folder: str, i: int) -> str:
    objects = "".join(
        f"<object><name>{escape(CLASSES[c])}</name><pose>Unspecified</pose>"
        f"<truncated>0</truncated><difficult>0</difficult><bndbox><xmin>{int(x0) + 1}</xmin>"
        f"<ymin>{int(y0) + 1}</ymin><xmax>{int(x1)}</xmax><ymax>{int(y1)}</ymax></bndbox>"
        "</object>" for c, x0, y0, x1, y1 in boxes(i))
    depth = 1 if i % 3 == 0 else 3
    return (f"<annotation><folder>{folder}</folder><filename>{escape(name)}</filename>"
            f"<size><width>{W}</width><height>{H}</height><depth>{depth}</depth></size>"
            f"<segmented>0</segmented>{objects}</annotation>\n")


def fiftyone_voc(root: Path, count: int) -> None:
    """FiftyOne's VOCDetectionDataset: data/<name> + labels/<stem>.xml."""
    (root / "labels").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        write_image(root / "data" / image_name(i), i)
        (root / "labels" / f"{Path(image_name(i)).stem}.xml").write_text(
            voc_xml(image_name(i), "data", i))


def label_studio_voc(root: Path, count: int) -> None:
    """Label Studio's VOC export: images/<name> + Annotations/<stem>.xml."""
    (root / "Annotations").mkdir(parents=True, exist_ok=True)
    for i in range(count):
        write_image(root / "images" / image_name(i), i)
        (root / "Annotations" / f"{Path(image_name(i)).stem}.xml").write_text(
            voc_xml(image_name(i), "images", i))


def objects_in(count: int) -> int:
    return sum(len(boxes(i)) for i in range(count))
