"""Argument handling of the flat close wrappers (the vectors cover the values)."""

from __future__ import annotations

import math

import passivbot_rust as pbr
import pytest

MAX = 1.7976931348623157e308  # f64::MAX, the trailing bundle's "empty" value

# §7.6 worked example: long 1.6 @ 100, B = 1000, L_a = 0.2, ladder 1 % -> 0.2 %, 25 % slices.
ARGS = {
    "qty_step": 0.001,
    "price_step": 0.01,
    "min_qty": 0.001,
    "min_cost": 1.0,
    "c_mult": 1.0,
    "close_grid_markup_end": 0.002,
    "close_grid_markup_start": 0.01,
    "close_grid_qty_pct": 0.25,
    "close_trailing_grid_ratio": 0.0,
    "close_trailing_qty_pct": 0.5,
    "close_trailing_retracement_pct": 0.0,
    "close_trailing_threshold_pct": 0.0,
    "wallet_exposure_limit": 0.2,
    "risk_we_excess_allowance_pct": 0.0,
    "risk_wel_enforcer_threshold": 0.0,
    "balance": 1000.0,
    "position_size": 1.6,
    "position_price": 100.0,
    "min_since_open": MAX,
    "max_since_min": 0.0,
    "max_since_open": 0.0,
    "min_since_max": MAX,
}
LONG = {**ARGS, "order_book_ask": 99.0}
SHORT = {**ARGS, "position_size": -1.6, "order_book_bid": 101.0}
FUNCTIONS = [
    ("calc_next_close_long_py", LONG),
    ("calc_closes_long_py", LONG),
    ("calc_next_close_short_py", SHORT),
    ("calc_closes_short_py", SHORT),
]


def test_spec_example_positional_and_keyword() -> None:
    want = [(-0.5, 100.36, 7), (-0.5, 100.56, 7), (-0.5, 100.76, 7), (-0.1, 100.96, 7)]
    assert pbr.calc_closes_long_py(*LONG.values()) == want
    assert pbr.calc_closes_long_py(**LONG) == want
    assert pbr.calc_next_close_long_py(**LONG) == (-0.5, 100.36, "close_grid_long")


def test_no_position_is_the_empty_order() -> None:
    assert pbr.calc_next_close_long_py(**{**LONG, "position_size": 0.0}) == (
        0.0,
        0.0,
        "empty",
    )
    assert pbr.calc_closes_short_py(**{**SHORT, "position_size": 0.0}) == []


@pytest.mark.parametrize(("name", "args"), FUNCTIONS)
@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("arg", ["qty_step", "position_price", "min_since_max", "last"])
def test_non_finite_arguments_are_rejected(name: str, args: dict, bad: float, arg: str) -> None:
    arg = list(args)[-1] if arg == "last" else arg
    fn = getattr(pbr, name)
    with pytest.raises(ValueError, match=f"^{name}: {arg} must be finite, got {bad!r}$"):
        fn(**{**args, arg: bad})
