from __future__ import annotations

from pathlib import Path

from mediasynth.core.config import DatasetOptions, Pipeline
from mediasynth.engine.plan import (
    assign_splits,
    largest_remainder,
    make_plan,
    variants_per_source,
)
from mediasynth.io.discover import Found


def _found(paths):
    return [Found(p, Path("/x") / p, "image", "png", 10) for p in paths]


def test_largest_remainder_adds_up():
    assert largest_remainder([4.0, 0.5, 0.5]) == [4, 1, 0]
    assert sum(largest_remainder([2.4, 0.3, 0.3])) == 3


def test_split_is_stratified_deterministic_and_independent_of_other_classes():
    files = _found([f"a/{i}.png" for i in range(10)] + [f"b/{i}.png" for i in range(20)])
    s1 = assign_splits(files, {"train": 0.8, "val": 0.1, "test": 0.1}, seed=3)
    assert s1 == assign_splits(list(reversed(files)), {"train": 0.8, "val": 0.1, "test": 0.1}, 3)
    for cls, n in (("a", 10), ("b", 20)):
        got = [s1[f"{cls}/{i}.png"] for i in range(n)]
        assert got.count("train") == int(0.8 * n) and got.count("val") == int(0.1 * n)
    only_a = assign_splits(files[:10], {"train": 0.8, "val": 0.1, "test": 0.1}, seed=3)
    assert all(only_a[k] == s1[k] for k in only_a)
    assert assign_splits(files, {"train": 0.8, "val": 0.1, "test": 0.1}, seed=4) != s1


def test_oversample_and_undersample_counts():
    by_class = {"a": ["a/1", "a/2", "a/3"], "b": ["b/1"]}
    over = variants_per_source(by_class, variants=2, balance="oversample", class_targets=None)
    assert sum(v for k, v in over.items() if k.startswith("a")) == 6 == over["b/1"]
    under = variants_per_source(by_class, variants=2, balance="undersample", class_targets=None)
    assert sum(v for k, v in under.items() if k.startswith("a")) == 2 == under["b/1"]
    explicit = variants_per_source(by_class, variants=2, balance="none", class_targets={"b": 5})
    assert explicit["b/1"] == 5


def test_val_and_test_get_originals_only_and_outputs_never_collide():
    files = _found([f"a/{i}.png" for i in range(10)] + ["a/x.png", "a/x.jpg", "a/sub/x.png"])
    pipeline = Pipeline(variants=2, dataset=DatasetOptions(split={"train": 0.5, "val": 0.5}))
    plan = make_plan(files, pipeline, output_extension=lambda k, f: ".png")
    paths = [o.rel_path for j in plan.jobs for o in j.outputs]
    assert len(paths) == len(set(paths))
    for job in plan.jobs:
        if job.split == "val":
            assert [o.variant for o in job.outputs] == [-1]
        else:
            assert [o.variant for o in job.outputs] == [0, 1]
        assert all(o.rel_path.startswith(f"{job.split}/a/") for o in job.outputs)
