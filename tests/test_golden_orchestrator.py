"""The orchestrator against passivbot v7.7's 201 recorded compute_ideal_orders_json calls."""

from __future__ import annotations

import json

import passivbot_rust as pbr
import pytest
from golden_vectors import GOLDEN_DIR, read_jsonl_gz, same

ROWS = list(read_jsonl_gz(GOLDEN_DIR / "orchestrator.jsonl.gz"))


def test_all_reference_calls_match_exactly() -> None:
    assert len(ROWS) == 201  # the recorded calls (fixtures/golden/README.md)
    mismatches = []
    for row in ROWS:
        if "error" in row:
            with pytest.raises(ValueError) as err:
                pbr.compute_ideal_orders_json(json.dumps(row["input"]))
            # the reference's message is a prefix of ours (same error kind and field)
            assert str(err.value).startswith(row["error"]), (row["error"], str(err.value))
            continue
        got = json.loads(pbr.compute_ideal_orders_json(json.dumps(row["input"])))
        if not same(got, row["output"]):
            mismatches.append(row["tag"])
    assert not mismatches, f"{len(mismatches)} of {len(ROWS)} calls differ: {mismatches[:5]}"


def test_typed_call_returns_the_same_orders_as_json() -> None:
    row = next(r for r in ROWS if r["tag"].startswith("random") and len(r["output"]["orders"]) > 5)
    orders, warnings = pbr.compute_ideal_orders(row["input"])
    want = row["output"]["orders"]
    assert [(o.symbol_idx, o.pside, o.qty, o.price, o.order_type) for o in orders] == [
        (w["symbol_idx"], w["pside"], w["qty"], w["price"], w["order_type"]) for w in want
    ]
    assert all(o.reduce_only == o.order_type.startswith("close") for o in orders)
    assert len(warnings) == len(row["output"]["diagnostics"]["warnings"])


def _skeleton() -> dict:
    return json.loads(json.dumps(ROWS[0]["input"]))


def test_non_finite_position_is_rejected_with_the_field_named() -> None:
    state = _skeleton()
    state["symbols"][0]["long"]["position"] = {"size": float("nan"), "price": 100.0}
    with pytest.raises(ValueError, match=r"symbols\[0\]\.long\.position"):
        pbr.compute_ideal_orders(state)


def test_wrong_sign_position_is_rejected() -> None:
    state = _skeleton()
    state["symbols"][0]["short"]["position"] = {"size": 1.0, "price": 100.0}
    with pytest.raises(ValueError, match=r"short position size must be <= 0"):
        pbr.compute_ideal_orders_json(json.dumps(state))


def test_unknown_key_is_rejected_and_named() -> None:
    state = _skeleton()
    state["global"]["sort_globally"] = True
    with pytest.raises(ValueError, match="unknown field `sort_globally`"):
        pbr.compute_ideal_orders(state)


def test_zero_balance_gives_no_entries() -> None:
    state = _skeleton()
    state["balance"] = 0.0
    orders, _ = pbr.compute_ideal_orders(state)
    assert orders == []
