"""A finished backtest in memory: fills, equity, prices and metrics as pandas objects, ready for
the summary, the output files, the plots and the report."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from backtesting.data import Dataset
from config.optimize_keys import SHARED_METRICS  # metrics reported once, without _usd/_btc

FILL_COLUMNS = [
    "minute",
    "timestamp",
    "coin",
    "pnl",
    "fee_paid",
    "usd_total_balance",
    "btc_cash_wallet",
    "usd_cash_wallet",
    "btc_price",
    "qty",
    "price",
    "psize",
    "pprice",
    "type",
    "wallet_exposure",
    "twe_long",
    "twe_short",
    "twe_net",
]

PER_EXPOSURE_METRICS = ("adg", "adg_w", "mdg", "mdg_w", "gain")


@dataclass
class BacktestResult:
    config: dict[str, Any]
    exchange: str
    coins: list[str]
    fills: pd.DataFrame  # FILL_COLUMNS; `timestamp` is a UTC datetime
    equity: pd.DataFrame  # UTC datetime index; usd_total_equity, btc_total_equity, usd_total_balance
    prices: pd.DataFrame  # UTC datetime index; one close column per coin
    analysis: dict[str, float | None]
    first_trade_time: pd.Timestamp | None = None
    notes: list[str] = field(default_factory=list)


def fills_frame(fills: np.ndarray | None) -> pd.DataFrame:
    if fills is None or len(fills) == 0:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in FILL_COLUMNS})
    df = pd.DataFrame(list(fills), columns=FILL_COLUMNS)
    df["minute"] = df["minute"].astype(np.int64)
    df["timestamp"] = pd.to_datetime(df["timestamp"].astype(np.int64), unit="ms", utc=True)
    for c in FILL_COLUMNS:
        if c not in ("minute", "timestamp", "coin", "type"):
            df[c] = df[c].astype(np.float64)
    return df


def equity_frame(equities: np.ndarray) -> pd.DataFrame:
    """Per-minute equity (USD, BTC) and balance, as the engine recorded them."""
    index = pd.to_datetime(equities[:, 0].astype(np.int64), unit="ms", utc=True)
    return pd.DataFrame(
        {"usd_total_equity": equities[:, 1], "btc_total_equity": equities[:, 2], "usd_total_balance": equities[:, 3]},
        index=index,
    )


def prices_frame(dataset: Dataset, every_minutes: int = 5) -> pd.DataFrame:
    index = pd.to_datetime(dataset.timestamps[::every_minutes], unit="ms", utc=True)
    closes = dataset.hlcvs[::every_minutes, :, 2]
    return pd.DataFrame(closes, index=index, columns=dataset.coins)


def _finite_or_none(v: Any) -> float | None:
    if v is None:
        return None
    v = float(v)
    return v if math.isfinite(v) else None


def expand_analysis(
    analysis_usd: dict[str, float | None],
    analysis_btc: dict[str, float | None],
    twel_long: float,
    twel_short: float,
    side_ratios: dict[str, float | None],
) -> dict[str, float | None]:
    """Shared metrics once, the others with `_usd` and `_btc`, plus per-exposure returns and the
    per-side loss/profit ratios (reference `expand_analysis` layout)."""
    out: dict[str, float | None] = {}
    for key in sorted(analysis_usd):
        if key in SHARED_METRICS:
            out[key] = _finite_or_none(analysis_usd[key])
            continue
        for suffix, source in (("usd", analysis_usd), ("btc", analysis_btc)):
            value = _finite_or_none(source.get(key))
            out[f"{key}_{suffix}"] = value
            if key in PER_EXPOSURE_METRICS:
                for side, twel in (("long", twel_long), ("short", twel_short)):
                    per = None if value is None else (value / twel if twel > 0 else 0.0)
                    out[f"{key}_per_exposure_{side}_{suffix}"] = per
    out.update({k: _finite_or_none(v) for k, v in side_ratios.items()})
    return dict(sorted(out.items()))
