"""Transforms with partners (mixup, cutmix, mosaic): pixels as defined, annotations that
match the composited pixels, soft labels, plans that draw partners from the same split."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from mediasynth.cli import main
from mediasynth.core.media import Image
from mediasynth.core.registry import lookup
from tests.engine.helpers import make_tree
from tests.io.layouts.helpers import box_iou, mask_box


def _img(seed, h=40, w=60):
    return Image(np.random.default_rng(seed).integers(0, 255, (h, w, 3), dtype=np.uint8))


def test_mixup_is_lambda_a_plus_one_minus_lambda_b():
    a, b = _img(0), _img(1, 30, 60)
    step = lookup("image.mixup")(alpha=0.4)
    out, record = step.run(a.replace(meta={"partners": [(b, None)]}), np.random.default_rng(3))
    lam = record.params["lambda"]
    import cv2

    resized = cv2.resize(b.pixels, (60, 40), interpolation=cv2.INTER_AREA)
    want = lam * a.pixels.astype(np.float64) + (1 - lam) * resized
    assert np.abs(out.pixels - want).max() <= 0.5 + 1e-4
    assert step.label_weights(record.params) == pytest.approx([lam, 1 - lam])


def test_cutmix_pastes_the_box_and_mosaic_fills_quarters():
    a, b = _img(0), _img(1)
    out, rec = lookup("image.cutmix")().run(a.replace(meta={"partners": [(b, None)]}),
                                          np.random.default_rng(4))
    x0, y0, x1, y1 = rec.params["box"]
    assert np.array_equal(out.pixels[y0:y1, x0:x1], b.pixels[y0:y1, x0:x1])
    outside = np.ones(a.pixels.shape[:2], bool)
    outside[y0:y1, x0:x1] = False
    assert np.array_equal(out.pixels[outside], a.pixels[outside])
    parts = [(_img(i), None) for i in (5, 6, 7)]
    step = lookup("image.mosaic")()
    out, rec = step.run(a.replace(meta={"partners": parts}), np.random.default_rng(2))
    assert out.pixels.shape == a.pixels.shape and sum(step.label_weights(rec.params)) == 1.0
    with pytest.raises(ValueError, match="partner"):
        lookup("image.mixup")().run(a, np.random.default_rng(0))


def _rows(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_expand_with_mixup_across_classes_gives_soft_labels_and_replays(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 6), ("square", 6)), tones=())
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("image: [{type: image.mixup, partners_from: any_class},"
                        " {type: image.flip_horizontal, p: 0.5}]\n"
                        "dataset: {split: {train: 0.5, val: 0.5}}\n")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report"]) == 0
    rows = _rows(out)
    split_of = {r["source"]: r["split"] for r in rows}
    mixed = [r for r in rows if r.get("mix")]
    assert mixed and all(split_of[p] == r["split"] for r in mixed for p in r["mix"]["partners"])
    soft = [r for r in mixed if r.get("soft_labels")]
    assert soft and all(abs(sum(r["soft_labels"].values()) - 1) < 1e-6 for r in soft)
    dest = tmp_path / "replayed"
    dest.mkdir()
    for r in mixed[:6]:
        assert main(["replay", str(out), r["id"], str(dest)]) == 0


def test_partner_steps_must_come_first(tmp_path):
    from mediasynth.core.config import load_pipeline
    from mediasynth.core.errors import ConfigError

    bad = tmp_path / "bad.yaml"
    bad.write_text("image: [{type: image.flip_horizontal}, {type: image.mixup}]\n")
    with pytest.raises(ConfigError, match="first step"):
        load_pipeline(bad)


@pytest.mark.parametrize("step", ["image.cutmix", "image.mosaic", "image.mixup",
                                  "image.copy_paste"])
def test_mixed_annotations_match_the_composited_instances(tmp_path, step):
    """Synth scenes through a partner step alone: each output box matches the region of the
    instance it came from in the composited instance-id masks (IoU >= 0.9)."""
    pytest.importorskip("pycocotools")
    from PIL import Image as PILImage
    from pycocotools.coco import COCO

    src = tmp_path / "synth"
    assert main(["synth", "shapes", str(src), "--count", "12", "-q", "--no-report",
                 "--set", "width=96", "--set", "height=72"]) == 0
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text(f"image: [{{type: {step}}}]\n")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report"]) == 0

    def ids(rel):
        stem = Path(rel).stem
        return np.array(PILImage.open(src / "annotations" / "masks" / "all" / f"{stem}.png"))

    coco = COCO(str(out / "annotations" / "instances_default.json"))
    by_name = {Path(r["output"]).name: r for r in _rows(out) if r["status"] == "ok"}
    checked = 0
    for image in coco.dataset["images"]:
        row = by_name[image["file_name"]]
        params = row["record"]["children"][0]["params"]
        inputs = [row["source"], *row["mix"]["partners"]]
        composite = _composite(step, [ids(p) for p in inputs], params,
                               _pasted_mask(src, inputs, params) if step == "image.copy_paste"
                               else None)
        for ann in coco.loadAnns(coco.getAnnIds(imgIds=image["id"])):
            x, y, w, h = ann["bbox"]
            if step == "image.mixup":
                continue  # both layers stay visible: checked by the object count below
            drawn = coco.annToMask(ann).astype(bool)
            values, counts = np.unique(composite[drawn], return_counts=True)
            keep = values > 0
            truth = composite == values[keep][np.argmax(counts[keep])]
            tb = mask_box(truth)
            if step == "image.mosaic" and min(tb[2] - tb[0], tb[3] - tb[1]) < 12:
                continue  # a few pixels across: resampling decides, not geometry
            assert box_iou([x, y, x + w, y + h], mask_box(truth)) >= 0.9, (row["output"], ann)
            checked += 1
        if step == "image.mixup":
            want = sum(len(np.unique(ids(p))) - 1 for p in inputs)
            assert len(coco.getAnnIds(imgIds=image["id"])) == want
            checked += 1
    assert checked >= 10


def _pasted_mask(src, inputs, params):
    """The partner's pasted instances, rasterized from the source COCO by pycocotools."""
    from pycocotools.coco import COCO

    coco = COCO(str(src / "annotations" / "all.coco.json"))
    image = next(i for i in coco.dataset["images"] if i["file_name"].endswith(inputs[1]))
    anns = coco.loadAnns(coco.getAnnIds(imgIds=image["id"]))
    mask = np.zeros((image["height"], image["width"]), bool)
    for i in params["pasted"]:
        mask |= coco.annToMask(anns[i]).astype(bool)
    return mask


