"""What `synth` will make: a generator, a class and a split per item index, in chunks.

The plan is compact: the class and split of every item are two small integer arrays
(3 bytes an item), and the work units (`SynthChunk`, up to `CHUNK` items each) are made
lazily, a window at a time, by the runner. So a 200,000-item plan costs the parent a few
MB, not an object per item (bench/synth_plan_memory.py measures it).

Every item's seed depends only on (seed, generator, index), its class on (count, class
counts or weights) and its split on (seed, split shares, class counts) through the one
splitter (engine/split.py): same seed, same bytes, for any worker count or executor.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath

import numpy as np

from mediasynth.core import registry
from mediasynth.core.errors import ConfigError
from mediasynth.engine.plan import row_id
from mediasynth.engine.split import SplitSpec, largest_remainder, split_ungrouped
from mediasynth.synth.base import Generator

RUNNER_KEYS = ("count", "class_counts", "class_weights", "split")
CHUNK = 16  # items per work unit (a task of the pool or of Dask)


@dataclass(frozen=True)
class SynthItemPlan:
    """One planned item: its index, class, split (None without a split) and path in OUT."""

    index: int
    cls: str
    split: str | None
    rel_path: str
    row_id: str
    rank: int = 0  # its position among the items of its split


@dataclass(frozen=True)
class SynthChunk:
    """A work unit: consecutive planned items, rendered together in one worker."""

    items: tuple[SynthItemPlan, ...]


@dataclass(frozen=True)
class SynthPlan:
    """Every item of a synth run, held as arrays (see the module docstring)."""

    generator: Generator
    seed: int
    split_shares: dict[str, float] | None
    classes: tuple[str, ...]
    class_index: np.ndarray  # uint16 per item
    split_names: tuple[str, ...]
    split_index: np.ndarray  # int8 per item, -1: no split
    config: dict
    config_sha256: str

    def __len__(self) -> int:
        return len(self.class_index)

    def item(self, index: int) -> SynthItemPlan:
        cls = self.classes[int(self.class_index[index])]
        s = int(self.split_index[index])
        split = self.split_names[s] if s >= 0 else None
        return SynthItemPlan(index, cls, split, item_path(self.generator, index, cls, split),
                             synth_row_id(self.generator, index), int(self.split_rank[index]))

    @functools.cached_property
    def split_rank(self) -> np.ndarray:
        """Each item's position among the items of its split (int32, made on first use)."""
        rank = np.empty(len(self.split_index), dtype=np.int32)
        for s in np.unique(self.split_index):
            where = self.split_index == s
            rank[where] = np.arange(int(where.sum()), dtype=np.int32)
        return rank

    def items(self, indexes=None) -> Iterator[SynthItemPlan]:
        for i in range(len(self)) if indexes is None else indexes:
            yield self.item(int(i))

    def chunks(self, indexes, size: int = CHUNK) -> Iterator[SynthChunk]:
        """`indexes` (ascending) cut into chunks of up to `size` consecutive items."""
        batch: list[SynthItemPlan] = []
        for i in indexes:
            if batch and (len(batch) == size or batch[-1].index != int(i) - 1):
                yield SynthChunk(tuple(batch))
                batch = []
            batch.append(self.item(int(i)))
        if batch:
            yield SynthChunk(tuple(batch))

    def planned_paths(self) -> Iterator[str]:
        """Every path in OUT an item writes: media and side files."""
        for it in self.items():
            yield it.rel_path
            yield from self.generator.side_files(it.rel_path, it.split)


def synth_row_id(generator: Generator, index: int) -> str:
    return row_id(f"synth:{generator.name}", index)


def item_path(generator: Generator, index: int, cls: str, split: str | None) -> str:
    """`<split>/<class>/<generator>_<index:06d><extension>` (no split folder without one)."""
    short = generator.name.split(".")[-1]
    folder = PurePosixPath(*(p for p in (split, cls) if p))
    return str(folder / f"{short}_{index:06d}{generator.extension}")


