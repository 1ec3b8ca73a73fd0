"""The `dataset.balance` setting: a strategy name or a mapping in imbalanced-learn's
vocabulary (validated here; engine/sampler.py computes the counts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mediasynth.core.errors import ConfigError

STRATEGIES = ("none", "oversample", "undersample", "synthesize")
COUNTS = ("items", "objects")
NAMED = ("auto", "minority", "not minority", "not majority", "all")


@dataclass(frozen=True)
class BalanceSpec:
    strategy: str = "none"
    sampling_strategy: Any = "auto"
    k_neighbors: int = 5
    count: str = "items"  # what a class's size is: its items, or its annotated objects


def balance_spec(value) -> BalanceSpec:
    """The spec of a `dataset.balance` value (ConfigError when malformed)."""
    if isinstance(value, BalanceSpec):
        return value
    if isinstance(value, str):
        value = {"strategy": value}
    if not isinstance(value, dict):
        raise ConfigError(f"dataset.balance must be a strategy or a mapping, got {value!r}")
    unknown = set(value) - {"strategy", "sampling_strategy", "k_neighbors", "count"}
    if unknown:
        raise ConfigError(f"dataset.balance: unknown key {sorted(unknown)[0]!r} (keys: "
                          "strategy, sampling_strategy, k_neighbors, count)")
    spec = BalanceSpec(value.get("strategy", "none"), value.get("sampling_strategy", "auto"),
                       value.get("k_neighbors", 5), value.get("count", "items"))
    if spec.strategy not in STRATEGIES:
        raise ConfigError(f"dataset.balance.strategy must be one of {', '.join(STRATEGIES)}, "
                          f"got {spec.strategy!r}")
    ss = spec.sampling_strategy
    if not (ss in NAMED or (isinstance(ss, dict) and all(
            isinstance(v, int) and v >= 0 for v in ss.values()))):
        raise ConfigError("dataset.balance.sampling_strategy must be auto, minority, "
                          "not minority, not majority, all, or a mapping of class -> count")
    if spec.count not in COUNTS:
        raise ConfigError(f"dataset.balance.count must be items or objects, got {spec.count!r}")
    if spec.count == "objects" and spec.strategy == "synthesize":
        raise ConfigError("dataset.balance.count: objects works with oversample and "
                          "undersample (synthesize blends whole items of one class)")
    if not isinstance(spec.k_neighbors, int) or spec.k_neighbors < 1:
        raise ConfigError("dataset.balance.k_neighbors must be a positive integer")
    return spec
