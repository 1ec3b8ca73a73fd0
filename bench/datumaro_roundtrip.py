"""Datumaro round trip of the annotated layouts: exports as CVAT/Datumaro write them expand
without renaming anything, and every OUT imports back into Datumaro in the same format.

    DATUMARO_PYTHON=/path/to/python python bench/datumaro_roundtrip.py [--work DIR]

DATUMARO_PYTHON names a Python with Datumaro installed (default /work/dmvenv/bin/python);
without one the bench says so and exits 0: Datumaro is too heavy for CI and never goes into
mediasynth's own environment, so everything Datumaro does runs in that Python, in a child.

1. Datumaro imports samples_coco (`coco_instances`), keeps the boxes (a detection
   dataset) and exports it with `save_media=True` as `coco` (COCO 1.0:
   annotations/instances_default.json + images/default/), `voc` (Pascal VOC with
   labelmap.txt), `yolo` (Darknet YOLO 1.1: obj.data, obj.names, obj_train_data/,
   train.txt) and `yolo_ultralytics` (data.yaml, images/ and labels/ per subset; it needs
   train and val subsets, so one image in four goes to val).
2. `mediasynth expand EXPORT OUT -p image_detection -n 1 -q --no-report --annotations ...`
   on each, layout auto-detected, with the other formats as extras.
3. Datumaro imports OUT in the source's format and each extra in its own (`coco`, `voc`,
   `yolo`; Datumaro 1.13 has no `yolo_ultralytics` importer: `yolo` reads data.yaml layouts,
   its own `yolo_ultralytics` exports included). VOC is read with
   coordinate_mode=voc-one-based, the VOC convention mediasynth writes.
4. Checks against OUT's manifest: Datumaro's items are the outputs (same names); every
   output object is there once, with its label and its box (1 px); every box lies inside
   its image; each item's media is the output file (or the hard link an extra made where
   its format's readers look: JPEGImages/ for VOC, images/<subset>/ for COCO and
   Ultralytics), of the output's size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from PIL import Image as PILImage

from mediasynth.io.layouts import detect

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "samples_coco"
DEFAULT_PYTHON = "/work/dmvenv/bin/python"
SOURCES = {  # Datumaro export format -> (mediasynth layout, Datumaro import format)
    "coco": ("coco", "coco"),
    "voc": ("voc", "voc"),
    "yolo": ("yolo", "yolo"),
    "yolo_ultralytics": ("yolo", "yolo"),
}
EXTRA_IMPORT = {"coco": "coco", "voc": "voc", "yolo": "yolo"}
TOLERANCE = 1.0

HELPER = r'''
import json, os, sys, warnings
warnings.filterwarnings("ignore")
import logging
logging.disable(logging.WARNING)
import datumaro as dm


def export(sample, dest):
    src = dm.Dataset.import_from(sample, "coco_instances")
    for fmt in ("coco", "voc", "yolo", "yolo_ultralytics"):
        ds = dm.Dataset(media_type=dm.Image, categories=src.categories())
        for i, item in enumerate(sorted(src, key=lambda it: it.id)):
            subset = ("val" if i % 4 == 3 else "train") if fmt == "yolo_ultralytics" \
                else item.subset
            ds.put(item.wrap(subset=subset, annotations=[
                a for a in item.annotations if a.type == dm.AnnotationType.bbox]))
        ds.export(os.path.join(dest, fmt), fmt, save_media=True)


def dump(path, fmt, options):
    try:
        ds = dm.Dataset.import_from(path, fmt, **options)
        labels = ds.categories()[dm.AnnotationType.label]
        items = []
        for item in ds:
            media = item.media
            found = bool(media and media.path and os.path.isfile(media.path))
            size = None
            if media is not None:
                try:
                    size = list(media.size) if media.size else None
                except Exception:
                    size = None
            items.append({
                "id": item.id, "subset": item.subset,
                "media": os.path.relpath(media.path, path) if found else None,
                "size": size,
                "boxes": [[labels[a.label].name if a.label is not None else None,
                           *a.get_bbox()] for a in item.annotations
                          if a.type == dm.AnnotationType.bbox],
                "other": sum(a.type != dm.AnnotationType.bbox for a in item.annotations)})
        print(json.dumps({"items": items, "labels": [c.name for c in labels]}))
    except Exception as exc:
        print(json.dumps({"error": f"{type(exc).__name__}: {exc}"[:300]}))


if sys.argv[1] == "export":
    export(sys.argv[2], sys.argv[3])
else:
    dump(sys.argv[2], sys.argv[3], json.loads(sys.argv[4]))
'''


def datumaro_python() -> str | None:
    python = os.environ.get("DATUMARO_PYTHON") or DEFAULT_PYTHON
    if not Path(python).exists():
        return None
    probe = subprocess.run([python, "-c", "import datumaro"], capture_output=True)
    return python if probe.returncode == 0 else None


def run_helper(python: str, helper: Path, *args: str) -> str:
    done = subprocess.run([python, str(helper), *args], capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"datumaro helper failed ({' '.join(args[:1])}):\n{done.stderr[-2000:]}")
    return done.stdout


def expand(src: Path, out: Path, extras: list[str]) -> tuple[int, str]:
    env = {**os.environ, "NO_ALBUMENTATIONS_UPDATE": "1"}
    cmd = [sys.executable, "-m", "mediasynth", "expand", str(src), str(out), "-p",
           "image_detection", "-n", "1", "-q", "--no-report", "--keep-originals",
           "--annotations", ",".join(extras)]
    done = subprocess.run(cmd, capture_output=True, text=True, env=env)
    return done.returncode, (done.stderr + done.stdout).strip()


def outputs(out: Path) -> dict[str, dict]:
    rows = {}
    for line in (out / "manifest.jsonl").read_text().splitlines():
        row = json.loads(line)
        if row.get("status") == "ok" and row.get("annotation") is not None:
            rows[Path(row["output"]).stem] = row
    return rows


def same_boxes(a: list, b: list, tolerance: float = 0.5) -> bool:
    """Two items' [label, x, y, w, h] boxes are the same, in any order."""
    left = list(b)
    for box in a:
        match = next((o for o in left if o[0] == box[0] and max(
            abs(u - v) for u, v in zip(o[1:], box[1:])) <= tolerance), None)
        if match is None:
            return False
        left.remove(match)
    return not left


