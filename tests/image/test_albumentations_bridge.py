"""albumentations 2.0 transforms as pipeline steps (mediasynth/image/albumentations_bridge.py):
determinism from our Generator, replay, targets against albumentations' own output, saved
files through load_pipeline and `mediasynth expand`."""

from __future__ import annotations

import json
import random
from pathlib import Path

import numpy as np
import pytest

from mediasynth.core import registry
from mediasynth.core.config import load_pipeline
from mediasynth.core.errors import ConfigError
from mediasynth.core.media import Image
from mediasynth.core.transform import OpRecord
from mediasynth.image.albumentations_bridge import albumentations_step

A = pytest.importorskip("albumentations")

CHAIN = [
    {"type": "albumentations.CLAHE", "clip_limit": 3.0, "p": 1.0},
    {"type": "albumentations.ElasticTransform", "alpha": 60.0, "sigma": 6.0, "p": 1.0},
    {"type": "albumentations.RandomRain", "drop_width": 1, "blur_value": 3, "p": 1.0},
    {"type": "albumentations.GridDistortion", "num_steps": 5, "distort_limit": 0.4, "p": 1.0},
]
BOX_IDS = np.array([10, 11, 12])


def annotated(height: int = 96, width: int = 128) -> Image:
    """Textured RGB with a label mask, three boxes (ids 10-12) and N x 3 keypoints whose
    third column is a visibility flag."""
    rng = np.random.default_rng(7)
    pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    pixels[20:60, 30:90] = (250, 240, 30)
    mask = np.zeros((height, width), np.uint8)
    mask[20:60, 30:90] = 1
    mask[70:90, 100:120] = 2
    boxes = np.array([[30, 20, 90, 60], [100, 70, 120, 90], [2, 2, 20, 14]], np.float64)
    keypoints = np.array([[30.5, 20.5, 2], [89.5, 59.5, 2], [110.0, 80.0, 1],
                          [5.0, 5.0, 2]], np.float64)
    return Image(pixels, mask=mask, boxes=boxes, keypoints=keypoints,
                 meta={"box_ids": BOX_IDS.copy(), "keypoint_visibility_column": 2})


def _arrays(image: Image) -> list[np.ndarray]:
    return [image.pixels, image.mask, image.boxes, image.keypoints, image.meta["box_ids"]]


def _same(a: Image, b: Image) -> bool:
    return all(x.shape == y.shape and x.dtype == y.dtype and x.tobytes() == y.tobytes()
               for x, y in zip(_arrays(a), _arrays(b)))


def _reference(step_cfgs: list[dict], records: tuple[OpRecord, ...], image: Image) -> dict:
    """albumentations' own output: each step in its own seeded A.Compose, the seed taken from
    our record, boxes carrying their ids as a label field."""
    data = {"image": image.pixels, "mask": image.mask, "bboxes": image.boxes,
            "ids": list(image.meta["box_ids"]), "keypoints": image.keypoints[:, :2]}
    for cfg, record in zip(step_cfgs, records):
        args = {k: v for k, v in cfg.items() if k not in ("type", "p")}
        transform = getattr(A, cfg["type"].removeprefix("albumentations."))(**args, p=1.0)
        compose = A.Compose(  # warns of unused box/keypoint processors for pixel-only steps
            [transform], seed=record.params["seed"],
            bbox_params=A.BboxParams(format="pascal_voc", label_fields=["ids"], clip=True,
                                     filter_invalid_bboxes=True),
            keypoint_params=A.KeypointParams(format="xy", remove_invisible=False))
        data = compose(**data)
    return data


