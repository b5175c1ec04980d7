"""CLI overrides: flag spellings, acronyms, value types, coercion, logging (spec §1.1, §2.6)."""

from __future__ import annotations

import argparse
import logging

import pytest
from config_testutil import NOW
from hypothesis import given
from hypothesis import strategies as st

from config import ConfigError, load
from config.cli import (
    acronym,
    add_config_arguments,
    apply_cli_overrides,
    glue_negative_values,
    str2bool,
)

BACKTEST_SECTIONS = (
    "bot",
    "backtest",
    "live.approved_coins",
    "live.ignored_coins",
    "live.hedge_mode",
    "live.minimum_coin_age_days",
    "logging.memory_snapshot_interval_minutes",
    "logging.volume_refresh_info_threshold_seconds",
)


def parser_for(sections=("bot", "live", "backtest", "optimize", "logging")):
    parser = argparse.ArgumentParser(prog="test")
    flags = add_config_arguments(parser, sections=sections)
    return parser, flags


def run(argv, sections=("bot", "live", "backtest", "optimize", "logging"), config=None):
    parser, _ = parser_for(sections)
    args = parser.parse_args(glue_negative_values(argv))
    return apply_cli_overrides(config or load(now=NOW), args, now=NOW)


@pytest.mark.parametrize("argv", [["--bot.long.n_positions", "5"], ["--bot_long_n_positions", "5"], ["-lnp", "5"]])
def test_three_spellings_and_int_stays_int(argv):
    cfg = run(argv)
    assert cfg["bot"]["long"]["n_positions"] == 5
    assert isinstance(cfg["bot"]["long"]["n_positions"], int)


def test_only_given_flags_change_the_config():
    base = load(now=NOW)
    parser, _ = parser_for()
    args = parser.parse_args([])
    assert not [k for k in vars(args) if "." in k]
    assert apply_cli_overrides(base, args) is base
    cfg = run(["-lnp", "5"], config=base)
    cfg["bot"]["long"]["n_positions"] = base["bot"]["long"]["n_positions"]
    from config import strip_metadata

    assert strip_metadata(cfg) == strip_metadata(base)


def test_non_integral_value_for_an_int_becomes_float():
    cfg = run(["--bot.long.ema_span_0", "600.5"])
    assert cfg["bot"]["long"]["ema_span_0"] == 600.5


def test_float_stays_float():
    cfg = run(["--bot.long.total_wallet_exposure_limit", "2"])
    assert cfg["bot"]["long"]["total_wallet_exposure_limit"] == 2.0


@pytest.mark.parametrize(
    "word,expected",
    [
        ("n", False),
        ("NO", False),
        ("False", False),
        ("f", False),
        ("0", False),
        ("y", True),
        ("Yes", True),
        ("TRUE", True),
        ("t", True),
        ("1", True),
    ],
)
def test_booleans(word, expected):
    assert run(["--live.hedge_mode", word])["live"]["hedge_mode"] is expected


def test_bad_boolean_is_an_argparse_error(capsys):
    parser, _ = parser_for()
    with pytest.raises(SystemExit) as info:
        parser.parse_args(["--live.hedge_mode", "maybe"])
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert (
        "--live.hedge_mode" in err
        and "expected a boolean (y/yes/true/t/1 or n/no/false/f/0, any case), got 'maybe'" in err
    )


@given(st.booleans(), st.sampled_from(["lower", "upper", "title"]), st.integers(0, 4))
def test_str2bool_round_trip(value, case, pick):
    words = ["y", "yes", "true", "t", "1"] if value else ["n", "no", "false", "f", "0"]
    assert str2bool(getattr(words[pick], case)()) is value
    assert str2bool(str(value)) is value


@given(
    st.text(max_size=6).filter(
        lambda s: s.strip().lower() not in {"y", "yes", "true", "t", "1", "n", "no", "false", "f", "0"}
    )
)
def test_str2bool_rejects_everything_else(text):
    with pytest.raises(argparse.ArgumentTypeError):
        str2bool(text)


def test_backtest_filter_by_min_effective_cost_false_sets_false():
    base = load(now=NOW)
    base["backtest"]["filter_by_min_effective_cost"] = True
    cfg = run(["--backtest.filter_by_min_effective_cost", "false"], sections=BACKTEST_SECTIONS, config=base)
    assert cfg["backtest"]["filter_by_min_effective_cost"] is False
    cfg = run(["-fbmec", "y"], sections=BACKTEST_SECTIONS)
    assert cfg["backtest"]["filter_by_min_effective_cost"] is True


def test_comma_lists():
    cfg = run(["-e", "binance,bybit,okx", "--optimize.scoring", "adg,sharpe_ratio", "-eo", "forward_tp_grid"])
    assert cfg["backtest"]["exchanges"] == ["binance", "bybit", "okx"]
    assert cfg["optimize"]["scoring"] == ["adg_usd", "sharpe_ratio_usd"]
    assert cfg["optimize"]["enable_overrides"] == ["forward_tp_grid"]  # not a list of characters


def test_coin_flags_and_sources():
    cfg = run(["-s", "BTC,ETH/USDT:USDT,SOL", "-i", "SOL"], sections=BACKTEST_SECTIONS)
    assert cfg["live"]["approved_coins"] == {"long": ["BTC", "ETH"], "short": ["BTC", "ETH"]}
    assert cfg["_coins_sources"]["approved_coins"] == ["BTC", "ETH/USDT:USDT", "SOL"]
    # changing only the ignored list re-derives approved from its source (the coins file)
    cfg = run(["-i", "BTC"], sections=BACKTEST_SECTIONS)
    assert "BTC" not in cfg["live"]["approved_coins"]["long"] and "ETH" in cfg["live"]["approved_coins"]["long"]
    cfg = run(["-i", "BTC"], sections=BACKTEST_SECTIONS, config=cfg)
    cfg2 = run(["-i", "ETH"], sections=BACKTEST_SECTIONS, config=cfg)
    assert "BTC" in cfg2["live"]["approved_coins"]["long"] and "ETH" not in cfg2["live"]["approved_coins"]["long"]


