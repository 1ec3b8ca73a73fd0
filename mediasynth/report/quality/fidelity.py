"""Fidelity and diversity of generated items against real ones, on the probes' features
(always reported with the name of that feature set; these are not Inception features, so
never "FID").

- precision / recall / density / coverage (Naeem et al. 2020, k nearest neighbours): how
  much of the generated set lies in the real set's manifold, how much of the real manifold
  the generated set reaches, and how densely.
- a classifier two-sample test: cross-validated logistic regression telling real from
  generated; its ROC AUC near 0.5 means indistinguishable on these features, near 1 easy to
  tell apart, and clearly below 0.5 flags near copies. Folds keep a source's items together.
- nearest-neighbour distance of every generated item to the real set, against the real
  items' own leave-one-out nearest-neighbour distance (memorisation: a generated item much
  closer to a real one than real items are to each other is close to a copy).

Features are standardised with statistics of the real items only and clipped at CLIP_SD
deviations, as the linear probe sees them. Both sets are capped at
`MAX_ITEMS` (a seeded subsample) to bound the pairwise distances.
"""

from __future__ import annotations

import numpy as np

from mediasynth.report.quality.probes import CLIP_SD

K_NEIGHBOURS = 5
MAX_ITEMS = 2000
DIGITS = 6


def _r(x: float) -> float:
    return round(float(x), DIGITS) + 0.0


def _cap(x: np.ndarray, groups: np.ndarray, seed: int) -> tuple[np.ndarray, np.ndarray]:
    if len(x) <= MAX_ITEMS:
        return x, groups
    keep = np.sort(np.random.default_rng(seed).choice(len(x), MAX_ITEMS, replace=False))
    return x[keep], groups[keep]


def _distances(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    sq = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2.0 * a @ b.T
    return np.sqrt(np.maximum(sq, 0.0))


def _kth_radius(x: np.ndarray, k: int) -> np.ndarray:
    d = _distances(x, x)
    np.fill_diagonal(d, np.inf)
    k = min(k, len(x) - 1)
    return np.partition(d, k - 1, axis=1)[:, k - 1]


def prdc(real: np.ndarray, fake: np.ndarray, k: int = K_NEIGHBOURS) -> dict:
    """Precision, recall, density and coverage of `fake` against `real` (Naeem et al.)."""
    real_radius = _kth_radius(real, k)
    fake_radius = _kth_radius(fake, k)
    d = _distances(real, fake)  # (real, fake)
    inside_real = d <= real_radius[:, None]
    return {"precision": _r(inside_real.any(0).mean()),
            "recall": _r((d <= fake_radius[None, :]).any(1).mean()),
            "density": _r(inside_real.sum(0).mean() / k),
            "coverage": _r((d.min(1) <= real_radius).mean()), "k": k}


def two_sample_auc(real: np.ndarray, fake: np.ndarray, real_groups: np.ndarray,
                   fake_groups: np.ndarray, seed: int = 0) -> float | None:
    """Cross-validated ROC AUC of a logistic regression telling real from fake (None when
    there are too few groups for two folds)."""
    import warnings

    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import GroupKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x = np.concatenate([real, fake])
    y = np.concatenate([np.zeros(len(real)), np.ones(len(fake))])
    groups = np.concatenate([real_groups, fake_groups])
    n_groups = len(np.unique(groups))
    if n_groups < 2 or len(real) < 2 or len(fake) < 2:
        return None
    model = make_pipeline(StandardScaler(), LogisticRegression(C=0.1, max_iter=500,
                                                               random_state=seed))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        scores = cross_val_predict(model, x, y, groups=groups,
                                   cv=GroupKFold(n_splits=min(5, n_groups)),
                                   method="predict_proba")[:, 1]
    return _r(roc_auc_score(y, scores))


def nearest_real(real: np.ndarray, fake: np.ndarray) -> dict:
    """Distances of each fake item to its nearest real item, against the real items'
    leave-one-out nearest-neighbour distances."""
    to_real = _distances(fake, real).min(1)
    real_nn = _kth_radius(real, 1)
    close = float(np.percentile(real_nn, 5))
    return {"median": _r(np.median(to_real)), "p5": _r(np.percentile(to_real, 5)),
            "real_to_real_median": _r(np.median(real_nn)),
            "ratio_of_medians": _r(np.median(to_real) / max(np.median(real_nn), 1e-12)),
            "share_closer_than_real_p5": _r((to_real < close).mean())}


def fidelity(real: np.ndarray, fake: np.ndarray, *, real_groups: np.ndarray,
             fake_groups: np.ndarray, feature_set: str, seed: int = 0) -> dict:
    """Every fidelity number of `fake` against `real` (rows are items' features)."""
    if len(real) < K_NEIGHBOURS + 1 or len(fake) < K_NEIGHBOURS + 1:
        return {"features": feature_set, "note": f"needs more than {K_NEIGHBOURS} real and "
                f"generated items, got {len(real)} and {len(fake)}"}
    real, real_groups = _cap(real, np.asarray(real_groups), seed)
    fake, fake_groups = _cap(fake, np.asarray(fake_groups), seed + 1)
    mean, std = real.mean(0), real.std(0)
    std[std < 1e-9] = 1.0
    real_z = np.clip((real - mean) / std, -CLIP_SD, CLIP_SD)
    fake_z = np.clip((fake - mean) / std, -CLIP_SD, CLIP_SD)
    return {"features": feature_set, "real_items": len(real), "generated_items": len(fake),
            **prdc(real_z, fake_z),
            "two_sample_auc": two_sample_auc(real, fake, real_groups, fake_groups, seed),
            "nearest_real_distance": nearest_real(real_z, fake_z)}
