"""A new layout is one module plus registration: tests/toy_layout (`boxes.tsv`) is detected,
read, moved through the chain and written back by `expand`, with no edit anywhere else."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mediasynth.cli import main
from mediasynth.core.media import Image
from mediasynth.io import layouts
from mediasynth.io.image_io import write_image

PIPELINE = "version: 1\nseed: 5\nvariants: 1\nimage:\n  - {type: image.flip_horizontal}\n"
W, H = 96, 64


@pytest.fixture
def toy():
    import tests.toy_layout as toy

    toy.register()
    yield toy
    toy.unregister()


def _src(root, n=40):
    lines = []
    for i in range(n):
        pixels = np.zeros((H, W, 3), np.uint8)
        x0, y0 = 4 + i % 30, 6 + i % 20
        pixels[y0:y0 + 20, x0:x0 + 30] = 255
        name = f"pics/shot é{i:03d}.png"
        write_image(Image(pixels), root / name)
        lines.append(f"{name}\tbox\t{x0},{y0},{x0 + 30},{y0 + 20}")
    lines.append("pics/missing.png\tbox\t0,0,1,1")
    (root / "boxes.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return root


def test_a_registered_layout_is_detected_and_offered_as_an_export_format(toy, tmp_path):
    src = _src(tmp_path / "src", n=3)
    assert layouts.detect(src) == "boxes"
    assert "boxes" in layouts.EXPORT_FORMATS
    toy.unregister()
    assert layouts.detect(src) == "folders" and "boxes" not in layouts.EXPORT_FORMATS
    toy.register()


def test_a_toy_layout_expands_end_to_end_with_its_boxes_moved(toy, tmp_path):
    src, out = _src(tmp_path / "src"), tmp_path / "out"
    (tmp_path / "p.yaml").write_text(PIPELINE)
    assert main(["expand", str(src), str(out), "-p", str(tmp_path / "p.yaml"), "-q",
                 "--no-report", "--split", "0.8,0.2", "--near-duplicates", "off",
                 "--annotations", "coco"]) == 0
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    ok = {r["output"]: r for r in rows if r["status"] == "ok"}
    assert len(ok) == 40  # a variant of each train source, val's originals as they are
    assert 25 <= sum(r["variant"] == 0 for r in ok.values()) <= 35
    assert all(o.startswith(("images/train/", "images/val/")) for o in ok)
    exported = {}
    for split in ("train", "val"):
        for line in (out / "boxes" / f"{split}.tsv").read_text(encoding="utf-8").splitlines():
            path, category, box = line.split("\t")
            exported[path] = [float(v) for v in box.split(",")]
    assert set(exported) == set(ok)
    for path, row in ok.items():
        source = row["source"]
        i = int(source[-7:-4])
        x0, y0 = 4 + i % 30, 6 + i % 20
        want = [W - (x0 + 30), y0, W - x0, y0 + 20] if row["variant"] >= 0 else \
            [x0, y0, x0 + 30, y0 + 20]
        assert exported[path] == want, (path, row["variant"])
    coco = json.loads((out / "annotations" / "instances_train.json").read_text())
    assert len(coco["annotations"]) == sum(1 for p in ok if p.startswith("images/train/"))
