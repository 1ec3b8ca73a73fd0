"""MediaDataset without torch: labels, determinism per (seed, epoch, index), bad files."""

from __future__ import annotations

import pickle
import warnings

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
