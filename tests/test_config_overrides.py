"""coin_overrides (spec §2.5), bot_params_for_coin and warm-up sizing (spec §4.9 / core §5.6)."""

from __future__ import annotations

import logging

import pytest
from config_testutil import NOW, REPO_ROOT, v77_config, write

from config import (
    BOT_KEYS,
    ConfigError,
    bot_params_for_coin,
    format_config,
    load,
    warmup_minutes,
    warmup_minutes_for_coin,
)


def fmt(raw):
    return format_config(raw, now=NOW)


def with_overrides(overrides, **changes):
    raw = v77_config(backtest__end_date="2025-06-01", **changes)
    raw["coin_overrides"] = overrides
    return raw


def test_allowed_keys_are_kept():
    ov = {
        "BTC": {
            "bot": {
                "long": {"entry_grid_spacing_pct": 0.03, "ema_span_0": 100, "wallet_exposure_limit": 0.2},
                "short": {"unstuck_threshold": 0.5, "risk_wel_enforcer_threshold": 0.9},
            },
            "live": {"forced_mode_long": "gs", "leverage": 3},
        }
    }
    cfg = fmt(with_overrides(ov))
    assert cfg["coin_overrides"] == ov
    assert cfg["_warnings"] == []


@pytest.mark.parametrize(
    "key",
    [
        "n_positions",
        "total_wallet_exposure_limit",
        "risk_twel_enforcer_threshold",
        "unstuck_loss_allowance_pct",
        "filter_volume_drop_pct",
        "filter_volatility_ema_span",
    ],
)
def test_global_bot_keys_are_dropped_with_a_warning(key, caplog):
    cfg = fmt(with_overrides({"ETH": {"bot": {"long": {key: 1, "ema_span_1": 300}}}}))
    assert cfg["coin_overrides"] == {"ETH": {"bot": {"long": {"ema_span_1": 300}}}}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(f"coin_overrides.ETH.bot.long.{key} cannot be set per coin" in w for w in warnings)


def test_disallowed_live_key_and_unknown_keys_warn(caplog):
    ov = {"ETH": {"live": {"hedge_mode": False, "leverag": 2}, "bot": {"long": {"ema_spam_0": 5}}, "backtest": {}}}
    cfg = fmt(with_overrides(ov))
    assert "ETH" not in cfg["coin_overrides"]
    warnings = " | ".join(r.getMessage() for r in caplog.records if r.levelno == logging.WARNING)
    assert "coin_overrides.ETH.live.hedge_mode cannot be set per coin" in warnings
    assert "'coin_overrides.ETH.live.leverag' ignored; did you mean 'coin_overrides.ETH.live.leverage'?" in warnings
    assert "did you mean 'coin_overrides.ETH.bot.long.ema_span_0'?" in warnings
    assert "'coin_overrides.ETH.backtest'" in warnings


def test_symbol_keys_are_normalised_to_coins():
    ov = {
        "XRP/USDT:USDT": {"live": {"leverage": 2}},
        "1000PEPE": {"live": {"leverage": 4}},
        "kBONK": {"live": {"leverage": 5}},
    }
    cfg = fmt(with_overrides(ov))
    assert set(cfg["coin_overrides"]) == {"XRP", "PEPE", "BONK"}


def test_unresolvable_coin_key_is_dropped_with_a_warning(caplog):
    cfg = fmt(with_overrides({"/USDT": {"live": {"leverage": 2}}}))
    assert cfg["coin_overrides"] == {}
    assert any("coin_overrides: key '/USDT' dropped" in r.getMessage() for r in caplog.records)


def test_two_keys_for_one_coin_is_an_error():
    with pytest.raises(ConfigError, match=r"coin_overrides: 'XRP' and 'XRP/USDT:USDT' both refer to coin XRP"):
        fmt(with_overrides({"XRP": {"live": {"leverage": 2}}, "XRP/USDT:USDT": {"live": {"leverage": 3}}}))


def test_override_values_are_checked():
    with pytest.raises(ConfigError) as info:
        fmt(with_overrides({"BTC": {"live": {"forced_mode_long": "sometimes", "leverage": -1}}}))
    text = str(info.value)
    assert "coin_overrides.BTC.live.forced_mode_long: unknown passivbot mode 'sometimes'" in text
    assert "coin_overrides.BTC.live.leverage: must be > 0, got -1" in text


