"""core/params.py: declared transform fields are checked against their bounds, drawn in
field order, and documented from one declaration."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from mediasynth.core.errors import ConfigError
from mediasynth.core.params import (
    check_declared,
    check_pair,
    draw_declared,
    field_docs,
    integer,
    param,
    uniform,
)


@dataclass(frozen=True, kw_only=True)
class Toy:
    name = "toy.gain"
    gain_db_range: tuple[float, float] = param((-6.0, 6.0), "gain", unit="dB", low=-120,
                                               high=60)
    taps_range: tuple[int, int] = param((1, 4), "taps", low=1, high=16, integer=True)
    width: int = param(3, "width", low=1, high=9, integer=True)
    mode: str = param("reflect", "border", choices=("reflect", "constant"))
    rate_range: tuple[float, float] = param((0.5, 1.0), "rate", low=0, high=2,
                                            strict_low=True)
    hand_range: tuple[float, float] = param((0.0, 1.0), "drawn by hand", draw=False)
    path: str = param("", "a folder", checked=False)
    p: float = 1.0


def test_valid_fields_pass_and_each_bad_one_is_named():
    check_declared(Toy())
    cases = [({"gain_db_range": (10.0, -10.0)}, "gain_db_range must satisfy low <= high"),
             ({"gain_db_range": (-200.0, 0.0)}, "within \\[-120, 60\\]"),
             ({"gain_db_range": (float("nan"), 1.0)}, "must hold finite numbers"),
             ({"gain_db_range": [1.0, 2.0]}, "must be \\[low, high\\]"),
             ({"rate_range": (0.0, 1.0)}, "within \\(0, 2\\]"),
             ({"width": 2.5}, "width must be an integer in \\[1, 9\\]"),
             ({"width": True}, "width must be an integer"),
             ({"width": 10}, "got 10"),
             ({"mode": "wrap"}, "mode must be one of \\['reflect', 'constant'\\]")]
    for fields, message in cases:
        with pytest.raises(ConfigError, match=message):
            check_declared(Toy(**fields))
    check_declared(Toy(path=12345))  # not checked: documented only


def test_draws_follow_field_order_and_lo_equal_hi_still_draws():
    rng = np.random.default_rng(7)
    got = draw_declared(Toy(), rng)
    assert list(got) == ["gain_db", "taps", "rate"]  # hand_range is left to get_params
    again = np.random.default_rng(7)
    assert got == {"gain_db": uniform(again, (-6.0, 6.0)), "taps": integer(again, (1, 4)),
                   "rate": uniform(again, (0.5, 1.0))}
    fixed = draw_declared(Toy(gain_db_range=(2.0, 2.0)), np.random.default_rng(7))
    assert fixed["gain_db"] == 2.0 and fixed["rate"] == got["rate"]  # same stream length


def test_integer_draws_include_both_ends_and_uniform_stays_within():
    rng = np.random.default_rng(0)
    assert {integer(rng, (1, 3)) for _ in range(300)} == {1, 2, 3}
    values = [uniform(rng, (-1.5, 2.5)) for _ in range(1000)]
    assert min(values) >= -1.5 and max(values) <= 2.5 and np.std(values) > 1


def test_check_pair_alone():
    check_pair("x", "y_range", (0, 0), 0, 1)
    with pytest.raises(ConfigError, match="x: y_range"):
        check_pair("x", "y_range", (0, 2), 0, 1)


def test_the_docstring_field_list_comes_from_the_declarations():
    docs = field_docs(Toy).splitlines()
    assert docs[0] == "Fields:"
    assert "    gain_db_range: gain (dB); within [-120, 60]." in docs
    assert "    mode: border: reflect | constant." in docs
    assert "    rate_range: rate; within (0, 2]." in docs
    assert "    path: a folder." in docs
    assert docs[-1] == "    p: probability of applying."
