"""Soft labels from mixed outputs in loader items, and the per-batch mixing collate."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.cli import main
from mediasynth.loaders import MediaDataset
from tests.engine.helpers import make_tree


def test_mixed_outputs_carry_soft_labels_in_items_and_labels_csv(tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 4), ("square", 4)), tones=())
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("image: [{type: image.mixup, partners_from: any_class}]\n")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-n", "2", "-q",
                 "--no-report"]) == 0
    ds = MediaDataset(out)
    assert ds.soft and ds.classes == ["circle", "square"]
    shares = [ds[i]["soft_label"] for i in range(len(ds))]
    assert all(abs(s.sum() - 1) < 1e-5 for s in shares)
    assert any(0 < s[0] < 1 for s in shares)
    header = (out / "labels.csv").read_text().splitlines()[0]
    assert header.split(",")[5] == "soft_labels"
    from_csv = MediaDataset(out / "labels.csv")
    assert [i.soft_labels for i in from_csv.items] == [i.soft_labels for i in ds.items]


def test_mix_collate_is_seeded_per_batch_and_mixes_labels(tmp_path):
    torch = pytest.importorskip("torch")
    from mediasynth.loaders.torch import MixCollate

    batch = [{"image": np.full((8, 8, 3), 40 * i, np.uint8), "label": i % 2, "class": "x",
              "path": f"{i}", "index": i} for i in range(4)]
    for mode in ("mixup", "cutmix"):
        collate = MixCollate(num_classes=2, mode=mode, alpha=1.0, seed=3)
        a, b = collate([dict(s) for s in batch]), collate([dict(s) for s in batch])
        assert torch.equal(a["image"], b["image"]) and a["mix"]["lambda"] == b["mix"]["lambda"]
        lam, perm = a["mix"]["lambda"], a["mix"]["perm"]
        assert torch.allclose(a["soft_label"].sum(1), torch.ones(4))
        if mode == "mixup":
            plain = torch.stack([torch.full((3, 8, 8), 40 * i / 255.0) for i in range(4)])
            assert torch.allclose(a["image"], lam * plain + (1 - lam) * plain[perm], atol=1e-6)
