"""The causal SMC engine on real crypto candles (the bundled Binance sample): prefix invariance
and batch == stream as hypothesis properties, closed-bar aggregation, the compat ↔ engine FVG
cross-check, the signal's shape and argument errors."""

from functools import cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from backtesting.data import BUNDLED_SAMPLE, freqtrade_files, read_candles
from smc import causal, compat

COINS = sorted(freqtrade_files(BUNDLED_SAMPLE))
PROPERTY = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def candles(coin: str) -> pd.DataFrame:
    return read_candles(freqtrade_files(BUNDLED_SAMPLE)[coin], coin, with_open=True)


@cache
def htf(coin: str, minutes: int) -> pd.DataFrame:
    return causal.aggregate(candles(coin), minutes)


params_st = st.fixed_dictionaries(
    {
        "internal_length": st.integers(1, 6),
        "swing_length": st.integers(2, 25),
        "liquidity_length": st.integers(1, 5),
        "atr_length": st.integers(1, 30),
        "eq_tolerance_atr": st.sampled_from([0.0, 0.05, 0.1, 0.5]),
        "fvg_min_size_atr": st.sampled_from([0.0, 0.1, 0.5]),
        "ob_invalidation_close": st.booleans(),
        "ob_max_age": st.sampled_from([0, 20]),
        "fvg_max_age": st.sampled_from([0, 50]),
        "ob_volatility_filter_atr": st.sampled_from([0.0, 2.0]),
        "max_active": st.sampled_from([3, 50]),
        "sweep_min_atr": st.sampled_from([0.0, 0.1]),
    }
)


@st.composite
def windows(draw):
    coin = draw(st.sampled_from(COINS))
    minutes = draw(st.sampled_from([1, 5, 15, 60]))
    bars = htf(coin, minutes)
    n = draw(st.integers(20, min(3000, len(bars))))
    start = draw(st.integers(0, len(bars) - n))
    return bars.iloc[start : start + n].reset_index(drop=True)


def same_events(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True), check_categorical=False)


@PROPERTY
@given(bars=windows(), params=params_st, data=st.data())
def test_prefix_invariance(bars, params, data):
    """Running on any prefix never changes an earlier event: the prefix's events are exactly the
    full run's events known inside the prefix."""
    full, _ = causal.run(bars, params)
    assert (full["known"] >= full["anchor"]).all()
    assert full["known"].is_monotonic_increasing
    for t in data.draw(st.lists(st.integers(1, len(bars)), min_size=1, max_size=4)):
        prefix, _ = causal.run(bars.iloc[:t], params)
        same_events(prefix, full[full["known"] < t])


@PROPERTY
@given(bars=windows(), params=params_st, data=st.data())
def test_batch_equals_stream(bars, params, data):
    full, snap = causal.run(bars, params)
    cuts = sorted(set(data.draw(st.lists(st.integers(1, len(bars) - 1), max_size=6))))
    eng = causal.Engine(params)
    parts = [eng.feed(bars.iloc[a:b]) for a, b in zip([0, *cuts], [*cuts, len(bars)], strict=True)]
    same_events(pd.concat(parts), full)
    assert eng.snapshot() == snap


def test_bar_by_bar_update_equals_batch():
    bars = htf("ETH", 15).iloc[:400]
    full, snap = causal.run(bars)
    eng = causal.Engine()
    parts = [eng.update(r.ts, r.open, r.high, r.low, r.close, r.volume) for r in bars.itertuples()]
    streamed = pd.concat(parts).drop(columns=["available_ts"])
    same_events(streamed, full.drop(columns=["available_ts"]))
    assert eng.snapshot() == snap
    assert eng.bars == 400


