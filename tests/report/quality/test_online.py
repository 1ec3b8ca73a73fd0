"""The cnn probe's "online" arm: the real train items augmented on the fly by the loaders
with the OUT's pipeline; renders are a pure function of (seed, epoch, item), and the arm is
in evaluation.json, its deltas and the report."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mediasynth.report.quality import probes as P
from mediasynth.report.quality.datasets import read_out
from mediasynth.report.quality.online import ONLINE_EPOCHS, online_pipeline, render, why_not
from tests.report.quality.generated import expand_tree, texture_tree
from tests.report.quality.test_evaluate import COVERING, NEAR_IDENTITY, _config

SPLIT = {"split": {"train": 0.6, "val": 0.0, "test": 0.4}, "keep_originals": True}


@pytest.fixture(scope="module")
def covering_out(tmp_path_factory):
    root = tmp_path_factory.mktemp("online")
    src = texture_tree(root / "src", per_class=15, seed=4, photos_per_class=3)
    return expand_tree(src, root / "out", _config(COVERING, variants=1, dataset=SPLIT))


def _real(out):
    return [i for i in read_out(out).train if i.origin == "real"]


def test_renders_are_seeded_per_epoch_and_item(covering_out):
    real = _real(covering_out)
    pipeline = online_pipeline(covering_out)
    first = render(real, pipeline, "image", seed=0)
    assert first.shape == (ONLINE_EPOCHS, len(real), 3, 32, 32) and len(real) > 30
    assert first.dtype == np.float32 and first.min() >= 0.0 and first.max() <= 1.0
    np.testing.assert_array_equal(first, render(real, pipeline, "image", seed=0))
    # a subset renders its items as the whole set does (per-item generators: the online
    # arm of a learning-curve fraction sees the same augmentations)
    np.testing.assert_array_equal(first[:, :5], render(real[:5], pipeline, "image", seed=0)[:, :5])
    assert not np.array_equal(first, render(real, pipeline, "image", seed=1))
    assert not np.array_equal(first[0], first[1])  # every epoch is a new augmentation
    # the OUT's pipeline: brightness/contrast spread the items' mean levels over epochs
    assert first.mean(axis=(2, 3, 4)).std(axis=0).mean() > 0.01


def test_why_not_names_what_is_missing(covering_out):
    real = _real(covering_out)
    assert why_not(real, online_pipeline(covering_out)) is None
    assert "pipeline.yaml" in why_not(real, None)
    from dataclasses import replace

    cropped = [replace(real[0], box=(0.0, 0.0, 10.0, 10.0))]
    assert "object crops and event windows" in why_not(cropped, online_pipeline(covering_out))


def test_cnn_online_arm_in_the_json_the_deltas_and_the_report(covering_out, monkeypatch):
    pytest.importorskip("torch")
    from mediasynth.report.html import write_report
    from mediasynth.report.quality.evaluate import EVALUATION, evaluate, write

    monkeypatch.setattr(P, "CNN_STEPS", 25)  # the arm's plumbing, not the network's skill
    result = evaluate(covering_out, probe="cnn", seeds=2, progress=False)
    assert set(result["arms"]) == {"real", "real+augmented", "augmented", "online"}
    assert {"online vs real", "online vs real+augmented"} <= set(result["deltas"])
    assert result["train"]["online"] == result["train"]["real"]
    assert result["settings"]["online"]["epochs"] == ONLINE_EPOCHS
    assert [p["sources"] for p in result["learning_curves"]["online"]] == \
        [p["sources"] for p in result["learning_curves"]["real"]]
    assert any(line.startswith("online vs real:") for line in result["summary"])
    again = evaluate(covering_out, probe="cnn", seeds=2, progress=False)
    assert json.dumps(again) == json.dumps(result)  # same seed, same numbers
    write(covering_out, result)
    write_report(covering_out)
    page = (covering_out / "report.html").read_text()
    assert "online vs real" in page
    assert json.loads((covering_out / EVALUATION).read_text())["arms"]["online"]
    # the linear probe has no online arm
    linear = evaluate(covering_out, seeds=1, progress=False)
    assert "online" not in linear["arms"] and "online" not in linear["settings"]


def test_a_second_out_gets_its_own_online_arm_in_compare(covering_out, tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from mediasynth.report.quality.evaluate import evaluate

    monkeypatch.setattr(P, "CNN_STEPS", 10)
    src = covering_out.parent / "src"
    other = expand_tree(src, tmp_path / "jpeg", _config(NEAR_IDENTITY, variants=1,
                                                        dataset=SPLIT))
    result = evaluate(covering_out, compare=[other], probe="cnn", seeds=1, progress=False)
    assert "online" in result["compare"]["jpeg"]["arms"]
    assert "jpeg: online vs out: online" in result["deltas"]


def test_the_online_arm_is_not_made_for_event_windows(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    from mediasynth.report.quality.evaluate import evaluate
    from tests.report.quality.generated import events_tree

    monkeypatch.setattr(P, "CNN_STEPS", 5)
    both = events_tree(tmp_path / "src", recordings=12, seed=3)
    events_tree(both, recordings=6, seed=4, subset="eval")
    out = expand_tree(both, tmp_path / "out", _config(
        [{"type": "audio.add_noise", "snr_db_range": [0, 15]}], variants=1, kind="audio"))
    result = evaluate(out, probe="cnn", seeds=1, progress=False)
    assert "online" not in result["arms"]
    assert any("no online arm" in n and "event windows" in n for n in result["notes"])

