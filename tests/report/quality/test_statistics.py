"""Bootstrap intervals, paired deltas and verdicts."""

from __future__ import annotations

import numpy as np

from mediasynth.report.quality.statistics import GAIN, LOSS, NO_CHANGE, Scorer, verdict


def _preds(truth: np.ndarray, accuracy: float, seeds: int, rng) -> np.ndarray:
    """Predictions right on about `accuracy` of the items, wrong (next class) elsewhere."""
    out = []
    for _ in range(seeds):
        right = rng.random(truth.size) < accuracy
        out.append(np.where(right, truth, (truth + 1) % 4))
    return np.array(out)


def test_scores_are_the_mean_over_seeds_with_an_interval_around_them():
    rng = np.random.default_rng(0)
    truth = np.repeat(np.arange(4), 100)
    preds = _preds(truth, 0.8, 5, rng)
    scored = Scorer(truth, ["a", "b", "c", "d"], 5).score(preds)
    accuracy = scored["accuracy"]
    assert accuracy["mean"] == round(float((preds == truth).mean()), 6)
    lo, hi = accuracy["ci95"]
    assert lo < accuracy["mean"] < hi and hi - lo < 0.12
    assert set(scored["per_class_recall"]) == {"a", "b", "c", "d"}
    recall_a = float((preds[:, :100] == 0).mean())
    assert scored["per_class_recall"]["a"]["mean"] == round(recall_a, 6)


def test_a_clear_improvement_is_a_gain_and_its_reverse_a_loss():
    rng = np.random.default_rng(1)
    truth = np.repeat(np.arange(4), 60)
    better, worse = _preds(truth, 0.9, 3, rng), _preds(truth, 0.6, 3, rng)
    scorer = Scorer(truth, list("abcd"), 3)
    up = scorer.delta(better, worse)
    assert up["verdict"] == GAIN and up["macro_f1"]["ci95"][0] > 0
    down = scorer.delta(worse, better)
    assert down["verdict"] == LOSS and down["macro_f1"]["ci95"][1] < 0
    assert down["macro_f1"]["mean"] == -up["macro_f1"]["mean"]


def test_identical_predictions_differ_by_exactly_nothing():
    rng = np.random.default_rng(2)
    truth = np.repeat(np.arange(4), 50)
    preds = _preds(truth, 0.7, 4, rng)
    delta = Scorer(truth, list("abcd"), 4).delta(preds, preds.copy())
    assert delta["macro_f1"] == {"mean": 0.0, "ci95": [0.0, 0.0]}
    assert delta["verdict"] == NO_CHANGE


def test_pairing_keeps_a_small_consistent_gain_detectable():
    """Both arms share the hard items; b fixes 6 % of a's errors on every seed. Unpaired
    intervals of the two arms overlap, the paired delta's does not cover 0."""
    rng = np.random.default_rng(3)
    truth = np.repeat(np.arange(4), 150)
    a = _preds(truth, 0.7, 3, rng)
    b = a.copy()
    for seed in range(3):
        wrong = np.flatnonzero(a[seed] != truth)
        b[seed, wrong[: len(wrong) // 5]] = truth[wrong[: len(wrong) // 5]]
    scorer = Scorer(truth, list("abcd"), 3)
    sa, sb = scorer.score(a), scorer.score(b)
    assert sb["macro_f1"]["ci95"][0] < sa["macro_f1"]["ci95"][1]  # overlap
    assert scorer.delta(b, a)["verdict"] == GAIN


def test_same_inputs_same_numbers_and_a_missing_class_is_not_a_zero():
    rng = np.random.default_rng(4)
    truth = np.repeat(np.arange(4), 30)
    preds = _preds(truth, 0.75, 2, rng)
    assert Scorer(truth, list("abcd"), 2).score(preds) == \
        Scorer(truth, list("abcd"), 2).score(preds)
    truth3 = np.repeat(np.arange(3), 30)  # class d never in the test set
    scored = Scorer(truth3, list("abcd"), 2).score(np.minimum(preds[:, :90], 2))
    assert scored["per_class_recall"]["d"] == {"mean": None, "ci95": [None, None]}
    assert scored["macro_f1"]["mean"] is not None


def test_verdict_reads_the_interval():
    assert verdict([0.01, 0.2]) == GAIN
    assert verdict([-0.2, -0.001]) == LOSS
    assert verdict([-0.05, 0.05]) == NO_CHANGE
    assert verdict([0.0, 0.1]) == NO_CHANGE
