"""The SMC gate on initial entries in backtests: entries only after the confirming HTF bar has
closed, and a gated run differs from an ungated one."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import passivbot_rust as pbr

from backtesting.data import BUNDLED_SAMPLE, freqtrade_files, read_candles
from config import bot_params_for_coin, load
from smc import causal

REPO = Path(__file__).resolve().parents[1]
MINUTES = 4 * 1440


def btc_minutes() -> pd.DataFrame:
    df = read_candles(freqtrade_files(BUNDLED_SAMPLE)["BTC"], "BTC").iloc[:MINUTES].reset_index(drop=True)
    # the engine's array has no opens: it takes the previous minute's close, so does this test
    df["open"] = df["close"].shift(1).fillna(df["close"])
    return df


def run(df: pd.DataFrame, smc: dict | None) -> list:
    cfg = load()
    bot = bot_params_for_coin(cfg, "BTC")
    hlcvs = np.ascontiguousarray(df[["high", "low", "close", "volume"]].to_numpy()[:, None, :])
    params = {
        "starting_balance": 10_000.0,
        "maker_fee": 0.0002,
        "coins": ["BTC"],
        "first_timestamp_ms": int(df["ts"].iloc[0]),
        "first_valid_indices": [0],
        "last_valid_indices": [len(df) - 1],
        "warmup_minutes": [0],
        "global_warmup_bars": 60,
    }
    if smc:
        params["smc"] = smc
    ex = {"qty_step": 0.001, "price_step": 0.1, "min_qty": 0.001, "min_cost": 100.0, "c_mult": 1.0}
    fills, _, _, _ = pbr.run_backtest(hlcvs, df["close"].to_numpy(), [bot], [ex], params)
    return list(fills)


def test_first_entry_only_after_the_first_bullish_break_is_known() -> None:
    df = btc_minutes()
    smc = {
        "timeframe_minutes": 15,
        "engine": {"internal_length": 3, "swing_length": 10},
        "gate": {"trend": "either", "location": False},
    }
    htf = causal.aggregate(df[["ts", "open", "high", "low", "close", "volume"]], 15)
    events, _ = causal.run(htf, smc["engine"])
    available = htf["known_ts"].to_numpy()[events["known"].to_numpy()]
    bullish = (events["kind"].isin(["bos", "choch"])) & (events["dir"] == 1)
    first_bullish_ms = int(available[bullish.to_numpy()].min())

    gated = [f for f in run(df, smc) if f[13] == "entry_initial_normal_long"]
    ungated = [f for f in run(df, None) if f[13] == "entry_initial_normal_long"]
    assert gated and ungated
    # an order placed when the break became known fills one minute later at the earliest
    assert min(f[1] for f in gated) >= first_bullish_ms
    assert min(f[1] for f in ungated) < first_bullish_ms  # the gate really held entries back


def test_cli_run_with_the_gate_differs_from_one_without(tmp_path: Path) -> None:
    common = ["-dp", "--live.max_warmup_minutes", "600", "--backtest.start_date", "2025-06-10"]
    outs = {}
    for name, extra in (("off", []), ("on", ["--smc.enabled", "y", "--smc.timeframe_minutes", "60"])):
        base = tmp_path / name
        proc = subprocess.run(
            [sys.executable, str(REPO / "src" / "backtest.py"), *common, *extra, "--backtest.base_dir", str(base)],
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr
        (outs[name],) = list(base.glob("binance/*"))
    fills = {k: pd.read_parquet(v / "fills.parquet") for k, v in outs.items()}
    assert len(fills["on"]) != len(fills["off"])
    assert json.loads((outs["on"] / "config.json").read_text())["smc"]["enabled"] is True


def test_bad_gate_settings_are_refused_by_name(tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, str(REPO / "src" / "backtest.py"), "--smc.gate.trend", "sideways", "-dp"],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2
    assert "smc.gate.trend" in proc.stderr and "Traceback" not in proc.stderr
