"""The one splitter: exact shares, approximate-mode classes, groups, folds, declared
subsets, bounded movement when sources come and go."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict

import pytest

from mediasynth.engine.split import (
    SplitItem,
    SplitSpec,
    allocate,
    group_of_path,
    largest_remainder,
    normalise_subset,
    split_items,
    union_groups,
)

SHARES = {"train": 0.8, "val": 0.1, "test": 0.1}


def _items(n: int, classes: int, seed: int) -> list[SplitItem]:
    rnd = random.Random(seed)
    labels = [f"c{i % classes}" for i in range(n)]  # every class present
    rnd.shuffle(labels)
    return [SplitItem(f"{lab}/img_{i:04d}.jpg", lab) for i, lab in enumerate(labels)]


def test_largest_remainder_adds_up():
    assert largest_remainder([4.0, 0.5, 0.5]) == [4, 1, 0]
    assert sum(largest_remainder([2.4, 0.3, 0.3])) == 3


@pytest.mark.parametrize("n", [30, 45, 200])
@pytest.mark.parametrize("classes", [3, 5, 9])
def test_split_sizes_within_one_of_the_share(n, classes):
    for seed in range(6):
        result = split_items(_items(n, classes, seed), SplitSpec(SHARES, seed=seed))
        sizes = Counter(a.split for a in result.assignments.values())
        for name, share in SHARES.items():
            assert abs(sizes[name] - share * n) <= 1, (n, classes, seed, sizes)
            if share * n >= 1:
                assert sizes[name] >= 1


def test_classes_spread_by_approximate_mode():
    items = _items(200, 7, 0)
    result = split_items(items, SplitSpec(SHARES, seed=3))
    per_class = defaultdict(Counter)
    for it in items:
        per_class[it.label][result.split_of(it.key)] += 1
    for label, counts in per_class.items():
        size = sum(counts.values())
        for name, share in SHARES.items():
            assert abs(counts[name] - share * size) < 1 + 1e-9, (label, counts)


def test_allocate_keeps_both_margins():
    table = allocate({"a": 7, "b": 3, "c": 11, "d": 1}, [0.7, 0.2, 0.1])
    columns = [sum(col) for col in zip(*table.values())]
    assert sum(columns) == 22
    assert all(abs(n - 22 * share) < 1 for n, share in zip(columns, (0.7, 0.2, 0.1)))
    assert {c: sum(row) for c, row in table.items()} == {"a": 7, "b": 3, "c": 11, "d": 1}


def test_same_items_in_any_order_same_result():
    items = _items(120, 4, 1)
    a = split_items(items, SplitSpec(SHARES, seed=5)).assignments
    b = split_items(list(reversed(items)), SplitSpec(SHARES, seed=5)).assignments
    assert a == b
    assert a != split_items(items, SplitSpec(SHARES, seed=6)).assignments


def test_key_order_of_the_shares_does_not_matter():
    items = _items(90, 4, 2)
    a = split_items(items, SplitSpec({"train": 0.7, "val": 0.2, "test": 0.1}, seed=1))
    b = split_items(items, SplitSpec({"test": 0.1, "val": 0.2, "train": 0.7}, seed=1))
    assert a.assignments == b.assignments


def test_adding_or_deleting_k_sources_moves_at_most_3k_others():
    for seed in range(25):
        items = _items(200, 3 + seed % 7, seed)
        before = {k: a.split for k, a in split_items(items, SplitSpec(SHARES, seed=seed))
                  .assignments.items()}
        rnd = random.Random(seed)
        deleted = set(rnd.sample(sorted(before), 5))
        fewer = split_items([it for it in items if it.key not in deleted],
                            SplitSpec(SHARES, seed=seed)).assignments
        assert sum(a.split != before[k] for k, a in fewer.items()) <= 15
        added = [SplitItem(f"new/{i}.jpg", f"c{rnd.randrange(3)}") for i in range(5)]
        more = split_items(items + added, SplitSpec(SHARES, seed=seed)).assignments
        assert sum(more[k].split != before[k] for k in before) <= 15


def _speakers(n_speakers=40, per=6):
    """Speaker-style tree: each speaker's takes spread over two classes."""
    items = []
    for s in range(n_speakers):
        for t in range(per):
            cls = ("yes", "no")[(s + t) % 2]
            items.append(f"{cls}/spk{s:02d}_take{t}.wav")
    return items