def test_coin_file_path_flag(tmp_path):
    coins = tmp_path / "c.txt"
    coins.write_text("XRP DOGE")
    cfg = run(["--live.approved_coins", str(coins)], sections=BACKTEST_SECTIONS)
    assert cfg["live"]["approved_coins"] == {"long": ["XRP", "DOGE"], "short": ["XRP", "DOGE"]}


def test_bounds_comma_floats_including_negative_values():
    cfg = run(
        [
            "--optimize.bounds.long_unstuck_ema_dist",
            "-0.2,-0.01",
            "--optimize.bounds.long_n_positions",
            "2,9,1",
            "-sevesh",
            "500",
        ],
        sections=("optimize",),
    )
    assert cfg["optimize"]["bounds"]["long_unstuck_ema_dist"] == [-0.2, -0.01]
    assert cfg["optimize"]["bounds"]["long_n_positions"] == [2, 9, 1]
    assert cfg["optimize"]["bounds"]["short_entry_volatility_ema_span_hours"] == [500, 500]


def test_ltv_cap_float_or_none():
    assert run(["-bclc", "0.6"])["backtest"]["btc_collateral_ltv_cap"] == 0.6
    assert run(["-bclc", "none"])["backtest"]["btc_collateral_ltv_cap"] is None


def test_suite_scenarios_json_and_limits_string():
    cfg = run(
        [
            "--backtest.suite.scenarios",
            '[{"label": "a", "coins": ["BTC"]}]',
            "--optimize.limits",
            "--drawdown_worst 0.4",
        ],
        sections=("backtest", "optimize"),
    )
    assert cfg["backtest"]["suite"]["scenarios"] == [{"label": "a", "coins": ["BTC"]}]
    assert cfg["optimize"]["limits"] == [{"metric": "drawdown_worst_usd", "penalize_if": "auto", "value": 0.4}]


def test_end_date_now_from_cli():
    assert run(["-ed", "now"])["backtest"]["end_date"] == "2025-06-03"


def test_changes_are_logged_at_info(caplog):
    caplog.set_level(logging.INFO)
    run(["-lnp", "5", "--live.hedge_mode", "n"])
    messages = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert any("changed bot.long.n_positions 7 -> 5" in m for m in messages)
    assert any("changed live.hedge_mode True -> False" in m for m in messages)


def test_invalid_cli_values_raise_config_errors_naming_the_flag():
    with pytest.raises(ConfigError) as info:
        run(["-lnp", "-1", "--live.time_in_force", "gtc"])
    assert info.value.problems == [
        "--bot.long.n_positions -1: must be >= 0, got -1",
        "--live.time_in_force 'gtc': expected one of good_till_cancelled, post_only; got 'gtc'",
    ]


def test_acronyms():
    assert acronym("bot.long.n_positions") == "lnp"
    assert acronym("bot.short.ema_span_0") == "ses0"
    assert acronym("live.approved_coins") == "s"
    assert acronym("live.ignored_coins") == "i"
    assert acronym("optimize.scoring") == "os"
    assert acronym("optimize.n_cpus") == "c"
    assert acronym("optimize.iters") == "i"
    assert acronym("backtest.suite.aggregate.default") == "sad"
    assert acronym("logging.memory_snapshot_interval_minutes") == "lmsim"
    assert acronym("optimize.bounds.long_entry_grid_spacing_pct") == "legsp"


def test_registered_short_flags_per_program():
    _, flags = parser_for(("bot", "live"))
    assert flags["bot.long.filter_volatility_drop_pct"] == "-lfvdp"
    assert flags["bot.long.filter_volume_drop_pct"] == "-lfvdp2"
    assert flags["live.max_n_cancellations_per_batch"] == "-mncpb"
    assert flags["live.max_n_creations_per_batch"] == "-mncpb2"
    assert flags["live.approved_coins"] == "-s" and flags["live.ignored_coins"] == "-i"
    assert flags["live.user"] == "-u" and flags["live.leverage"] == "-l"
    _, flags = parser_for(("backtest", "live.approved_coins", "optimize", "logging.level"))
    assert flags["optimize.iters"] == "-i" and flags["optimize.n_cpus"] == "-c" and flags["optimize.scoring"] == "-os"
    assert flags["optimize.bounds.long_n_positions"] == "-lnp"
    assert flags["optimize.limits"] == "-l" and flags["logging.level"] == "-ll"
    assert flags["backtest.start_date"] == "-sd" and flags["backtest.exchanges"] == "-e"


def test_acronym_collision_with_an_existing_flag():
    parser = argparse.ArgumentParser()
    parser.add_argument("-dp", "--disable_plotting", action="store_true")
    parser.add_argument("-u", "--user")
    flags = add_config_arguments(parser, sections=("live.user",))
    assert flags["live.user"] == "-u2"


def test_glue_negative_values():
    assert glue_negative_values(["--x", "-0.1,0.2", "-lnp", "-1"]) == ["--x=-0.1,0.2", "-lnp", "-1"]


def test_unknown_section_prefix_is_a_programming_error():
    with pytest.raises(ValueError, match=r"no config key under \['live.hedge'\]"):
        add_config_arguments(argparse.ArgumentParser(), sections=("bot", "live.hedge"))
