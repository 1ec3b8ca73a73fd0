"""DataLoader integration (needs torch: `pip install -e .[torch]`)."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from mediasynth.core.config import pipeline_from_config  # noqa: E402
from mediasynth.loaders import MediaDataset  # noqa: E402
from mediasynth.loaders.torch import collate, to_tensor  # noqa: E402
from tests.engine.helpers import make_tree  # noqa: E402

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
