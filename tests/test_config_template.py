"""configs/template.json: complete, consistent with the schema, loads and round-trips."""

from __future__ import annotations

import json

import pytest
from config_testutil import NOW, REPO_ROOT, SAMPLE_COINS

from config import (
    BOT_KEYS,
    TEMPLATE_PATH,
    dump_config,
    load,
    strip_metadata,
    template_config,
    warmup_minutes,
)
from config.schema import BOUND_KEYS, iter_fields
from config.template import template_leaves

# v7.7 file defaults that the spec states explicitly (python spec §2.3, core spec §3.1).
FILE_DEFAULTS = {
    "live.approved_coins": "configs/approved_coins.json",
    "live.empty_means_all_approved": True,
    "live.market_orders_allowed": False,
    "live.max_memory_candles_per_symbol": 200000,
    "live.minimum_coin_age_days": 180,
    "live.warmup_ratio": 0.3,
    "live.max_warmup_minutes": 0,
    "backtest.btc_collateral_cap": 0.7,
    "backtest.exchanges": ["binance", "bybit"],
    "backtest.filter_by_min_effective_cost": False,
    "backtest.start_date": "2021-03-01",
    "backtest.end_date": "now",
    "backtest.starting_balance": 100000,
    "optimize.crossover_probability": 0.64,
    "optimize.iters": 500000,
    "optimize.mutation_indpb": 0.05,
    "optimize.mutation_probability": 0.34,
    "optimize.n_cpus": 6,
    "optimize.pareto_max_size": 250,
    "optimize.population_size": 250,
    "optimize.round_to_n_significant_digits": 3,
    "bot.long.n_positions": 7,
    "bot.short.n_positions": 7,
    "bot.long.total_wallet_exposure_limit": 1.25,
    "bot.short.total_wallet_exposure_limit": 0,
    "bot.long.entry_volatility_ema_span_hours": 2490,
    "bot.short.entry_volatility_ema_span_hours": 672,
    "bot.long.ema_span_0": 580,
    "bot.long.ema_span_1": 1260,
    "logging.level": 1,
}


def _get(cfg, dotted):
    for part in dotted.split("."):
        cfg = cfg[part]
    return cfg


def test_template_keys_match_schema():
    tpl = template_config()
    schema_paths = {p for p, f in iter_fields() if not f.optional}
    template_paths = set()

    def walk(node, prefix):
        for key, value in node.items():
            path = f"{prefix}.{key}" if prefix else key
            if path in schema_paths:
                template_paths.add(path)
            elif isinstance(value, dict):
                walk(value, path)
            else:
                template_paths.add(path)

    walk(tpl, "")
    assert template_paths == schema_paths
    # the v7.7 sections, plus our optional smc gate section
    assert set(tpl) == {"backtest", "bot", "coin_overrides", "live", "logging", "optimize", "smc"}


@pytest.mark.parametrize("dotted,expected", sorted(FILE_DEFAULTS.items()))
def test_template_file_defaults(dotted, expected):
    assert _get(template_config(), dotted) == expected


def test_template_bot_sides_have_the_37_keys():
    tpl = template_config()
    assert len(BOT_KEYS) == 37
    for pside in ("long", "short"):
        assert sorted(tpl["bot"][pside]) == list(BOT_KEYS)


def test_template_bounds_cover_every_bot_key_and_contain_the_template_value():
    tpl = template_config()
    bounds = tpl["optimize"]["bounds"]
    assert len(bounds) == 74
    assert set(bounds) == set(BOUND_KEYS)
    for key, bound in bounds.items():
        pside, bot_key = key.split("_", 1)
        assert len(bound) in (2, 3), key
        assert bound[0] <= tpl["bot"][pside][bot_key] <= bound[1], key
    assert bounds["long_entry_volatility_ema_span_hours"][1] == 2688
    limit = 2688 * 60
    for pside in ("long", "short"):
        for span in ("ema_span_0", "ema_span_1", "filter_volume_ema_span", "filter_volatility_ema_span"):
            assert bounds[f"{pside}_{span}"][1] <= limit
        assert bounds[f"{pside}_entry_volatility_ema_span_hours"][1] * 60 <= limit


def test_template_suite_has_its_keys():
    suite = template_config()["backtest"]["suite"]
    assert set(suite) == {"aggregate", "base_label", "enabled", "include_base_scenario", "scenarios"}
    assert suite["aggregate"] == {"default": "mean"}


def test_template_loads_without_warnings(caplog):
    cfg = load(now=NOW)
    assert cfg["_warnings"] == []
    assert not [r for r in caplog.records if r.levelname == "WARNING"]
    assert cfg["live"]["approved_coins"] == {"long": SAMPLE_COINS, "short": SAMPLE_COINS}
    assert cfg["backtest"]["end_date"] == "2025-06-03"


def test_approved_coins_file_is_the_sample_coins():
    assert json.loads((REPO_ROOT / "configs" / "approved_coins.json").read_text()) == SAMPLE_COINS
    assert TEMPLATE_PATH == REPO_ROOT / "configs" / "template.json"


def test_template_round_trips(tmp_path):
    first = load(now=NOW)
    out = tmp_path / "dumped.json"
    dump_config(first, out)
    text = out.read_text()
    assert "_raw" not in text and "_coins_sources" not in text
    second = load(out, now=NOW)
    assert strip_metadata(second) == strip_metadata(first)


def test_dump_sorts_keys_and_strips_metadata(tmp_path):
    cfg = load(now=NOW)
    cfg["live"]["_private"] = 1
    out = tmp_path / "sub" / "c.json"
    dump_config(cfg, out)
    data = json.loads(out.read_text())
    assert "_private" not in data["live"]
    assert not any(k.startswith("_") for k in data)
    assert list(data) == sorted(data)
    assert list(data["bot"]["long"]) == sorted(data["bot"]["long"])
    # short containers stay on one line
    assert '"exchanges": ["binance", "bybit"]' in out.read_text()


def test_template_warmup_is_48384_minutes():
    cfg = load(now=NOW)
    assert warmup_minutes(cfg, include_bounds=True) == 48384  # ceil(2688 * 60 * 0.3)
    assert warmup_minutes(cfg, include_bounds=False) == 44820  # ceil(2490 * 60 * 0.3)


def test_template_leaves_treat_coin_lists_as_leaves():
    leaves = dict(template_leaves())
    assert leaves["live.ignored_coins"] == {"long": [], "short": []}
    assert "optimize.bounds.long_n_positions" in leaves
    assert "backtest.suite.aggregate.default" in leaves
    assert not any(p.startswith("coin_overrides") for p in leaves)
