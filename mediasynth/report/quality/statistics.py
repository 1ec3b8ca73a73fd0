"""Scores of predictions on a fixed test set, with bootstrap 95 % intervals over test items
and seeds, paired deltas between arms, and the verdict a delta earns.

Predictions of one arm are a (seeds x test items) array of class indices. One bootstrap
replicate draws test items with replacement (multinomial weights) and one seed; every arm
and every delta is scored on the same replicates, so a delta is paired on the same test
items and the same seed's training subset. The point estimate is the mean over seeds of the
score on the whole test set; the interval is the 2.5th to 97.5th percentile of the
replicates. A delta whose interval lies above 0 is a `gain`, below 0 a `loss`, else `no
detectable change`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

GAIN, LOSS, NO_CHANGE = "gain", "loss", "no detectable change"
BOOTSTRAP_REPLICATES = 1000
DIGITS = 6


@dataclass(frozen=True)
class Replicates:
    """The bootstrap draws every arm of one evaluation is scored on."""

    weights: np.ndarray  # (B, n) how often each test item is drawn in replicate b
    seed_index: np.ndarray  # (B,) which seed replicate b scores


def draw_replicates(n_items: int, n_seeds: int, *, replicates: int = BOOTSTRAP_REPLICATES,
                    seed: int = 0) -> Replicates:
    rng = np.random.default_rng(np.random.SeedSequence([seed, 31]))
    weights = rng.multinomial(n_items, np.full(n_items, 1.0 / n_items), size=replicates)
    return Replicates(weights.astype(np.float64), rng.integers(0, n_seeds, replicates))


def _scores(truth: np.ndarray, pred: np.ndarray, weights: np.ndarray, n_classes: int
            ) -> dict[str, np.ndarray]:
    """macro-F1, accuracy and per-class recall of one prediction vector under each row of
    `weights` (R, n): arrays of shape (R,) and (R, classes). A class absent from a
    replicate's test draw has recall NaN and is left out of that replicate's macro-F1."""
    eye = np.eye(n_classes)
    true_1h, pred_1h = eye[truth], eye[pred]
    tp = weights @ (true_1h * pred_1h)
    support = weights @ true_1h
    predicted = weights @ pred_1h
    total = weights.sum(1)
    with np.errstate(invalid="ignore", divide="ignore"):
        recall = np.where(support > 0, tp / support, np.nan)
        f1 = np.where(support > 0, 2 * tp / (support + predicted), np.nan)
        macro_f1 = np.nanmean(np.where(support > 0, f1, np.nan), axis=1)
    accuracy = tp.sum(1) / total
    return {"macro_f1": macro_f1, "accuracy": accuracy, "per_class_recall": recall}


def _per_seed(truth: np.ndarray, preds: np.ndarray, weights: np.ndarray, n_classes: int
              ) -> dict[str, np.ndarray]:
    """Scores of every seed under every weight row: (seeds, R) and (seeds, R, classes)."""
    per = [_scores(truth, p, weights, n_classes) for p in preds]
    return {key: np.stack([s[key] for s in per]) for key in per[0]}


def _interval(values: np.ndarray) -> list[float]:
    lo, hi = np.nanpercentile(values, [2.5, 97.5]) if np.isfinite(values).any() else (
        np.nan, np.nan)
    return [_round(lo), _round(hi)]


def _round(x) -> float | None:
    x = float(x)
    return None if not np.isfinite(x) else round(x, DIGITS) + 0.0


def _estimate(point: np.ndarray, boot: np.ndarray) -> dict:
    return {"mean": _round(np.nanmean(point)) if np.isfinite(point).any() else None,
            "ci95": _interval(boot)}


def _picked(per_seed: np.ndarray, reps: Replicates) -> np.ndarray:
    """Replicate b's value from seed reps.seed_index[b]: (R,) or (R, classes)."""
    return per_seed[reps.seed_index, np.arange(len(reps.seed_index))]


class Scorer:
    """Scores arms' predictions on one test set (truth: class indices) and their deltas."""

    def __init__(self, truth: np.ndarray, classes: list[str], n_seeds: int, *,
                 replicates: int = BOOTSTRAP_REPLICATES, seed: int = 0):
        self.truth = np.asarray(truth, np.int64)
        self.classes = list(classes)
        self.reps = draw_replicates(len(self.truth), n_seeds, replicates=replicates, seed=seed)
        self.n_seeds = n_seeds
        self._full = np.ones((1, len(self.truth)))

    def _both(self, preds: np.ndarray):
        preds = np.asarray(preds, np.int64)
        self._check(preds)
        n = len(self.classes)
        point = _per_seed(self.truth, preds, self._full, n)  # (seeds, 1[, classes])
        boot = _per_seed(self.truth, preds, self.reps.weights, n)
        return point, boot

    def _check(self, preds: np.ndarray) -> None:
        if len(preds) != self.n_seeds:
            raise ValueError(f"expected predictions of {self.n_seeds} seeds, got {len(preds)}")

    def score(self, preds: np.ndarray) -> dict:
        """{"macro_f1", "accuracy": {mean, ci95}, "per_class_recall": {class: {...}}}."""
        point, boot = self._both(preds)
        reps = self.reps
        out = {key: _estimate(point[key][:, 0], _picked(boot[key], reps))
               for key in ("macro_f1", "accuracy")}
        recall_boot = _picked(boot["per_class_recall"], reps)
        out["per_class_recall"] = {
            c: _estimate(point["per_class_recall"][:, 0, i], recall_boot[:, i])
            for i, c in enumerate(self.classes)}
        return out

    def delta(self, preds_a: np.ndarray, preds_b: np.ndarray) -> dict:
        """a minus b, paired on the same replicates (test draws and seeds), with a verdict
        on macro-F1."""
        pa, ba = self._both(preds_a)
        pb, bb = self._both(preds_b)
        reps = self.reps
        out = {}
        for key in ("macro_f1", "accuracy"):
            out[key] = _estimate(pa[key][:, 0] - pb[key][:, 0],
                                 _picked(ba[key], reps) - _picked(bb[key], reps))
        diff = _picked(ba["per_class_recall"], reps) - _picked(bb["per_class_recall"], reps)
        point = pa["per_class_recall"][:, 0] - pb["per_class_recall"][:, 0]
        out["per_class_recall"] = {c: _estimate(point[:, i], diff[:, i])
                                   for i, c in enumerate(self.classes)}
        out["verdict"] = verdict(out["macro_f1"]["ci95"])
        return out


def verdict(ci95: list[float | None]) -> str:
    lo, hi = ci95
    if lo is not None and lo > 0:
        return GAIN
    if hi is not None and hi < 0:
        return LOSS
    return NO_CHANGE