def _composite(step, masks, params, pasted=None):
    import cv2

    h, w = masks[0].shape
    layers = [cv2.resize(m.astype(np.uint16), (w, h), interpolation=cv2.INTER_NEAREST_EXACT)
              + np.where(m > 0, 1000 * k, 0).astype(np.uint16) for k, m in enumerate(masks)]
    if step == "image.cutmix":
        x0, y0, x1, y1 = params["box"]
        out = layers[0].copy()
        out[y0:y1, x0:x1] = layers[1][y0:y1, x0:x1]
        return out
    if step == "image.mosaic":
        cx, cy = params["cx"], params["cy"]
        out = np.zeros((h, w), np.uint16)
        cells = [(0, 0, cx, cy), (cx, 0, w, cy), (0, cy, cx, h), (cx, cy, w, h)]
        for k, ((x0, y0, x1, y1), m) in enumerate(zip(cells, masks)):
            for value in np.unique(m[m > 0]):  # each instance as the pixels are resampled
                cell = cv2.resize((m == value).astype(np.float32), (x1 - x0, y1 - y0),
                                  interpolation=cv2.INTER_AREA) >= 0.5
                out[y0:y1, x0:x1][cell] = int(value) + 1000 * k
        return out
    if step == "image.copy_paste":
        out = layers[0].copy()
        out[pasted] = layers[1][pasted]
        return out
    return layers[0]