def class_counts_of(classes: tuple[str, ...], count: int, *, class_counts: dict | None = None,
                    class_weights: dict | None = None) -> dict[str, int]:
    """Items per class: explicit counts, weights (e.g. {a: 1, b: 10} for a 1:10 imbalance,
    rounded by largest remainder) or uniform. ConfigError for unknown classes."""
    if class_counts:
        unknown = set(class_counts) - set(classes)
        if unknown:
            raise ConfigError(f"class_counts names unknown classes {sorted(unknown)}; "
                              f"classes: {list(classes)}")
        return {c: int(class_counts.get(c, 0)) for c in classes}
    weights = {c: 1.0 for c in classes}
    if class_weights:
        unknown = set(class_weights) - set(classes)
        if unknown:
            raise ConfigError(f"class_weights names unknown classes {sorted(unknown)}")
        weights = {c: float(class_weights.get(c, 0.0)) for c in classes}
    total = sum(weights.values())
    if total <= 0:
        raise ConfigError("class weights must not all be zero")
    return dict(zip(classes, largest_remainder([count * weights[c] / total for c in classes])))


def class_indices(classes: tuple[str, ...], counts: dict[str, int]) -> np.ndarray:
    """The class (index into `classes`) of every item, interleaved so any prefix of indexes
    is roughly balanced: item i goes to the class furthest behind its target share."""
    total = sum(counts.values())
    target = [counts[c] for c in classes]
    given = [0] * len(classes)
    out = np.empty(total, dtype=np.uint16)
    order = range(len(classes))
    for i in range(total):
        # the same float operations as ever: counts[c] * (i + 1) / total - given[c]
        best = max(order, key=lambda c: (target[c] * (i + 1) / total - given[c], -c))
        given[best] += 1
        out[i] = best
    return out


def class_plan(classes: tuple[str, ...], count: int, *, class_counts: dict | None = None,
               class_weights: dict | None = None) -> list[str]:
    """The class name of every item index (see `class_counts_of`, `class_indices`)."""
    counts = class_counts_of(classes, count, class_counts=class_counts,
                             class_weights=class_weights)
    return [classes[i] for i in class_indices(classes, counts)]


def make_synth_plan(generator: Generator, *, count: int, seed: int = 0,
                    split: dict[str, float] | None = None, class_counts: dict | None = None,
                    class_weights: dict | None = None) -> SynthPlan:
    """The plan of `count` items (fewer or more with `class_counts`, which fix the total),
    split by the one splitter; `config_sha256` is the rows' pipeline_sha256 (a resumed run
    keeps only rows of the same config)."""
    classes = tuple(generator.classes())
    counts = class_counts_of(classes, count, class_counts=class_counts,
                             class_weights=class_weights)
    cls_index = class_indices(classes, counts)
    names, splits = split_ungrouped(cls_index, classes, SplitSpec(split, seed=seed))
    config = {"generator": generator.to_config(), "count": len(cls_index), "seed": seed,
              "split": split, "class_counts": class_counts, "class_weights": class_weights}
    sha = hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()
    return SynthPlan(generator, seed, split, classes, cls_index, names, splits, config, sha)


def generator_and_options(type_name: str, settings: dict) -> tuple[Generator, dict]:
    """The generator `type_name` built from `settings` (a pipeline's `source:` section or
    `--set` values) and the runner options among them (RUNNER_KEYS). Strict: a key that is
    neither raises ConfigError naming the closest valid one."""
    cls = registry.lookup(type_name)
    runner = {k: v for k, v in settings.items() if k in RUNNER_KEYS}
    gen_cfg = {"type": type_name, **{k: v for k, v in settings.items()
                                     if k != "type" and k not in RUNNER_KEYS}}
    valid = set(cls.config_fields())
    for key in gen_cfg:
        if key != "type" and key not in valid:
            raise ConfigError(f"{type_name}: unknown option {key!r}"
                              f"{registry.did_you_mean(key, sorted(valid | set(RUNNER_KEYS)))}")
    try:
        return registry.build(gen_cfg), runner
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"{type_name}: {exc}") from None
