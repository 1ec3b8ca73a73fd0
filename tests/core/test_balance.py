"""core/balance.py: `dataset.balance` values are read into a spec or refused with a message
naming what is wrong."""

from __future__ import annotations

import pytest

from mediasynth.core.balance import BalanceSpec, balance_spec
from mediasynth.core.errors import ConfigError


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
