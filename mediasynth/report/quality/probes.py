"""Probes: small classifiers trained from scratch on one arm's training items, then asked
for the test items' classes. Nothing is ever fitted on test items.

- `linear` (default): standardisation fitted on the training features only (values clipped
  at CLIP_SD deviations), then scikit-learn's multinomial logistic regression. Seconds on a
  CPU.
- `cnn` (needs torch): a three-block convolutional network on thumbnails (images, video
  keyframes) or log-mel patches (audio), trained from scratch for a fixed number of steps
  (`CNN_STEPS` batches of `CNN_BATCH`, so every arm gets the same compute whatever its
  size), seeded, one thread, deterministic algorithms. Its training inputs may come in
  several renders (the "online" arm, online.py: (renders, items, ...)): pass p over the
  items reads render p mod renders, so every pass sees fresh augmentations.

A probe maps (train inputs, train labels, per-item weights, test inputs, seed) to test
predictions (class indices); `INPUTS` says which per-item inputs it takes ("features" or
"network"). The weights give every source the same total weight whatever its number of
variants, so an arm with more variants is not also a less regularised model: what changes
between arms is what the data shows, not how much of it there is.
"""

from __future__ import annotations

import warnings

import numpy as np

from mediasynth.core.errors import ConfigError

PROBES = ("linear", "cnn")
INPUTS = {"linear": "features", "cnn": "network"}
CLIP_SD = 5.0  # standardised features are clipped here: a feature almost constant in training
# (an empty hue bin) would otherwise turn a trace of it in a test item into thousands of
# deviations and decide the prediction alone
# inverse L2 strength of the logistic regression: strong, so that no handful of features
# decides alone; at C = 1 a JPEG q93-95 copy of 48 px photo crops moved macro-F1 on a
# shifted test set by 0.04, at 0.01 by 0.003, and a covering pipeline's gain stays
LINEAR_C = 0.01
CNN_STEPS = 200
CNN_BATCH = 64
CNN_THREADS = 1


def check_probe(name: str) -> None:
    """ConfigError for an unknown probe, or `cnn` without torch installed."""
    if name not in PROBES:
        raise ConfigError(f"unknown probe {name!r} (probes: {', '.join(PROBES)})")
    if name == "cnn":
        try:
            import torch  # noqa: F401
        except ImportError:
            raise ConfigError("--probe cnn needs PyTorch: pip install torch (or use the "
                              "default --probe linear)") from None


def predict(probe: str, train_x: np.ndarray, train_y: np.ndarray, weights: np.ndarray,
            test_x: np.ndarray, *, n_classes: int, seed: int) -> np.ndarray:
    """Test predictions (class indices) of `probe` trained on (train_x, train_y), each
    training item weighted by `weights` (1 / the items of its source in the arm). `cnn`
    also takes train_x as (renders, items, ...): one render per pass over the items."""
    if probe == "linear":
        return linear(train_x, train_y, weights, test_x, seed=seed)
    if probe == "cnn":
        return cnn(train_x, train_y, weights, test_x, n_classes=n_classes, seed=seed)
    raise ConfigError(f"unknown probe {probe!r}")


def linear(train_x: np.ndarray, train_y: np.ndarray, weights: np.ndarray,
           test_x: np.ndarray, *, seed: int) -> np.ndarray:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(train_x, sample_weight=weights)

    def scaled(x: np.ndarray) -> np.ndarray:
        return np.clip(scaler.transform(x), -CLIP_SD, CLIP_SD)

    model = LogisticRegression(C=LINEAR_C, max_iter=500, random_state=seed)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(scaled(train_x), train_y, sample_weight=weights)
    return model.predict(scaled(test_x)).astype(np.int64)


def cnn(train_x: np.ndarray, train_y: np.ndarray, weights: np.ndarray, test_x: np.ndarray,
        *, n_classes: int, seed: int) -> np.ndarray:
    import torch
    from torch import nn

    torch.set_num_threads(CNN_THREADS)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True)
    renders = train_x if train_x.ndim == 5 else train_x[None]  # (renders, items, C, H, W)
    mean = renders.mean(axis=(0, 1, 3, 4), keepdims=True)[0]
    std = renders.std(axis=(0, 1, 3, 4), keepdims=True)[0] + 1e-6
    views = [torch.from_numpy(((r - mean) / std).astype(np.float32)) for r in renders]
    x = views[0]
    y = torch.from_numpy(np.asarray(train_y, np.int64))
    w = torch.from_numpy((np.asarray(weights) / np.mean(weights)).astype(np.float32))
    channels = x.shape[1]
    net = nn.Sequential(
        nn.Conv2d(channels, 8, 3, padding=1), nn.BatchNorm2d(8), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(8, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
        nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, n_classes))
    optimiser = torch.optim.Adam(net.parameters(), lr=3e-3, weight_decay=1e-4)
    loss_fn = nn.CrossEntropyLoss(reduction="none")
    order = np.random.default_rng(seed)
    net.train()
    perm, start, passes = order.permutation(len(x)), 0, 0
    for _ in range(CNN_STEPS):
        if start + CNN_BATCH > len(x) and start > 0:  # a new pass over the data
            perm, start, passes = order.permutation(len(x)), 0, passes + 1
            x = views[passes % len(views)]
        idx = torch.from_numpy(perm[start:start + CNN_BATCH])
        start += CNN_BATCH
        if len(idx) < 2:
            continue
        optimiser.zero_grad()
        (loss_fn(net(x[idx]), y[idx]) * w[idx]).mean().backward()
        optimiser.step()
    net.eval()
    test = torch.from_numpy(((test_x - mean) / std).astype(np.float32))
    with torch.no_grad():
        logits = torch.cat([net(test[i:i + 256]) for i in range(0, len(test), 256)])
    return logits.argmax(1).numpy().astype(np.int64)