def test_bridged_chain_is_deterministic_and_replays_bit_exactly():
    chain = registry.build(CHAIN)
    image = annotated()
    out1, rec1 = chain.run(image, np.random.default_rng(5))
    out2, rec2 = chain.run(image, np.random.default_rng(5))
    assert _same(out1, out2) and rec1 == rec2
    assert _same(chain.replay(image, rec1), out1)
    from_json = OpRecord.from_dict(json.loads(json.dumps(rec1.to_dict())))
    assert _same(chain.replay(image, from_json), out1)
    assert [c.name for c in rec1.children] == [c["type"] for c in CHAIN]
    # the sampled params are in the record, the big maps only named
    elastic = rec1.children[1].params["applied"][0]
    assert elastic["name"] == "ElasticTransform" and "map_x" in elastic["omitted"]
    assert rec1.children[0].params["applied"][0]["params"]["clip_limit"] > 1.0
    # the chain did something to every target that moves
    assert not np.array_equal(out1.pixels, image.pixels)
    assert not np.array_equal(out1.mask, image.mask)
    assert not np.array_equal(out1.boxes, image.boxes)
    other, _ = chain.run(image, np.random.default_rng(6))
    assert not np.array_equal(other.pixels, out1.pixels)


@pytest.mark.filterwarnings("ignore:Got processor for")
def test_bridged_chain_matches_albumentations_on_the_same_seeds():
    chain = registry.build(CHAIN)
    image = annotated()
    out, record = chain.run(image, np.random.default_rng(11))
    ref = _reference(CHAIN, record.children, image)
    assert np.array_equal(out.pixels, ref["image"])
    assert np.array_equal(out.mask, ref["mask"])
    # albumentations' boxes pass through float32 normalization; ours equal them to 1e-3 px
    np.testing.assert_allclose(out.boxes, np.asarray(ref["bboxes"]), atol=1e-3)
    assert list(out.meta["box_ids"]) == [int(i) for i in ref["ids"]]
    np.testing.assert_allclose(out.keypoints[:, :2], np.asarray(ref["keypoints"]), atol=1e-3)


def test_dropped_boxes_drop_their_ids_and_keypoints_stay():
    step = {"type": "albumentations.Crop", "x_min": 0, "y_min": 0, "x_max": 96, "y_max": 64,
            "p": 1.0}
    image = annotated()
    out, record = registry.build([step]).run(image, np.random.default_rng(0))
    ref = _reference([step], record.children, image)
    assert out.pixels.shape == (64, 96, 3)
    assert list(out.meta["box_ids"]) == [10, 12] == [int(i) for i in ref["ids"]]
    np.testing.assert_allclose(out.boxes, [[30, 20, 90, 60], [2, 2, 20, 14]])
    assert len(out.keypoints) == len(image.keypoints)
    # the keypoint now outside the 96 x 64 frame is marked invisible, the others untouched
    np.testing.assert_array_equal(out.keypoints[:, 2], [2, 2, 0, 2])


def test_keypoints_lost_by_mask_remapping_keep_their_rows():
    """ElasticTransform remaps keypoints through a mask: points outside the frame and points
    a pixel apart are lost in albumentations; every row comes back, the survivors where
    albumentations puts them, the lost ones moved like their nearest neighbour."""
    image = annotated()
    ring = np.stack([60 + 25 * np.cos(np.linspace(0, 6.2, 300)),
                     48 + 25 * np.sin(np.linspace(0, 6.2, 300))], axis=1)  # 0.5 px apart
    outside = np.array([[-5.0, 10.0], [140.0, 50.0]])
    xy = np.concatenate([ring, outside])
    keypoints = np.concatenate([xy, np.full((len(xy), 1), 2.0)], axis=1)
    image = image.replace(keypoints=keypoints)
    step = {"type": "albumentations.ElasticTransform", "alpha": 80.0, "sigma": 8.0, "p": 1.0}
    out, record = registry.build([step]).run(image, np.random.default_rng(2))
    assert out.keypoints.shape == keypoints.shape
    compose = A.Compose(
        [A.ElasticTransform(alpha=80.0, sigma=8.0, p=1.0)], seed=record.children[0].params["seed"],
        keypoint_params=A.KeypointParams(format="xy", label_fields=["i"],
                                         remove_invisible=False))
    ref = compose(image=image.pixels, keypoints=xy, i=np.arange(len(xy)))
    kept = np.asarray(ref["i"], int)
    assert 0 < len(kept) < len(ring)  # albumentations lost some of the ring
    np.testing.assert_allclose(out.keypoints[kept, :2], np.asarray(ref["keypoints"])[:, :2])
    lost = np.setdiff1d(np.arange(len(ring)), kept)
    step_px = np.linalg.norm(out.keypoints[lost, :2] - xy[lost], axis=1)
    assert step_px.max() < 12  # moved with the field, not thrown away or to the origin
    np.testing.assert_array_equal(out.keypoints[-2:, 2], [0, 0])  # still outside: invisible


