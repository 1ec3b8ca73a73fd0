"""Annotation files an expanded OUT is written with (engine/exports.py and the COCO, YOLO and
VOC writers it calls), checked the way their consumers read them: Ultralytics' data.yaml
resolution and label rules (ultralytics/data/utils.py: check_det_dataset,
img2label_paths, verify_image_label), torchvision's VOCDetection paths, pycocotools,
Hugging Face `datasets` imagefolder. Sources are realistic: hundreds of images, grayscale
next to RGB, polygons of several parts, RLE masks with holes, box-only objects, JSON past
64 KiB with keys in any order."""

from __future__ import annotations

import json
import os
import random
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import yaml
from PIL import Image

from tests.io.layouts.helpers import expand, rows

IMG_FORMATS = {"bmp", "jpeg", "jpg", "png", "tif", "tiff", "webp"}
FLIP = "image: [{type: image.flip_horizontal}]\n"
SPLIT = "dataset: {split: {train: 0.7, val: 0.3}}\n"
LAYOUT_OF = {"coco": "coco", "voc": "voc"}


def _expand(src: Path, out: Path, pipeline: Path, layout: str, *extra: str) -> int:
    """`expand -n 1` with the layout named (detection is another module's concern)."""
    return expand(src, out, pipeline, "-n", "1", "--layout", layout, *extra)


def _pipeline(tmp_path: Path, split: bool = True) -> Path:
    path = tmp_path / ("flip_split.yaml" if split else "flip.yaml")
    path.write_text(FLIP + (SPLIT if split else ""))
    return path


def _image(path: Path, width: int, height: int, gray: bool, seed: int) -> None:
    rng = np.random.default_rng(seed)
    shape = (height, width) if gray else (height, width, 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rng.integers(0, 255, shape, dtype=np.uint8)).save(path, quality=90)


def _rle(mask: np.ndarray) -> dict:
    from pycocotools import mask as mask_utils

    rle = mask_utils.encode(np.asfortranarray(mask.astype(np.uint8)))
    return {"size": [int(v) for v in rle["size"]], "counts": rle["counts"].decode()}


def _shuffled(d: dict, rng: random.Random) -> dict:
    keys = list(d)
    rng.shuffle(keys)
    return {k: d[k] for k in keys}


def coco_source(root: Path, count: int = 200, seed: int = 0) -> tuple[Path, dict]:
    """A COCO tree of `count` images (every third grayscale, sizes 64-112 x 48-80), each
    with a polygon object, a two-part polygon, an RLE ring (a hole in it) and a box-only
    object. Returns (SRC, objects by file name)."""
    rng = random.Random(seed)
    images, annotations, by_name = [], [], {}
    for i in range(count):
        width, height = rng.randrange(64, 113), rng.randrange(48, 81)
        name = f"img{i:04d}.jpg"
        _image(root / "images" / name, width, height, gray=i % 3 == 0, seed=i)
        images.append(_shuffled({"id": i + 1, "file_name": name, "width": width,
                                 "height": height, "license": 1}, rng))
        ring = np.zeros((height, width), np.uint8)
        ring[8:40, 30:60] = 1
        ring[16:30, 38:50] = 0
        objects = [
            {"category_id": 1, "bbox": [4, 4, 20, 16],
             "segmentation": [[4, 4, 24, 4, 24, 20, 4, 20]], "area": 320},
            {"category_id": 2, "bbox": [4, 26, 22, 18],
             "segmentation": [[4, 26, 12, 26, 12, 44, 4, 44], [18, 26, 26, 26, 26, 44]],
             "area": 216},
            {"category_id": 3, "bbox": [30, 8, 30, 32], "segmentation": _rle(ring),
             "area": int(ring.sum())},
            {"category_id": 1, "bbox": [width - 14, height - 12, 10, 8], "area": 80},
        ]
        for obj in objects:
            annotations.append(_shuffled({**obj, "id": len(annotations) + 1,
                                          "image_id": i + 1, "iscrowd": 0}, rng))
        by_name[name] = objects
    doc = {"categories": [{"id": 1, "name": "cat"}, {"id": 2, "name": "dog"},
                          {"id": 3, "name": "ring", "supercategory": "shape"}],
           "annotations": annotations, "images": images,
           "licenses": [{"id": 1, "name": "CC-BY-4.0", "url": ""}],
           "info": {"description": "test source", "year": 2026}}
    (root / "annotations").mkdir(parents=True, exist_ok=True)
    # "images" first: finding a COCO file whose "images" key lies past its first 64 KiB is
    # the readers' business, not the writers' tested here
    text = json.dumps({"images": images, **_shuffled(doc, rng)})
    assert count < 150 or len(text) > 64 * 1024
    (root / "annotations" / "instances_default.json").write_text(text)
    return root, by_name


