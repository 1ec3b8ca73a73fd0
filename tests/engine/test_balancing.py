"""The built-in balancing strategies (engine/balancing.py)."""

from __future__ import annotations

from types import SimpleNamespace

from mediasynth.core.balance import BalanceSpec, BalanceStrategy, strategy
from mediasynth.core.contracts import missing_members

BY_CLASS = {"big": [f"big/{i:03d}.png" for i in range(100)],
            "small": [f"small/{i:02d}.png" for i in range(10)]}
TOTALS = {"big": 200, "small": 20}


def test_every_built_in_strategy_implements_the_contract():
    for name in ("none", "oversample", "undersample", "synthesize"):
        assert missing_members(strategy(name), BalanceStrategy) == []


def test_variant_targets_of_each_strategy():
    assert strategy("none").variant_targets(TOTALS, BalanceSpec("none"), None) == TOTALS
    assert strategy("oversample").variant_targets(TOTALS, BalanceSpec("oversample"), None) \
        == {"big": 200, "small": 200}
    assert strategy("undersample").variant_targets(TOTALS, BalanceSpec("undersample"), None) \
        == {"big": 20, "small": 20}
    # synthesize keeps the plain variants; its new outputs come from extra_outputs
    assert strategy("synthesize").variant_targets(TOTALS, BalanceSpec("synthesize"), None) \
        == TOTALS


def _pipeline(seed=7):
    return SimpleNamespace(seed=seed, dataset=SimpleNamespace(class_targets=None))


def test_synthesize_fills_the_gap_with_neighbour_pairs_deterministically():
    counts = {p: 2 for paths in BY_CLASS.values() for p in paths}

    def neighbours(by_class):
        return {p: [q for q in paths if q != p][:3] for paths in by_class.values() for p in paths}

    spec = BalanceSpec("synthesize")
    plain, partners = strategy("synthesize").extra_outputs(BY_CLASS, counts, spec, _pipeline(),
                                                           neighbours)
    assert plain == counts
    assert sum(len(v) for v in partners.values()) == 180  # small: 20 -> 200
    assert all(p.startswith("small/") and all(q.startswith("small/") for q in v)
               for p, v in partners.items())
    again = strategy("synthesize").extra_outputs(BY_CLASS, counts, spec, _pipeline(), neighbours)
    assert again[1] == partners


def test_synthesize_without_neighbours_tops_up_with_plain_variants():
    counts = {p: 2 for paths in BY_CLASS.values() for p in paths}
    plain, partners = strategy("synthesize").extra_outputs(
        BY_CLASS, counts, BalanceSpec("synthesize"), _pipeline(), lambda by_class: {})
    assert partners == {}
    assert sum(plain[p] for p in BY_CLASS["small"]) == 200
    assert sum(plain[p] for p in BY_CLASS["big"]) == 200


def test_only_synthesize_needs_neighbours_and_the_others_add_nothing():
    counts = {"big/000.png": 3}
    for name in ("none", "oversample", "undersample"):
        assert not strategy(name).needs_neighbours
        assert strategy(name).extra_outputs(BY_CLASS, counts, BalanceSpec(name), _pipeline(),
                                            None) == (counts, {})
