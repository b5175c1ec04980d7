"""Candle sanity checks applied on every ingest (freqtrade files, archives, exchange pages, cache
shards). One place for the rule; messages name the symbol, the UTC time and the source.

A candle is accepted when its open time is on a minute boundary, strictly after the previous one,
all values are finite, `high >= low`, open and close lie within `[low, high]`, volume >= 0.
"""

from __future__ import annotations

import numpy as np

from .errors import DataError
from .timeutil import MINUTE_MS, utc


def check_timestamps(ts: np.ndarray, symbol: str, source: str) -> None:
    if len(ts) == 0:
        raise DataError(f"{symbol}: {source} has no candles")
    steps = np.diff(ts)
    if (steps <= 0).any():
        k = int(np.argmax(steps <= 0)) + 1
        kind = "duplicated" if steps[k - 1] == 0 else "out of order"
        raise DataError(f"{symbol}: timestamp {utc(int(ts[k]))} is {kind} in {source}")
    off = ts % MINUTE_MS != 0
    if off.any():
        k = int(np.argmax(off))
        raise DataError(f"{symbol}: timestamp {int(ts[k])} ms is not on a minute boundary in {source}")


def bad_candle_mask(
    high: np.ndarray, low: np.ndarray, close: np.ndarray, volume: np.ndarray, open_: np.ndarray | None = None
) -> np.ndarray:
    """True where a candle breaks the rule above (NaN comparisons count as bad)."""
    ok = np.isfinite(high) & np.isfinite(low) & np.isfinite(close) & np.isfinite(volume)
    ok &= (high >= low) & (close >= low) & (close <= high) & (volume >= 0)
    if open_ is not None:
        ok &= np.isfinite(open_) & (open_ >= low) & (open_ <= high)
    return ~ok


def check_candles(
    ts: np.ndarray,
    high: np.ndarray,
    low: np.ndarray,
    close: np.ndarray,
    volume: np.ndarray,
    open_: np.ndarray | None = None,
    *,
    symbol: str,
    source: str,
) -> None:
    """Raise `DataError` naming the first bad timestamp or candle."""
    check_timestamps(ts, symbol, source)
    bad = bad_candle_mask(high, low, close, volume, open_)
    if bad.any():
        k = int(np.argmax(bad))
        o = f"open={open_[k]} " if open_ is not None else ""
        raise DataError(
            f"{symbol}: bad candle at {utc(int(ts[k]))} in {source}: {o}high={high[k]} low={low[k]} "
            f"close={close[k]} volume={volume[k]} "
            "(needs finite values, high >= low, open and close within [low, high], volume >= 0)"
        )


def check_frame(df, symbol: str, source: str) -> None:
    """`check_candles` on a frame with columns ts, [open,] high, low, close, volume."""
    check_candles(
        df["ts"].to_numpy(),
        df["high"].to_numpy(),
        df["low"].to_numpy(),
        df["close"].to_numpy(),
        df["volume"].to_numpy(),
        df["open"].to_numpy() if "open" in df else None,
        symbol=symbol,
        source=source,
    )