def voc_source(root: Path, count: int = 150, seed: int = 1) -> Path:
    """A VOC tree of `count` images (every third grayscale), 1-3 boxes each, one image
    with a name that is not UTF-8."""
    rng = random.Random(seed)
    for i in range(count):
        width, height = rng.randrange(64, 113), rng.randrange(48, 81)
        stem = f"voc{i:04d}"
        _image(root / "JPEGImages" / f"{stem}.jpg", width, height, gray=i % 3 == 0, seed=i)
        ann = ET.Element("annotation")
        ET.SubElement(ann, "filename").text = f"{stem}.jpg"
        size = ET.SubElement(ann, "size")
        for k, v in (("width", width), ("height", height), ("depth", 1 if i % 3 == 0 else 3)):
            ET.SubElement(size, k).text = str(v)
        for j in range(1 + i % 3):
            obj = ET.SubElement(ann, "object")
            ET.SubElement(obj, "name").text = ("car", "person", "tree")[j]
            box = ET.SubElement(obj, "bndbox")
            x0, y0 = 2 + 18 * j, 3 + 10 * j
            for k, v in (("xmin", x0), ("ymin", y0), ("xmax", x0 + 15), ("ymax", y0 + 12)):
                ET.SubElement(box, k).text = str(v)
        (root / "Annotations").mkdir(parents=True, exist_ok=True)
        ET.ElementTree(ann).write(root / "Annotations" / f"{stem}.xml")
    odd = os.fsdecode(b"voc_caf\xe9")
    (root / "JPEGImages" / "voc0000.jpg").rename(root / "JPEGImages" / f"{odd}.jpg")
    (root / "Annotations" / "voc0000.xml").rename(root / "Annotations" / f"{odd}.xml")
    return root


# -- reading OUT the way the consumers do -------------------------------------------------

def ultralytics_data(yaml_path: Path) -> dict:
    """check_det_dataset's path resolution: `path:` or, without it, the yaml's folder;
    train and val required; each split a folder that exists."""
    data = yaml.safe_load(yaml_path.read_text())
    for key in ("train", "val"):
        assert key in data, f"data.yaml has no {key}: key (Ultralytics stops)"
    root = Path(data.get("path") or yaml_path.parent)
    assert root.is_absolute() or data.get("path") is None, "a relative path: is the cwd's"
    for key in ("train", "val", "test"):
        if data.get(key):
            data[key] = (root / data[key]).resolve()
            assert data[key].is_dir(), f"{key}: {data[key]} does not exist"
    return data


def ultralytics_labels(images_dir: Path, num_cls: int) -> dict[Path, np.ndarray]:
    """verify_image_label on every image of a split folder: the label at img2label_paths'
    place, 5 columns (or all lines polygons), coordinates in [0, 1], classes < nc.
    Returns the label rows (boxes, or polygons' boxes) by image."""
    sa, sb = f"{os.sep}images{os.sep}", f"{os.sep}labels{os.sep}"
    found = {}
    for image in sorted(images_dir.rglob("*")):
        if image.suffix[1:].lower() not in IMG_FORMATS:
            continue
        with Image.open(image) as im:
            assert min(im.size) > 9
        label = Path(sb.join(str(image).rsplit(sa, 1)).rsplit(".", 1)[0] + ".txt")
        assert label.is_file(), f"{image}: no label at {label}"
        lines = [x.split() for x in label.read_text(encoding="utf-8").strip().splitlines()
                 if len(x)]
        if any(len(x) > 6 for x in lines):  # segments: every line must be one
            assert all(len(x) > 6 and len(x) % 2 == 1 for x in lines), f"{label}: mixed"
            segments = [np.array(x[1:], np.float32).reshape(-1, 2) for x in lines]
            rows_ = np.array([[float(x[0]), *s.min(0), *s.max(0)] for x, s in
                              zip(lines, segments)], np.float32)
        else:
            rows_ = np.array(lines, np.float32).reshape(-1, 5)
        if len(rows_):
            assert rows_[:, 1:].max() <= 1.01 and rows_.min() >= -0.01, label
            assert rows_[:, 0].max() < num_cls, label
        found[image] = rows_
    return found