def test_override_config_path_relative_to_the_config_file(tmp_path):
    other = v77_config()
    other["bot"]["long"]["entry_grid_spacing_pct"] = 0.05  # differs from base: taken
    other["bot"]["long"]["close_grid_qty_pct"] = 0.3  # inline value below wins
    other["bot"]["long"]["n_positions"] = 1  # global: ignored
    other["live"]["leverage"] = 4
    write(tmp_path / "overrides" / "btc.json", other)
    raw = with_overrides(
        {"BTC": {"override_config_path": "overrides/btc.json", "bot": {"long": {"close_grid_qty_pct": 0.5}}}}
    )
    cfg = load(write(tmp_path / "c.json", raw), now=NOW)
    assert cfg["coin_overrides"] == {
        "BTC": {"bot": {"long": {"close_grid_qty_pct": 0.5, "entry_grid_spacing_pct": 0.05}}, "live": {"leverage": 4}}
    }


def test_missing_override_file_is_an_error(tmp_path):
    raw = with_overrides({"BTC": {"override_config_path": "nope.json"}})
    path = write(tmp_path / "c.json", raw)
    with pytest.raises(ConfigError) as info:
        load(path, now=NOW)
    (line,) = info.value.problems
    assert line.startswith(
        f"{path}: coin_overrides.BTC.override_config_path: override config file not found: nope.json"
    )


def test_override_file_with_a_non_object_bot_section_is_an_error(tmp_path):
    write(tmp_path / "btc.json", {"bot": [1, 2]})
    path = write(tmp_path / "c.json", with_overrides({"BTC": {"override_config_path": "btc.json"}}))
    with pytest.raises(ConfigError) as info:
        load(path, now=NOW)
    assert any("coin_overrides.BTC.bot (file btc.json): expected an object" in p for p in info.value.problems)


def test_example_hjson_config_loads():
    cfg = load(REPO_ROOT / "configs" / "examples" / "coin_overrides.hjson", now=NOW)
    assert cfg["_warnings"] == []
    assert cfg["coin_overrides"]["DOGE"]["bot"]["long"]["wallet_exposure_limit"] == 0.15
    assert cfg["coin_overrides"]["XRP"]["bot"]["long"]["close_grid_markup_start"] == 0.008
    assert cfg["live"]["approved_coins"]["short"] == ["BTC", "ETH", "SOL", "XRP"]


def test_bot_params_for_coin():
    cfg = fmt(with_overrides({"BTC": {"bot": {"long": {"ema_span_0": 100}, "short": {"wallet_exposure_limit": 0.3}}}}))
    btc = bot_params_for_coin(cfg, "BTC/USDT:USDT")
    assert set(btc["long"]) == set(BOT_KEYS) | {"wallet_exposure_limit"}
    assert btc["long"]["ema_span_0"] == 100
    assert btc["long"]["wallet_exposure_limit"] == -1.0
    assert btc["short"]["wallet_exposure_limit"] == 0.3
    eth = bot_params_for_coin(cfg, "ETH")
    assert eth["long"]["ema_span_0"] == cfg["bot"]["long"]["ema_span_0"]
    assert eth["long"]["wallet_exposure_limit"] == eth["short"]["wallet_exposure_limit"] == -1.0


def test_bot_params_ignore_a_runtime_wallet_exposure_limit_in_the_base():
    raw = with_overrides({})
    raw["bot"]["long"]["wallet_exposure_limit"] = 0.5
    assert bot_params_for_coin(fmt(raw), "BTC")["long"]["wallet_exposure_limit"] == -1.0


def test_warmup_cap_from_live_max_warmup_minutes():
    cfg = fmt(with_overrides({}, live__max_warmup_minutes=1440))
    assert warmup_minutes(cfg, include_bounds=True) == 1440
    assert warmup_minutes(cfg, include_bounds=False) == 1440


def test_warmup_includes_coin_overrides_and_bounds():
    raw = with_overrides({"SOL": {"bot": {"short": {"entry_volatility_ema_span_hours": 3000}}}})
    cfg = fmt(raw)
    assert warmup_minutes(cfg, include_bounds=False) == 54000  # 3000 h * 60 * 0.3
    assert warmup_minutes_for_coin(cfg, "SOL") == 54000
    assert warmup_minutes_for_coin(cfg, "BTC") == 44820
    raw = with_overrides({}, live__warmup_ratio=1.0)
    raw["optimize"]["bounds"]["short_ema_span_1"] = [10, 200000]
    assert warmup_minutes(fmt(raw), include_bounds=True) == 200000
    assert warmup_minutes(fmt(raw), include_bounds=False) == 149400


def test_warmup_zero_ratio():
    assert warmup_minutes(fmt(with_overrides({}, live__warmup_ratio=0)), include_bounds=True) == 0
