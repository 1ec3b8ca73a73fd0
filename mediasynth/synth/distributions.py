"""Distribution specs, Scaper's vocabulary: how a generator option says "draw this value".

A spec is a plain scalar (the constant itself) or a list / tuple whose first item names the
distribution:

    [const, v]                    always v
    [choose, [a, b, ...]]         one of the list, uniformly; [choose, []]: one of the values
                                  the caller offers (e.g. every label of the folder)
    [uniform, low, high]          uniform in [low, high)
    [normal, mean, std]           Gaussian
    [truncnorm, mean, std, low, high]   Gaussian restricted to [low, high] (inverse CDF, one
                                  draw: never loops)

`check_spec` validates a spec (ConfigError naming the option); `sample` draws one value from
a NumPy Generator. Draws are JSON-safe Python values (float, int, str).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from mediasynth.core.errors import ConfigError

KINDS = ("const", "choose", "uniform", "normal", "truncnorm")
_ARITY = {"const": 1, "choose": 1, "uniform": 2, "normal": 2, "truncnorm": 4}


def is_choose_any(spec: Any) -> bool:
    """Whether `spec` is [choose, []] (or a bare `choose`): any of the caller's values."""
    return spec == "choose" or (_is_list(spec) and len(spec) == 2 and spec[0] == "choose"
                                and not spec[1])


def check_spec(spec: Any, where: str, *, numeric: bool = True) -> None:
    """Raise ConfigError naming `where` when `spec` is not a valid distribution. `numeric`:
    the values must be numbers (a label or a file may be chosen by name)."""
    if spec == "choose":
        return
    if not _is_list(spec):
        if numeric and not _is_number(spec):
            raise ConfigError(f"{where}: expected a number or a distribution such as "
                              f"[uniform, low, high], got {spec!r}")
        return
    if not spec or spec[0] not in KINDS:
        raise ConfigError(f"{where}: a distribution starts with one of {list(KINDS)}, "
                          f"got {list(spec)!r}")
    kind, args = spec[0], list(spec[1:])
    if len(args) != _ARITY[kind]:
        raise ConfigError(f"{where}: [{kind}, ...] takes {_ARITY[kind]} value(s), "
                          f"got {len(args)}")
    if kind == "choose":
        if not _is_list(args[0]):
            raise ConfigError(f"{where}: [choose, [...]] takes a list, got {args[0]!r}")
        if numeric and not all(_is_number(v) for v in args[0]):
            raise ConfigError(f"{where}: [choose, [...]] needs numbers here")
        return
    if kind == "const":
        if numeric and not _is_number(args[0]):
            raise ConfigError(f"{where}: [const, v] needs a number here")
        return
    if not all(_is_number(v) for v in args):
        raise ConfigError(f"{where}: [{kind}, ...] takes numbers, got {args!r}")
    if kind == "uniform" and not args[0] <= args[1]:
        raise ConfigError(f"{where}: [uniform, low, high] needs low <= high")
    if kind in ("normal", "truncnorm") and not args[1] >= 0:
        raise ConfigError(f"{where}: [{kind}, mean, std, ...] needs std >= 0")
    if kind == "truncnorm" and not args[2] <= args[3]:
        raise ConfigError(f"{where}: [truncnorm, mean, std, low, high] needs low <= high")


def sample(rng: np.random.Generator, spec: Any, choices: Sequence | None = None) -> Any:
    """One draw of `spec` (checked before). [choose, []] draws from `choices` (the caller's
    values; ValueError when there are none)."""
    if is_choose_any(spec):
        if not choices:
            raise ValueError("nothing to choose from")
        return _plain(choices[int(rng.integers(len(choices)))])
    if not _is_list(spec):
        return _plain(spec)
    kind, args = spec[0], spec[1:]
    if kind == "const":
        return _plain(args[0])
    if kind == "choose":
        return _plain(args[0][int(rng.integers(len(args[0])))])
    if kind == "uniform":
        return float(rng.uniform(args[0], args[1]))
    if kind == "normal":
        return float(rng.normal(args[0], args[1]))
    mean, std, low, high = (float(a) for a in args)
    return truncnorm(rng, mean, std, low, high)


def truncnorm(rng: np.random.Generator, mean: float, std: float, low: float,
              high: float) -> float:
    """A Gaussian draw restricted to [low, high], by inverting the CDF of one uniform draw
    (std 0: the mean clipped to the bounds)."""
    from scipy.special import ndtr, ndtri

    if std == 0.0:
        return float(min(max(mean, low), high))
    a, b = ndtr((low - mean) / std), ndtr((high - mean) / std)
    u = float(rng.uniform(a, b)) if b > a else a
    return float(min(max(mean + std * float(ndtri(u)), low), high))


def bounds(spec: Any) -> tuple[float, float]:
    """The smallest and largest value a numeric spec can draw (normal: +-inf)."""
    if not _is_list(spec):
        return float(spec), float(spec)
    kind, args = spec[0], spec[1:]
    if kind == "const":
        return float(args[0]), float(args[0])
    if kind == "choose":
        return float(min(args[0])), float(max(args[0]))
    if kind == "uniform":
        return float(args[0]), float(args[1])
    if kind == "normal":
        return -math.inf, math.inf
    return float(args[2]), float(args[3])


def _is_list(value: Any) -> bool:
    return isinstance(value, (list, tuple))


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _plain(value: Any) -> Any:
    """A JSON-safe Python scalar from a NumPy or Python value."""
    if isinstance(value, np.generic):
        return value.item()
    return value
