"""The Transform contract and the OpRecord provenance tree.

A transform is a frozen dataclass holding configuration only. All randomness happens in
`get_params(rng, media)`, which returns JSON-safe values; `apply(media, params)` is
deterministic and never mutates its input. `run` draws the apply coin (always, so the stream
of draws does not depend on `p`), samples params and applies; `replay` reproduces a run from
its record bit for bit.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from mediasynth.core.errors import ConfigError
from mediasynth.core.media import MediaKind
from mediasynth.core.params import check_declared, check_pair, draw_declared, integer, uniform

__all__ = ["OpRecord", "Transform", "check_choice", "check_range", "check_value", "integer",
           "seed_param", "uniform"]


@dataclass(frozen=True)
class OpRecord:
    """What one transform run did: its name, whether it applied, its params, its children."""

    name: str
    applied: bool
    params: dict[str, Any]
    children: tuple[OpRecord, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"name": self.name, "applied": self.applied, "params": self.params}
        if self.children:
            out["children"] = [c.to_dict() for c in self.children]
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OpRecord:
        return cls(
            name=data["name"],
            applied=bool(data["applied"]),
            params=dict(data.get("params", {})),
            children=tuple(cls.from_dict(c) for c in data.get("children", ())),
        )

    def applied_names(self) -> list[str]:
        """Names of the leaf operations that applied, in order."""
        if self.children:
            return [n for c in self.children for n in c.applied_names()]
        return [self.name] if self.applied else []


class Configurable:
    """Config round trip for frozen dataclasses registered by name (transforms, generators):
    `to_config()` -> {"type": name, field: value...}, `from_config(cfg)` -> instance."""

    name: ClassVar[str] = ""

    def to_config(self) -> dict[str, Any]:
        cfg: dict[str, Any] = {"type": self.name}
        for f in dataclasses.fields(self):
            cfg[f.name] = _thaw(getattr(self, f.name))
        return cfg

    @classmethod
    def config_fields(cls) -> list[str]:
        return [f.name for f in dataclasses.fields(cls)]

    @classmethod
    def check_contract(cls) -> None:
        """Raise TypeError naming what the class lacks of its kind of plugin's contract;
        `core.registry.register` calls it (a generator must implement `classes`,
        `get_params`, `render` and `write`: synth/base.py). Nothing to check by default."""

    @classmethod
    def from_config(cls, cfg: dict[str, Any], build=None):
        """Build from a config dict (its `type` key ignored). Keys are checked by the
        caller (`registry.build`); here they are passed to the constructor."""
        return cls(**{k: v for k, v in cfg.items() if k != "type"})


def freeze_lists(obj) -> None:
    """Turn list-valued dataclass fields into tuples (hashable, comparable configs)."""
    for f in dataclasses.fields(obj):
        value = getattr(obj, f.name)
        if isinstance(value, list):
            object.__setattr__(obj, f.name, _freeze(value))


def new_rng(rng: np.random.Generator | int | None) -> np.random.Generator:
    """A Generator from a Generator, an int seed or None (fresh OS entropy)."""
    if isinstance(rng, np.random.Generator):
        return rng
    return np.random.default_rng(rng)


@dataclass(frozen=True, kw_only=True)
class Transform(Configurable):
    """Base of every transform. Subclasses are `@register`ed frozen dataclasses.

    Fields:
        p: probability that the transform applies (never used as a choice weight).
    """

    name: ClassVar[str] = ""
    kind: ClassVar[MediaKind]
    # Consecutive steps of a Compose with the same non-None group are applied together by
    # `apply_fused` (e.g. pitch shift + time stretch in one resampling pass).
    fuse_group: ClassVar[str | None] = None
    p: float = 1.0

    def __post_init__(self) -> None:
        freeze_lists(self)
        if not (isinstance(self.p, (int, float)) and 0.0 <= self.p <= 1.0):
            raise ConfigError(f"{self.name}: p must be in [0, 1], got {self.p!r}")
        check_declared(self)
        self.validate()

    def validate(self) -> None:
        """Checks beyond the declared fields' own (core/params.py); raise ConfigError naming
        the field."""

    # --- the contract -------------------------------------------------------------------
    def get_params(self, rng: np.random.Generator, media: Any) -> dict[str, Any]:
        """The default draws each declared `x_range` field as `x` (core/params.py)."""
        return draw_declared(self, rng)

    def apply(self, media: Any, params: dict[str, Any]) -> Any:
        raise NotImplementedError

    def sample(self, media: Any, rng: np.random.Generator) -> OpRecord:
        """Draw the coin and, when it applies, the params; apply nothing."""
        self.check_kind(media)
        if not bool(rng.random() < self.p):
            return OpRecord(self.name, False, {})
        return OpRecord(self.name, True, self.get_params(rng, media))

    def run(self, media: Any, rng: np.random.Generator) -> tuple[Any, OpRecord]:
        record = self.sample(media, rng)
        return (self.apply(media, record.params) if record.applied else media), record

    @classmethod
    def apply_fused(cls, media: Any, steps: list[Transform], records: list[OpRecord]) -> Any:
        """Apply several consecutive steps of this fuse group at once. The default applies
        them one by one; groups override it with a single pass."""
        for step, record in zip(steps, records):
            media = step.replay(media, record)
        return media

    def replay(self, media: Any, record: OpRecord) -> Any:
        if record.name != self.name:
            raise ValueError(f"record is for {record.name!r}, not {self.name!r}")
        if not record.applied:
            return media
        return self.apply(media, record.params)

    def check_kind(self, media: Any) -> None:
        media_kind = getattr(media, "kind", None)
        if media_kind is not None and media_kind != self.kind:
            raise TypeError(f"{self.name} works on {self.kind} media, got {media_kind}")

    def __call__(self, *args: Any, rng: np.random.Generator | int | None = None, **kwargs: Any):
        """Run on a media object, or on plain arrays the albumentations/audiomentations way.

        `t(media, rng=...)` -> media; `t(image=arr, mask=..., bboxes=..., keypoints=...)` -> dict;
        `t(samples, sample_rate=sr)` -> array of the same shape.
        """
        from mediasynth.core.adapters import call_transform

        return call_transform(self, args, kwargs, new_rng(rng))


def _freeze(value: Any) -> Any:
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


def _thaw(value: Any) -> Any:
    if isinstance(value, tuple):
        return [_thaw(v) for v in value]
    if isinstance(value, Transform):
        return value.to_config()
    return value


# --- helpers for get_params / validate -----------------------------------------------------


def seed_param(rng: np.random.Generator) -> int:
    """An integer seed for kernels that need random arrays (JSON-safe, < 2**53)."""
    return int(rng.integers(0, 2**53))


def check_range(
    owner: Transform,
    field_name: str,
    *,
    low: float = -math.inf,
    high: float = math.inf,
    strict_low: bool = False,
) -> None:
    """Check that field `field_name` is a (lo, hi) pair with low <= lo <= hi <= high."""
    check_pair(owner.name, field_name, getattr(owner, field_name), low, high, strict_low)


def check_value(owner: Transform, field_name: str, *, low: float, high: float) -> None:
    """Check that a scalar field lies in [low, high]."""
    value = getattr(owner, field_name)
    if not (isinstance(value, (int, float)) and low <= value <= high):
        raise ConfigError(f"{owner.name}: {field_name} must be in [{low}, {high}], got {value!r}")


def check_choice(owner: Transform, field_name: str, choices: tuple[str, ...]) -> None:
    value = getattr(owner, field_name)
    if value not in choices:
        raise ConfigError(f"{owner.name}: {field_name} must be one of {list(choices)}, got {value!r}")
