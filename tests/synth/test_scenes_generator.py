"""`synth.scenes` end to end on real assets: 100 scenes at 640 x 480 of real instance masks
(coins, photo segments) pasted onto real photos. Every annotation is checked against a
re-rendering of its object from the row's parameters; COCO loads in pycocotools, YOLO agrees
with it, rows replay byte for byte, 1 and 2 workers write the same bytes, files never cross
splits, and `expand` reads the output back."""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import warnings
from contextlib import redirect_stdout
from pathlib import Path

import numpy as np
import pytest

from mediasynth.cli import main
from mediasynth.core.errors import ConfigError
from mediasynth.core.registry import lookup
from mediasynth.core.transform import OpRecord

MAX_OCCLUSION = 0.35
MAX_TRUNCATION = 0.25
SETTINGS = {"objects_range": "[3, 8]", "scale_range": "[0.1, 0.3]", "blend": "mixed",
            "distractors_range": "[0, 3]", "max_occlusion": str(MAX_OCCLUSION),
            "max_truncation": str(MAX_TRUNCATION), "rotation_deg_range": "[-45, 45]"}
ULTRALYTICS_PYTHON = Path("/work/.bench-venvs/bench-ultralytics/bin/python")
# pycocotools' decode under NumPy 2 (annToMask) warns about its own __array__ call
pytestmark = [pytest.mark.slow,
              pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")]


def _run(assets, out: Path, *, count: int, workers: int = 1, extra: dict | None = None) -> int:
    sets = [f"{k}={v}" for k, v in {**SETTINGS, **(extra or {})}.items()]
    return main(["synth", "scenes", str(out), "--objects", str(assets["coco"]),
                 "--backgrounds", str(assets["backgrounds"]), "--count", str(count),
                 "--split", "0.5,0.5", "--seed", "11", "--workers", str(workers), "-q",
                 "--no-report", *[a for s in sets for a in ("--set", s)]])


@pytest.fixture(scope="module")
def scenes_out(scene_assets, tmp_path_factory):
    out = tmp_path_factory.mktemp("scenes") / "out"
    assert _run(scene_assets, out, count=100) == 0
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    return out, rows


def _generator(assets, **more):
    settings = {k: json.loads(v) if v[0] in "[0123456789" else v for k, v in SETTINGS.items()}
    return lookup("synth.scenes")(objects=str(assets["coco"]),
                                  backgrounds=str(assets["backgrounds"]), **{**settings, **more})


def _object_masks(generator, params: dict) -> list[np.ndarray]:
    """Each pasted object's in-frame mask, re-rendered alone from the row's parameters."""
    masks = []
    for obj in params["objects"]:
        alone = {**params, "objects": [{**obj, "label": True, "blend": "none"}]}
        masks.append(generator.render(alone).media.mask == 1)
    return masks


def _coco(path: Path):
    from pycocotools.coco import COCO

    with warnings.catch_warnings(), redirect_stdout(io.StringIO()):
        warnings.simplefilter("error")
        return COCO(str(path))


def test_annotations_are_the_visible_pixels_of_each_object(scene_assets, scenes_out):
    out, rows = scenes_out
    generator = _generator(scene_assets)
    checked = occluded = 0
    for split in ("train", "val"):
        coco = _coco(out / "annotations" / f"{split}.coco.json")
        by_file = {img["file_name"]: img["id"] for img in coco.dataset["images"]}
        for row in (r for r in rows if r["split"] == split):
            params = row["record"]["params"]
            masks = _object_masks(generator, params)
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[by_file[row["output"]]]))
            labelled = [k for k, o in enumerate(params["objects"]) if o["label"]]
            assert len(anns) == len(labelled)
            for ann, k in zip(anns, labelled):
                above = np.zeros_like(masks[k])
                for j in range(k + 1, len(masks)):
                    above |= masks[j]
                visible = masks[k] & ~above
                annotated = coco.annToMask(ann).astype(bool)
                iou = (visible & annotated).sum() / (visible | annotated).sum()
                assert iou >= 0.98, (row["output"], k, iou)
                ys, xs = np.nonzero(visible)
                x, y, w, h = ann["bbox"]
                assert [x, y, x + w, y + h] == [xs.min(), ys.min(), xs.max() + 1, ys.max() + 1]
                assert ann["iscrowd"] == 0 and ann["area"] == visible.sum()
                occlusion = 1 - visible.sum() / masks[k].sum()
                assert occlusion <= MAX_OCCLUSION + 1e-9
                assert abs(occlusion - params["objects"][k]["occlusion"]) < 1e-5
                assert params["objects"][k]["truncation"] <= MAX_TRUNCATION
                checked += 1
                occluded += occlusion > 0.05
    assert checked > 300 and occluded > 20  # hundreds of objects, many of them occluded