# -- YOLO ---------------------------------------------------------------------------------

def test_coco_rle_and_parts_to_yolo_segment_one_polygon_a_line(tmp_path):
    import cv2
    from pycocotools import mask as mask_utils

    src, by_name = coco_source(tmp_path / "coco")
    out = tmp_path / "out"
    assert _expand(src, out, _pipeline(tmp_path), LAYOUT_OF[src.name],
                   "--annotations", "yolo") == 0
    data = ultralytics_data(out / "data.yaml")
    assert "path" not in yaml.safe_load((out / "data.yaml").read_text())
    assert data["names"] == {0: "cat", 1: "dog", 2: "ring"}
    ok = [r for r in rows(out) if r["status"] == "ok"]
    assert {r["split"] for r in ok} == {"train", "val"}
    labelled = {}
    for split in ("train", "val"):
        labelled.update(ultralytics_labels(data[split], len(data["names"])))
    assert len(labelled) == len(ok) == 200
    for row in ok:
        image = (out / row["output"]).resolve()
        assert len(labelled[image]) == len(row["annotation"]["objects"]) == 4
    # the traced ring keeps its hole: its polygon filled as Ultralytics does matches the RLE
    row = next(r for r in ok if r["split"] == "train")
    w, h = row["annotation"]["width"], row["annotation"]["height"]
    ring = next(o for o in row["annotation"]["objects"] if o["category"] == "ring")
    want = mask_utils.decode({"size": ring["rle"]["size"],
                              "counts": ring["rle"]["counts"].encode()})
    label = out / "labels" / "train" / Path(row["output"]).with_suffix(".txt").name
    line = next(x for x in label.read_text().splitlines() if x.startswith("2 "))
    points = np.array(line.split()[1:], np.float64).reshape(-1, 2) * (w, h)
    got = np.zeros((h, w), np.uint8)
    cv2.fillPoly(got, [np.round(points).astype(np.int32)], 1)
    iou = (got & want).sum() / (got | want).sum()
    assert iou > 0.9 and got[22, w - 45] == 0  # the hole (x 38-50 flipped) stays empty


def test_data_yaml_resolves_from_another_directory_and_always_has_val(tmp_path, capsys,
                                                                      monkeypatch):
    src, _ = coco_source(tmp_path / "coco", count=40)
    out = tmp_path / "out"
    assert _expand(src, out, _pipeline(tmp_path, split=False), "coco",
                   "--annotations", "yolo") == 0
    assert "data.yaml: no split was asked: data.yaml's val: is the training set" in \
        capsys.readouterr().err
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    data = ultralytics_data(out / "data.yaml")
    assert data["train"] == data["val"] == (out / "images" / "default").resolve()
    assert len(ultralytics_labels(data["train"], 3)) == 40


def test_an_empty_val_split_is_named_by_the_train_images_with_a_warning(tmp_path, capsys):
    src, _ = coco_source(tmp_path / "coco", count=40)
    pipeline = tmp_path / "tiny_val.yaml"
    pipeline.write_text(FLIP + "dataset: {split: {train: 0.99, val: 0.01}}\n")
    out = tmp_path / "out"
    assert _expand(src, out, pipeline, "coco", "--annotations", "yolo") == 0
    assert {r["split"] for r in rows(out) if r["status"] == "ok"} == {"train"}
    assert "data.yaml: the val split has no annotated outputs" in capsys.readouterr().err
    data = ultralytics_data(out / "data.yaml")
    assert data["val"] == data["train"] == (out / "images" / "train").resolve()


