"""The causal SMC engine (Rust `crate::smc::engine`) for Python: feed closed bars, get events that
each carry the bar at whose close they became known, read the state, ask for a trade signal.

    from smc import causal
    htf = causal.aggregate(candles_1m, minutes=15)      # closed 15m bars + when each was known
    events, snapshot = causal.run(htf)                    # batch == streaming
    eng = causal.Engine(); eng.feed(htf.iloc[:100]); eng.update(...); eng.signal("BTC")

Event columns: kind, dir, scale, id, ref_id, anchor, known (bar indices), level, top, bottom,
volume, plus anchor_ts/known_ts (bar open times, ms) and, when the bars came from `aggregate`,
available_ts (the time from which the event may be acted on). See docs/ai/smc.md.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import passivbot_rust as pbr

EVENT_KINDS, SCALES = (list(x) for x in pbr.smc_event_names())
EVENT_COLUMNS = ["kind", "dir", "scale", "id", "ref_id", "anchor", "known", "level", "top", "bottom", "volume"]
BAR_COLUMNS = ["open", "high", "low", "close"]


def _bar_arrays(bars: pd.DataFrame) -> tuple[np.ndarray, ...]:
    """(ts ms, open, high, low, close, volume) from a frame with a `ts` column (int ms) or a
    DatetimeIndex; column names are case-insensitive, volume optional."""
    df = bars.rename(columns={c: c.lower() for c in bars.columns if isinstance(c, str)})
    missing = [c for c in BAR_COLUMNS if c not in df.columns]
    if missing:
        raise ValueError(f"bars lack column(s) {missing}; need {BAR_COLUMNS} (+ volume, ts)")
    if "ts" in df.columns:
        ts = df["ts"].to_numpy(dtype=np.int64)
    elif isinstance(df.index, pd.DatetimeIndex):
        idx = df.index.tz_convert("UTC") if df.index.tz is not None else df.index
        ts = idx.as_unit("ms").asi8
    else:
        raise ValueError("bars need a 'ts' column (int ms) or a DatetimeIndex")

    def col(name: str) -> np.ndarray:
        if name not in df.columns:
            return np.zeros(len(df))
        return np.ascontiguousarray(df[name].to_numpy(dtype=np.float64))

    return (np.ascontiguousarray(ts), col("open"), col("high"), col("low"), col("close"), col("volume"))


def events_frame(
    cols: dict[str, np.ndarray], bar_ts: np.ndarray | None = None, available_ts: np.ndarray | None = None
) -> pd.DataFrame:
    """Event columns from the binding as a DataFrame with named kinds/scales and timestamps."""
    df = pd.DataFrame({c: cols[c] for c in EVENT_COLUMNS})
    df["kind"] = pd.Categorical.from_codes(df["kind"].astype(np.int64), categories=EVENT_KINDS)
    df["scale"] = pd.Categorical.from_codes(df["scale"].astype(np.int64), categories=SCALES)
    if bar_ts is not None:
        df["anchor_ts"] = bar_ts[df["anchor"].to_numpy()]
        df["known_ts"] = bar_ts[df["known"].to_numpy()]
        if available_ts is not None:
            df["available_ts"] = available_ts[df["known"].to_numpy()]
    return df


class Engine:
    """Streaming engine; `feed` (many bars) and `update` (one bar) may be mixed freely."""

    def __init__(self, params: dict[str, Any] | None = None):
        self._engine = pbr.SmcEngine(params)
        self._ts: list[np.ndarray] = []
        self._available: list[np.ndarray] = []

    @property
    def bars(self) -> int:
        return self._engine.bars

    @property
    def params(self) -> dict[str, Any]:
        return self._engine.params()

    def _times(self) -> tuple[np.ndarray, np.ndarray]:
        if len(self._ts) > 1:
            self._ts = [np.concatenate(self._ts)]
            self._available = [np.concatenate(self._available)]
        return self._ts[0], self._available[0]

    def feed(self, bars: pd.DataFrame) -> pd.DataFrame:
        """Process the bars in order; returns the events they produced."""
        ts, o, h, low, c, v = _bar_arrays(bars)
        cols = self._engine.feed(ts, o, h, low, c, v)
        available = bars["known_ts"].to_numpy(dtype=np.int64) if "known_ts" in bars.columns else ts
        self._ts.append(ts)
        self._available.append(available)
        all_ts, all_av = self._times()
        return events_frame(cols, all_ts, all_av)

    def update(self, ts: int, open: float, high: float, low: float, close: float, volume: float = 0.0) -> pd.DataFrame:
        cols = self._engine.update(int(ts), float(open), float(high), float(low), float(close), float(volume))
        self._ts.append(np.array([ts], dtype=np.int64))
        self._available.append(np.array([ts], dtype=np.int64))
        all_ts, all_av = self._times()
        return events_frame(cols, all_ts, all_av)

    def snapshot(self) -> dict[str, Any]:
        """Trends, last pivots/breaks, zone, live OBs/FVGs/pools, last sweeps, previous
        day/week levels (None where not yet defined)."""
        return self._engine.snapshot()

    def signal(self, symbol: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        """`{action, symbol, entry_price, confidence, stop_loss, take_profit, setup, known}`."""
        return self._engine.signal(symbol, params)


def run(bars: pd.DataFrame, params: dict[str, Any] | None = None) -> tuple[pd.DataFrame, dict[str, Any]]:
    """Batch: a fresh engine over `bars`; returns (events, final snapshot)."""
    eng = Engine(params)
    events = eng.feed(bars)
    return events, eng.snapshot()


def aggregate(candles: pd.DataFrame, minutes: int) -> pd.DataFrame:
    """Closed `minutes` bars from 1m candles (`ts` ms or DatetimeIndex, open/high/low/close/
    volume): columns ts (period start), open, high, low, close, volume, known_ts (when the bar
    was complete: close of its last 1m candle), minutes (1m candles used). A trailing partial
    period is left out."""
    ts, o, h, low, c, v = _bar_arrays(candles)
    return pd.DataFrame(pbr.smc_aggregate(ts, o, h, low, c, v, int(minutes)))