def test_instance_masks_and_yolo_labels_agree_with_coco(scenes_out):
    from mediasynth.io.image_io import read_image

    out, rows = scenes_out
    classes = (out / "annotations" / "classes.txt").read_text().split()
    assert classes == ["coin", "segment"]
    for split in ("train", "val"):
        coco = _coco(out / "annotations" / f"{split}.coco.json")
        for img in coco.dataset["images"]:
            stem = Path(img["file_name"]).stem
            ids = read_image(out / "annotations" / "masks" / split / f"{stem}.png").pixels[:, :, 0]
            anns = coco.loadAnns(coco.getAnnIds(imgIds=[img["id"]]))
            lines = (out / "annotations" / "yolo" / split / f"{stem}.txt").read_text().split()
            assert len(lines) == 5 * len(anns)
            for n, ann in enumerate(anns, start=1):
                assert np.array_equal(ids == n, coco.annToMask(ann).astype(bool))
                cls, cx, cy, w, h = lines[5 * (n - 1):5 * n]
                x, y, bw, bh = ann["bbox"]
                assert classes[int(cls)] == coco.cats[ann["category_id"]]["name"]
                assert np.allclose([float(cx) * 640, float(cy) * 480, float(w) * 640,
                                    float(h) * 480], [x + bw / 2, y + bh / 2, bw, bh], atol=1e-3)


def test_rows_replay_byte_identical(scene_assets, scenes_out):
    from mediasynth.io.image_io import encode_image

    out, rows = scenes_out
    generator = _generator(scene_assets)
    for row in rows[::5]:
        params = json.loads(json.dumps(row["record"]["params"]))
        item = generator.replay(OpRecord.from_dict({**row["record"], "params": params}))
        data = encode_image(item.media, "png")
        assert hashlib.sha256(data).hexdigest() == row["output_sha256"]
        assert data == (out / row["output"]).read_bytes()


def test_object_and_background_files_never_cross_splits(scenes_out):
    _, rows = scenes_out
    used: dict[str, dict[str, set]] = {}
    for row in rows:
        params = row["record"]["params"]
        files = used.setdefault(row["split"], {"objects": set(), "backgrounds": set()})
        files["backgrounds"].add(params["background"]["file"])
        for obj in params["objects"]:
            source = obj["source"]
            if "file" in source:
                files["objects"].add(source["file"])
            else:
                files["backgrounds"].add(source["background"])  # a distractor patch
    assert set(used) == {"train", "val"}
    for kind in ("objects", "backgrounds"):
        assert used["train"][kind] and used["val"][kind]
        assert not used["train"][kind] & used["val"][kind]
    assert any("café_0.jpg" in u["backgrounds"] for u in used.values())


def test_dropped_objects_are_recorded(scene_assets):
    generator = _generator(scene_assets, objects_range=(12, 12), scale_range=(0.35, 0.45),
                           max_occlusion=0.0, max_truncation=0.0, placement_attempts=3)
    from mediasynth.synth.base import ItemContext

    params = generator.get_params(np.random.default_rng(0), "scene", ItemContext(0))
    assert params["dropped"] and all(d["reason"] == "no_position" for d in params["dropped"])
    assert len(params["objects"]) + len(params["dropped"]) >= 12
    masks = _object_masks(generator, params)
    total = np.sum(masks, axis=0)
    assert total.max() <= 1  # max_occlusion 0: no object covers another


