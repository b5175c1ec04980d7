"""Bad input gives one clear line per problem, naming the file, line or key (DESIGN principle 4)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from config_testutil import NOW, REPO_ROOT, v77_config, write

from config import ConfigError, format_config, load
from config.optimize_keys import normalize_bound


def error_lines(path):
    with pytest.raises(ConfigError) as info:
        load(path, now=NOW)
    assert str(info.value) == "\n".join(info.value.problems)
    assert all("\n" not in p for p in info.value.problems)
    return info.value.problems


def test_missing_file(tmp_path):
    path = tmp_path / "nope.json"
    assert error_lines(path) == [f"config file not found: {path}"]


def test_malformed_json_names_file_line_and_column(tmp_path):
    path = write(tmp_path / "bad.json", '{\n  "bot": {\n    "long": {"n_positions": 3,,}\n  }\n}\n')
    (line,) = error_lines(path)
    assert line.startswith(f"{path}: line 3, column ")
    assert "invalid JSON" in line


def test_malformed_hjson_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.hjson", "{\n  bot: {\n    long: {n_positions: 3}\n  ]\n}\n")
    (line,) = error_lines(path)
    assert line.startswith(f"{path}: line 4, column ")
    assert "invalid HJSON" in line


def test_top_level_must_be_an_object(tmp_path):
    path = write(tmp_path / "list.json", "[1, 2]")
    assert error_lines(path) == [f"{path}: the top level must be an object {{...}} of config sections, got list"]


@pytest.mark.parametrize(
    "changes,expected",
    [
        ({"bot__long__n_positions": -1}, "bot.long.n_positions: must be >= 0, got -1"),
        (
            {"bot__short__total_wallet_exposure_limit": -0.5},
            "bot.short.total_wallet_exposure_limit: must be >= 0, got -0.5",
        ),
        ({"bot__long__ema_span_0": 0}, "bot.long.ema_span_0: must be > 0, got 0"),
        (
            {"bot__long__entry_grid_spacing_pct": "0.01"},
            "bot.long.entry_grid_spacing_pct: expected a number, got string '0.01'",
        ),
        ({"live__hedge_mode": "yes"}, "live.hedge_mode: expected true or false, got string 'yes'"),
        ({"live__leverage": 0}, "live.leverage: must be > 0, got 0"),
        ({"live__max_n_creations_per_batch": 2.5}, "live.max_n_creations_per_batch: expected a whole number, got 2.5"),
        (
            {"live__time_in_force": "gtc"},
            "live.time_in_force: expected one of good_till_cancelled, post_only; got 'gtc'",
        ),
        ({"live__forced_mode_long": "x"}, "live.forced_mode_long: unknown passivbot mode 'x'"),
        ({"backtest__start_date": "2021-13-01"}, "backtest.start_date: expected a date YYYY-MM-DD, got '2021-13-01'"),
        ({"backtest__exchanges": [1]}, "backtest.exchanges: expected a list of strings, got list [1]"),
        ({"optimize__crossover_probability": 1.5}, "optimize.crossover_probability: must be between 0 and 1, got 1.5"),
        (
            {"optimize__enable_overrides": ["x"]},
            "optimize.enable_overrides: unknown value(s) ['x'] (allowed: lossless_close_trailing",
        ),
        ({"logging__level": 7}, "logging.level: expected 0 (warning), 1 (info), 2 (debug) or 3 (trace), got 7"),
        (
            {"backtest__suite__aggregate": {"default": "avg"}},
            "backtest.suite.aggregate: unsupported aggregation {'default': 'avg'}",
        ),
        ({"bot": []}, "bot: expected an object {...} (a config section), got list"),
        (
            {"backtest__start_date": "2025-07-01", "backtest__end_date": "2025-06-01"},
            "backtest.start_date 2025-07-01 must be before backtest.end_date 2025-06-01",
        ),
        (
            {"optimize__limits": [{"metric": "adg", "penalize_if": "sometimes", "value": 1}]},
            "optimize.limits: limit for adg_usd: unsupported penalize_if 'sometimes'",
        ),
        (
            {"backtest__coin_sources": {"BTC": "binance", "BTC/USDT:USDT": "bybit"}},
            "backtest.coin_sources maps conflicting exchanges for BTC: binance and bybit",
        ),
    ],
)
def test_field_errors_name_the_key_and_what_is_allowed(tmp_path, changes, expected):
    data = v77_config(backtest__end_date="2025-06-01")
    for dotted, value in changes.items():
        node = data
        parts = dotted.split("__")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    path = write(tmp_path / "c.json", data)
    (line,) = error_lines(path)
    assert line.startswith(f"{path}: {expected}")


def test_all_field_errors_are_reported_together(tmp_path):
    data = v77_config(backtest__end_date="2025-06-01", bot__long__n_positions=-1, live__leverage="x")
    data["optimize"]["bounds"]["long_ema_span_0"] = []
    lines = error_lines(write(tmp_path / "c.json", data))
    assert len(lines) == 3
    assert any("bot.long.n_positions" in line for line in lines)
    assert any("live.leverage: expected a number, got string 'x'" in line for line in lines)
    assert any("optimize.bounds.long_ema_span_0: malformed bound: empty array" in line for line in lines)


def test_bounds_errors():
    with pytest.raises(ConfigError, match=r"at most 3 elements"):
        normalize_bound([1, 2, 3, 4], "optimize.bounds.long_x")
    with pytest.raises(ConfigError, match=r"low 5 is above high 1"):
        normalize_bound([5, 1, 0.1], "optimize.bounds.long_x")
    assert normalize_bound([3, 1], "k") == [1, 3]
    assert normalize_bound([2], "k") == [2, 2]
    assert normalize_bound(4, "k") == [4, 4]


def test_format_config_without_a_file_has_no_prefix():
    with pytest.raises(ConfigError) as info:
        format_config({"bot": {"long": {"n_positions": -2}}, "live": {}}, now=NOW)
    assert info.value.problems == ["bot.long.n_positions: must be >= 0, got -2"]


def _run_cli(*args, cwd=REPO_ROOT):
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT / "src"))
    return subprocess.run(
        [sys.executable, "-m", "config", *map(str, args)],
        check=False,
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_cli_wrapper_exits_2_with_one_line_and_no_traceback(tmp_path):
    bad = write(tmp_path / "bad.json", '{"bot": {"long": {"n_positions": 3}\n')
    proc = _run_cli(bad)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"config error: {bad}: line ")
    assert proc.stdout == ""


def test_cli_wrapper_reports_a_missing_file_and_bad_values():
    proc = _run_cli("does/not/exist.json")
    assert proc.returncode == 2
    assert proc.stderr.strip() == "config error: config file not found: does/not/exist.json"
    proc = _run_cli("-lnp", "-3")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert proc.stderr.strip().splitlines() == ["config error: --bot.long.n_positions -3: must be >= 0, got -3"]


def test_cli_wrapper_succeeds_on_the_template():
    proc = _run_cli("-lnp", "4", "--live.hedge_mode", "n")
    assert proc.returncode == 0, proc.stderr
    assert '"n_positions": 4' in proc.stdout
    assert "changed bot.long.n_positions 7 -> 4" in proc.stderr
