"""Suite mode: scenarios built from one config, shared data, aggregation across scenarios."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from backtesting.suite import aggregate_mode, build_scenarios, set_dotted, summarize
from config import ConfigError, load

REPO = Path(__file__).resolve().parents[1]


def suite_config(tmp_path: Path, scenarios: list[dict], **suite) -> dict:
    path = tmp_path / "suite.json"
    body = {"bot": {}, "live": {}, "backtest": {"suite": {"enabled": True, "scenarios": scenarios, **suite}}}
    path.write_text(json.dumps(body))
    return load(path)


def test_scenarios_apply_dates_coins_and_overrides(tmp_path: Path) -> None:
    cfg = suite_config(
        tmp_path,
        [
            {"label": "np3", "overrides": {"bot.long.n_positions": 3}},
            {"coins": ["BTC", "ETH/USDT:USDT"], "start_date": "2025-06-10", "end_date": "2025-06-12"},
        ],
    )
    scenarios = build_scenarios(cfg)
    assert [label for label, _ in scenarios] == ["base", "np3", "scenario_03"]
    base, np3, third = (c for _, c in scenarios)
    assert base["bot"]["long"]["n_positions"] == 7 and np3["bot"]["long"]["n_positions"] == 3
    assert third["live"]["approved_coins"]["long"] == ["BTC", "ETH"]
    assert (third["backtest"]["start_date"], third["backtest"]["end_date"]) == ("2025-06-10", "2025-06-12")
    assert cfg["bot"]["long"]["n_positions"] == 7  # the base config is not modified


def test_bad_scenarios_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least one scenario"):
        build_scenarios(suite_config(tmp_path, [], include_base_scenario=False))
    with pytest.raises(ConfigError, match="scenario x: backtest.start_date 2025-06-12 must be before"):
        build_scenarios(suite_config(tmp_path, [{"label": "x", "start_date": "2025-06-12", "end_date": "2025-06-10"}]))
    with pytest.raises(ConfigError, match="n_positions"):
        build_scenarios(suite_config(tmp_path, [{"label": "neg", "overrides": {"bot.long.n_positions": -1}}]))
    with pytest.raises(ConfigError, match="used twice"):
        build_scenarios(suite_config(tmp_path, [{"label": "base"}]))


def test_set_dotted_creates_sections() -> None:
    cfg: dict = {"a": {}}
    set_dotted(cfg, "a.b.c", 1)
    assert cfg == {"a": {"b": {"c": 1}}}


def test_aggregation_per_metric_family() -> None:
    per = {"s1": {"adg_usd": 0.001, "drawdown_worst_usd": 0.1}, "s2": {"adg_usd": 0.003, "drawdown_worst_usd": 0.3}}
    agg = {"default": "mean", "drawdown_worst": "max"}
    summary = summarize(per, agg, {}, "id")
    metrics = summary["suite_metrics"]["metrics"]
    assert metrics["adg_usd"]["aggregated"] == pytest.approx(0.002)
    assert metrics["drawdown_worst_usd"]["aggregated"] == 0.3  # "drawdown_worst" family → max
    assert metrics["adg_usd"]["stats"]["std"] == pytest.approx(0.001)
    assert aggregate_mode("gain_usd", agg) == "mean"
    with pytest.raises(ConfigError, match="Unsupported aggregation mode 'avg'"):
        aggregate_mode("x", {"default": "avg"})


def test_suite_cli_writes_each_scenario_and_the_summary(tmp_path: Path) -> None:
    cfg = tmp_path / "suite.json"
    window = {"start_date": "2025-06-15", "end_date": "2025-06-17"}
    cfg.write_text(
        json.dumps(
            {
                "bot": {},
                "live": {"max_warmup_minutes": 60},
                "backtest": {
                    "suite": {
                        "enabled": True,
                        "include_base_scenario": False,
                        "scenarios": [
                            {"label": "np1", "overrides": {"bot.long.n_positions": 1}, **window},
                            {"label": "majors", "coins": ["BTC", "ETH"], **window},
                        ],
                    }
                },
            }
        )
    )
    proc = subprocess.run(
        [sys.executable, str(REPO / "src" / "backtest.py"), str(cfg), "-dp", "--backtest.base_dir", str(tmp_path)],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr
    (suite_dir,) = list((tmp_path / "suite_runs" / "binance").iterdir())
    summary = json.loads((suite_dir / "suite_summary.json").read_text())
    assert summary["suite_metrics"]["scenario_labels"] == ["np1", "majors"]
    for label in ("np1", "majors"):
        assert (suite_dir / label / "analysis.json").is_file()
    assert json.loads((suite_dir / "majors" / "config.json").read_text())["live"]["approved_coins"]["long"] == [
        "BTC",
        "ETH",
    ]
    gain = summary["suite_metrics"]["metrics"]["gain_usd"]
    assert gain["aggregated"] == pytest.approx(sum(gain["scenarios"].values()) / 2)
