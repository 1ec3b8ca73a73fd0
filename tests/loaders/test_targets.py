"""Annotated items in the loader: targets follow the chain as in expand, and collate pads
them."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.registry import build
from mediasynth.loaders import MediaDataset
from tests.io.layouts.test_coco import _hand_built


def test_coco_source_items_carry_moved_targets(tmp_path):
    src, crowd, _ = _hand_built(tmp_path)
    from mediasynth.core.config import Pipeline

    pipeline = Pipeline(chains={"image": build([{"type": "image.flip_horizontal"}])})
    ds = MediaDataset(src, pipeline, instance_masks=True)
    assert ds.categories == ["person", "crowd"] and len(ds) == 2
    sample = ds[0]
    assert sample["label"] == -1 and sample["boxes"].shape == (2, 4)
    person = list(sample["labels"]).index(0)
    assert np.allclose(sample["boxes"][person], [120 - 40, 20, 120 - 10, 60])
    assert np.allclose(sample["keypoints"][person, 0], [120 - 15, 25, 2])
    crowd_index = list(sample["labels"]).index(1)
    assert np.array_equal(sample["masks"][crowd_index], crowd[:, ::-1])
    assert sample["image"].shape == (90, 120, 3)


def test_expanded_out_items_and_padded_collate(tmp_path):
    torch = pytest.importorskip("torch")
    from mediasynth.cli import main
    from mediasynth.loaders.torch import collate

    src, _, _ = _hand_built(tmp_path)
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", "image_detection", "-n", "2", "-q",
                 "--no-report"]) == 0
    ds = MediaDataset(out)
    assert len(ds) == 4 and all(ds.items[i].annotation is not None for i in range(len(ds)))
    batch = collate([ds[i] for i in range(len(ds))])
    assert batch["boxes"].shape[:2] == batch["labels"].shape
    assert batch["num_objects"].tolist() == [len(ds[i]["boxes"]) for i in range(len(ds))]
    assert (batch["labels"][batch["labels"] >= 0] < len(ds.categories)).all()
    assert isinstance(batch["boxes"], torch.Tensor)
