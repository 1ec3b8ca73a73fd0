"""The synth plan (engine/synth_plan.py): classes interleaved as before, splits from the one
splitter, chunks made lazily, a few bytes per item."""

from __future__ import annotations

import numpy as np
import pytest

from mediasynth.core.errors import ConfigError
from mediasynth.core.registry import lookup
from mediasynth.engine.split import SplitItem, SplitSpec, split_items
from mediasynth.engine.synth_plan import (
    class_plan,
    generator_and_options,
    item_path,
    make_synth_plan,
)


def _interleave_as_before(classes, counts):
    """The interleave synth used before the plan was compact (one str per item)."""
    order, given = [], dict.fromkeys(classes, 0)
    total = sum(counts.values())
    for i in range(total):
        c = max(classes, key=lambda c: (counts[c] * (i + 1) / total - given[c],
                                        -classes.index(c)))
        given[c] += 1
        order.append(c)
    return order


@pytest.mark.parametrize("weights", [None, {"a": 1, "b": 10, "c": 0}, {"a": 3, "b": 3, "c": 1}])
def test_classes_interleave_as_before(weights):
    classes = ("a", "b", "c")
    got = class_plan(classes, 331, class_weights=weights)
    from collections import Counter

    assert got == _interleave_as_before(classes, Counter(got))
    assert len(got) == 331
    if weights and weights["c"] == 0:
        assert "c" not in got


def test_class_counts_fix_the_total_and_unknown_classes_are_refused():
    assert class_plan(("a", "b"), 5, class_counts={"a": 2, "b": 7}).count("b") == 7
    with pytest.raises(ConfigError, match="unknown classes"):
        class_plan(("a", "b"), 5, class_counts={"z": 1})
    with pytest.raises(ConfigError, match="must not all be zero"):
        class_plan(("a", "b"), 5, class_weights={"a": 0, "b": 0})


@pytest.mark.parametrize("seed,shares", [(0, {"train": 0.8, "val": 0.1, "test": 0.1}),
                                         (7, {"val": 0.3, "train": 0.7}), (3, None)])
def test_the_plan_splits_as_the_one_splitter(seed, shares):
    shapes = lookup("synth.shapes")()
    plan = make_synth_plan(shapes, count=500, seed=seed, split=shares,
                           class_weights={"circle": 5, "square": 1})
    expected = split_items([SplitItem(str(i), it.cls) for i, it in enumerate(plan.items())],
                           SplitSpec(shares, seed=seed))
    assert [it.split for it in plan.items()] == [
        expected.split_of(str(i)) for i in range(len(plan))]
    assert plan.item(7).rel_path == item_path(shapes, 7, plan.item(7).cls, plan.item(7).split)


def test_chunks_are_runs_of_consecutive_items():
    plan = make_synth_plan(lookup("synth.tones")(), count=100, seed=1)
    todo = [0, 1, 2, 5, 6, *range(20, 60), 99]
    chunks = list(plan.chunks(todo, size=16))
    assert [it.index for c in chunks for it in c.items] == todo
    for c in chunks:
        indexes = [it.index for it in c.items]
        assert indexes == list(range(indexes[0], indexes[0] + len(indexes)))
        assert len(indexes) <= 16


def test_a_large_plan_holds_a_few_bytes_an_item():
    plan = make_synth_plan(lookup("synth.shapes")(), count=50_000, seed=0,
                           split={"train": 0.8, "val": 0.2})
    assert plan.class_index.nbytes + plan.split_index.nbytes <= 3 * 50_000
    assert isinstance(plan.class_index, np.ndarray) and len(plan) == 50_000
    assert plan.config["count"] == 50_000 and len(plan.config_sha256) == 64


def test_the_config_hash_follows_everything_that_changes_items():
    tones = lookup("synth.tones")()
    base = make_synth_plan(tones, count=10, seed=1).config_sha256
    assert make_synth_plan(tones, count=10, seed=1).config_sha256 == base
    for changed in (make_synth_plan(tones, count=11, seed=1),
                    make_synth_plan(tones, count=10, seed=2),
                    make_synth_plan(tones, count=10, seed=1, split={"train": 1.0}),
                    make_synth_plan(lookup("synth.tones")(sample_rate=8000), count=10, seed=1)):
        assert changed.config_sha256 != base


def test_options_split_into_generator_and_runner_settings():
    gen, runner = generator_and_options("synth.shapes", {"width": 64, "count": 9,
                                                         "class_weights": {"circle": 2}})
    assert gen.width == 64 and runner == {"count": 9, "class_weights": {"circle": 2}}
    with pytest.raises(ConfigError, match="unknown option 'widht'"):
        generator_and_options("synth.shapes", {"widht": 64})