def check(dump: dict, rows: dict[str, dict], out: Path, *, primary: bool,
          source: dict | None = None) -> dict:
    """One imported OUT (or extra) against the manifest; with the source's import, kept
    originals must carry the source's boxes as Datumaro read them there."""
    if "error" in dump:
        return {"verdict": "refused", "why": dump["error"]}
    items = {Path(i["id"]).name: i for i in dump["items"]}
    originals = kept = 0
    if source is not None:
        before = {Path(i["id"]).name: i for i in source["items"]}
        for stem, row in rows.items():
            src_item = before.get(Path(row["source"]).stem)
            if row.get("variant", 0) < 0 and stem in items and src_item is not None:
                originals += 1
                kept += same_boxes(items[stem]["boxes"], src_item["boxes"])
    objects = matched = inside = boxes = media_ok = 0
    wrong = []
    for stem, row in rows.items():
        item = items.get(stem)
        want = row["annotation"]["objects"]
        objects += len(want)
        if item is None:
            continue
        with PILImage.open(out / row["output"]) as image:
            width, height = image.size
        if item["media"] is not None and item["size"] == [height, width] and os.path.samefile(
                out / item["media"], out / row["output"]):  # the output, or a link to it
            media_ok += 1
        left = list(want)
        for label, x, y, w, h in item["boxes"]:
            boxes += 1
            inside += (x >= -0.5 and y >= -0.5 and x + w <= width + 0.5
                       and y + h <= height + 0.5)
            best = min(left, default=None, key=lambda o: (o["category"] != label, max(
                abs(a - b) for a, b in zip(o["bbox"], (x, y, x + w, y + h)))))
            if best is not None and best["category"] == label and max(
                    abs(a - b) for a, b in zip(best["bbox"], (x, y, x + w, y + h))) <= TOLERANCE:
                left.remove(best)
                matched += 1
            else:
                wrong.append(f"{stem}: {label} {[round(v, 1) for v in (x, y, w, h)]}")
    same_items = set(items) == set(rows)
    media = ("yes" if media_ok == len(rows) else
             "elsewhere" if not primary and media_ok == 0 else f"{media_ok}/{len(rows)}")
    ok = same_items and matched == objects == boxes and inside == boxes and media == "yes" \
        and kept == originals
    if kept < originals:
        wrong.insert(0, f"{originals - kept} original(s) moved from the source's boxes")
    return {"items": f"{len(items)}/{len(rows)}", "objects": f"{matched}/{objects}",
            "originals": f"{kept}/{originals}" if source is not None else "",
            "extra_boxes": boxes - matched, "inside": f"{inside}/{boxes}", "media": media,
            "verdict": "pass" if ok else "FAIL",
            "why": "; ".join(wrong[:3]) if wrong else ("" if same_items else
                                                       "item names differ")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--work", type=Path, help="folder for the exports and OUTs "
                        "(default: a new temporary folder, removed afterwards)")
    args = parser.parse_args()
    python = datumaro_python()
    if python is None:
        print("skipped: no Python with datumaro (set DATUMARO_PYTHON)")
        return
    work = args.work or Path(tempfile.mkdtemp(prefix="dm-roundtrip-"))
    try:
        table = roundtrip(python, work)
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    print_table(table)
    sys.exit(0 if all(r["verdict"] in ("pass", "n/a") for r in table) else 1)


