"""Declarative transform parameters: a field states its default, bounds, unit and doc once.

    gain_db_range: tuple[float, float] = param((-6.0, 6.0), "gain", unit="dB", low=-120, high=60)

A 2-tuple default is a [low, high] range whose ends must lie within the bounds; a field
named `*_range` is also drawn by the default `Transform.get_params` (uniformly, as
`gain_db` here, in field order; `integer=True` draws an int (and requires one of a scalar),
`draw=False` leaves it to a hand-written get_params). `choices` restricts a value to a set; a scalar with bounds must lie
within them; `checked=False` only documents a field (a flag, a path, a value `validate` checks
itself). `Transform.__post_init__` checks every declared field before `validate` (which
stays for checks across fields) and `registry.register` writes the docstring's field list.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from mediasynth.core.errors import ConfigError


@dataclass(frozen=True)
class Spec:
    """What a declared field may hold; see the module doc."""

    doc: str
    unit: str = ""
    low: float = -math.inf
    high: float = math.inf
    strict_low: bool = False
    choices: tuple | None = None
    integer: bool = False
    draw: bool = True
    checked: bool = True

    def check(self, owner: Any, name: str) -> None:
        if not self.checked:
            return
        value = getattr(owner, name)
        if self.choices is not None:
            if value not in self.choices:
                raise ConfigError(f"{owner.name}: {name} must be one of {list(self.choices)}, "
                                  f"got {value!r}")
        elif name.endswith("_range"):
            check_pair(owner.name, name, value, self.low, self.high, self.strict_low)
        elif not (isinstance(value, int if self.integer else (int, float))
                  and not isinstance(value, bool) and self.low <= value <= self.high):
            what = "an integer" if self.integer else "a number"
            raise ConfigError(f"{owner.name}: {name} must be {what} in [{_num(self.low)}, "
                              f"{_num(self.high)}], got {value!r}")

    def describe(self) -> str:
        out = self.doc + (f" ({self.unit})" if self.unit else "")
        if self.choices is not None:
            return f"{out}: {' | '.join(map(str, self.choices))}."
        if math.isfinite(self.low) or math.isfinite(self.high):
            opening = "(" if self.strict_low else "["
            out += f"; within {opening}{_num(self.low)}, {_num(self.high)}]"
        return out + "."


def param(default: Any, doc: str, **spec: Any) -> Any:
    """A dataclass field declared with its doc and constraints (keywords of `Spec`)."""
    return dataclasses.field(default=default, metadata={"param": Spec(doc, **spec)})


def check_pair(owner: str, name: str, value: Any, low: float, high: float,
               strict_low: bool = False) -> None:
    """Check that `value` is a (lo, hi) pair of finite numbers with low <= lo <= hi <= high."""
    if not (isinstance(value, tuple) and len(value) == 2):
        raise ConfigError(f"{owner}: {name} must be [low, high], got {value!r}")
    if not all(isinstance(v, (int, float)) and math.isfinite(v) for v in value):
        raise ConfigError(f"{owner}: {name} must hold finite numbers, got {value!r}")
    lo, hi = value
    if lo > hi or (lo <= low if strict_low else lo < low) or hi > high:
        bound = f"({low}, {high}]" if strict_low else f"[{low}, {high}]"
        raise ConfigError(f"{owner}: {name} must satisfy low <= high within {bound}, "
                          f"got {value!r}")


@functools.cache
def declared(cls: type) -> tuple[tuple[str, Spec], ...]:
    """(field name, Spec) of every declared field of a dataclass, in field order."""
    return tuple((f.name, f.metadata["param"]) for f in dataclasses.fields(cls)
                 if "param" in f.metadata)


def check_declared(obj: Any) -> None:
    for name, spec in declared(type(obj)):
        spec.check(obj, name)


def draw_declared(obj: Any, rng: np.random.Generator) -> dict[str, Any]:
    """The plain draws of `obj`'s drawn range fields: `x_range` -> {"x": value}."""
    out = {}
    for name, spec in declared(type(obj)):
        if spec.draw and spec.choices is None and name.endswith("_range"):
            draw = integer if spec.integer else uniform
            out[name.removesuffix("_range")] = draw(rng, getattr(obj, name))
    return out


def uniform(rng: np.random.Generator, bounds: tuple[float, float]) -> float:
    """A float drawn uniformly from [lo, hi] (lo == hi returns lo without changing the stream
    length: a draw is always made)."""
    lo, hi = float(bounds[0]), float(bounds[1])
    return lo + (hi - lo) * float(rng.random())


def integer(rng: np.random.Generator, bounds: tuple[int, int]) -> int:
    """An int drawn uniformly from [lo, hi] inclusive."""
    return int(rng.integers(int(bounds[0]), int(bounds[1]) + 1))


def field_docs(cls: type) -> str:
    """The "Fields:" section of a docstring, from the declared fields (p last)."""
    lines = [f"    {name}: {spec.describe()}" for name, spec in declared(cls)]
    if "p" in {f.name for f in dataclasses.fields(cls)}:
        lines.append("    p: probability of applying.")
    return "\n".join(["Fields:", *lines]) if lines else ""


def _num(value: float) -> str:
    return f"{value:g}" if math.isfinite(value) else ("-inf" if value < 0 else "inf")
