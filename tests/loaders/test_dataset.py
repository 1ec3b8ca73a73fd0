"""MediaDataset without torch: labels, determinism per (seed, epoch, index), bad files."""

from __future__ import annotations

import pickle
import warnings
from pathlib import Path

import numpy as np
import pytest

from mediasynth.core.config import pipeline_from_config
from mediasynth.core.errors import MediaError
from mediasynth.loaders import MediaDataset
from tests.engine.helpers import make_tree

PIPELINE = pipeline_from_config({
    "version": 1,
    "image": [{"type": "image.rotate", "angle_deg_range": [-30, 30]},
              {"type": "image.color_jitter"}],
    "audio": [{"type": "audio.gain", "gain_db_range": [-6, 6]}],
})


def test_class_folders_labels_and_arrays(tmp_path):
    src = make_tree(tmp_path / "src")
    ds = MediaDataset(src, PIPELINE)
    assert ds.classes == ["circle", "sine", "square"] and len(ds) == 11
    for i in range(len(ds)):
        s = ds[i]
        assert ds.classes[s["label"]] == s["class"] and f"/{s['class']}/" in s["path"]
        if s["class"] == "sine":
            assert s["audio"].dtype == np.float32 and s["audio"].ndim == 2
        else:
            assert s["image"].shape == (48, 48, 3) and s["image"].dtype == np.uint8


def test_same_seed_epoch_index_same_sample_and_epochs_differ(tmp_path):
    src = make_tree(tmp_path / "src")
    a, b = MediaDataset(src, PIPELINE, seed=3), MediaDataset(src, PIPELINE, seed=3)
    assert np.array_equal(a[0]["image"], b[0]["image"])
    b.set_epoch(1)
    assert not np.array_equal(a[0]["image"], b[0]["image"])
    assert not np.array_equal(a[0]["image"], MediaDataset(src, PIPELINE, seed=4)[0]["image"])


def test_pickles_for_workers(tmp_path):
    ds = MediaDataset(make_tree(tmp_path / "src"), PIPELINE, seed=1)
    clone = pickle.loads(pickle.dumps(ds))
    assert np.array_equal(clone[2]["image"], ds[2]["image"])


def test_bad_file_raises_with_the_path_or_is_skipped(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 2),), tones=())
    bad = src / "circle" / "circle 0.png"
    bad.write_bytes(bad.read_bytes()[:100])
    ds = MediaDataset(src, PIPELINE)
    with pytest.raises(MediaError) as info:
        ds[0]
    assert "circle 0.png" in str(info.value)
    skipping = MediaDataset(src, PIPELINE, on_error="skip")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        s = skipping[0]
    assert s["path"].endswith("circle 1.jpg") and s["class"] == "circle"
    assert any("circle 0.png" in str(w.message) for w in caught)


def test_expanded_out_by_split(tmp_path):
    from mediasynth.cli import main

    src = make_tree(tmp_path / "src")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-n", "2", "--split", "0.6,0.4", "-q",
                 "--no-report"]) == 0
    train = MediaDataset(out, None, split="train")
    val = MediaDataset(out, None, split="val")
    assert len(train) and len(val)
    assert all("/train/" in i.path for i in train.items)
    assert {i.path for i in train.items}.isdisjoint({i.path for i in val.items})


def test_list_of_pairs_and_records(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 2),), tones=())
    files = sorted((src / "circle").iterdir())
    ds = MediaDataset([(files[0], "a"), (files[1], "b")], PIPELINE, return_record=True)
    s = ds[1]
    assert s["class"] == "b" and s["record"]["children"][0]["name"] == "image.rotate"


def test_video_clips_keep_params_across_frames(tmp_path):
    from tests.video.helpers import encode_frames, red_blue

    (tmp_path / "v" / "clips").mkdir(parents=True)
    encode_frames(tmp_path / "v" / "clips" / "a.mp4", red_blue(n=30))
    pipe = pipeline_from_config({"version": 1, "video": {"frames": [
        {"type": "image.flip_horizontal"}]}})
    ds = MediaDataset(tmp_path / "v", pipe, clip_frames=4, clip_stride=3)
    s = ds[0]
    assert s["video"].shape == (4, 48, 64, 3)
    for frame in s["video"]:
        assert frame[:, :20, 2].mean() > 150  # flipped: blue on the left in every frame


def test_an_event_table_layout_gives_audio_items_not_images(tmp_path):
    from mediasynth.loaders.dataset import MediaDataset
    from tests.io.layouts.test_events import dcase_tree

    src = dcase_tree(tmp_path)
    ds = MediaDataset(src)
    assert ds.items and {i.kind for i in ds.items} == {"audio"}
    sample = ds[0]
    assert "audio" in sample and "image" not in sample
    assert MediaDataset(src, kinds=("image",)).items == []


