"""optimize.limits / scoring / bounds normalisation (python spec §2.7)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from config import ConfigError
from config.optimize_keys import canonical_metric, normalize_limits, normalize_scoring


@pytest.mark.parametrize(
    "name,expected",
    [
        ("adg", "adg_usd"),
        ("adg_usd", "adg_usd"),
        ("adg_btc", "adg_btc"),
        ("usd_sharpe_ratio", "sharpe_ratio_usd"),
        ("btc_drawdown_worst", "drawdown_worst_btc"),
        ("btc_loss_profit_ratio", "loss_profit_ratio"),
        ("loss_profit_ratio", "loss_profit_ratio"),
        ("position_held_hours_max", "position_held_hours_max"),
        ("adg_pnl_w", "adg_pnl_w"),
    ],
)
def test_canonical_metric(name, expected):
    assert canonical_metric(name) == expected


@given(st.from_regex(r"(usd_|btc_)?[a-z]{1,8}(_[a-z0-9]{1,5}){0,3}", fullmatch=True))
def test_canonical_metric_is_idempotent(name):
    once = canonical_metric(name)
    assert canonical_metric(once) == once


def test_scoring_dedupes_after_canonicalising():
    assert normalize_scoring(["adg", "adg_usd", "usd_adg", "mdg"]) == ["adg_usd", "mdg_usd"]
    with pytest.raises(ConfigError, match="at least one metric"):
        normalize_scoring([])


def test_limits_list_form_with_aliases():
    limits = [
        {"metric": "drawdown_worst", "penalize_if": ">", "threshold": 0.3, "field": "max"},
        {"metric": "adg_usd", "penalize_if": "lt", "bound": 0.001},
        {"metric": "position_held_hours_max", "penalize_if": "outside", "range": {"low": 10, "high": 2.0}},
        {"metric": "loss_profit_ratio", "penalize_if": "inside_range", "value": [0.2, 0.4]},
    ]
    assert normalize_limits(limits) == [
        {"metric": "drawdown_worst_usd", "penalize_if": "greater_than", "stat": "max", "value": 0.3},
        {"metric": "adg_usd", "penalize_if": "less_than", "value": 0.001},
        {"metric": "position_held_hours_max", "penalize_if": "outside_range", "range": [2, 10]},
        {"metric": "loss_profit_ratio", "penalize_if": "inside_range", "range": [0.2, 0.4]},
    ]


def test_limits_dict_form():
    got = normalize_limits(
        {
            "penalize_if_greater_than_drawdown_worst": 0.5,
            "penalize_if_lower_than_adg": 0.0,
            "lower_bound_position_held_hours_max": 300.0,
            "upper_bound_sharpe_ratio": 1,
            "loss_profit_ratio": 0.9,
        }
    )
    assert got == [
        {"metric": "drawdown_worst_usd", "penalize_if": "greater_than", "value": 0.5},
        {"metric": "adg_usd", "penalize_if": "less_than", "value": 0},
        {"metric": "position_held_hours_max", "penalize_if": "greater_than", "value": 300},
        {"metric": "sharpe_ratio_usd", "penalize_if": "less_than", "value": 1},
        {"metric": "loss_profit_ratio", "penalize_if": "auto", "value": 0.9},
    ]


def test_limits_string_forms():
    legacy = "--drawdown_worst 0.333 --loss_profit_ratio: 0.9 --position_unchanged_hours_max 300.0"
    assert normalize_limits(legacy) == [
        {"metric": "drawdown_worst_usd", "penalize_if": "auto", "value": 0.333},
        {"metric": "loss_profit_ratio", "penalize_if": "auto", "value": 0.9},
        {"metric": "position_unchanged_hours_max", "penalize_if": "auto", "value": 300},
    ]
    assert normalize_limits('[{metric: "adg", penalize_if: "<", value: 0.001}]') == [
        {"metric": "adg_usd", "penalize_if": "less_than", "value": 0.001}
    ]
    assert normalize_limits("") == []


@pytest.mark.parametrize(
    "value,message",
    [
        ([5], "each limit entry must be an object, got number 5"),
        ([{"penalize_if": ">", "value": 1}], "limit entries must include a 'metric' name"),
        ([{"metric": "adg"}], "limit for adg_usd must include 'penalize_if'"),
        ([{"metric": "adg", "penalize_if": ">", "stat": "p99", "value": 1}], "unsupported stat 'p99'"),
        ([{"metric": "adg", "penalize_if": ">"}], "limit for adg_usd requires a numeric 'value'"),
        ([{"metric": "adg", "penalize_if": "outside", "range": [1]}], "requires a two-number 'range'"),
        ("--adg", "invalid limits format at token '--adg'"),
        ("--adg x", "'x' after --adg is not a number"),
    ],
)
def test_limits_errors(value, message):
    with pytest.raises(
        ConfigError, match="optimize.limits: .*" + message.replace("(", r"\(").replace(")", r"\)").replace("[", r"\[")
    ):
        normalize_limits(value)
