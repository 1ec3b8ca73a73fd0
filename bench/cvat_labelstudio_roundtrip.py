"""CVAT XML and Label Studio JSON outputs checked by the tools' own readers.

    TOOLS_PYTHON=/path/to/python python bench/cvat_labelstudio_roundtrip.py [--work DIR]

TOOLS_PYTHON names a Python with `datumaro`, `label-studio-converter` and `mlcroissant`
installed (default
/work/.bench-venvs/cvat-ls-card/bin/python); they never go into mediasynth's environment,
so everything they do runs in that Python, in a child. Without one the bench says so and
exits 0.

1. A CVAT for images 1.1 export written by Datumaro itself (100 images: boxes with
   attributes and z_order, polygons, points, polylines, masks), the test tree of
   tests/io/layouts/test_cvat.py (also rotated boxes and tags) and that of
   test_labelstudio.py (rectangles, polygons, keypoints, brush masks, choices, audio
   segments) are expanded with a geometric pipeline (and a time stretch for audio).
2. Datumaro's `cvat` importer reads the CVAT OUT: per image, the count of each shape type,
   every box within 1 px of the manifest's, every attribute and z_order, every mask's
   pixels equal to the manifest's RLE.
3. label-studio-converter's own brush decoder (`brush.decode_rle`) decodes every brush
   result of the Label Studio OUT to the manifest's mask (and its encoder `mask2rle` gives
   the same bytes), and its COCO converter
   (`Converter.convert_to_coco`) turns the OUT's image tasks into as many boxes and
   polygons as the manifest holds.
4. Boxes on real photos (tests/io/layouts/photo_objects.py: coloured objects on crops of
   scikit-learn's photos, a CVAT and a Label Studio export, a geometric expand) read back
   by Datumaro's cvat importer and by label-studio-converter's COCO converter lie within
   1.5 px of the objects re-detected in the output pixels (boxes cut by the frame cover
   their object).
5. `mlcroissant` loads both OUTs' croissant.json (Croissant 1.0 validation).
Prints one JSON line per check and exits 1 when one fails.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PYTHON = "/work/.bench-venvs/cvat-ls-card/bin/python"

HELPER = r'''
import json, os, sys, warnings
warnings.filterwarnings("ignore")
import logging
logging.disable(logging.WARNING)
import numpy as np


def datumaro_dump(path):
    import datumaro as dm
    ds = dm.Dataset.import_from(path, "cvat")
    labels = ds.categories()[dm.AnnotationType.label]
    items = {}
    for item in ds:
        objects = []
        for a in item.annotations:
            entry = {"type": a.type.name, "label": labels[a.label].name
                     if a.label is not None else None,
                     "attributes": {k: str(v) for k, v in a.attributes.items()
                                    if k not in ("occluded", "keyframe", "outside",
                                                 "rotation", "track_id")},
                     "z_order": getattr(a, "z_order", None)}
            if a.type == dm.AnnotationType.bbox:
                entry["box"] = list(a.get_bbox())
            if a.type == dm.AnnotationType.mask:
                entry["pixels"] = int(a.image.sum())
                ys, xs = np.nonzero(a.image)
                entry["box"] = [int(xs.min()), int(ys.min()), int(xs.max()) + 1,
                                int(ys.max()) + 1]
            objects.append(entry)
        items[os.path.basename(item.media.path) if item.media else item.id] = objects
    print(json.dumps(items))


def brush_and_coco(json_path, out_dir):
    from label_studio_converter import brush
    from label_studio_converter.converter import Converter
    tasks = json.load(open(json_path))
    masks = {}
    for task in tasks:
        for r in task["annotations"][0]["result"]:
            if r["type"] == "brushlabels":
                values = brush.decode_rle(r["value"]["rle"])
                m = values.reshape(r["original_height"], r["original_width"], 4)[:, :, 3] > 0
                same = list(brush.mask2rle(m.astype(np.uint8) * 255)) == r["value"]["rle"]
                masks[r["id"] + "@" + str(task["id"])] = int(m.sum()) if same else -1
    config = """<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image"><Label value="car"/></RectangleLabels>
      <PolygonLabels name="label2" toName="image"><Label value="road"/></PolygonLabels>
      <KeyPointLabels name="kp" toName="image"><Label value="nose"/></KeyPointLabels>
      <BrushLabels name="brush" toName="image"><Label value="sky"/></BrushLabels>
      <Choices name="choice" toName="image"><Choice value="day"/><Choice value="night"/></Choices>
    </View>"""
    os.makedirs(out_dir, exist_ok=True)
    images = [t for t in tasks if "image" in t["data"]]
    tmp = os.path.join(out_dir, "image_tasks.json")
    json.dump(images, open(tmp, "w"))
    converter = Converter(config, project_dir=out_dir, download_resources=False)
    converter.convert_to_coco(tmp, os.path.join(out_dir, "coco"), is_dir=False)
    coco = json.load(open(os.path.join(out_dir, "coco", "result.json")))
    boxes = sum(1 for a in coco["annotations"] if not a.get("segmentation"))
    polygons = sum(1 for a in coco["annotations"] if a.get("segmentation"))
    print(json.dumps({"masks": masks, "coco_boxes": boxes, "coco_polygons": polygons,
                      "coco_images": len(coco["images"])}))


def ls_boxes(json_path, out_dir):
    from label_studio_converter.converter import Converter
    config = """<View><Image name="image" value="$image"/>
      <RectangleLabels name="label" toName="image"><Label value="magenta"/>
        <Label value="green"/><Label value="cyan"/><Label value="blue"/></RectangleLabels>
    </View>"""
    os.makedirs(out_dir, exist_ok=True)
    converter = Converter(config, project_dir=out_dir, download_resources=False)
    converter.convert_to_coco(json_path, os.path.join(out_dir, "coco"), is_dir=False)
    coco = json.load(open(os.path.join(out_dir, "coco", "result.json")))
    names = {c["id"]: c["name"] for c in coco["categories"]}
    files = {i["id"]: os.path.basename(i["file_name"]) for i in coco["images"]}
    boxes = {name: [] for name in files.values()}
    for a in coco["annotations"]:
        boxes[files[a["image_id"]]].append([names[a["category_id"]], *a["bbox"]])
    print(json.dumps(boxes))


def datumaro_write(dest):
    import datumaro as dm
    rng = np.random.default_rng(0)
    labels = ["car", "road", "person", "lane", "sky"]
    cats = {dm.AnnotationType.label: dm.LabelCategories.from_iterable(labels)}
    cats[dm.AnnotationType.label].attributes.update(["color"])
    items = []
    for i in range(100):
        h, w = (90, 120) if i % 2 else (100, 100)
        img = rng.integers(0, 255, (h, w, 3), dtype=np.uint8)
        mask = np.zeros((h, w), np.uint8); mask[30:60, 40:80] = 1; mask[40:45, 50:55] = 0
        anns = [dm.Bbox(10 + i % 20, 12, 30, 20, label=0, attributes={"color": "red", "occluded": bool(i % 2)}, z_order=i % 3),
                dm.Polygon([20, 50, 60, 50, 40, 80], label=1, z_order=1),
                dm.Points([15, 15, 18, 22], label=2),
                dm.PolyLine([5, 85, 110, 80], label=3)]
        if i % 5 == 0:
            anns.append(dm.Mask(mask, label=4))
        items.append(dm.DatasetItem(id=f"img_{i:03d}", subset="default", media=dm.Image.from_numpy(img), annotations=anns))
    ds = dm.Dataset.from_iterable(items, categories=cats, media_type=dm.Image)
    ds.export(dest, "cvat", save_media=True)
    print(json.dumps({"items": len(ds)}))


def croissant(path):
    import mlcroissant as mlc
    try:
        dataset = mlc.Dataset(jsonld=path)
        print(json.dumps({"valid": True, "name": dataset.metadata.name,
                          "record_sets": [r.name for r in dataset.metadata.record_sets]}))
    except Exception as exc:
        print(json.dumps({"valid": False, "error": f"{type(exc).__name__}: {exc}"[:500]}))


if sys.argv[1] == "datumaro":
    datumaro_dump(sys.argv[2])
elif sys.argv[1] == "datumaro_write":
    datumaro_write(sys.argv[2])
elif sys.argv[1] == "croissant":
    croissant(sys.argv[2])
elif sys.argv[1] == "ls_boxes":
    ls_boxes(sys.argv[2], sys.argv[3])
else:
    brush_and_coco(sys.argv[2], sys.argv[3])
'''


def tools_python() -> str | None:
    python = os.environ.get("TOOLS_PYTHON") or DEFAULT_PYTHON
    if not Path(python).exists():
        return None
    probe = subprocess.run([python, "-c", "import datumaro, label_studio_converter, "
                                          "mlcroissant"],
                           capture_output=True)
    return python if probe.returncode == 0 else None


def child(python: str, helper: Path, *args: str) -> dict:
    done = subprocess.run([python, str(helper), *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"helper {args[0]} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def expand(src: Path, out: Path, pipeline: Path, annotations: str) -> None:
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1",
           "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")])}
    done = subprocess.run([sys.executable, "-m", "mediasynth", "expand", str(src), str(out),
                           "-p", str(pipeline), "-n", "1", "-q", "--no-report",
                           "--annotations", annotations], capture_output=True, text=True,
                          env=env)
    if done.returncode:
        raise SystemExit(f"expand {src} failed ({done.returncode}): {done.stderr[-2000:]}")


def manifest(out: Path) -> list[dict]:
    return [r for r in map(json.loads, (out / "manifest.jsonl").read_text().splitlines())
            if r.get("status") == "ok" and r.get("annotation") is not None]


CVAT_TYPES = {"bbox": "box", "polygon": "polygon", "points": "points", "polyline": "polyline",
              "mask": "mask"}


def cvat_type(obj: dict) -> str | None:
    if obj.get("rle"):
        return "mask"
    if obj.get("polygons"):
        return "polygon"
    shape = (obj.get("extra") or {}).get("shape")
    if shape == "polyline":
        return shape  # as many as the frame left pieces of it
    if shape:
        return shape if any(k[2] > 0 for k in obj["keypoints"]) else None
    return "box"


def check_cvat(python: str, helper: Path, work: Path, *, by_datumaro: bool) -> dict:
    from pycocotools import mask as mask_utils

    from mediasynth.io.layouts.cvat import polyline_pieces
    from tests.io.layouts.helpers import GEOMETRIC, pipeline_file
    from tests.io.layouts.test_cvat import datumaro_cvat_tree

    if by_datumaro:
        src = work / "datumaro_export"
        child(python, helper, "datumaro_write", str(src))
    else:
        src, _ = datumaro_cvat_tree(work)
    out = work / "cvat_out"
    expand(src, out, pipeline_file(work, GEOMETRIC, split=True), "cvat")
    items = child(python, helper, "datumaro", str(out))
    rows = manifest(out)
    problems, objects, boxes_checked, masks_checked = [], 0, 0, 0
    for row in rows:
        name = Path(row["output"]).name
        got = items.get(name)
        if got is None:
            problems.append(f"{name}: not imported")
            continue
        want = [(cvat_type(o), o) for o in row["annotation"]["objects"]
                for _ in range(len(polyline_pieces(o["keypoints"]))
                               if cvat_type(o) == "polyline" else 1)]
        want = [(t, o) for t, o in want if t]
        objects += len(want)
        shapes = [g for g in got if g["type"] in CVAT_TYPES]
        if sorted(t for t, _ in want) != sorted(CVAT_TYPES[g["type"]] for g in shapes):
            problems.append(f"{name}: shapes {sorted(t for t, _ in want)} vs "
                            f"{sorted(CVAT_TYPES[g['type']] for g in shapes)}")
            continue
        for kind in ("box", "mask"):
            mine = [o for t, o in want if t == kind]
            theirs = [g for g in shapes if CVAT_TYPES[g["type"]] == kind]
            for o, g in zip(mine, theirs):
                if kind == "box":
                    x, y, w, h = g["box"]
                    err = max(abs(a - b) for a, b in zip(o["bbox"], (x, y, x + w, y + h)))
                    boxes_checked += 1
                    want_attrs = (o.get("extra") or {}).get("attributes") or {}
                    if err > 1.0 or any(g["attributes"].get(k) != v
                                        for k, v in want_attrs.items()):
                        problems.append(f"{name}: box {o['bbox']} vs {g}")
                    if g["z_order"] != int((o.get("extra") or {}).get("z_order", 0)):
                        problems.append(f"{name}: z_order {g['z_order']}")
                else:
                    pixels = int(mask_utils.area({"size": o["rle"]["size"],
                                                  "counts": o["rle"]["counts"].encode()}))
                    masks_checked += 1
                    if pixels != g["pixels"]:
                        problems.append(f"{name}: mask {pixels} px vs {g['pixels']}")
        tags = (row["annotation"].get("extra") or {}).get("tags") or []
        if len(tags) != sum(g["type"] == "label" for g in got):
            problems.append(f"{name}: tags")
    what = "Datumaro's own cvat export" if by_datumaro else "the test tree"
    return {"check": f"datumaro imports the CVAT OUT of {what}", "images": len(rows),
            "imported": len(items), "objects": objects, "boxes_within_1px": boxes_checked,
            "masks_same_pixels": masks_checked, "problems": problems[:10],
            "ok": not problems and len(items) == len(rows)}


def check_labelstudio(python: str, helper: Path, work: Path) -> dict:
    from pycocotools import mask as mask_utils

    from tests.io.layouts.helpers import pipeline_file
    from tests.io.layouts.test_labelstudio import PIPELINE, label_studio_tree

    src, _ = label_studio_tree(work)
    out = work / "ls_out"
    expand(src, out, pipeline_file(work, PIPELINE, split=True), "labelstudio")
    rows = manifest(out)
    problems, results = [], {}
    boxes = polygons = masks = 0
    for split_file in sorted((out / "labelstudio").glob("*.json")):
        found = child(python, helper, "brush", str(split_file), str(work / split_file.stem))
        tasks = json.loads(split_file.read_text())
        by_file = {t["data"][next(iter(t["data"]))].split("?d=", 1)[1]: t for t in tasks}
        for row in rows:
            task = by_file.get(row["output"])
            if task is None or "objects" not in row["annotation"]:
                continue
            for r, o in zip([r for r in task["annotations"][0]["result"]
                             if r["type"] == "brushlabels"],
                            [o for o in row["annotation"]["objects"] if o.get("rle")]):
                pixels = int(mask_utils.area({"size": o["rle"]["size"],
                                              "counts": o["rle"]["counts"].encode()}))
                masks += 1
                if found["masks"].get(f"{r['id']}@{task['id']}") != pixels:
                    problems.append(f"{row['output']}: brush {pixels} px")
        want = [o for r in rows if r["output"] in by_file and "objects" in r["annotation"]
                for o in r["annotation"]["objects"]]
        boxes += sum(1 for o in want if not o.get("polygons") and not o.get("rle")
                     and not o.get("keypoints"))
        polygons += sum(len(o["polygons"]) for o in want if o.get("polygons"))
        results[split_file.stem] = found
        if found["coco_boxes"] < sum(1 for o in want if not o.get("polygons")
                                     and not o.get("rle") and not o.get("keypoints")):
            problems.append(f"{split_file.name}: converter made {found['coco_boxes']} boxes")
        if found["coco_polygons"] < sum(len(o["polygons"]) for o in want if o.get("polygons")):
            problems.append(f"{split_file.name}: converter made {found['coco_polygons']} "
                            "polygons")
    return {"check": "label-studio-converter reads the Label Studio OUT", "rows": len(rows),
            "boxes": boxes, "polygons": polygons, "brush_masks_same_pixels": masks,
            "converter": {k: {kk: vv for kk, vv in v.items() if kk != "masks"}
                          for k, v in results.items()},
            "problems": problems[:10], "ok": not problems}


def check_photo_boxes(python: str, helper: Path, work: Path, tool: str) -> dict:
    """Boxes on real photos as the tool's own reader sees them (Datumaro's CVAT importer,
    label-studio-converter's COCO converter) against the objects re-detected in the output
    pixels: whole boxes within 1.5 px, cut boxes covering their object (photo_objects.py)."""
    from tests.io.layouts.helpers import GEOMETRIC, pipeline_file
    from tests.io.layouts.photo_objects import (
        compare_boxes,
        cvat_photo_tree,
        detected_boxes,
        labelstudio_photo_tree,
    )

    work.mkdir(parents=True, exist_ok=True)
    out = work / f"{tool}_photos_out"
    if tool == "cvat":
        src = cvat_photo_tree(work / "cvat_photos", 30, seed=21)
        expand(src, out, pipeline_file(work, GEOMETRIC), "cvat")
        read = {name: [[o["label"], *o["box"]] for o in objects if o["type"] == "bbox"]
                for name, objects in child(python, helper, "datumaro", str(out)).items()}
        reader = "Datumaro's cvat importer"
    else:
        src = labelstudio_photo_tree(work / "ls_photos", 30, seed=22)
        expand(src, out, pipeline_file(work, GEOMETRIC), "labelstudio")
        read = {}
        for export in sorted((out / "labelstudio").glob("*.json")):
            read.update(child(python, helper, "ls_boxes", str(export),
                              str(work / f"conv_{export.stem}")))
        reader = "label-studio-converter's COCO converter"
    outputs = {Path(r["output"]).name: out / r["output"] for r in manifest(out)}
    errors, overshoots, problems = [], [], []
    for name, path in sorted(outputs.items()):
        from PIL import Image

        width, height = Image.open(path).size
        written = {label: (x, y, x + w, y + h) for label, x, y, w, h in read.get(name, [])}
        if name not in read:
            problems.append(f"{name}: not read back")
        e, o, p = compare_boxes(written, detected_boxes(path), width, height)
        errors, overshoots = errors + e, overshoots + o
        problems += [f"{name}: {x}" for x in p]
    ok = not problems and bool(errors) and max(errors) <= 1.5 and max(overshoots or [0]) <= 1.5
    return {"check": f"{reader} reads boxes on real photos within 1.5 px of the objects",
            "images": len(outputs), "whole_boxes": len(errors),
            "max_error_px": round(max(errors or [0]), 3), "cut_boxes": len(overshoots),
            "max_overshoot_px": round(max(overshoots or [0]), 3), "problems": problems[:10],
            "ok": ok}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    python = tools_python()
    if python is None:
        print("no Python with datumaro and label-studio-converter (set TOOLS_PYTHON); "
              "nothing checked")
        return 0
    sys.path.insert(0, str(ROOT))
    os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        helper = work / "helper.py"
        helper.write_text(HELPER)
        reports = [check_cvat(python, helper, work / "dm", by_datumaro=True),
                   check_cvat(python, helper, work / "cvat", by_datumaro=False),
                   check_labelstudio(python, helper, work / "ls"),
                   check_photo_boxes(python, helper, work / "photos", "cvat"),
                   check_photo_boxes(python, helper, work / "photos", "labelstudio")]
        for name in ("dm/cvat_out", "cvat/cvat_out", "ls/ls_out"):
            found = child(python, helper, "croissant", str(work / name / "croissant.json"))
            reports.append({"check": f"mlcroissant validates {name}/croissant.json",
                            **found, "ok": found["valid"]})
    for report in reports:
        print(json.dumps(report))
    return 0 if all(r["ok"] for r in reports) else 1


if __name__ == "__main__":
    raise SystemExit(main())
