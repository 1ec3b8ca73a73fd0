"""The `dataset.balance` setting: a strategy name or a mapping in imbalanced-learn's
vocabulary (validated here; engine/sampler.py computes the counts), and the registry of
balancing strategies.

A strategy is an object registered by name (`register_balance_strategy(obj)`);
the built-in ones (none, oversample, undersample, synthesize) live in engine/balancing.py,
imported by name the first time a strategy is asked for. Its contract (`BalanceStrategy`,
checked at registration):
- `name`, `summary`: what `dataset.balance.strategy` says, and one line for the docs.
- `sampling`: imbalanced-learn's sampling type its class targets follow ("over-sampling",
  "under-sampling"), or None for no rebalancing.
- `needs_neighbours`: whether the engine must embed the train sources and find each one's
  nearest same-class sources before planning (SMOTE-like strategies).
- `check(spec)`: raise ConfigError for options the strategy cannot honour.
- `variant_targets(totals, spec, explicit) -> {class: outputs}`: the plain variants each
  train class gets, from the counts it would get without balancing.
- `extra_outputs(by_class, counts, spec, pipeline, neighbours) -> (counts, partners)`:
  outputs made on top of the plain variants (`partners`: {source: [partner of each new
  output]}); `counts` may be topped up where no partner exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from mediasynth.core.contracts import PluginRegistry
from mediasynth.core.errors import ConfigError

BUILTIN_MODULE = "mediasynth.engine.balancing"
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
    if spec.strategy not in strategy_names():
        raise ConfigError(f"dataset.balance.strategy must be one of "
                          f"{', '.join(strategy_names())}, got {spec.strategy!r}")
    ss = spec.sampling_strategy
    if not (ss in NAMED or (isinstance(ss, dict) and all(
            isinstance(v, int) and v >= 0 for v in ss.values()))):
        raise ConfigError("dataset.balance.sampling_strategy must be auto, minority, "
                          "not minority, not majority, all, or a mapping of class -> count")
    if spec.count not in COUNTS:
        raise ConfigError(f"dataset.balance.count must be items or objects, got {spec.count!r}")
    if not isinstance(spec.k_neighbors, int) or spec.k_neighbors < 1:
        raise ConfigError("dataset.balance.k_neighbors must be a positive integer")
    strategy(spec.strategy).check(spec)
    return spec


@runtime_checkable
class BalanceStrategy(Protocol):
    """How train classes are balanced; see the module doc for each member's contract."""

    name: str
    summary: str
    sampling: str | None
    needs_neighbours: bool

    def check(self, spec: BalanceSpec) -> None: ...

    def variant_targets(self, totals: dict, spec: BalanceSpec, explicit: dict | None
                        ) -> dict: ...

    def extra_outputs(self, by_class: dict, counts: dict[str, int], spec: BalanceSpec,
                      pipeline: Any, neighbours: Any
                      ) -> tuple[dict[str, int], dict[str, list[str]]]: ...


_REGISTRY = PluginRegistry("balance strategy", BalanceStrategy, BUILTIN_MODULE,
                           unknown=ConfigError)


def register_balance_strategy(obj: BalanceStrategy) -> BalanceStrategy:
    """Register `obj` under `obj.name` (strategies run in the parent process only, while
    planning). TypeError names what it lacks of the contract; ValueError when another class
    holds the name."""
    return _REGISTRY.register(obj)


def unregister_balance_strategy(name: str) -> None:
    _REGISTRY.unregister(name)


def strategy_names() -> tuple[str, ...]:
    return _REGISTRY.names()


def strategy(name: str) -> BalanceStrategy:
    """The strategy registered as `name` (ConfigError naming the registered ones)."""
    return _REGISTRY.get(name)