def test_groups_never_span_two_splits_even_across_classes():
    paths = _speakers()
    pattern = re.compile(r"spk\d+")
    groups = union_groups(paths, {p: group_of_path(pattern, p) for p in paths}, [])
    items = [SplitItem(p, p.split("/")[0], groups[p]) for p in paths]
    result = split_items(items, SplitSpec(SHARES, seed=2))
    by_speaker = defaultdict(set)
    for p in paths:
        by_speaker[groups[p]].add(result.split_of(p))
    assert all(len(s) == 1 for s in by_speaker.values())
    sizes = Counter(next(iter(s)) for s in by_speaker.values())  # in groups
    assert all(abs(sizes[n] - SHARES[n] * 40) <= 1 for n in SHARES)


def test_folds_with_groups_and_a_held_out_test_set():
    paths = _speakers(50, 4)
    pattern = re.compile(r"spk\d+")
    groups = union_groups(paths, {p: group_of_path(pattern, p) for p in paths}, [])
    items = [SplitItem(p, p.split("/")[0], groups[p]) for p in paths]
    result = split_items(items, SplitSpec({"train": 0.8, "val": 0.0, "test": 0.2}, folds=5,
                                          seed=0))
    folds = defaultdict(set)
    for p in paths:
        a = result.assignments[p]
        assert (a.split == "test") == (a.fold is None)
        if a.fold is not None:
            folds[groups[p]].add(a.fold)
    assert all(len(f) == 1 for f in folds.values())
    fold_sizes = Counter(next(iter(f)) for f in folds.values())
    assert sorted(fold_sizes) == [0, 1, 2, 3, 4]
    assert max(fold_sizes.values()) - min(fold_sizes.values()) <= 1


def test_declared_subsets_are_kept_unless_resplit():
    items = [SplitItem(f"images/{s}/{i}.jpg", "a", None, s)
             for s, n in (("train", 40), ("valid", 10)) for i in range(n)]
    kept = split_items(items, SplitSpec(SHARES, seed=0))
    assert {a.split for k, a in kept.assignments.items() if "/valid/" in k} == {"val"}
    assert any("not applied" in note for note in kept.notes)
    again = split_items(items, SplitSpec(SHARES, resplit=True, seed=0))
    assert again.moved > 0 and any("--resplit" in n for n in again.notes)
    assert Counter(a.split for a in again.assignments.values())["test"] == 5


def test_union_groups_links_pairs_and_names_components():
    keys = ["a", "b", "c", "d", "e"]
    groups = union_groups(keys, {"a": None, "b": None, "c": "g1", "d": None, "e": None},
                          [("a", "b"), ("b", "c"), ("d", "zzz")])
    assert groups["a"] == groups["b"] == groups["c"] == "g1"
    assert groups["d"] is None and groups["e"] is None


def test_group_of_path_uses_the_first_capture_group_or_the_match():
    assert group_of_path(re.compile(r"(.+)_frame\d+"), "cat/clip7_frame003.jpg") == "cat/clip7"
    assert group_of_path(re.compile(r"spk\d+"), "yes/spk12_a.wav") == "spk12"
    assert group_of_path(re.compile(r"spk\d+"), "yes/other.wav") is None


def test_subset_names_are_normalised():
    assert [normalise_subset(n) for n in ("valid", "validation", "train2017", "val2017",
                                          "test", "extra")] == [
        "val", "val", "train", "val", "test", "extra"]


def test_split_ungrouped_equals_split_items_without_an_object_per_item():
    """The compact path synth plans take gives split_items' assignment exactly."""
    import numpy as np

    from mediasynth.engine.split import split_ungrouped

    rng = np.random.default_rng(3)
    names = ("cat", "dog", "emu", "fox")
    for n, shares in ((1, {"train": 0.8, "val": 0.2}), (37, {"train": 0.5, "test": 0.5}),
                      (600, {"test": 0.1, "train": 0.8, "val": 0.1})):
        labels = rng.choice(len(names), size=n, p=[0.6, 0.3, 0.1, 0.0])
        spec = SplitSpec(shares, seed=int(n))
        splits, assigned = split_ungrouped(labels, names, spec)
        expected = split_items([SplitItem(str(i), names[c]) for i, c in enumerate(labels)],
                               spec)
        assert [splits[s] for s in assigned] == [expected.split_of(str(i)) for i in range(n)]
    none_names, none = split_ungrouped(np.zeros(5, dtype=int), names, SplitSpec(None))
    assert none_names == () and list(none) == [-1] * 5