def test_seeds_come_from_our_generator_only():
    chain = registry.build(CHAIN)
    image = annotated()
    np.random.seed(1)
    random.seed(1)
    first, _ = chain.run(image, np.random.default_rng(3))
    np.random.seed(2)
    random.seed(2)
    py_state, np_state = random.getstate(), np.random.get_state()
    second, _ = chain.run(image, np.random.default_rng(3))
    assert _same(first, second)
    assert random.getstate() == py_state
    assert all(np.array_equal(a, b) for a, b in zip(np.random.get_state(), np_state))


def test_pixel_only_step_keeps_targets_exactly_and_rgba_alpha():
    clahe = albumentations_step("CLAHE", clip_limit=4.0, p=1.0)
    image = annotated()
    out, _ = clahe.run(image, np.random.default_rng(0))
    assert out.boxes is image.boxes and out.keypoints is image.keypoints
    alpha = np.linspace(0, 255, image.width * image.height).reshape(image.height, -1, 1)
    rgba = image.replace(pixels=np.concatenate([image.pixels, alpha.astype(np.uint8)], 2))
    out_rgba, _ = clahe.run(rgba, np.random.default_rng(0))
    assert np.array_equal(out_rgba.pixels[:, :, 3], rgba.pixels[:, :, 3])
    assert np.array_equal(out_rgba.pixels[:, :, :3], out.pixels)


def test_gray_and_uint16_come_back_in_their_own_layout():
    rain = albumentations_step("RandomRain", p=1.0)  # albumentations refuses one channel
    gray = Image(annotated().pixels[:, :, :1].copy())
    out, _ = rain.run(gray, np.random.default_rng(0))
    assert out.pixels.shape == gray.pixels.shape and out.pixels.dtype == np.uint8
    assert not np.array_equal(out.pixels, gray.pixels)
    deep = Image(annotated().pixels.astype(np.uint16) * 257)
    out16, _ = albumentations_step("GridDistortion", p=1.0).run(deep, np.random.default_rng(0))
    assert out16.pixels.dtype == np.uint16 and out16.pixels.max() > 255


def test_config_uses_albumentations_names_and_defaults():
    cls = registry.lookup("albumentations.CLAHE")
    assert cls().p == 0.5  # albumentations' own default
    step = registry.build({"type": "albumentations.CLAHE", "clip_limit": [1, 3]})
    assert step.to_config() == {"type": "albumentations.CLAHE", "clip_limit": [1, 3], "p": 0.5}
    assert registry.build(step.to_config()) == step
    assert "albumentations.CLAHE" not in registry.names()
    with pytest.raises(ConfigError, match="did you mean 'CLAHE'"):
        registry.build({"type": "albumentations.CLAHEE"})
    with pytest.raises(ConfigError, match="did you mean 'clip_limit'"):
        registry.build({"type": "albumentations.CLAHE", "clip_limt": 2})
    with pytest.raises(ConfigError, match="albumentations.Blur"):
        registry.build({"type": "albumentations.Blur", "blur_limit": "big"})


