"""DataLoader integration (needs torch: `pip install -e .[torch]`)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mediasynth.core.config import pipeline_from_config  # noqa: E402
from mediasynth.loaders import MediaDataset  # noqa: E402
from mediasynth.loaders.torch import collate, to_tensor  # noqa: E402
from tests.engine.helpers import make_tree  # noqa: E402
from tests.image.helpers import mixed_mode_tree  # noqa: E402

PIPELINE = pipeline_from_config({
    "version": 1,
    "image": [{"type": "image.flip_horizontal", "p": 0.5},
              {"type": "image.rotate", "angle_deg_range": [-30, 30]},
              {"type": "image.color_jitter", "brightness": 0.3, "contrast": 0.3}],
})


def _epochs(src, seed=0, epochs=2):
    ds = MediaDataset(src, PIPELINE, seed=seed, kinds=("image",), return_record=True)
    loader = torch.utils.data.DataLoader(ds, batch_size=8, num_workers=2, collate_fn=collate,
                                         shuffle=False)
    out = []
    for epoch in range(epochs):
        ds.set_epoch(epoch)
        out.append(list(loader))
    return ds, out


def test_dataloader_two_epochs_two_workers(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 12), ("square", 10)), tones=())
    ds, (e1, e2) = _epochs(src)
    assert sum(len(b["label"]) for b in e1) == 22
    for batch in e1:
        assert batch["image"].dtype == torch.float32 and batch["image"].shape[1:] == (3, 48, 48)
        assert float(batch["image"].min()) >= 0.0 and float(batch["image"].max()) <= 1.0
        for label, name in zip(batch["label"].tolist(), batch["class"]):
            assert ds.classes[label] == name
    # no shared random state between workers: every item's drawn params are distinct
    params = [json.dumps(r["children"][1]["params"]) for b in e1 for r in b["record"]]
    assert len(set(params)) == len(params)
    # epoch 2 differs from epoch 1
    assert not torch.equal(e1[0]["image"], e2[0]["image"])
    # a rerun reproduces both epochs exactly
    _, (r1, r2) = _epochs(src)
    for a, b in zip(e1 + e2, r1 + r2):
        assert torch.equal(a["image"], b["image"]) and torch.equal(a["label"], b["label"])


def test_collate_pads_audio_with_lengths():
    batch = [{"audio": np.ones((1, n), np.float32), "sample_rate": 16000, "label": 0,
              "class": "a", "path": "x", "index": i} for i, n in enumerate((5, 9, 7))]
    out = collate(batch)
    assert out["audio"].shape == (3, 1, 9) and out["lengths"].tolist() == [5, 9, 7]
    assert float(out["audio"][0, 0, 5:].abs().sum()) == 0.0
    cropped = collate(batch, max_frames=6)
    assert cropped["audio"].shape == (3, 1, 6) and cropped["lengths"].tolist() == [5, 6, 6]


def test_to_tensor_layouts():
    img = {"image": np.zeros((4, 6, 3), np.uint8), "label": 1}
    assert to_tensor(img)["image"].shape == (3, 4, 6)
    vid = {"video": np.zeros((5, 4, 6, 3), np.uint8), "label": 0}
    assert to_tensor(vid)["video"].shape == (5, 3, 4, 6)


def test_spawn_workers_too(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 4),), tones=())
    ds = MediaDataset(src, PIPELINE, kinds=("image",))
    loader = torch.utils.data.DataLoader(ds, batch_size=2, num_workers=2, collate_fn=collate,
                                         multiprocessing_context="spawn")
    first = [b["image"] for b in loader]
    again = [b["image"] for b in loader]
    assert all(torch.equal(a, b) for a, b in zip(first, again))


def test_a_folder_mixing_gray_colour_alpha_palette_and_16_bit_batches_as_rgb(tmp_path):
    expected = mixed_mode_tree(tmp_path / "src")
    assert len(expected) == 330
    ds = MediaDataset(tmp_path / "src", kinds=("image",))
    assert len(ds) == 330
    loader = torch.utils.data.DataLoader(ds, batch_size=32, num_workers=0, collate_fn=collate)
    seen = 0
    for batch in loader:
        assert batch["image"].shape[1:] == (3, 30, 40) and batch["image"].dtype == torch.float32
        for image, path in zip(batch["image"], batch["path"]):
            want = expected[Path(path)]
            got = np.rint(image.permute(1, 2, 0).numpy() * 255).astype(np.int16)
            # JPEG: OpenCV's and Pillow's libjpeg builds may round an odd value differently
            tolerance = 2 if path.endswith(".jpg") else 0
            assert np.abs(got - want.astype(np.int16)).max() <= tolerance, path
        seen += len(batch["path"])
    assert seen == 330


def test_mode_gray_and_rgba_and_as_stored(tmp_path):
    expected = mixed_mode_tree(tmp_path / "src", per_mode=2)
    gray = MediaDataset(tmp_path / "src", kinds=("image",), mode="L")
    batch = collate([gray[i] for i in range(len(gray))])
    assert batch["image"].shape == (len(expected), 1, 30, 40)
    rgba = MediaDataset(tmp_path / "src", kinds=("image",), mode="RGBA")
    assert {rgba[i]["image"].shape for i in range(len(rgba))} == {(30, 40, 4)}
    stored = MediaDataset(tmp_path / "src", kinds=("image",), mode=None)
    assert {stored[i]["image"].shape[2] for i in range(len(stored))} == {1, 3, 4}
    with pytest.raises(ValueError, match="mode must be one of"):
        MediaDataset(tmp_path / "src", mode="CMYK")


def test_collate_writes_the_float_batch_exactly_as_to_tensor_does():
    """The one-pass batch (straight from numpy into the (B, C, H, W) tensor) holds x / 255
    (uint8) and x / 65535 (uint16) exactly as `to_tensor`, for images and video clips."""
    rng = np.random.default_rng(0)
    for dtype, top in ((np.uint8, 255), (np.uint16, 65535)):
        images = [rng.integers(0, top + 1, (24, 32, 3)).astype(dtype) for _ in range(5)]
        batch = collate([{"image": im, "label": i, "class": "c", "path": "p", "index": i}
                         for i, im in enumerate(images)])
        assert batch["image"].shape == (5, 3, 24, 32) and batch["image"].is_contiguous()
        for i, im in enumerate(images):
            assert torch.equal(batch["image"][i], to_tensor({"image": im, "label": 0})["image"])
            expected = torch.from_numpy(im.transpose(2, 0, 1).astype(np.float32) / np.float32(top))
            assert torch.equal(batch["image"][i], expected)
    clips = [rng.integers(0, 256, (4, 8, 10, 3), dtype=np.uint8) for _ in range(3)]
    batch = collate([{"video": c, "label": 0, "class": "c", "path": "p", "index": 0}
                     for c in clips])
    assert batch["video"].shape == (3, 4, 3, 8, 10)
    assert torch.equal(batch["video"][2], to_tensor({"video": clips[2], "label": 0})["video"])