def test_one_and_two_workers_write_the_same_bytes(scene_assets, tmp_path):
    from tests.engine.helpers import tree_digest

    for name, workers in (("a", 1), ("b", 2)):
        assert _run(scene_assets, tmp_path / name, count=24, workers=workers) == 0
    assert tree_digest(tmp_path / "a") == tree_digest(tmp_path / "b")


def test_object_weights_choose_the_classes(scene_assets):
    from mediasynth.synth.base import ItemContext

    generator = _generator(scene_assets, object_weights={"coin": 1, "segment": 0})
    for seed in range(5):
        item, _ = generator.generate(np.random.default_rng(seed), "scene", ItemContext(seed))
        assert {o["class"] for o in item.annotations["objects"]} == {"coin"}
    with pytest.raises(ConfigError, match="unknown classes"):
        _generator(scene_assets, object_weights={"coins": 1})


def test_expand_reads_the_output_back(scenes_out, tmp_path):
    out, rows = scenes_out
    again = tmp_path / "again"
    assert main(["expand", str(out), str(again), "-n", "1", "-q", "--no-report",
                 "--workers", "1"]) in (0, 3)
    ours = json.loads((out / "annotations" / "val.coco.json").read_text())
    theirs = json.loads((again / "annotations" / "instances_val.json").read_text())
    assert len(theirs["images"]) == len(ours["images"])
    boxes = sorted(tuple(a["bbox"]) for a in ours["annotations"])
    assert sorted(tuple(a["bbox"]) for a in theirs["annotations"]) == boxes


@pytest.mark.skipif(not ULTRALYTICS_PYTHON.exists(), reason="no Ultralytics bench venv")
def test_yolo_labels_pass_ultralytics_label_checks(scenes_out):
    out, _ = scenes_out
    script = (
        "import sys, glob, os\n"
        "from ultralytics.data.utils import verify_image_label\n"
        "out = sys.argv[1]; bad = []; n = 0\n"
        "for split in ('train', 'val'):\n"
        "    for image in sorted(glob.glob(os.path.join(out, split, 'scene', '*.png'))):\n"
        "        stem = os.path.splitext(os.path.basename(image))[0]\n"
        "        label = os.path.join(out, 'annotations', 'yolo', split, stem + '.txt')\n"
        "        r = verify_image_label((image, label, '', False, 2, 0, 0, False))\n"
        "        n += 1\n"
        "        if r[0] is None or r[8] or r[9] or r[1] is None or not len(r[1]):\n"
        "            bad.append((image, r[9]))\n"
        "print(n, bad)\n")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([str(ULTRALYTICS_PYTHON), "-c", script, str(out)], capture_output=True,
                          text=True, env=env, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "100 []"


def test_same_options_from_a_pipeline_source_and_the_api(scene_assets, tmp_path):
    import mediasynth as ms

    pipeline = tmp_path / "scenes.yaml"
    pipeline.write_text(
        "source:\n  type: synth.scenes\n"
        f"  objects: {json.dumps(str(scene_assets['coco']))}\n"
        f"  backgrounds: {json.dumps(str(scene_assets['backgrounds']))}\n"
        "  width: 320\n  height: 240\n  count: 6\n")
    assert main(["synth", "pipeline", str(tmp_path / "p"), "-p", str(pipeline), "-q",
                 "--no-report", "--workers", "1"]) == 0
    result = ms.synth.scenes(tmp_path / "a", objects=scene_assets["coco"],
                             backgrounds=scene_assets["backgrounds"], count=6, width=320,
                             height=240, workers=1, report=False, progress=False)
    assert result.items == 6 and result.generator == "synth.scenes"
    made = sorted(p.name for p in (tmp_path / "a" / "scene").iterdir())
    assert made == sorted(p.name for p in (tmp_path / "p" / "scene").iterdir())
    for name in made:
        assert (tmp_path / "a" / "scene" / name).read_bytes() == \
            (tmp_path / "p" / "scene" / name).read_bytes()


def test_cli_refuses_assets_for_other_generators(tmp_path, capsys):
    assert main(["synth", "shapes", str(tmp_path / "o"), "--objects", "x", "-q"]) == 2
    assert "unknown option 'objects'" in capsys.readouterr().err
