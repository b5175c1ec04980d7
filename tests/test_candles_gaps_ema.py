"""Gap standardisation (reference §4.6) through `get_candles`, and the live EMAs computed by Rust
with the backtester's rule."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import passivbot_rust as pbr
import pytest
from candles_testutil import ms, sample_candles

from candles import CandlestickManager
from candles.gaps import missing_spans, standardize, subtract_spans
from candles.store import COLUMNS

T0 = ms("2025-05-10 00:00")
M = 60_000
NOW = ms("2025-07-01")


def candles(minutes: list[int], closes: list[float]) -> pd.DataFrame:
    c = np.asarray(closes, dtype=float)
    return pd.DataFrame(
        {
            "ts": T0 + M * np.asarray(minutes, dtype=np.int64),
            "open": c,
            "high": c + 1,
            "low": c - 1,
            "close": c,
            "volume": c / 10,
        }
    )


@pytest.fixture
def cm(tmp_path: Path) -> CandlestickManager:
    m = CandlestickManager("binanceusdm", tmp_path)
    m.add_candles("ETH", candles([2, 3, 6, 7], [10, 11, 12, 13]), "test")
    return m


def test_inner_gaps_are_flat_at_the_previous_close_with_zero_volume(cm: CandlestickManager) -> None:
    df = cm.get_candles("ETH", T0 + 2 * M, T0 + 7 * M, now_ms=NOW)
    assert list(df["ts"]) == [T0 + k * M for k in range(2, 8)]
    assert list(df["close"]) == [10, 11, 11, 11, 12, 13]
    row = df.iloc[2]
    assert row["open"] == row["high"] == row["low"] == row["close"] == 11 and row["volume"] == 0
    assert df.attrs["gaps"] == [(T0 + 4 * M, T0 + 5 * M)]
    assert cm.gap_summary("ETH")["synthesised"] == [(T0 + 4 * M, T0 + 5 * M)]


def test_leading_minutes_are_not_invented_unless_asked(cm: CandlestickManager) -> None:
    df = cm.get_candles("ETH", T0, T0 + 3 * M, now_ms=NOW)
    assert list(df["ts"]) == [T0 + 2 * M, T0 + 3 * M] and df.attrs["gaps"] == []
    filled = cm.get_candles("ETH", T0, T0 + 3 * M, fill_leading_gaps=True, now_ms=NOW)
    assert list(filled["close"]) == [10, 10, 10, 11] and list(filled["volume"][:2]) == [0, 0]
    assert filled.attrs["gaps"] == [(T0, T0 + M)]


def test_a_real_candle_before_the_range_seeds_the_leading_minutes(cm: CandlestickManager) -> None:
    df = cm.get_candles("ETH", T0 + 4 * M, T0 + 6 * M, now_ms=NOW)
    assert list(df["ts"]) == [T0 + 4 * M, T0 + 5 * M, T0 + 6 * M]
    assert list(df["close"]) == [11, 11, 12] and df.attrs["gaps"] == [(T0 + 4 * M, T0 + 5 * M)]


def test_strict_returns_real_candles_and_lists_holes(cm: CandlestickManager) -> None:
    df = cm.get_candles("ETH", T0, T0 + 9 * M, strict=True, now_ms=NOW)
    assert list(df["close"]) == [10, 11, 12, 13]
    assert df.attrs["gaps"] == [(T0 + 4 * M, T0 + 5 * M), (T0 + 8 * M, T0 + 9 * M)]


def test_end_is_clamped_to_the_last_closed_minute(cm: CandlestickManager) -> None:
    now = T0 + 7 * M + 30_000  # minute 7 still in progress
    df = cm.get_candles("ETH", T0 + 2 * M, T0 + 20 * M, now_ms=now)
    assert int(df["ts"].iloc[-1]) == T0 + 6 * M
    df = cm.get_candles("ETH", end_ts=T0 + 7 * M, now_ms=NOW)  # default window: 100 candles
    assert int(df["ts"].iloc[0]) == T0 + 2 * M and len(df) == 6


def test_span_helpers() -> None:
    ts = T0 + M * np.array([1, 2, 5])
    assert missing_spans(ts, T0, T0 + 6 * M) == [(T0, T0), (T0 + 3 * M, T0 + 4 * M), (T0 + 6 * M, T0 + 6 * M)]
    assert subtract_spans([(T0, T0 + 9 * M)], [(T0 + 2 * M, T0 + 3 * M)]) == [(T0, T0 + M), (T0 + 4 * M, T0 + 9 * M)]
    out, gaps = standardize(candles([], []), T0, T0 + M, prev_close=5.0)
    assert list(out["close"]) == [5, 5] and list(out["volume"]) == [0, 0] and gaps == [(T0, T0 + M)]


def reference_ema(xs: np.ndarray, span: float, seed: float) -> float:
    """The backtester's recursion (backtest/ema.rs), written out for the test only."""
    a = 2.0 / (span + 1.0)
    v = seed
    for x in xs:
        if np.isfinite(x):
            v = a * x + (1.0 - a) * v
    return v


def test_live_emas_follow_the_backtester_rule(tmp_path: Path) -> None:
    src = sample_candles("BTC").iloc[:2000]
    cm = CandlestickManager("binanceusdm", tmp_path)
    cm.add_candles("BTC", src, "test")
    end = int(src["ts"].iloc[-1])
    window = 500
    got = cm.get_latest_ema_metrics(
        "BTC",
        {"close": 100.0, "volume": 50.0, "quote_volume": 300.0, "log_range": 1000.0},
        window,
        end_ts=end,
        now_ms=NOW,
    )
    w = src.iloc[-window:]
    h, low, c, v = (w[k].to_numpy() for k in ("high", "low", "close", "volume"))
    qv = v * ((h + low + c) / 3.0)
    assert got["close"] == pytest.approx(reference_ema(c, 100.0, c[0]), rel=1e-12)
    assert got["volume"] == pytest.approx(reference_ema(v, 50.0, v[0]), rel=1e-12)
    assert got["quote_volume"] == pytest.approx(reference_ema(qv, 300.0, qv[0]), rel=1e-12)
    assert got["log_range"] == pytest.approx(reference_ema(np.log(h / low), 1000.0, 0.0), rel=1e-12)
    series = cm.get_ema_series("BTC", "close", 100.0, int(w["ts"].iloc[0]), end, now_ms=NOW)
    assert series["ema"].iloc[-1] == got["close"] and len(series) == window


def test_ema_bindings_check_their_arguments() -> None:
    x = np.array([1.0, 2.0, 3.0])
    assert pbr.ema_last(x, 3.0) == pbr.ema_series(x, 3.0)[-1] == 2.25  # seed 1, alpha 0.5: 1, 1.5, 2.25
    with pytest.raises(ValueError, match="span must be finite and > 0"):
        pbr.ema_last(x, 0.0)
    with pytest.raises(ValueError, match="unknown EMA metric"):
        pbr.candle_ema_last(x, x, x, x, "vwap", 3.0)
    with pytest.raises(ValueError, match="differ in length"):
        pbr.candle_ema_last(x, x[:2], x, x, "close", 3.0)
    assert list(COLUMNS) == ["ts", "open", "high", "low", "close", "volume"]
