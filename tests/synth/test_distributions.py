"""Scaper's distribution vocabulary: every kind draws inside its bounds, specs are checked."""

from __future__ import annotations

import json

import numpy as np
import pytest

from mediasynth.core.errors import ConfigError
from mediasynth.synth import distributions as D


@pytest.mark.parametrize("spec", [3.5, ["const", 2], ["choose", [1, 2, 5]], ["uniform", -2, 2],
                                  ["truncnorm", 0.0, 5.0, -1.0, 1.5], ["normal", 10, 0]])
def test_draws_lie_within_the_bounds_and_are_json_safe(spec):
    D.check_spec(spec, "x")
    rng = np.random.default_rng(0)
    lo, hi = D.bounds(spec)
    draws = [D.sample(rng, spec) for _ in range(500)]
    assert all(lo <= v <= hi for v in draws)
    json.dumps(draws)
    assert all(type(v) in (int, float) for v in draws)


def test_truncnorm_keeps_the_gaussian_shape_inside_the_bounds():
    rng = np.random.default_rng(1)
    draws = np.array([D.sample(rng, ["truncnorm", 0.0, 1.0, -1.0, 1.0]) for _ in range(4000)])
    assert draws.min() >= -1 and draws.max() <= 1
    # a standard normal cut at +-1: the mean is 0, the std 0.538
    assert abs(draws.mean()) < 0.03 and abs(draws.std() - 0.538) < 0.02


def test_choose_empty_draws_from_the_callers_values():
    rng = np.random.default_rng(2)
    assert D.is_choose_any(["choose", []]) and D.is_choose_any("choose")
    got = {D.sample(rng, ["choose", []], ["dog", "cat"]) for _ in range(50)}
    assert got == {"dog", "cat"}
    with pytest.raises(ValueError):
        D.sample(rng, ["choose", []], [])


@pytest.mark.parametrize("spec, message", [
    (["uniform", 3, 1], "low <= high"), (["gauss", 0, 1], "starts with one of"),
    (["normal", 0, -1], "std >= 0"), (["truncnorm", 0, 1, 2], "takes 4"),
    (["choose", 3], "takes a list"), ("loud", "a number"), (["uniform", 0, "x"], "numbers"),
    (["truncnorm", 0, 1, 2, 1], "low <= high")])
def test_a_bad_spec_is_a_config_error_naming_the_option(spec, message):
    with pytest.raises(ConfigError, match=message):
        D.check_spec(spec, "snr_db")
    with pytest.raises(ConfigError, match="snr_db"):
        D.check_spec(spec, "snr_db")


def test_labels_may_be_chosen_by_name():
    D.check_spec(["choose", ["dog", "siren"]], "label", numeric=False)
    D.check_spec(["const", "dog"], "label", numeric=False)
    with pytest.raises(ConfigError):
        D.check_spec(["choose", ["dog"]], "snr_db")
