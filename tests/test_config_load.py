"""Loading: v7.7 configs unchanged, HJSON, unknown keys, dates, idempotence."""

from __future__ import annotations

import copy
import logging

import pytest
from config_testutil import NOW, SAMPLE_COINS, v77_config, write

from config import format_config, load, strip_metadata


def _v77_file_config():
    """A v7.7-shaped config with a few values changed and coin lists already in per-side form."""
    cfg = v77_config(
        bot__long__n_positions=4,
        bot__long__total_wallet_exposure_limit=2.0,
        bot__short__entry_grid_spacing_pct=0.02,
        live__leverage=7,
        live__approved_coins={"long": ["BTC", "ETH", "SOL"], "short": ["BTC"]},
        live__ignored_coins={"long": ["DOGE"], "short": []},
        backtest__start_date="2025-05-10",
        backtest__end_date="2025-06-01",
        optimize__population_size=100,
    )
    cfg["coin_overrides"] = {"ETH": {"bot": {"long": {"close_grid_markup_start": 0.01}}}}
    return cfg


def test_v77_config_loads_unchanged_and_without_warnings(tmp_path, caplog):
    data = _v77_file_config()
    path = write(tmp_path / "my.json", data)
    cfg = load(path, now=NOW)
    assert strip_metadata(cfg) == data
    assert cfg["_warnings"] == []
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert cfg["_flavor"] == "current"
    assert cfg["_raw"] == data


def test_v77_config_with_coins_file_only_normalises_coins(tmp_path):
    data = v77_config(backtest__end_date="2025-06-01")
    cfg = strip_metadata(load(write(tmp_path / "c.json", data), now=NOW))
    assert cfg["live"].pop("approved_coins") == {"long": SAMPLE_COINS, "short": SAMPLE_COINS}
    data["live"].pop("approved_coins")
    assert cfg == data


def test_hjson_with_comments_unquoted_keys_and_trailing_commas(tmp_path):
    path = write(
        tmp_path / "c.hjson",
        """
        # a comment
        {
          bot: {
            long: {
              n_positions: 3   // another comment
              total_wallet_exposure_limit: 0.8,
            }
          }
          live: {
            user: binance_01
            approved_coins: ["BTC", "ETH"]
          }
          /* block comment */
          backtest: {end_date: "2025-01-01"}
        }
        """,
    )
    cfg = load(path, now=NOW)
    assert cfg["bot"]["long"]["n_positions"] == 3
    assert cfg["bot"]["long"]["total_wallet_exposure_limit"] == 0.8
    assert cfg["live"]["user"] == "binance_01"
    assert cfg["live"]["approved_coins"] == {"long": ["BTC", "ETH"], "short": ["BTC", "ETH"]}
    # everything else from the template
    assert cfg["bot"]["long"]["ema_span_0"] == 580
    assert cfg["_flavor"] == "live_only"


def test_json_file_with_comments_is_accepted(tmp_path):
    path = write(tmp_path / "c.json", '{"bot": {"long": {"n_positions": 2}}, // note\n "live": {}}')
    assert load(path, now=NOW)["bot"]["long"]["n_positions"] == 2


def test_missing_values_come_from_the_template(tmp_path):
    cfg = load(write(tmp_path / "c.json", {"bot": {}, "live": {}}), now=NOW)
    tpl = load(now=NOW)
    assert strip_metadata(cfg) == strip_metadata(tpl)


def test_unknown_keys_warn_with_the_closest_key_and_are_dropped(tmp_path, caplog):
    data = {
        "bot": {"long": {"n_position": 3}},
        "live": {"hedge_mod": False, "zzzz_qqqq": 1},
        "backtst": {},
    }
    cfg = load(write(tmp_path / "c.json", data), now=NOW)
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any("'bot.long.n_position'" in m and "did you mean 'bot.long.n_positions'" in m for m in messages)
    assert any("'live.hedge_mod'" in m and "'live.hedge_mode'" in m for m in messages)
    assert any("'backtst'" in m and "'backtest'" in m for m in messages)
    assert any("'live.zzzz_qqqq'" in m and "no similar key" in m for m in messages)
    assert "n_position" not in cfg["bot"]["long"]
    assert "backtst" not in cfg
    assert len(cfg["_warnings"]) == 4


def test_unknown_key_suggestion_across_sections(tmp_path, caplog):
    load(write(tmp_path / "c.json", {"bot": {}, "live": {"n_positions": 3}}), now=NOW)
    assert any("bot.long.n_positions" in r.getMessage() for r in caplog.records)


