"""`balance: {strategy: ..., count: objects}`: detection data balanced by objects per
category (repeat-factor sampling), checked on the COCO files expand writes."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from mediasynth.core.balance import balance_spec
from mediasynth.core.errors import ConfigError
from mediasynth.engine.sampler import object_variants
from tests.io.layouts.helpers import FLIP, expand, noise_image, pipeline_file

pytest.importorskip("pycocotools")


def coco_set(root, layout: list[list[str]]) -> None:
    """One 64x48 noise image per entry of `layout`, holding one box per category named."""
    images, annotations = [], []
    for i, cats in enumerate(layout):
        noise_image(root / "images" / f"im{i:02d}.png", 64, 48, seed=i)
        images.append({"id": i + 1, "file_name": f"im{i:02d}.png", "width": 64, "height": 48})
        for j, cat in enumerate(cats):
            annotations.append({"id": len(annotations) + 1, "image_id": i + 1,
                                "category_id": "abc".index(cat) + 1, "iscrowd": 0,
                                "bbox": [2 + 6 * j, 3, 5, 5], "area": 25})
    categories = [{"id": k + 1, "name": n} for k, n in enumerate("abc")]
    (root / "annotations").mkdir(parents=True)
    (root / "annotations" / "instances_default.json").write_text(json.dumps(
        {"images": images, "annotations": annotations, "categories": categories}))


def objects_out(out) -> Counter:
    doc = json.loads(next((out / "annotations").glob("instances_*.json")).read_text())
    names = {c["id"]: c["name"] for c in doc["categories"]}
    return Counter(names[a["category_id"]] for a in doc["annotations"])


LAYOUT = [["a", "a"]] * 10 + [["a", "b"]] * 2 + [["c"]] * 2 + [[]] * 2


def test_oversampling_by_objects_lifts_the_rare_categories(tmp_path):
    coco_set(tmp_path / "src", LAYOUT)
    plain = pipeline_file(tmp_path, FLIP)
    by_objects = tmp_path / "objects.yaml"
    by_objects.write_text(FLIP + "dataset: {balance: {strategy: oversample, count: objects}}\n")
    assert expand(tmp_path / "src", tmp_path / "o1", plain, "-n", "2") == 0
    assert expand(tmp_path / "src", tmp_path / "o2", by_objects, "-n", "2") == 0
    before, after = objects_out(tmp_path / "o1"), objects_out(tmp_path / "o2")
    assert before == {"a": 44, "b": 4, "c": 4}
    # a: 22 objects x 2; b and c are repeated by 44 / 4 = 11 (the image with a and b too)
    assert after["b"] == 44 and after["c"] == 44 and after["a"] == 40 + 44
    assert min(after.values()) / max(after.values()) > 0.5 > min(before.values()) / max(
        before.values())


def test_undersampling_by_objects_never_drops_a_rare_category():
    objects = {f"im{i}": Counter(c) for i, c in enumerate(["aa"] * 10 + ["ab"] * 2 + ["c"] * 2)}
    counts = object_variants(objects, variants=3, spec=balance_spec(
        {"strategy": "undersample", "count": "objects"}))
    assert all(counts[f"im{i}"] == 3 for i in range(10, 14))  # b and c keep every variant
    kept_a = sum(counts[f"im{i}"] * 2 for i in range(10)) + 2 * 3
    # a: target 6 of 66, so the a-only images share 10 x 3 x 6 / 66 = 2.7 -> 3 variants
    assert sum(counts[f"im{i}"] for i in range(10)) == 3 and kept_a == 12
    assert object_variants(objects, variants=3, spec=balance_spec(
        {"strategy": "undersample", "count": "objects"})) == counts  # deterministic


def test_count_objects_is_validated():
    with pytest.raises(ConfigError, match="items or objects"):
        balance_spec({"strategy": "oversample", "count": "boxes"})
    with pytest.raises(ConfigError, match="synthesize"):
        balance_spec({"strategy": "synthesize", "count": "objects"})
