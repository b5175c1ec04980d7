"""EMAs of candle metrics for the live bot, computed by the Rust core (`passivbot_rust`) with the
backtester's exact rule: seeded from the first candle of the window, alpha = 2/(span+1).

Window (warm-up) sizing is the backtester's: `config.warmup_minutes(config, include_bounds=False)`
= ceil(largest span × live.warmup_ratio), capped by live.max_warmup_minutes. A live EMA over the
window ending now equals the backtest's EMA for a coin whose data starts at the window's start.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

METRICS = ("close", "volume", "quote_volume", "log_range")


def _cols(df: pd.DataFrame) -> tuple[np.ndarray, ...]:
    return tuple(np.ascontiguousarray(df[c].to_numpy(dtype=np.float64)) for c in ("high", "low", "close", "volume"))


def ema_last(df: pd.DataFrame, metric: str, span: float) -> float:
    """EMA of `metric` (close, volume, quote_volume, log_range) after the last candle of `df`."""
    import passivbot_rust as pbr

    return float(pbr.candle_ema_last(*_cols(df), metric, float(span)))


def ema_series(df: pd.DataFrame, metric: str, span: float) -> np.ndarray:
    """EMA of `metric` after each candle of `df`."""
    import passivbot_rust as pbr

    return pbr.candle_ema_series(*_cols(df), metric, float(span))
