"""The flat entry bindings: argument names/order, non-finite rejection, result shapes."""

from __future__ import annotations

import inspect

import passivbot_rust as pbr
import pytest

COMMON = [
    "qty_step",
    "price_step",
    "min_qty",
    "min_cost",
    "c_mult",
    "entry_grid_double_down_factor",
    "entry_grid_spacing_volatility_weight",
    "entry_grid_spacing_we_weight",
    "entry_grid_spacing_pct",
    "entry_initial_ema_dist",
    "entry_initial_qty_pct",
    "entry_trailing_double_down_factor",
    "entry_trailing_grid_ratio",
    "entry_trailing_retracement_pct",
    "entry_trailing_retracement_we_weight",
    "entry_trailing_retracement_volatility_weight",
    "entry_trailing_threshold_pct",
    "entry_trailing_threshold_we_weight",
    "entry_trailing_threshold_volatility_weight",
    "wallet_exposure_limit",
    "risk_we_excess_allowance_pct",
    "balance",
    "position_size",
    "position_price",
    "min_since_open",
    "max_since_min",
    "max_since_open",
    "min_since_max",
]
LONG_NAMES = [*COMMON, "ema_bands_lower", "entry_volatility_logrange_ema_1h", "order_book_bid"]
SHORT_NAMES = [*COMMON, "ema_bands_upper", "entry_volatility_logrange_ema_1h", "order_book_ask"]

# The spec §6.7 worked example (long), as keyword arguments.
EXAMPLE = {
    "qty_step": 0.001,
    "price_step": 0.01,
    "min_qty": 0.001,
    "min_cost": 1.0,
    "c_mult": 1.0,
    "entry_grid_double_down_factor": 1.0,
    "entry_grid_spacing_volatility_weight": 0.0,
    "entry_grid_spacing_we_weight": 1.0,
    "entry_grid_spacing_pct": 0.02,
    "entry_initial_ema_dist": 0.0,
    "entry_initial_qty_pct": 0.1,
    "entry_trailing_double_down_factor": 1.0,
    "entry_trailing_grid_ratio": 0.0,
    "entry_trailing_retracement_pct": 0.0,
    "entry_trailing_retracement_we_weight": 0.0,
    "entry_trailing_retracement_volatility_weight": 0.0,
    "entry_trailing_threshold_pct": 0.0,
    "entry_trailing_threshold_we_weight": 0.0,
    "entry_trailing_threshold_volatility_weight": 0.0,
    "wallet_exposure_limit": 0.2,
    "risk_we_excess_allowance_pct": 0.0,
    "balance": 1000.0,
    "position_size": 0.0,
    "position_price": 0.0,
    "min_since_open": 1.7976931348623157e308,
    "max_since_min": 0.0,
    "max_since_open": 0.0,
    "min_since_max": 1.7976931348623157e308,
    "ema_bands_lower": 100.0,
    "entry_volatility_logrange_ema_1h": 0.0,
    "order_book_bid": 101.0,
}

LONG_FNS = ["calc_next_entry_long_py", "calc_entries_long_py"]
SHORT_FNS = ["calc_next_entry_short_py", "calc_entries_short_py"]


def _short_example() -> dict[str, float]:
    args = {k: v for k, v in EXAMPLE.items() if k not in ("ema_bands_lower", "order_book_bid")}
    args = {k: args.get(k, 0.0) for k in SHORT_NAMES}
    args.update(ema_bands_upper=100.0, order_book_ask=99.0)
    return args


@pytest.mark.parametrize("name", LONG_FNS + SHORT_FNS)
def test_signature_names_and_order(name: str) -> None:
    params = list(inspect.signature(getattr(pbr, name)).parameters)
    assert params == (LONG_NAMES if name in LONG_FNS else SHORT_NAMES)


def test_spec_example_by_keyword() -> None:
    assert pbr.calc_next_entry_long_py(**EXAMPLE) == (0.2, 100.0, "entry_initial_normal_long")
    entries = pbr.calc_entries_long_py(**EXAMPLE)
    assert entries[:2] == [(0.2, 100.0, 0), (0.204, 97.8, 4)]
    short = _short_example()
    assert pbr.calc_next_entry_short_py(**short) == (-0.2, 100.0, "entry_initial_normal_short")
    assert pbr.calc_entries_short_py(**short)[0] == (-0.2, 100.0, 11)


@pytest.mark.parametrize("name", LONG_FNS + SHORT_FNS)
@pytest.mark.parametrize("bad", [float("nan"), float("inf"), float("-inf")])
def test_non_finite_arguments_are_rejected_by_name(name: str, bad: float) -> None:
    base = EXAMPLE if name in LONG_FNS else _short_example()
    for arg in base:
        args = dict(base, **{arg: bad})
        with pytest.raises(ValueError, match=f"^{name}: {arg} must be finite, got"):
            getattr(pbr, name)(**args)


def test_no_order_shapes() -> None:
    empty = dict(EXAMPLE, balance=0.0)
    assert pbr.calc_next_entry_long_py(**empty) == (0.0, 0.0, "empty")
    assert pbr.calc_entries_long_py(**empty) == []
    # Pure trailing, untriggered: a zero-qty typed order, and no ladder.
    waiting = dict(
        EXAMPLE,
        entry_trailing_grid_ratio=1.0,
        entry_trailing_threshold_pct=0.05,
        entry_trailing_retracement_pct=0.01,
        position_size=1.0,
        position_price=100.0,
    )
    assert pbr.calc_next_entry_long_py(**waiting) == (0.0, 0.0, "entry_trailing_normal_long")
    assert pbr.calc_entries_long_py(**waiting) == []
