"""A curated split is kept (issue: the input's own split was discarded): declared subsets
stay where they are, train is augmented and val copied; --resplit re-splits and says so."""

from __future__ import annotations

import json
from collections import Counter

from mediasynth.cli import main
from tests.photos import quarters, real_photos, save


def _coco_with_subsets(src, train=44, val=10):
    """A COCO export (FiftyOne/Datumaro style: annotations/instances_<subset>.json, images in
    images/<subset>/), keys in sorted order, one box per image, of real photo crops."""
    crops = []
    for photo in real_photos().values():
        photo = photo.copy()
        photo.thumbnail((128, 128))
        crops += quarters(photo)
    assert len(crops) >= train + val  # distinct images: no near-duplicate groups
    categories = [{"id": 1, "name": "thing"}, {"id": 2, "name": "other"}]
    index = 0
    for subset, count in (("train", train), ("val", val)):
        images, annotations = [], []
        for i in range(count):
            crop = crops[index].convert("L" if index % 3 == 0 else "RGB")  # mixed modes
            index += 1
            name = f"{subset}_{i:03d}.jpg"
            save(crop, src / "images" / subset / name)
            w, h = crop.size
            images.append({"id": i + 1, "file_name": name, "width": w, "height": h})
            annotations.append({"id": i + 1, "image_id": i + 1, "category_id": 1 + i % 2,
                                "bbox": [4, 4, w // 2, h // 2], "area": (w // 2) * (h // 2),
                                "iscrowd": 0})
        doc = {"annotations": annotations, "categories": categories, "images": images}
        path = src / "annotations" / f"instances_{subset}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(doc, sort_keys=True))


def _rows(out):
    return [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]


def test_declared_subsets_are_kept_train_augmented_val_copied(tmp_path, capsys):
    src, out = tmp_path / "src", tmp_path / "out"
    _coco_with_subsets(src)
    assert main(["expand", str(src), str(out), "-q", "--no-report", "-n", "2",
                 "-p", "image_classification"]) == 0
    rows = _rows(out)
    for r in rows:
        declared = "val" if "/val/" in r["source"] else "train"
        assert r["split"] == declared, r["source"]
        assert (r["variant"] == -1) == (declared == "val")
    assert Counter(r["split"] for r in rows) == {"train": 88, "val": 10}
    assert (out / "annotations" / "instances_val.json").is_file()
    assert "declares its own splits" in capsys.readouterr().err


def test_resplit_moves_sources_and_says_how_many(tmp_path, capsys):
    src, out = tmp_path / "src", tmp_path / "out"
    _coco_with_subsets(src)
    assert main(["expand", str(src), str(out), "-q", "--no-report", "-n", "1",
                 "--split", "0.8,0.1,0.1", "--resplit", "-p", "image_classification"]) == 0
    sources = {r["source"]: r["split"] for r in _rows(out)}
    sizes = Counter(sources.values())
    assert all(abs(sizes[k] - share * 54) <= 1 for k, share in
               (("train", 0.8), ("val", 0.1), ("test", 0.1)))
    assert "--resplit:" in capsys.readouterr().err
