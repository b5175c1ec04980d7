"""`python src/backtest.py` end to end on the bundled sample, and its failure modes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

REPO = Path(__file__).resolve().parents[1]
BACKTEST = [sys.executable, str(REPO / "src" / "backtest.py")]


def run(args: list[str], cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(BACKTEST + args, check=False, cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def default_run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("backtests")
    proc = run(["--backtest.base_dir", str(base)])
    assert proc.returncode == 0, proc.stderr
    (out,) = list(base.glob("binance/*"))
    return out


def test_default_run_writes_analysis_fills_equity_and_report(default_run: Path) -> None:
    for name in ("analysis.json", "config.json", "fills.parquet", "fills.csv", "balance_and_equity.csv.gz"):
        assert (default_run / name).is_file(), name
    analysis = json.loads((default_run / "analysis.json").read_text())
    assert {
        "adg_usd",
        "adg_btc",
        "drawdown_worst_usd",
        "sharpe_ratio_usd",
        "loss_profit_ratio",
        "pnl_ratio_long_short",
    } <= set(analysis)
    assert analysis["drawdown_worst_usd"] is not None and 0 <= analysis["drawdown_worst_usd"] < 1
    # The template trades long only: the long side's figures are the whole run's, to the bit.
    assert analysis["loss_profit_ratio_long"] == analysis["loss_profit_ratio"]
    assert analysis["loss_profit_ratio_short"] == 1.0 and analysis["pnl_ratio_long_short"] == 1.0
    fills = pd.read_parquet(default_run / "fills.parquet")
    assert len(fills) > 50
    assert set(fills["coin"]) <= {"ADA", "BNB", "BTC", "ETH", "SOL", "XRP"}
    config = json.loads((default_run / "config.json").read_text())
    assert config["bot"]["long"]["n_positions"] == 7 and not any(k.startswith("_") for k in config)


def test_default_run_writes_plots_and_a_self_contained_report(default_run: Path) -> None:
    pngs = sorted(p.name for p in (default_run / "plots").glob("*.png"))
    assert {"balance_equity.png", "drawdown.png", "exposure.png", "pnl_by_coin.png"} <= set(pngs)
    assert sum(name.startswith("coin_") for name in pngs) == 6
    html = (default_run / "report.html").read_text()
    assert html.count("data:image/png;base64,") >= 10
    assert "http://" not in html and "https://" not in html


def test_equity_balance_column_is_the_engine_balance(default_run: Path) -> None:
    eq = pd.read_csv(default_run / "balance_and_equity.csv.gz")
    # BTC collateral (template 0.7) re-marks the balance every minute: it moves between fills
    assert eq["usd_total_balance"].nunique() > 100
    assert (eq["usd_total_equity"] > 0).all()


def test_cli_override_changes_the_run(tmp_path: Path) -> None:
    proc = run(["--backtest.base_dir", str(tmp_path), "--bot.long.n_positions", "1", "-dp"])
    assert proc.returncode == 0, proc.stderr
    (out,) = list(tmp_path.glob("binance/*"))
    config = json.loads((out / "config.json").read_text())
    assert config["bot"]["long"]["n_positions"] == 1
    # One long position at a time (the default config holds several: see below).
    assert max_long_positions_held(pd.read_parquet(out / "fills.parquet")) == 1


def test_default_run_holds_several_positions_at_once(default_run: Path) -> None:
    assert max_long_positions_held(pd.read_parquet(default_run / "fills.parquet")) > 1


def max_long_positions_held(fills: pd.DataFrame) -> int:
    """Most coins with an open long position at the same time, from each fill's position after it."""
    held: dict[str, float] = {}
    most = 0
    for _, group in fills[fills["type"].str.endswith("_long")].groupby("minute", sort=True):
        for coin, psize in zip(group["coin"], group["psize"], strict=True):
            held[coin] = psize
        most = max(most, sum(1 for size in held.values() if size != 0))
    return most


def test_bad_config_value_is_one_line_and_exit_code_2(tmp_path: Path) -> None:
    cfg = tmp_path / "bad.json"
    cfg.write_text(json.dumps({"bot": {"long": {"n_positions": -3}}, "live": {}}))
    proc = run([str(cfg), "--backtest.base_dir", str(tmp_path)])
    assert proc.returncode == 2
    assert "n_positions" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_flag_value_is_a_short_error_naming_the_flag(tmp_path: Path) -> None:
    proc = run(["--bot.long.n_positions", "abc", "--backtest.base_dir", str(tmp_path)])
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 2, proc.stderr  # a one-line usage, then the error
    assert "--bot.long.n_positions" in lines[1] and "'abc'" in lines[1]


def test_a_warm_up_longer_than_the_data_is_an_error_not_an_empty_run(tmp_path: Path) -> None:
    # The bundled sample starts 2025-05-04; the template's warm-up asks for ~34 days.
    proc = run(
        ["--backtest.start_date", "2025-05-05", "--backtest.end_date", "2025-05-09"]
        + ["--backtest.base_dir", str(tmp_path)]
    )
    assert proc.returncode == 2, proc.stderr
    assert "warm-up of" in proc.stderr and "live.max_warmup_minutes" in proc.stderr
    assert not list(tmp_path.glob("binance/*")), "no results folder for a run that cannot trade"


def test_malformed_config_names_file_and_line(tmp_path: Path) -> None:
    cfg = tmp_path / "broken.json"
    cfg.write_text('{\n  "bot": {\n    "long": {"n_positions": 3,,}\n  }\n}\n')
    proc = run([str(cfg)])
    assert proc.returncode == 2
    assert "broken.json" in proc.stderr and "line" in proc.stderr and "Traceback" not in proc.stderr


def test_bad_data_folder_is_a_clear_error(tmp_path: Path) -> None:
    proc = run(["--data", str(tmp_path / "missing"), "--backtest.base_dir", str(tmp_path)])
    assert proc.returncode == 2
    assert "missing" in proc.stderr and "does not exist" in proc.stderr and "Traceback" not in proc.stderr
