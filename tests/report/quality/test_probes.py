"""The probes: trained on train items only, deterministic, and `cnn` only with torch."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.errors import ConfigError
from mediasynth.report.quality import probes as P


def _blobs(rng, n: int, dims: int = 20):
    y = np.arange(n) % 3
    x = rng.standard_normal((n, dims)) + y[:, None] * 1.5
    return x, y


def test_linear_predicts_each_test_item_on_its_own():
    """Nothing is fitted on test items: an item's prediction does not depend on the others
    in the test set, however far off they are."""
    rng = np.random.default_rng(0)
    x, y = _blobs(rng, 300)
    test, truth = _blobs(rng, 60)
    weights = np.ones(len(y))
    alone = np.concatenate([P.linear(x, y, weights, test[i:i + 1], seed=0) for i in range(60)])
    shifted = np.concatenate([test, test * 100 + 50])
    together = P.linear(x, y, weights, shifted, seed=0)[:60]
    np.testing.assert_array_equal(alone, together)
    assert (alone == truth).mean() > 0.9


def test_weights_make_duplicated_variants_count_as_their_source():
    rng = np.random.default_rng(1)
    x, y = _blobs(rng, 90)
    test, _ = _blobs(rng, 200)
    once = P.linear(x, y, np.ones(90), test, seed=0)
    thrice = P.linear(np.concatenate([x] * 3), np.concatenate([y] * 3), np.full(270, 1 / 3),
                      test, seed=0)
    assert (once == thrice).mean() > 0.99


def test_unknown_probe_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown probe"):
        P.check_probe("forest")


def test_cnn_is_seeded_and_learns():
    pytest.importorskip("torch")
    rng = np.random.default_rng(2)
    y = np.arange(120) % 2
    x = rng.random((120, 3, 16, 16)).astype(np.float32) * 0.3
    x[y == 1, :, 4:12, 4:12] += 0.6  # a bright square marks class 1
    test_y = np.arange(40) % 2
    test = rng.random((40, 3, 16, 16)).astype(np.float32) * 0.3
    test[test_y == 1, :, 4:12, 4:12] += 0.6
    first = P.cnn(x, y, np.ones(120), test, n_classes=2, seed=3)
    again = P.cnn(x, y, np.ones(120), test, n_classes=2, seed=3)
    np.testing.assert_array_equal(first, again)
    assert (first == test_y).mean() > 0.9


def test_cnn_without_torch_says_how_to_get_it(monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    with pytest.raises(ConfigError, match="pip install torch"):
        P.check_probe("cnn")
