"""Flavor detection and legacy migrations (python spec §2.2)."""

from __future__ import annotations

import json
import logging

import pytest
from config_testutil import NOW, v77_config, write

from config import BOT_KEYS, ConfigError, format_config, load, strip_metadata
from config.migrate import detect_flavor


def fmt(raw):
    return format_config(raw, now=NOW)


def _full_side(**extra):
    side = dict(v77_config()["bot"]["long"])
    side.update(extra)
    return side


def test_nested_current_is_unwrapped():
    inner = v77_config(backtest__end_date="2025-06-01", bot__long__n_positions=2)
    cfg = fmt({"config": inner, "analysis": {"adg": 0.001}, "results_filename": "x"})
    assert cfg["_flavor"] == "nested_current"
    assert cfg["bot"]["long"]["n_positions"] == 2
    assert "analysis" not in cfg and cfg["_warnings"] == []


def test_live_only_gets_template_backtest_and_optimize():
    cfg = fmt({"bot": {"long": {"n_positions": 1}}, "live": {"user": "u"}})
    assert cfg["_flavor"] == "live_only"
    assert cfg["optimize"]["population_size"] == 250
    assert cfg["backtest"]["starting_balance"] == 100000


def test_v7_legacy_common_section():
    raw = {
        "common": {
            "approved_symbols": ["BTCUSDT", "ETHUSDT"],
            "ignored_symbols": ["ETHUSDT"],
            "symbol_flags": {"BTCUSDT": "-lm gs -lw 0.1 -lev 5"},
            "user": "binance_01",
        },
        "bot": {"long": {"n_positions": 2}, "short": {}},
        "backtest": {"end_date": "2024-01-01", "start_date": "2023-01-01"},
        "optimize": {},
        "live": {},
    }
    cfg = fmt(raw)
    assert cfg["_flavor"] == "v7_legacy"
    assert cfg["live"]["user"] == "binance_01"
    assert cfg["live"]["approved_coins"] == {"long": ["BTC"], "short": ["BTC"]}
    assert cfg["live"]["ignored_coins"] == {"long": ["ETH"], "short": ["ETH"]}
    assert cfg["coin_overrides"] == {
        "BTC": {"bot": {"long": {"wallet_exposure_limit": 0.1}}, "live": {"forced_mode_long": "gs", "leverage": 5.0}}
    }
    assert "coin_flags" not in cfg["live"]


def test_coin_flags_do_not_replace_existing_coin_overrides(caplog):
    raw = {
        "bot": {},
        "live": {"coin_flags": {"ETH": "-sm m"}},
        "coin_overrides": {"BTC": {"live": {"leverage": 3}}},
    }
    cfg = fmt(raw)
    assert cfg["coin_overrides"] == {"BTC": {"live": {"leverage": 3}}}
    assert any("coin_flags ignored" in r.getMessage() for r in caplog.records)


def test_bad_coin_flag_is_an_error():
    with pytest.raises(ConfigError, match=r"live.coin_flags.BTC: unknown flag -zz"):
        fmt({"bot": {}, "live": {"coin_flags": {"BTC": "-zz 1"}}})


def test_pb_multi_is_rejected_clearly():
    raw = dict.fromkeys(
        [
            "user",
            "pnls_max_lookback_days",
            "loss_allowance_pct",
            "stuck_threshold",
            "unstuck_close_pct",
            "TWE_long",
            "TWE_short",
            "universal_live_config",
        ],
        1,
    )
    assert detect_flavor(raw) == "pb_multi"
    with pytest.raises(ConfigError, match="v6 multi-symbol config"):
        fmt(raw)


def test_unknown_flavor_names_what_was_found(tmp_path):
    path = write(tmp_path / "c.json", {"backtest": {}, "foo": 1})
    with pytest.raises(ConfigError) as info:
        load(path)
    message = str(info.value)
    assert str(path) in message and "unrecognised config layout" in message and "found: backtest, foo" in message
    assert "\n" not in message


@pytest.mark.parametrize(
    "old,new",
    [
        ("filter_noisiness_rolling_window", "filter_volatility_ema_span"),
        ("filter_noisiness_ema_span", "filter_volatility_ema_span"),
        ("filter_log_range_ema_span", "filter_volatility_ema_span"),
        ("filter_volume_rolling_window", "filter_volume_ema_span"),
        ("entry_grid_spacing_weight", "entry_grid_spacing_we_weight"),
        ("entry_grid_spacing_log_span_hours", "entry_volatility_ema_span_hours"),
        ("entry_log_range_ema_span_hours", "entry_volatility_ema_span_hours"),
        ("entry_grid_spacing_log_weight", "entry_grid_spacing_volatility_weight"),
        ("entry_trailing_retracement_log_weight", "entry_trailing_retracement_volatility_weight"),
        ("entry_trailing_threshold_log_weight", "entry_trailing_threshold_volatility_weight"),
    ],
)
def test_bot_and_bounds_renames(old, new, caplog):
    caplog.set_level(logging.INFO)
    side = _full_side()
    side.pop(new)
    side[old] = 123.0
    raw = v77_config(backtest__end_date="2025-06-01")
    raw["bot"]["short"] = side
    raw["optimize"]["bounds"].pop(f"long_{new}")
    raw["optimize"]["bounds"][f"long_{old}"] = [100.0, 200.0]
    cfg = fmt(raw)
    assert cfg["bot"]["short"][new] == 123.0 and old not in cfg["bot"]["short"]
    assert cfg["optimize"]["bounds"][f"long_{new}"] == [100.0, 200.0]
    assert cfg["_warnings"] == []
    assert any(f"renamed legacy key bot.short.{old} -> {new}" in r.getMessage() for r in caplog.records)


