"""Argument handling of the trailing, risk and forager bindings (the math is covered by the
golden vectors and the Rust tests)."""

from __future__ import annotations

import numpy as np
import passivbot_rust as pbr
import pytest

EXCHANGE = {"qty_step": 0.1, "price_step": 0.1, "min_qty": 0.1, "min_cost": 5.0, "c_mult": 1.0}


def enforcer_position(idx: int, size: float, mkt: float) -> dict:
    return {
        "idx": idx,
        "position_size": size,
        "position_price": 50.0,
        "market_price": mkt,
        "base_wallet_exposure_limit": 0.4,
        **EXCHANGE,
    }


def unstuck_position(**overrides) -> dict:
    pos = {
        "idx": 0,
        "side": "long",
        "position_size": 10.0,
        "position_price": 100.0,
        "wallet_exposure_limit": 0.5,
        "risk_we_excess_allowance_pct": 0.0,
        "unstuck_threshold": 0.5,
        "unstuck_close_pct": 0.1,
        "unstuck_ema_dist": -0.1,
        "ema_band_upper": 95.0,
        "ema_band_lower": 94.0,
        "current_price": 95.0,
        "price_step": 0.01,
        "qty_step": 0.1,
        "min_qty": 0.1,
        "min_cost": 0.0,
        "c_mult": 1.0,
    }
    pos.update(overrides)
    return pos


def test_trailing_accepts_arrays_sequences_and_bundles() -> None:
    h, lo, c = [11.0, 12.0, 9.0, 15.0], [9.0, 10.0, 7.5, 13.0], [10.0, 11.0, 8.0, 14.0]
    want = (7.5, 15.0, 15.0, 14.0)
    assert pbr.update_trailing_bundle_py(np.array(h), np.array(lo), np.array(c)) == want
    assert pbr.update_trailing_bundle_py(h, lo, c, None) == want
    # Strided NumPy views work too.
    wide = np.array([h, lo, c]).T.copy()
    assert pbr.update_trailing_bundle_py(wide[:, 0], wide[:, 1], wide[:, 2]) == want
    start = pbr.trailing_bundle_default_py()
    assert pbr.update_trailing_bundle_py(h, lo, c, list(start)) == want
    assert pbr.update_trailing_bundle_py([], [], [], [1.0, 2.0, 3.0, 4.0]) == (1.0, 2.0, 3.0, 4.0)


def test_trailing_rejects_bad_shapes() -> None:
    with pytest.raises(ValueError, match="same length"):
        pbr.update_trailing_bundle_py(np.array([1.0]), np.array([]), np.array([1.0]))
    with pytest.raises(ValueError, match="4 values"):
        pbr.update_trailing_bundle_py([1.0], [1.0], [1.0], [1.0, 2.0])


def test_enforcer_binding() -> None:
    positions = [enforcer_position(0, 8.0, 50.0), enforcer_position(1, 12.0, 49.0)]
    assert pbr.calc_twel_enforcer_orders_py("long", 1.0, 0.9, 2, 1000.0, positions) == [(1, -2.0, 48.9, 10)]
    assert pbr.calc_twel_enforcer_orders_py("long", 1.0, 0.9, 2, 1000.0, positions, skip_idx=1) == []
    with pytest.raises(ValueError, match="invalid side"):
        pbr.calc_twel_enforcer_orders_py("both", 1.0, 0.9, 2, 1000.0, positions)
    del positions[1]["min_cost"]
    with pytest.raises(ValueError, match=r"calc_twel_enforcer_orders_py: positions\[1\] is missing 'min_cost'"):
        pbr.calc_twel_enforcer_orders_py("long", 1.0, 0.9, 2, 1000.0, positions)


def test_unstuck_binding() -> None:
    positions = [unstuck_position(idx=0, current_price=90.0), unstuck_position(idx=1)]
    assert pbr.calc_unstucking_close_py(1000.0, 1.0, 0.0, positions) == (1, 0, -0.2, 95.0, 9)
    assert pbr.calc_unstucking_close_py(1000.0, 0.0, 1.0, positions) is None
    with pytest.raises(ValueError, match=r"positions\[0\]\['side'\]"):
        pbr.calc_unstucking_close_py(1000.0, 1.0, 1.0, [unstuck_position(side="up")])
    bad = unstuck_position()
    del bad["qty_step"]
    with pytest.raises(ValueError, match=r"calc_unstucking_close_py: positions\[2\] is missing 'qty_step'"):
        pbr.calc_unstucking_close_py(1000.0, 1.0, 1.0, [unstuck_position(), unstuck_position(), bad])
    with pytest.raises(ValueError, match="must be a number"):
        pbr.calc_unstucking_close_py(1000.0, 1.0, 1.0, [unstuck_position(c_mult="one")])


def test_legacy_gate_binding() -> None:
    entry = {
        "idx": 0,
        "qty": 5.0,
        "price": 100.0,
        "qty_step": 0.01,
        "min_qty": 0.0,
        "min_cost": 0.0,
        "c_mult": 1.0,
        "market_price": 100.0,
        "order_type_id": 4,
    }
    entries = [entry, {**entry, "qty": 6.0, "market_price": 90.0}]
    positions = [{"idx": 0, "position_size": 0.0, "position_price": 0.0, "c_mult": 1.0}]
    got = pbr.gate_entries_by_twel_py("long", 1000.0, 1.0, positions, entries)
    assert got == [(0, 3.99, 100.0, 4), (0, 6.0, 100.0, 4)]
    with pytest.raises(ValueError, match=r"entries\[0\] is missing 'market_price'"):
        pbr.gate_entries_by_twel_py(
            "long", 1000.0, 1.0, positions, [{k: v for k, v in entry.items() if k != "market_price"}]
        )
    with pytest.raises(ValueError, match="order_type_id"):
        pbr.gate_entries_by_twel_py("long", 1000.0, 1.0, positions, [{**entry, "order_type_id": 99}])
    with pytest.raises(ValueError, match="invalid side"):
        pbr.gate_entries_by_twel_py("LONGSHORT", 1000.0, 1.0, positions, entries)


def test_select_coin_indices_binding() -> None:
    scores = [0.1, 0.3, 0.2, 0.4, 0.5]
    features = [{"index": i, "enabled": True, "volume_score": s, "volatility_score": s} for i, s in enumerate(scores)]
    assert pbr.select_coin_indices_py(features, 2, 0.4, 0.0, True) == [4, 3]
    assert pbr.select_coin_indices_py(features, 2, 0.4, 0.0, False) == [0, 1, 2, 3, 4]
    del features[3]["enabled"]
    with pytest.raises(ValueError, match=r"features\[3\] is missing 'enabled'"):
        pbr.select_coin_indices_py(features, 2, 0.4, 0.0, True)
    with pytest.raises(ValueError, match="max_positions"):
        pbr.select_coin_indices_py([], -1, 0.0, 0.0, True)
    # Any iterable of dicts is accepted; a dict or a string is not a list of dicts.
    assert pbr.select_coin_indices_py(tuple(features[:3]), 1, 0.0, 0.0, True) == [1]
    with pytest.raises(ValueError, match="must be a list of dicts"):
        pbr.select_coin_indices_py(features[0], 1, 0.0, 0.0, True)
    with pytest.raises(ValueError, match=r"features\[0\] must be a dict"):
        pbr.select_coin_indices_py([1.0], 1, 0.0, 0.0, True)
