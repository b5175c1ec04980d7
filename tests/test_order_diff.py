"""Live reconciliation of ideal vs open orders (diff_orders)."""

from __future__ import annotations

import passivbot_rust as pbr
import pytest


def order(price: float, qty: float = 1.0, side: str = "buy", pside: str = "long", **kw) -> dict:
    return {"symbol": "BTC/USDT:USDT", "side": side, "position_side": pside, "qty": qty, "price": price, **kw}


def test_replacing_an_order_outside_tolerance() -> None:
    ideal = [order(99.0)]
    actual = [order(98.0, id="abc")]
    plan = pbr.diff_orders(ideal, actual, {"BTC/USDT:USDT": 100.0})
    assert [o["id"] for o in plan["to_cancel"]] == ["abc"]
    assert [o["price"] for o in plan["to_create"]] == [99.0]


def test_within_tolerance_keeps_the_open_order() -> None:
    plan = pbr.diff_orders([order(99.0)], [order(99.015)], {"BTC/USDT:USDT": 100.0})
    assert plan["to_cancel"] == [] and plan["to_create"] == []


def test_manual_mode_touches_nothing() -> None:
    modes = {"BTC/USDT:USDT": {"long": "manual", "short": None}}
    plan = pbr.diff_orders([order(99.0)], [order(90.0)], {"BTC/USDT:USDT": 100.0}, modes=modes)
    assert plan == {"to_cancel": [], "to_create": [], "deferred_cancels": [], "deferred_creates": []}


def test_bad_input_names_the_argument() -> None:
    with pytest.raises(ValueError, match="diff_orders: ideal"):
        pbr.diff_orders([{"symbol": "X", "side": "hold"}], [], {})