def test_partners_from_neighbours_are_among_the_nearest(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 12),), tones=())
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("image: [{type: image.mixup, partners_from: neighbours}]\n"
                        "dataset: {balance: {strategy: none, k_neighbors: 2}}\n")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report"]) == 0
    from sklearn.neighbors import NearestNeighbors

    from mediasynth.core.config import Budgets
    from mediasynth.engine.handlers import handler_for

    rows = [r for r in _rows(out) if r.get("mix")]
    names = sorted({r["source"] for r in rows})
    handler = handler_for("image")
    vectors = np.stack([handler.embed(handler.load(src / n, Budgets())) for n in names])
    _, index = NearestNeighbors(n_neighbors=3).fit(vectors).kneighbors(vectors)
    nearest = {names[i]: {names[j] for j in row[1:]} for i, row in enumerate(index)}
    assert rows and all(r["mix"]["partners"][0] in nearest[r["source"]] for r in rows)


def _mode_variants(seed: int) -> dict[str, Image]:
    """One scene in the layouts read_image hands over: gray, RGB, RGBA, 16-bit gray, 16-bit
    RGB (different sizes, so partners are resized too)."""
    rng = np.random.default_rng(seed)
    rgb = rng.integers(0, 256, (36, 52, 3), dtype=np.uint8)
    gray = np.rint(rgb @ np.array([0.299, 0.587, 0.114]))[:, :, None].astype(np.uint8)
    alpha = rng.integers(0, 256, (36, 52, 1), dtype=np.uint8)
    return {"L": Image(gray), "RGB": Image(rgb),
            "RGBA": Image(np.concatenate([rgb, alpha], 2)),
            "I;16": Image(gray.astype(np.uint16) * 257),
            "RGB;16": Image(rng.integers(0, 65536, (30, 40, 3), dtype=np.uint16))}


@pytest.mark.parametrize("step", ["image.mixup", "image.cutmix", "image.mosaic"])
def test_partners_of_another_mode_take_the_sources_channels_and_depth(step):
    transform = lookup(step)()
    sources, partners = _mode_variants(0), list(_mode_variants(1).values())
    for name, source in sources.items():
        needed = transform.partners_needed
        for first in range(len(partners)):
            chosen = [(partners[(first + k) % len(partners)], None) for k in range(needed)]
            out, _ = transform.run(source.replace(meta={"partners": chosen}),
                                   np.random.default_rng(first))
            assert out.pixels.shape == source.pixels.shape, (name, first)
            assert out.pixels.dtype == source.pixels.dtype, (name, first)


def test_mixup_of_a_gray_source_with_a_colour_partner_mixes_the_partners_luma():
    gray = _mode_variants(0)["L"]
    colour = _mode_variants(1)["RGB"]
    step = lookup("image.mixup")(alpha=100.0)  # lambda near 0.5: both images count
    out, record = step.run(gray.replace(meta={"partners": [(colour, None)]}),
                           np.random.default_rng(0))
    lam = record.params["lambda"]
    assert 0.3 < lam < 0.7
    luma = colour.pixels.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    want = lam * gray.pixels[:, :, 0] + (1 - lam) * np.rint(luma)
    assert np.abs(out.pixels[:, :, 0].astype(np.float64) - want).max() <= 1.0


def test_expand_mixes_a_folder_of_gray_colour_alpha_and_16_bit_images(tmp_path):
    from mediasynth.io.image_io import read_image
    from tests.image.helpers import mixed_mode_tree

    mixed_mode_tree(tmp_path / "src", per_mode=8)
    out = tmp_path / "out"
    pipeline = tmp_path / "mosaic.yaml"
    pipeline.write_text("version: 1\nvariants: 1\nimage:\n  - {type: image.mosaic}\n")
    assert main(["expand", str(tmp_path / "src"), str(out), "-p", str(pipeline),
                 "--split", "1,0,0", "-q", "--no-report"]) == 0
    rows = [json.loads(x) for x in (out / "manifest.jsonl").read_text().splitlines()]
    made = [r for r in rows if r["status"] == "ok" and r["variant"] == 0]
    assert len(made) == 88
    for row in made:
        source = read_image(tmp_path / "src" / row["source"]).pixels
        output = read_image(out / row["output"]).pixels
        assert output.shape[2] == source.shape[2], row["source"]
