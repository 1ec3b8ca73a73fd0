"""engine/sampler.py: per-class targets in imbalanced-learn's vocabulary, SMOTE-style pairs
for `synthesize` (seeded, round robin), nearest neighbours of the same class, and the
objects per category of an annotation. (Object-count balancing: test_balance_objects.py.)"""

from __future__ import annotations

from collections import Counter

import numpy as np

from mediasynth.core.balance import balance_spec
from mediasynth.engine.sampler import (
    categories_of,
    class_targets,
    nearest_same_class,
    synthesized,
)

TOTALS = {"cat": 300, "dog": 120, "fox": 30, None: 12}  # None: unlabelled sources


def test_strategies_give_each_class_its_target():
    assert class_targets(TOTALS, balance_spec("none")) == TOTALS
    assert class_targets(TOTALS, balance_spec("oversample")) == dict.fromkeys(TOTALS, 300)
    assert class_targets(TOTALS, balance_spec("undersample")) == dict.fromkeys(TOTALS, 12)
    minority = class_targets(TOTALS, balance_spec({"strategy": "oversample",
                                                   "sampling_strategy": "minority"}))
    assert minority == {**TOTALS, None: 300}
    not_majority = class_targets(TOTALS, balance_spec(
        {"strategy": "undersample", "sampling_strategy": "not minority"}))
    assert not_majority == dict.fromkeys(TOTALS, 12)


def test_counts_per_class_and_explicit_targets_win():
    spec = balance_spec({"strategy": "oversample", "sampling_strategy": {"fox": 100,
                                                                         "wolf": 5}})
    assert class_targets(TOTALS, spec) == {**TOTALS, "fox": 100}  # unknown classes ignored
    assert class_targets(TOTALS, balance_spec("oversample"), {"dog": 7, "wolf": 9}) == \
        {"cat": 300, "dog": 7, "fox": 300, None: 300}
    assert class_targets({"cat": 5}, balance_spec("oversample")) == {"cat": 5}  # one class


def test_synthesize_fills_each_gap_round_robin_with_seeded_partners():
    sources = {"fox": [f"fox/{i}.png" for i in range(7)], "cat": ["cat/0.png"]}
    neighbours = {p: [q for q in sources["fox"] if q != p][:3] for p in sources["fox"]}
    neighbours["fox/6.png"] = []  # no neighbour: never a base
    base = {p: 2 for p in sources["fox"]}
    pairs = synthesized(sources, base, {"fox": 14 + 25, "cat": 1}, neighbours, seed=4)
    assert sum(len(v) for v in pairs.values()) == 25 and "cat/0.png" not in pairs
    assert sorted(pairs) == [f"fox/{i}.png" for i in range(6)]
    assert [len(pairs[f"fox/{i}.png"]) for i in range(6)] == [5, 4, 4, 4, 4, 4]
    assert all(set(v) <= set(neighbours[p]) for p, v in pairs.items())
    again = synthesized({"fox": list(reversed(sources["fox"]))}, base, {"fox": 39},
                        neighbours, seed=4)
    assert again == pairs  # the order sources come in does not matter
    other = synthesized(sources, base, {"fox": 39}, neighbours, seed=5)
    assert other != pairs and Counter(map(len, other.values())) == Counter(map(len, pairs.values()))


def test_nearest_neighbours_stay_in_their_class_nearest_first():
    vectors, classes = {}, {}
    for i in range(60):
        cls = ("a", "b")[i % 2]
        path = f"{cls}/{i:02d}"
        vectors[path] = np.array([i ** 1.5, 1.0])  # spacing grows: no ties
        classes[path] = cls
    vectors["c/lonely"], classes["c/lonely"] = np.zeros(2), "c"
    near = nearest_same_class(vectors, classes, k=3)
    assert "c/lonely" not in near  # no other source of its class
    assert near["a/10"] == ["a/08", "a/12", "a/06"]
    assert near["b/01"] == ["b/03", "b/05", "b/07"]
    assert all(classes[q] == classes[p] and q != p for p, qs in near.items() for q in qs)


def test_categories_of_counts_objects_events_and_tracks():
    assert categories_of(None) == Counter()
    assert categories_of({"objects": [{"category": "car"}, {"category": "car"},
                                      {"category": "bus"}, {"category": None}]}) == \
        Counter({"car": 2, "bus": 1})
    assert categories_of({"events": [{"label": "dog_bark"}]}) == Counter({"dog_bark": 1})
    assert categories_of({"tracks": [{"category": 3}]}) == Counter({"3": 1})