def test_known_runtime_keys_are_kept_without_warning(tmp_path, caplog):
    data = v77_config(backtest__end_date="2025-06-01")
    data["live"]["base_config_path"] = "configs/x.json"
    data["live"]["custom_endpoints_path"] = None
    data["bot"]["long"]["wallet_exposure_limit"] = 0.2
    data["backtest"]["coins"] = {"binance": ["BTC"]}
    cfg = load(write(tmp_path / "c.json", data), now=NOW)
    assert cfg["_warnings"] == []
    assert cfg["live"]["base_config_path"] == "configs/x.json"
    assert cfg["bot"]["long"]["wallet_exposure_limit"] == 0.2


@pytest.mark.parametrize("value", ["now", "today", "", "NOW"])
def test_end_date_now_is_two_days_ago_floored_to_a_utc_day(tmp_path, value):
    cfg = load(write(tmp_path / "c.json", {"bot": {}, "live": {}, "backtest": {"end_date": value}}), now=NOW)
    assert cfg["backtest"]["end_date"] == "2025-06-03"


def test_dates_are_rendered_as_days(tmp_path):
    data = {"bot": {}, "live": {}, "backtest": {"start_date": "2024-01-02T05:00:00", "end_date": "2024-03-04 10:00"}}
    cfg = load(write(tmp_path / "c.json", data), now=NOW)
    assert (cfg["backtest"]["start_date"], cfg["backtest"]["end_date"]) == ("2024-01-02", "2024-03-04")


def test_live_only_keeps_coin_sources_and_dates(tmp_path):
    cfg = load(write(tmp_path / "c.json", {"bot": {}, "live": {"approved_coins": "BTC,ETH"}}), now=NOW, live_only=True)
    assert cfg["live"]["approved_coins"] == "BTC,ETH"
    assert cfg["backtest"]["end_date"] == "now"


def test_format_config_is_idempotent(tmp_path):
    first = load(write(tmp_path / "c.json", _v77_file_config()), now=NOW)
    second = format_config(copy.deepcopy(first), now=NOW)
    assert strip_metadata(second) == strip_metadata(first)
    assert second["_raw"] == first["_raw"]


def test_backtest_filter_by_min_effective_cost_null_inherits_live(tmp_path):
    data = {
        "bot": {},
        "live": {"filter_by_min_effective_cost": True},
        "backtest": {"filter_by_min_effective_cost": None},
    }
    assert load(write(tmp_path / "c.json", data), now=NOW)["backtest"]["filter_by_min_effective_cost"] is True


def test_coin_sources_keys_are_coins(tmp_path):
    data = {"bot": {}, "live": {}, "backtest": {"coin_sources": {"ETH/USDT:USDT": "bybit", "1000PEPE": "binance"}}}
    cfg = load(write(tmp_path / "c.json", data), now=NOW)
    assert cfg["backtest"]["coin_sources"] == {"ETH": "bybit", "PEPE": "binance"}


def test_n_positions_is_rounded_half_away_to_int(tmp_path):
    data = {"bot": {"long": {"n_positions": 2.5}, "short": {"n_positions": 3.0}}, "live": {}}
    cfg = load(write(tmp_path / "c.json", data), now=NOW)
    assert cfg["bot"]["long"]["n_positions"] == 3 and isinstance(cfg["bot"]["long"]["n_positions"], int)
    assert cfg["bot"]["short"]["n_positions"] == 3 and isinstance(cfg["bot"]["short"]["n_positions"], int)


def test_scoring_and_limits_are_canonicalised(tmp_path):
    data = {
        "bot": {},
        "live": {},
        "optimize": {
            "scoring": ["adg", "btc_sharpe_ratio", "loss_profit_ratio", "adg_usd"],
            "limits": "--drawdown_worst 0.333 --loss_profit_ratio: 0.9",
        },
    }
    cfg = load(write(tmp_path / "c.json", data), now=NOW)
    assert cfg["optimize"]["scoring"] == ["adg_usd", "sharpe_ratio_btc", "loss_profit_ratio"]
    assert cfg["optimize"]["limits"] == [
        {"metric": "drawdown_worst_usd", "penalize_if": "auto", "value": 0.333},
        {"metric": "loss_profit_ratio", "penalize_if": "auto", "value": 0.9},
    ]


def test_pareto_member_artifact_keys_are_dropped_silently(tmp_path):
    data = v77_config(backtest__end_date="2025-06-01")
    data["metrics"] = {"stats": {"adg_usd": {"mean": 0.001}}}
    data["analyses"] = {}
    data["results_filename"] = "x"
    cfg = load(write(tmp_path / "member.json", data), now=NOW)
    assert cfg["_warnings"] == [] and "metrics" not in cfg
