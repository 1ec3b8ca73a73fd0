"""Composition: Compose, OneOf, SomeOf, RandomApply.

Every child gets its own generator from `rng.spawn()`, all children are spawned whatever is
chosen, so editing one step never changes the random draws of the others. `p` is only ever
the probability of applying; choices use `weights`. Kinds are checked at construction with
the step index in the error.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from mediasynth.core.errors import ConfigError, KindMismatchError
from mediasynth.core.media import MediaKind
from mediasynth.core.registry import register
from mediasynth.core.transform import OpRecord, Transform, integer


def _check_steps(owner: str, steps: tuple) -> MediaKind | None:
    kind = None
    for i, step in enumerate(steps):
        if not isinstance(step, Transform):
            raise ConfigError(f"{owner}: step {i} is not a transform: {step!r}")
        if kind is None:
            kind = step.kind
        elif step.kind != kind:
            raise KindMismatchError(
                f"{owner}: step {i} ({step.name}) works on {step.kind} media, "
                f"but the chain works on {kind}"
            )
    return kind


def _check_weights(owner: str, weights: tuple | None, n: int) -> None:
    if weights is None:
        return
    if len(weights) != n or any((not isinstance(w, (int, float))) or w < 0 for w in weights):
        raise ConfigError(f"{owner}: weights must be {n} non-negative numbers, got {list(weights)}")
    if sum(weights) <= 0:
        raise ConfigError(f"{owner}: weights must not all be zero")


def _probabilities(weights: tuple | None, n: int) -> np.ndarray:
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    return w / w.sum()


class _Composite(Transform):
    """Shared behaviour: kind comes from the children; config nests the children."""

    @property
    def kind(self) -> MediaKind:  # type: ignore[override]
        return self._kind

    def _children(self) -> tuple[Transform, ...]:
        return self.steps  # type: ignore[attr-defined]

    def children(self, record: OpRecord) -> list[tuple[Transform, OpRecord]]:
        """(step, record) of each child that ran in `record`, in order (so the video graph,
        the report and the tests walk any tree of composites the same way)."""
        return list(zip(self.steps, record.children))  # type: ignore[attr-defined]

    def validate(self) -> None:
        steps = self._children()
        if not steps:
            raise ConfigError(f"{self.name}: needs at least one step")
        object.__setattr__(self, "_kind", _check_steps(self.name, steps))

    def check_kind(self, media: Any) -> None:
        # children check their own kind; a composite accepts what its first child accepts
        self._children()[0].check_kind(media)

    @classmethod
    def from_config(cls, cfg: dict[str, Any], build=None) -> Transform:
        kwargs = {k: v for k, v in cfg.items() if k != "type"}
        if "steps" in kwargs:
            kwargs["steps"] = tuple(build(s) for s in kwargs["steps"])
        if "step" in kwargs:
            kwargs["step"] = build(kwargs["step"])
        return cls(**kwargs)


@register("compose")
@dataclass(frozen=True, kw_only=True)
class Compose(_Composite):
    """Apply every step in order.

    Fields:
        steps: the transforms, all of one media kind.
        p: probability that the whole chain applies.
    """

    steps: tuple[Transform, ...]

    def __init__(self, steps=(), *, p: float = 1.0):  # positional steps, like albumentations
        object.__setattr__(self, "steps", tuple(steps))
        object.__setattr__(self, "p", p)
        self.__post_init__()

    def run(self, media, rng):
        self.check_kind(media)
        applied = bool(rng.random() < self.p)
        if not applied:
            return media, OpRecord(self.name, False, {})
        records: list[OpRecord] = []
        child_rngs = rng.spawn(len(self.steps))
        for start, stop in self._groups():
            if stop - start == 1:
                media, rec = self.steps[start].run(media, child_rngs[start])
                records.append(rec)
                continue
            group = list(self.steps[start:stop])
            recs = [s.sample(media, r) for s, r in zip(group, child_rngs[start:stop])]
            media = type(group[0]).apply_fused(media, group, recs)
            records.extend(recs)
        return media, OpRecord(self.name, True, {}, tuple(records))

    def replay(self, media, record):
        if not record.applied:
            return media
        if len(record.children) != len(self.steps):
            raise ValueError("record does not match this chain (step count differs)")
        for start, stop in self._groups():
            group = list(self.steps[start:stop])
            recs = list(record.children[start:stop])
            if stop - start == 1:
                media = group[0].replay(media, recs[0])
            else:
                media = type(group[0]).apply_fused(media, group, recs)
        return media

    def _groups(self) -> list[tuple[int, int]]:
        """[start, stop) runs of steps applied together: consecutive steps sharing a
        non-None `fuse_group`, every other step alone."""
        groups = []
        i = 0
        while i < len(self.steps):
            j = i + 1
            key = self.steps[i].fuse_group
            while key is not None and j < len(self.steps) and self.steps[j].fuse_group == key:
                j += 1
            groups.append((i, j))
            i = j
        return groups

    def __len__(self) -> int:
        return len(self.steps)


def _positional_steps(cls: type) -> type:
    """Let `cls([step, ...], weights=...)` take its steps positionally, as albumentations'
    OneOf/SomeOf do (the dataclass's keyword-only `__init__` stays underneath)."""
    keyword_init = cls.__init__

    def __init__(self, *args, **fields):
        if len(args) > 1 or (args and "steps" in fields):
            raise TypeError(f"{cls.__name__}() takes its steps as one list, then keywords")
        if args:
            fields["steps"] = args[0]
        keyword_init(self, **fields)

    __init__.__doc__ = keyword_init.__doc__
    cls.__init__ = __init__
    return cls


@register("one_of")
@_positional_steps
@dataclass(frozen=True, kw_only=True)
class OneOf(_Composite):
    """Apply exactly one step, chosen by `weights` (uniform when omitted).

    Fields:
        steps: the candidate transforms, all of one media kind.
        weights: relative choice weights, one per step.
        p: probability that a step is applied at all.
    """

    steps: tuple[Transform, ...]
    weights: tuple[float, ...] | None = None

    def validate(self) -> None:
        super().validate()
        _check_weights(self.name, self.weights, len(self.steps))

    def run(self, media, rng):
        self.check_kind(media)
        applied = bool(rng.random() < self.p)
        if not applied:
            return media, OpRecord(self.name, False, {})
        index = int(rng.choice(len(self.steps), p=_probabilities(self.weights, len(self.steps))))
        child_rngs = rng.spawn(len(self.steps))
        media, rec = self.steps[index].run(media, child_rngs[index])
        return media, OpRecord(self.name, True, {"index": index}, (rec,))

    def replay(self, media, record):
        if not record.applied:
            return media
        return self.steps[record.params["index"]].replay(media, record.children[0])

    def children(self, record):
        return [(self.steps[record.params["index"]], record.children[0])]


@register("some_of")
@_positional_steps
@dataclass(frozen=True, kw_only=True)
class SomeOf(_Composite):
    """Apply n distinct steps (n drawn from `n_range`), kept in their listed order.

    Fields:
        steps: the candidate transforms, all of one media kind.
        n_range: [min, max] number of steps to apply (inclusive).
        weights: relative choice weights, one per step.
        p: probability that any step is applied at all.
    """

    steps: tuple[Transform, ...]
    n_range: tuple[int, int] = (1, 1)
    weights: tuple[float, ...] | None = None

    def validate(self) -> None:
        super().validate()
        _check_weights(self.name, self.weights, len(self.steps))
        lo, hi = self.n_range
        if not (0 <= lo <= hi <= len(self.steps)):
            raise ConfigError(f"{self.name}: n_range must be within [0, {len(self.steps)}]")
        if self.weights is not None and sum(1 for w in self.weights if w > 0) < hi:
            raise ConfigError(f"{self.name}: fewer positive weights than n_range's maximum")

    def run(self, media, rng):
        self.check_kind(media)
        applied = bool(rng.random() < self.p)
        if not applied:
            return media, OpRecord(self.name, False, {})
        n = integer(rng, self.n_range)
        probs = _probabilities(self.weights, len(self.steps))
        chosen = sorted(int(i) for i in rng.choice(len(self.steps), size=n, replace=False, p=probs))
        child_rngs = rng.spawn(len(self.steps))
        records = []
        for i in chosen:
            media, rec = self.steps[i].run(media, child_rngs[i])
            records.append(rec)
        return media, OpRecord(self.name, True, {"indices": chosen}, tuple(records))

    def replay(self, media, record):
        if not record.applied:
            return media
        for i, rec in zip(record.params["indices"], record.children):
            media = self.steps[i].replay(media, rec)
        return media

    def children(self, record):
        return [(self.steps[i], c) for i, c in zip(record.params["indices"], record.children)]


@register("random_apply")
@dataclass(frozen=True, kw_only=True)
class RandomApply(_Composite):
    """Apply `step` with probability `p` (on top of the step's own `p`).

    Fields:
        step: the wrapped transform.
        p: probability of applying it.
    """

    step: Transform

    def _children(self) -> tuple[Transform, ...]:
        return (self.step,)

    def run(self, media, rng):
        self.check_kind(media)
        applied = bool(rng.random() < self.p)
        (child_rng,) = rng.spawn(1)
        if not applied:
            return media, OpRecord(self.name, False, {})
        media, rec = self.step.run(media, child_rng)
        return media, OpRecord(self.name, True, {}, (rec,))

    def replay(self, media, record):
        if not record.applied:
            return media
        return self.step.replay(media, record.children[0])

    def children(self, record):
        return [(self.step, record.children[0])]


def applied_leaves(step, record: OpRecord | None):
    """(step, record) of every leaf transform that applied, in the order it ran."""
    if record is None or not record.applied:
        return
    if not isinstance(step, _Composite):
        yield step, record
        return
    for child, child_record in step.children(record):
        yield from applied_leaves(child, child_record)


def run_chain(chain: Transform | None, media, rng=None, record: OpRecord | None = None):
    """Run `chain` (drawing from `rng`) or replay it (from `record`); a missing chain is the
    identity. Returns (media, record)."""
    if chain is None:
        return media, record or OpRecord("compose", True, {})
    if record is not None:
        return chain.replay(media, record), record
    return chain.run(media, rng)
