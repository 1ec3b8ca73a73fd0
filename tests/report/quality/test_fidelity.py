"""Precision/recall/density/coverage, the two-sample AUC and nearest-neighbour distances."""

from __future__ import annotations

import numpy as np

from mediasynth.report.quality.fidelity import fidelity, prdc


def _groups(n: int, prefix: str) -> np.ndarray:
    return np.array([f"{prefix}{i}" for i in range(n)])


def test_same_distribution_scores_high_and_indistinguishable():
    rng = np.random.default_rng(0)
    real, fake = rng.standard_normal((400, 8)), rng.standard_normal((400, 8))
    out = fidelity(real, fake, real_groups=_groups(400, "r"), fake_groups=_groups(400, "f"),
                   feature_set="test features")
    assert out["features"] == "test features"
    assert out["precision"] > 0.8 and out["recall"] > 0.8 and out["coverage"] > 0.8
    assert 0.8 < out["density"] < 1.3
    assert 0.4 < out["two_sample_auc"] < 0.6
    assert 0.8 < out["nearest_real_distance"]["ratio_of_medians"] < 1.3


def test_a_shifted_set_is_told_apart_and_a_narrow_one_covers_little():
    rng = np.random.default_rng(1)
    real = rng.standard_normal((300, 6))
    shifted = rng.standard_normal((300, 6)) + 3.0
    out = fidelity(real, shifted, real_groups=_groups(300, "r"),
                   fake_groups=_groups(300, "f"), feature_set="f")
    assert out["precision"] < 0.2 and out["two_sample_auc"] > 0.95
    narrow = prdc(real, rng.standard_normal((300, 6)) * 0.1)
    assert narrow["precision"] > 0.9 and narrow["coverage"] < 0.3 and narrow["recall"] < 0.3


def test_near_copies_sit_closer_to_real_items_than_real_items_to_each_other():
    rng = np.random.default_rng(2)
    real = rng.standard_normal((200, 10))
    copies = real + rng.standard_normal(real.shape) * 0.01
    groups = _groups(200, "s")
    out = fidelity(real, copies, real_groups=groups, fake_groups=groups, feature_set="f")
    assert out["nearest_real_distance"]["ratio_of_medians"] < 0.05
    assert out["nearest_real_distance"]["share_closer_than_real_p5"] > 0.9


def test_too_few_items_is_said_not_guessed():
    out = fidelity(np.zeros((3, 2)), np.zeros((3, 2)), real_groups=_groups(3, "r"),
                   fake_groups=_groups(3, "f"), feature_set="f")
    assert "needs more than" in out["note"]