def test_voc_source_with_yolo_extra_names_folders_that_exist_and_loads_in_hf(tmp_path):
    datasets = pytest.importorskip("datasets")
    src = voc_source(tmp_path / "voc")
    out = tmp_path / "out"
    assert _expand(src, out, _pipeline(tmp_path), LAYOUT_OF[src.name],
                   "--annotations", "yolo,coco") == 0
    ok = [r for r in rows(out) if r["status"] == "ok"]
    for split in ("train", "val"):  # COCO's file_name: relative to images/<split>/
        doc = json.loads((out / "annotations" / f"instances_{split}.json").read_text())
        assert len(doc["images"]) == sum(r["split"] == split for r in ok)
        assert all((out / "images" / split / i["file_name"]).is_file() for i in doc["images"])
    data = ultralytics_data(out / "data.yaml")
    labelled = {}
    for split in ("train", "val"):
        labelled.update(ultralytics_labels(data[split], len(data["names"])))
    assert len(labelled) == len(ok) == 150
    assert sum(len(v) for v in labelled.values()) == sum(len(r["annotation"]["objects"])
                                                        for r in ok)
    for row in ok:  # the links are the outputs' bytes
        linked = out / "images" / row["split"] / Path(row["output"]).name
        assert os.path.samefile(linked, out / row["output"])
    loaded = datasets.load_dataset("imagefolder", data_dir=str(out))
    want = {"train": 0, "validation": 0}
    for row in ok:
        want["train" if row["split"] == "train" else "validation"] += 1
    assert {k: len(v) for k, v in loaded.items()} == want
    assert sum(len(i["objects"]["bbox"]) for ds in loaded.values() for i in ds) == \
        sum(len(r["annotation"]["objects"]) for r in ok)


def test_a_voc_out_with_splits_loads_in_hf_imagefolder(tmp_path):
    datasets = pytest.importorskip("datasets")
    src = voc_source(tmp_path / "voc", count=60)
    out = tmp_path / "out"
    assert _expand(src, out, _pipeline(tmp_path), "voc") == 0
    ok = [r for r in rows(out) if r["status"] == "ok"]
    loaded = datasets.load_dataset("imagefolder", data_dir=str(out))
    assert {k: len(v) for k, v in loaded.items()} == {
        "train": sum(r["split"] == "train" for r in ok),
        "validation": sum(r["split"] == "val" for r in ok)}
    assert sum(len(i["objects"]["bbox"]) for ds in loaded.values() for i in ds) == \
        sum(len(r["annotation"]["objects"]) for r in ok)
    assert not (out / "data.yaml").exists()  # the links are for HF, not a YOLO claim


# -- VOC ----------------------------------------------------------------------------------

def voc_detection(root: Path, image_set: str) -> list[tuple[Path, ET.Element]]:
    """torchvision's VOCDetection: ids from ImageSets/Main/<set>.txt, JPEGImages/<id>.jpg,
    Annotations/<id>.xml."""
    ids = (root / "ImageSets" / "Main" / f"{image_set}.txt").read_text().split()
    pairs = []
    for i in ids:
        image, xml = root / "JPEGImages" / f"{i}.jpg", root / "Annotations" / f"{i}.xml"
        assert image.is_file() and xml.is_file(), i
        pairs.append((image, ET.parse(xml).getroot()))
    return pairs