@PROPERTY
@given(coin=st.sampled_from(COINS), minutes=st.sampled_from([5, 15, 60, 240]), cut=st.integers(1, 20_000))
def test_aggregate_closed_bars_only(coin, minutes, cut):
    """An HTF bar appears only once complete; its values equal pandas' resample of its minutes."""
    one = candles(coin)
    full = htf(coin, minutes)
    part = causal.aggregate(one.iloc[:cut], minutes)
    end_ms = int(one["ts"].iloc[cut - 1]) + 60_000
    pd.testing.assert_frame_equal(part, full[full["known_ts"] <= end_ms].reset_index(drop=True))
    frame = one.set_index(pd.to_datetime(one["ts"], unit="ms"))
    ref = frame.resample(f"{minutes}min").agg(
        {"open": "first", "high": "max", "low": "min", "close": "last", "volume": "sum"}
    )
    ref = ref.dropna()
    got = full.set_index(pd.to_datetime(full["ts"], unit="ms"))
    complete = got[got["minutes"] == minutes]
    cols = ["open", "high", "low", "close"]
    pd.testing.assert_frame_equal(complete[cols], ref.loc[complete.index, cols], check_names=False, check_freq=False)
    np.testing.assert_allclose(complete["volume"], ref.loc[complete.index, "volume"], rtol=1e-9)
    period_end = full["ts"] + minutes * 60_000
    assert (full["known_ts"] >= period_end).all()
    assert (complete["known_ts"] == complete["ts"] + minutes * 60_000).all()


@pytest.mark.parametrize("coin", ["BTC", "SOL"])
def test_fvg_equals_compat_one_bar_later(coin):
    """Engine FVGs (no size filter) are the compat FVGs, known at the third candle; the first
    touch is compat's MitigatedIndex."""
    bars = htf(coin, 15)
    events, _ = causal.run(bars, {"max_active": 10**9})
    want = compat.fvg(bars)
    rows = want.dropna(subset=["FVG"])
    created = events[events["kind"] == "fvg_created"]
    assert len(created) == len(rows) > 100
    np.testing.assert_array_equal(created["anchor"], rows.index)
    np.testing.assert_array_equal(created["known"], rows.index + 1)
    np.testing.assert_array_equal(created["dir"], rows["FVG"])
    np.testing.assert_array_equal(created["top"], rows["Top"])
    np.testing.assert_array_equal(created["bottom"], rows["Bottom"])
    touched = events[events["kind"] == "fvg_touched"].set_index("id")["known"]
    got = created["id"].map(touched).fillna(0).to_numpy()
    np.testing.assert_array_equal(got, rows["MitigatedIndex"])


def test_signal_shape_and_levels():
    eng = causal.Engine({"swing_length": 10})
    seen = set()
    bars = htf("BTC", 15)
    for k in range(0, len(bars), 250):
        eng.feed(bars.iloc[k : k + 250])
        sig = eng.signal("BTC", {"require_discount": False})
        assert set(sig) == {
            "action",
            "symbol",
            "entry_price",
            "confidence",
            "stop_loss",
            "take_profit",
            "setup",
            "known",
        }
        assert sig["symbol"] == "BTC" and sig["known"] == eng.bars - 1
        seen.add(sig["action"])
        if sig["action"] == "long":
            assert sig["stop_loss"] < sig["entry_price"] < sig["take_profit"]
        elif sig["action"] == "short":
            assert sig["stop_loss"] > sig["entry_price"] > sig["take_profit"]
        else:
            assert sig["entry_price"] is None and sig["confidence"] == 0
        assert 0 <= sig["confidence"] <= 1
    assert {"long", "short"} <= seen


def test_argument_errors():
    with pytest.raises(ValueError, match="unknown field"):
        causal.Engine({"swing_lenght": 5})
    with pytest.raises(ValueError, match="swing_length"):
        causal.Engine({"swing_length": 0})
    with pytest.raises(ValueError, match="unknown field"):
        causal.Engine().signal("BTC", {"rr": 2})
    eng = causal.Engine()
    eng.update(1000, 1, 2, 0.5, 1.5)
    with pytest.raises(ValueError, match="not after"):
        eng.update(1000, 1, 2, 0.5, 1.5)
    with pytest.raises(ValueError, match="divide a day"):
        causal.aggregate(candles("BTC").iloc[:10], 7)
    with pytest.raises(ValueError, match="lack"):
        causal.run(pd.DataFrame({"ts": [1], "close": [1.0]}))