def test_rename_keeps_the_new_key_when_both_exist():
    raw = v77_config(backtest__end_date="2025-06-01")
    raw["bot"]["long"]["filter_noisiness_rolling_window"] = 5
    cfg = fmt(raw)
    assert cfg["bot"]["long"]["filter_volatility_ema_span"] == 95.3


def test_renames_apply_inside_coin_overrides():
    cfg = fmt({"bot": {}, "live": {}, "coin_overrides": {"BTC": {"bot": {"long": {"entry_grid_spacing_weight": 2}}}}})
    assert cfg["coin_overrides"]["BTC"]["bot"]["long"] == {"entry_grid_spacing_we_weight": 2}


def test_memory_snapshot_interval_moves_to_logging():
    cfg = fmt({"bot": {}, "live": {"memory_snapshot_interval_minutes": 5}})
    assert cfg["logging"]["memory_snapshot_interval_minutes"] == 5
    assert "memory_snapshot_interval_minutes" not in cfg["live"]


@pytest.mark.parametrize("flag,cap", [(True, 1.0), (False, 0.0)])
def test_use_btc_collateral_becomes_a_cap(flag, cap):
    cfg = fmt({"bot": {}, "live": {}, "backtest": {"use_btc_collateral": flag}})
    assert cfg["backtest"]["btc_collateral_cap"] == cap
    assert cfg["backtest"]["btc_collateral_ltv_cap"] is None
    assert "use_btc_collateral" not in cfg["backtest"]


def test_live_renames_and_backtest_exchange():
    raw = {
        "bot": {},
        "live": {"minimum_market_age_days": 30, "ohlcvs_1m_update_after_minutes": 4},
        "backtest": {"exchange": "bybit"},
    }
    cfg = fmt(raw)
    assert cfg["live"]["minimum_coin_age_days"] == 30
    assert cfg["live"]["inactive_coin_candle_ttl_minutes"] == 4
    assert cfg["backtest"]["exchanges"] == ["bybit"]
    assert cfg["_warnings"] == []


def test_derived_defaults_for_an_older_complete_config():
    side = _full_side()
    for key in (
        "close_trailing_qty_pct",
        "entry_trailing_double_down_factor",
        "filter_volatility_ema_span",
        "filter_volume_ema_span",
        "close_grid_markup_start",
        "close_grid_markup_end",
        "filter_volume_drop_pct",
        "filter_volatility_drop_pct",
    ):
        side.pop(key)
    side.update(min_markup=0.002, markup_range=0.01, filter_rolling_window=30)
    raw = {"bot": {"long": side, "short": dict(side)}, "live": {"filter_relative_volume_clip_pct": 0.3}}
    long = fmt(raw)["bot"]["long"]
    assert long["close_trailing_qty_pct"] == 1.0
    assert long["entry_trailing_double_down_factor"] == side["entry_grid_double_down_factor"]
    assert long["filter_volatility_ema_span"] == 30 and long["filter_volume_ema_span"] == 30
    assert long["close_grid_markup_start"] == pytest.approx(0.012)
    assert long["close_grid_markup_end"] == 0.002
    assert long["filter_volume_drop_pct"] == 0.3
    assert long["filter_volatility_drop_pct"] == 0.0
    assert sorted(long) == list(BOT_KEYS)


def test_a_non_numeric_legacy_markup_is_a_config_error_not_a_traceback(tmp_path):
    side = _full_side()
    side.pop("close_grid_markup_start")
    side.pop("close_grid_markup_end")
    side.update(min_markup=0.002, markup_range="wide")
    path = tmp_path / "old.json"
    path.write_text(json.dumps({"bot": {"long": side, "short": dict(side)}, "live": {}}))
    with pytest.raises(ConfigError, match="close_grid_markup_start.*'wide'"):
        load(str(path))


def test_derived_filter_spans_fall_back_to_live_window_then_60():
    side = _full_side()
    side.pop("filter_volatility_ema_span")
    side.pop("filter_volume_ema_span")
    cfg = fmt({"bot": {"long": dict(side), "short": dict(side)}, "live": {"noisiness_rolling_mean_window_size": 15}})
    assert cfg["bot"]["long"]["filter_volume_ema_span"] == 15
    cfg = fmt({"bot": {"long": dict(side), "short": dict(side)}, "live": {}})
    assert cfg["bot"]["long"]["filter_volatility_ema_span"] == 60


def test_partial_sides_take_template_values_not_derived_ones():
    cfg = fmt({"bot": {"long": {"n_positions": 3}}, "live": {}})
    assert cfg["bot"]["long"]["close_trailing_qty_pct"] == 0.0506


def test_optimize_suite_is_obsolete(caplog):
    cfg = fmt({"bot": {}, "live": {}, "optimize": {"suite": {"enabled": True}}})
    assert "suite" not in cfg["optimize"]
    assert any("optimize.suite is obsolete" in r.getMessage() for r in caplog.records)


def test_migrated_config_matches_a_current_one():
    """A legacy-named full config ends up equal to the same config written with current names."""
    current = v77_config(backtest__end_date="2025-06-01")
    legacy = v77_config(backtest__end_date="2025-06-01")
    legacy["bot"]["long"]["entry_log_range_ema_span_hours"] = legacy["bot"]["long"].pop(
        "entry_volatility_ema_span_hours"
    )
    assert strip_metadata(fmt(legacy)) == strip_metadata(fmt(current))
