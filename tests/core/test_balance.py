"""Balancing strategies are a registry (core/balance.py): the setting is checked against the
registered names, a strategy missing part of its contract is refused at registration, and a
toy strategy registered here plans and expands with no edit anywhere else."""

from __future__ import annotations

import json
from collections import Counter

import pytest

from mediasynth.cli import main
from mediasynth.core import balance
from mediasynth.core.balance import BalanceSpec, balance_spec
from mediasynth.core.errors import ConfigError
from mediasynth.engine.plan import variants_per_source
from tests.engine.helpers import make_tree


class Cap:
    """Toy strategy: no train class gets more than `sampling_strategy["cap"]` outputs."""

    name = "cap"
    summary = "at most N outputs a class"
    sampling = None
    needs_neighbours = False

    def check(self, spec: BalanceSpec) -> None:
        if not isinstance(spec.sampling_strategy, dict) or "cap" not in spec.sampling_strategy:
            raise ConfigError("dataset.balance: cap needs sampling_strategy: {cap: N}")

    def variant_targets(self, totals, spec, explicit):
        return {c: min(n, spec.sampling_strategy["cap"]) for c, n in totals.items()}

    def extra_outputs(self, by_class, counts, spec, pipeline, neighbours):
        return counts, {}


@pytest.fixture
def cap():
    strategy = balance.register_balance_strategy(Cap())
    yield strategy
    balance.unregister_balance_strategy("cap")


def test_the_built_in_strategies_are_registered_with_their_sampling_types():
    assert balance.strategy_names()[:4] == ("none", "oversample", "undersample", "synthesize")
    assert [balance.strategy(n).sampling for n in balance.strategy_names()[:4]] == [
        None, "over-sampling", "under-sampling", "over-sampling"]
    assert [n for n in balance.strategy_names() if balance.strategy(n).needs_neighbours] == [
        "synthesize"]


def test_an_unknown_strategy_names_the_registered_ones():
    with pytest.raises(ConfigError, match="must be one of none, oversample, undersample, "
                                          "synthesize, got 'smote'"):
        balance_spec("smote")


def test_a_strategy_checks_its_own_options():
    with pytest.raises(ConfigError, match="synthesize blends whole items"):
        balance_spec({"strategy": "synthesize", "count": "objects"})


def test_a_strategy_missing_part_of_the_contract_is_refused_naming_what_it_lacks():
    class Half:
        name, summary, sampling = "half", "", None

        def check(self, spec):
            return None

    with pytest.raises(TypeError, match=r"balance strategy 'half'.*extra_outputs\(\), "
                                        r"needs_neighbours, variant_targets\(\)"):
        balance.register_balance_strategy(Half())
    assert "half" not in balance.strategy_names()


def test_a_toy_strategy_plans_through_the_registry(cap):
    by_class = {"big": [f"big/{i:03d}.png" for i in range(120)],
                "small": [f"small/{i:03d}.png" for i in range(7)]}
    spec = balance_spec({"strategy": "cap", "sampling_strategy": {"cap": 50}})
    counts = variants_per_source(by_class, variants=2, balance=spec, class_targets=None)
    per_class = Counter()
    for path, n in counts.items():
        per_class[path.split("/")[0]] += n
    assert per_class == {"big": 50, "small": 14}
    with pytest.raises(ConfigError, match="cap needs sampling_strategy"):
        balance_spec("cap")


def test_a_toy_strategy_expands_end_to_end(cap, tmp_path):
    src = make_tree(tmp_path / "src", images=(("circle", 30), ("square", 4)), tones=())
    pipeline = tmp_path / "p.yaml"
    pipeline.write_text("version: 1\nseed: 1\nvariants: 3\nimage:\n  - {type: image.flip_horizontal}\n"
                        "dataset:\n  balance: {strategy: cap, sampling_strategy: {cap: 20}}\n")
    out = tmp_path / "out"
    assert main(["expand", str(src), str(out), "-p", str(pipeline), "-q", "--no-report",
                 "--split", "1,0,0", "--near-duplicates", "off"]) == 0
    rows = [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]
    made = Counter(r["class"] for r in rows if r["status"] == "ok" and r["variant"] != -1)
    assert made == {"circle": 20, "square": 12}


def test_a_name_or_a_mapping_gives_the_spec():
    assert balance_spec("oversample") == BalanceSpec("oversample")
    spec = balance_spec({"strategy": "synthesize", "sampling_strategy": "not majority",
                         "k_neighbors": 3})
    assert spec == BalanceSpec("synthesize", "not majority", 3, "items")
    assert balance_spec(spec) is spec
    assert balance_spec({"strategy": "undersample", "sampling_strategy": {"a": 0, "b": 4},
                         "count": "objects"}).count == "objects"


@pytest.mark.parametrize(("value", "message"), [
    (["oversample"], "must be a strategy or a mapping"),
    ({"strategy": "smote"}, "strategy must be one of"),
    ({"strategy": "oversample", "colour": 1}, "unknown key 'colour'"),
    ({"strategy": "oversample", "sampling_strategy": "majority!"}, "sampling_strategy must be"),
    ({"strategy": "oversample", "sampling_strategy": {"a": -1}}, "sampling_strategy must be"),
    ({"strategy": "oversample", "sampling_strategy": {"a": 1.5}}, "sampling_strategy must be"),
    ({"strategy": "oversample", "count": "pixels"}, "count must be items or objects"),
    ({"strategy": "synthesize", "count": "objects"}, "works with oversample and undersample"),
    ({"strategy": "synthesize", "k_neighbors": 0}, "k_neighbors must be a positive integer"),
    ({"strategy": "synthesize", "k_neighbors": 2.0}, "k_neighbors must be a positive integer"),
])
def test_malformed_values_are_config_errors(value, message):
    with pytest.raises(ConfigError, match=message):
        balance_spec(value)