def _photos(root, count: int = 4) -> list:
    """Real photographs as 1280 x 960 JPEGs (decoded at 1/2 or 1/4 by a 2x+ crop), a
    grayscale JPEG, an RGBA PNG and a 16-bit PNG, in two class folders."""
    from PIL import Image as PILImage

    from tests.photos import real_photos

    photos = list(real_photos().values())
    made = []
    for i in range(count):
        path = root / f"class{i % 2}" / f"photo é {i}.jpg"
        path.parent.mkdir(parents=True, exist_ok=True)
        photos[i].resize((1280, 960)).save(path, "JPEG", quality=90)
        made.append(path)
    photos[0].resize((1280, 960)).convert("L").save(root / "class0" / "gray.jpg", "JPEG")
    photos[1].resize((640, 480)).convert("RGBA").save(root / "class1" / "alpha.png")
    deep = (np.asarray(photos[2].resize((640, 480)).convert("L"), np.uint16) * 257)
    PILImage.fromarray(deep).save(root / "class1" / "deep.png")
    return made


CROP = {"version": 1, "image": [
    {"type": "image.random_resized_crop", "width": 160, "height": 120,
     "scale_range": [0.3, 1.0]},
    {"type": "image.flip_horizontal", "p": 0.5},
    {"type": "image.color_jitter", "brightness": 0.2, "contrast": 0.2, "saturation": 0.2}]}


def test_a_loader_sample_is_expands_output_for_the_same_seed_and_record(tmp_path):
    """One render path: replaying an expand row's record, the loader gives the row's PNG
    output pixel for pixel; from the row's seed it draws the same record (the loader notes
    its decode scale) and the same pixels, within the decode-at-size tolerance where it
    decoded the JPEG smaller."""
    import yaml

    from mediasynth.cli import main
    from mediasynth.core.rng import rng_from_record
    from mediasynth.engine.manifest import read_manifest
    from mediasynth.io.image_io import read_image

    src = tmp_path / "src"
    _photos(src)
    spec = tmp_path / "crop.yaml"
    spec.write_text(yaml.safe_dump({**CROP, "seed": 5, "variants": 3,
                                    "output": {"image_format": "png"}}))
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", str(spec), "-q", "--no-report"]) == 0
    ds = MediaDataset(src, spec, mode=None, return_record=True)
    by_source = {str(Path(item.path).relative_to(src)): i for i, item in enumerate(ds.items)}
    rows = [r for r in read_manifest(out) if r["status"] == "ok" and r["record"]]
    assert len(rows) == 3 * len(ds)
    scales = []
    for row in rows:
        index = by_source[row["source"]]
        expected = read_image(out / row["output"]).pixels
        assert np.array_equal(ds.sample(index, record=row["record"])["image"], expected)
        by_seed = ds.sample(index, rng=rng_from_record(row["seed"]))
        params = by_seed["record"]["children"][0]["params"]
        scales.append(params.pop("decode_scale", 1))
        assert by_seed["record"] == row["record"]
        if scales[-1] == 1:
            assert np.array_equal(by_seed["image"], expected), row["output"]
        else:
            diff = np.abs(by_seed["image"].astype(np.int16) - expected)
            assert diff.mean() < 6.0, (row["output"], diff.mean())
    assert 1 in scales and 2 in scales


def test_mixed_modes_load_and_records_replay(tmp_path):
    """Grayscale, RGB, RGBA and 16-bit files in one folder: RGB (H, W, 3) uint8 by default,
    as they are with mode=None; asking for records changes no pixel, and each record
    replays to its sample."""
    src = tmp_path / "src"
    _photos(src, count=2)
    ds = MediaDataset(src, pipeline_from_config(CROP), seed=2)
    with_records = MediaDataset(src, pipeline_from_config(CROP), seed=2, return_record=True)
    raw = MediaDataset(src, pipeline_from_config(CROP), seed=2, mode=None)
    seen = set()
    for i in range(len(ds)):
        s, r = ds[i], with_records[i]
        assert s["image"].shape == (120, 160, 3) and s["image"].dtype == np.uint8
        assert np.array_equal(s["image"], r["image"]) and "record" not in s
        assert np.array_equal(ds.sample(i, record=r["record"])["image"], s["image"])
        image = raw[i]["image"]
        seen.add((image.shape[2], image.dtype.name))
    assert seen == {(3, "uint8"), (1, "uint8"), (4, "uint8"), (1, "uint16")}


def test_the_loader_drops_objects_by_the_pipelines_box_limits(tmp_path):
    from tests.io.layouts.test_coco import _hand_built

    src, _, _ = _hand_built(tmp_path)
    flip = [{"type": "image.flip_horizontal"}]
    loose = MediaDataset(src, pipeline_from_config({"version": 1, "image": flip}))
    strict = MediaDataset(src, pipeline_from_config(
        {"version": 1, "image": flip, "dataset": {"min_box_area_px": 1250}}))
    a = next(i for i, item in enumerate(loose.items) if item.path.endswith("a.jpg"))
    # both boxes cover 1200 px: kept by default, dropped by a limit of 1250 (as expand does)
    assert len(loose[a]["boxes"]) == 2 and len(strict[a]["boxes"]) == 0