def test_coco_source_voc_extra_has_its_images_and_depths(tmp_path):
    src, _ = coco_source(tmp_path / "coco")
    out = tmp_path / "out"
    assert _expand(src, out, _pipeline(tmp_path), "coco", "--annotations", "voc") == 0
    ok = {Path(r["output"]).stem: r for r in rows(out) if r["status"] == "ok"}
    seen = 0
    for split in ("train", "val"):
        for image, root in voc_detection(out, split):
            row = ok[image.stem]
            assert row["split"] == split and os.path.samefile(image, out / row["output"])
            with Image.open(image) as im:
                channels = len(im.getbands())
                assert (int(root.findtext("size/width")), int(root.findtext("size/height"))
                        ) == im.size
            assert int(root.findtext("size/depth")) == channels
            boxes = [[int(b.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")]
                     for b in root.iterfind("object/bndbox")]
            assert len(boxes) == len(row["annotation"]["objects"])
            assert all(b[2] > b[0] and b[3] > b[1] for b in boxes)
            seen += 1
    assert seen == len(ok) == 200
    assert {int(r.findtext("size/depth")) for _, r in voc_detection(out, "train")} == {1, 3}


def test_sub_pixel_boxes_are_dropped_and_counted(tmp_path):
    src = tmp_path / "coco"
    images, annotations = [], []
    for i in range(120):
        _image(src / "images" / f"s{i:03d}.png", 96, 64, gray=i % 2 == 0, seed=i)
        images.append({"id": i + 1, "file_name": f"s{i:03d}.png", "width": 96, "height": 64})
        for k, (bbox) in enumerate(([10, 10.16, 30, 0.68], [50, 20, 0.5, 20],
                                    [40, 40, 1.2, 1.2], [60, 30, 20, 20])):
            annotations.append({"id": 4 * i + k + 1, "image_id": i + 1, "category_id": 1,
                                "bbox": bbox, "area": bbox[2] * bbox[3], "iscrowd": 0})
    (src / "annotations").mkdir(parents=True)
    (src / "annotations" / "instances_default.json").write_text(json.dumps(
        {"images": images, "annotations": annotations,
         "categories": [{"id": 1, "name": "thing"}]}))
    out = tmp_path / "out"
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(FLIP)
    assert _expand(src, out, pipeline, "coco", "--annotations", "voc") == 0
    ok = [r for r in rows(out) if r["status"] == "ok"]
    assert len(ok) == 120
    for row in ok:
        assert row["dropped_objects"] == 2
        assert len(row["annotation"]["objects"]) == 2
    for _, root in voc_detection_any(out):
        for box in root.iterfind("object/bndbox"):
            b = [int(box.findtext(k)) for k in ("xmin", "ymin", "xmax", "ymax")]
            assert b[2] > b[0] and b[3] > b[1]
    readme = Path(__file__).resolve().parents[2] / "README.md"
    assert "under 1 px" in readme.read_text()


def voc_detection_any(root: Path):
    for listing in sorted((root / "ImageSets" / "Main").glob("*.txt")):
        for image in listing.read_text().split():
            yield image, ET.parse(root / "Annotations" / f"{image}.xml").getroot()


# -- COCO ---------------------------------------------------------------------------------

def test_coco_out_box_only_objects_have_no_segmentation_and_evaluate(tmp_path):
    from pycocotools.coco import COCO
    from pycocotools.cocoeval import COCOeval

    src, _ = coco_source(tmp_path / "coco", count=60)
    out = tmp_path / "out"
    assert _expand(src, out, _pipeline(tmp_path), "coco") == 0
    for split in ("train", "val"):
        path = out / "annotations" / f"instances_{split}.json"
        doc = json.loads(path.read_text())
        assert isinstance(doc["info"], dict) and isinstance(doc["licenses"], list)
        box_only = [a for a in doc["annotations"] if "segmentation" not in a]
        assert len(box_only) == len(doc["images"])  # one a source image, none emptied
        assert all(a["segmentation"] for a in doc["annotations"] if "segmentation" in a)
        gt = COCO(str(path))
        detections = [{"image_id": a["image_id"], "category_id": a["category_id"],
                       "bbox": a["bbox"], "score": 1.0} for a in doc["annotations"]]
        evaluation = COCOeval(gt, gt.loadRes(detections), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
        assert evaluation.stats[0] == pytest.approx(1.0)


def test_coco_writer_passes_the_sources_info_and_licenses_through(tmp_path):
    from mediasynth.io.layouts.coco import LAYOUT

    info = {"year": 2017, "description": "COCO 2017", "contributor": "x", "url": "u"}
    licenses = [{"id": i, "name": f"license {i}", "url": f"u{i}"} for i in range(1, 9)]
    entries = [{"file": f"images/train/a{i}.jpg",
                "annotation": {"width": 64, "height": 48,
                               "objects": [{"category": "cat", "bbox": [1, 2, 11, 12],
                                            "iscrowd": 0, "extra": {}}]}}
               for i in range(300)]
    meta = {"format": "coco", "info": info, "licenses": licenses,
            "categories": {"cat": {"id": 17, "name": "cat"}}}
    LAYOUT.export(tmp_path, {"train": entries}, meta, primary=True)
    doc = json.loads((tmp_path / "annotations" / "instances_train.json").read_text())
    assert doc["info"] == info and doc["licenses"] == licenses
    assert len(doc["annotations"]) == 300
    assert not any("segmentation" in a for a in doc["annotations"])
    LAYOUT.export(tmp_path, {"train": entries}, {"format": "coco"}, primary=True)
    doc = json.loads((tmp_path / "annotations" / "instances_train.json").read_text())
    assert doc["licenses"] == [] and "description" in doc["info"]