def roundtrip(python: str, work: Path) -> list[dict]:
    shutil.rmtree(work / "exports", ignore_errors=True)
    (work / "exports").mkdir(parents=True)
    helper = work / "dm_helper.py"
    helper.write_text(HELPER)
    run_helper(python, helper, "export", str(SAMPLE), str(work / "exports"))
    table = []
    for source, (layout, import_format) in SOURCES.items():
        src, out = work / "exports" / source, work / f"out_{source}"
        shutil.rmtree(out, ignore_errors=True)
        extras = [f for f in EXTRA_IMPORT if f != layout]
        code, said = expand(src, out, extras)
        if code:
            table.append({"source": source, "part": layout, "verdict": "expand failed",
                          "why": said.splitlines()[-1] if said else f"exit {code}"})
            continue
        detected = detect(src)
        warnings = [w for w in said.splitlines() if "not in SRC" in w or "not listed" in w]
        rows = outputs(out)
        source_dump = json.loads(run_helper(python, helper, "dump", str(src), import_format,
                                            "{}"))
        for part, fmt, primary in [(layout, import_format, True),
                                   *((e, EXTRA_IMPORT[e], False) for e in extras)]:
            # VOC boxes are written as the source wrote them (decimal from Datumaro), as
            # 1-based integers when VOC is an extra
            options = {"coordinate_mode": "voc-one-based"} if fmt == "voc" and not primary \
                else {}
            dump = json.loads(run_helper(python, helper, "dump", str(out), fmt,
                                         json.dumps(options)))
            result = check(dump, rows, out, primary=primary,
                           source=source_dump if primary else None)
            if primary and warnings:
                result["verdict"], result["why"] = "FAIL", warnings[0]
            table.append({"source": source, "part": part if not primary else
                          f"{part} (OUT, layout {detected})", "import": fmt, **result})
    return table


def print_table(table: list[dict]) -> None:
    head = ["Datumaro export", "OUT annotations", "import as", "items", "objects (label, box)",
            "boxes inside", "originals = source", "media", "verdict"]
    print("| " + " | ".join(head) + " |")
    print("|" + " --- |" * len(head))
    for r in table:
        cells = [r["source"], r["part"], r.get("import", ""), r.get("items", ""),
                 r.get("objects", ""), r.get("inside", ""), r.get("originals", ""),
                 r.get("media", ""),
                 r["verdict"] + (f": {r['why']}" if r.get("why") else "")]
        print("| " + " | ".join(str(c) for c in cells) + " |")


if __name__ == "__main__":
    main()