def _saved_compose(path: Path, data_format: str) -> Path:
    transform = A.Compose(
        [A.CLAHE(clip_limit=2.0, p=1.0),
         A.OneOf([A.ElasticTransform(alpha=30.0, p=1.0), A.GridDistortion(p=1.0)], p=0.9),
         A.RandomRain(p=0.5), A.GaussNoise(std_range=(1e-05, 0.1), p=1.0)],
        bbox_params=A.BboxParams(format="pascal_voc", label_fields=["l"], min_visibility=0.25))
    A.save(transform, str(path), data_format=data_format)
    return path


@pytest.mark.parametrize("data_format", ["json", "yaml"])
def test_saved_file_is_a_pipeline(tmp_path, data_format):
    saved = _saved_compose(tmp_path / f"saved.{data_format}", data_format)
    pipeline = load_pipeline(saved)
    assert [s.name for s in pipeline.image.steps] == [
        "albumentations.CLAHE", "albumentations.OneOf", "albumentations.RandomRain",
        "albumentations.GaussNoise"]
    default = load_pipeline(Path(__file__).parents[2] / "mediasynth/pipelines/default.yaml")
    assert pipeline.audio == default.audio and pipeline.video == default.video
    assert pipeline.dataset.min_box_visibility == 0.25
    # 1e-05 read as a number, not as the string YAML 1.1 would make of it
    assert pipeline.image.steps[3].args["std_range"][0] == 1e-05
    image = annotated()
    out, record = pipeline.image.run(image, np.random.default_rng(0))
    assert _same(pipeline.image.replay(image, record), out)
    # round trip through the pipeline.yaml an expand writes
    again = tmp_path / "written.yaml"
    again.write_text(pipeline.to_yaml())
    assert load_pipeline(again).sha256() == pipeline.sha256()


def test_pipeline_includes_a_saved_file_as_its_image_chain(tmp_path):
    (tmp_path / "aug").mkdir()
    _saved_compose(tmp_path / "aug" / "saved.json", "json")
    path = tmp_path / "p.yaml"
    path.write_text("version: 1\nvariants: 2\nimage: {albumentations: aug/saved.json}\n"
                    "video:\n  frames: {albumentations: aug/saved.json}\n")
    pipeline = load_pipeline(path)
    assert len(pipeline.image.steps) == 4 and pipeline.video.frames == pipeline.image
    assert pipeline.audio is None
    path.write_text("version: 1\nimage:\n  albumentations: aug/missing.json\n")
    with pytest.raises(ConfigError, match="missing.json") as info:
        load_pipeline(path)
    assert info.value.line == 3


def _tree(root: Path) -> Path:
    from PIL import Image as PILImage

    rng = np.random.default_rng(0)
    for cls in ("cat", "dog"):
        (root / cls).mkdir(parents=True)
        for name in ("a", "b", "c"):
            pixels = rng.integers(0, 256, (40, 56, 3), dtype=np.uint8)
            PILImage.fromarray(pixels).save(root / cls / f"{name}.png")
    return root


def _outputs(out: Path) -> dict[str, bytes]:
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*.png"))}


def test_expand_runs_a_saved_file_the_same_on_1_and_2_workers(tmp_path):
    from mediasynth.cli import main

    saved = _saved_compose(tmp_path / "saved.json", "json")
    src = _tree(tmp_path / "src")
    outs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        code = main(["expand", str(src), str(out), "-p", str(saved), "-n", "2", "-q",
                     "--no-report", "--workers", workers])
        assert code == 0
        outs.append(out)
    one, two = (_outputs(o) for o in outs)
    assert len([k for k in one if "__v" in k]) >= 4  # 2 variants of each train source
    assert one == two
    rows = [json.loads(line) for line in (outs[0] / "manifest.jsonl").read_text().splitlines()]
    names = {c["name"] for r in rows if r["record"] for c in r["record"]["children"]}
    assert "albumentations.CLAHE" in names
