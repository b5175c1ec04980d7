"""`smc.compat` against the 11 oracle files of the `smartmoneyconcepts` 0.0.27 library, with the
library's own comparison (`assert_frame_equal(..., check_dtype=False)`), plus the spec's
hand-worked micro-fixtures and argument errors."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from smc import compat

ORACLE = Path(__file__).parent / "fixtures" / "smc"


@pytest.fixture(scope="module")
def eurusd() -> pd.DataFrame:
    df = pd.read_csv(ORACLE / "EURUSD_15M.csv.gz")
    df = df.set_index("Date")
    df.index = pd.to_datetime(df.index, format="%Y.%m.%d %H:%M:%S")
    return df


@pytest.fixture(scope="module")
def swings5(eurusd) -> pd.DataFrame:
    return compat.swing_highs_lows(eurusd, swing_length=5)


def expected(name: str) -> pd.DataFrame:
    return pd.read_csv(ORACLE / f"{name}.csv.gz")


def test_fvg(eurusd):
    pd.testing.assert_frame_equal(compat.fvg(eurusd), expected("fvg_result_data"), check_dtype=False)


def test_fvg_consecutive(eurusd):
    result = compat.fvg(eurusd, join_consecutive=True)
    pd.testing.assert_frame_equal(result, expected("fvg_consecutive_result_data"), check_dtype=False)


def test_swing_highs_lows(swings5):
    pd.testing.assert_frame_equal(swings5, expected("swing_highs_lows_result_data"), check_dtype=False)


def test_bos_choch(eurusd, swings5):
    result = compat.bos_choch(eurusd, swings5)
    pd.testing.assert_frame_equal(result, expected("bos_choch_result_data"), check_dtype=False)


def test_ob(eurusd, swings5):
    pd.testing.assert_frame_equal(compat.ob(eurusd, swings5), expected("ob_result_data"), check_dtype=False)


def test_liquidity(eurusd, swings5):
    result = compat.liquidity(eurusd, swings5)
    pd.testing.assert_frame_equal(result, expected("liquidity_result_data"), check_dtype=False)


@pytest.mark.parametrize("time_frame", ["4h", "1D", "W"])
def test_previous_high_low(eurusd, time_frame):
    result = compat.previous_high_low(eurusd, time_frame=time_frame)
    want = expected(f"previous_high_low_result_data_{time_frame}")
    pd.testing.assert_frame_equal(result, want, check_dtype=False)


def test_sessions(eurusd):
    result = compat.sessions(eurusd, session="London")
    pd.testing.assert_frame_equal(result, expected("sessions_result_data"), check_dtype=False)


def test_retracements(eurusd, swings5):
    result = compat.retracements(eurusd, swings5)
    pd.testing.assert_frame_equal(result, expected("retracements_result_data"), check_dtype=False)


def test_ob_early_data():
    """The library's 3-bar smoke test, with the values the library returns (spec §1.5)."""
    df = pd.DataFrame(
        {
            "open": [1.0, 1.1, 1.2],
            "high": [1.05, 1.15, 1.25],
            "low": [0.95, 1.05, 1.15],
            "close": [1.02, 1.14, 1.24],
            "volume": [5, 6, 7],
        }
    )
    swings = compat.swing_highs_lows(df, swing_length=1)
    assert swings["HighLow"].tolist() == [1.0, -1.0, 1.0]
    result = compat.ob(df, swings)
    assert len(result) == 3
    row = result.iloc[0]
    # Swapped bounds (Top < Bottom) and the missing bar i-2 counting as volume 0.
    assert row["OB"] == 1 and row["Top"] == np.float32(0.95) and row["Bottom"] == np.float32(1.05)
    assert row["OBVolume"] == 11 and row["MitigatedIndex"] == 0 and row["Percentage"] == 0
    assert result["OB"].iloc[1:].isna().all()


FIXTURE_C_HIGHS = [10, 11, 12, 11, 10, 11, 13, 12, 11, 12, 14, 13, 12, 11, 10, 9, 10, 11, 10, 9, 8, 9, 8, 7]


def fixture_c(volume) -> pd.DataFrame:
    high = np.array(FIXTURE_C_HIGHS, dtype=float)
    return pd.DataFrame({"open": high - 0.8, "high": high, "low": high - 1, "close": high - 0.2, "volume": volume})


def test_fixture_c_structure_and_order_blocks():
    df = fixture_c(10.0)
    swings = compat.swing_highs_lows(df, swing_length=1)
    bc = compat.bos_choch(df, swings)
    rows = bc.dropna(subset=["Level"])
    got = [(i, r.BOS, r.CHOCH, r.Level, r.BrokenIndex) for i, r in rows.iterrows()]
    nan = np.nan
    want = [(2, nan, 1, 12, 6), (6, 1, nan, 13, 10), (8, nan, -1, 10, 14), (15, -1, nan, 8, 20), (20, -1, nan, 7, 23)]
    assert len(got) == len(want)
    for g, w in zip(got, want, strict=True):
        np.testing.assert_equal(np.array(g, dtype=float), np.array(w, dtype=float))
    obs = compat.ob(df, swings).dropna(subset=["OB"])
    assert obs.index.tolist() == [8, 10, 17, 21]
    assert obs["OB"].tolist() == [1, -1, -1, -1]
    assert obs["Top"].tolist() == [11, 14, 11, 9]
    assert obs["Bottom"].tolist() == [10, 13, 10, 8]
    assert obs["MitigatedIndex"].tolist() == [13, 0, 0, 0]
    assert obs["OBVolume"].tolist() == [30, 30, 30, 30]
    assert obs["Percentage"].tolist() == [50, 50, 50, 50]


def test_order_block_volume_arithmetic():
    """OBVolume = v[i] + v[i-1] + v[i-2] of the *breaking* bar i; Percentage = 100·min(A,B)/max(A,B)
    with A = v[i] + v[i-1], B = v[i-2] (hand-worked; the oracle's volume is all zeros)."""
    volume = np.arange(1.0, len(FIXTURE_C_HIGHS) + 1) * 10  # v[k] = 10·(k+1)
    df = fixture_c(volume)
    swings = compat.swing_highs_lows(df, swing_length=1)
    obs = compat.ob(df, swings).dropna(subset=["OB"])
    # Swing highs 0, 2, 6, 10, 17, 21; lows 1, 4, 8, 15, 20, 23. Breaking bars: bar 10 closes
    # 13.8 above the high 13 @6 (OB candle 8 = lowest low of 7..9); bar 14 closes 9.8 below the
    # low 10 @8 (OB 10 = highest high of 9..13); bar 20 closes 7.8 below 8 @15 (OB 17); bar 23
    # closes 6.8 below 7 @20 (OB 21).
    breaking = {8: 10, 10: 14, 17: 20, 21: 23}
    for row, i in breaking.items():
        v = volume.__getitem__
        a, b = v(i) + v(i - 1), v(i - 2)
        assert obs.loc[row, "OBVolume"] == pytest.approx(v(i) + v(i - 1) + v(i - 2))
        assert obs.loc[row, "Percentage"] == pytest.approx(100 * min(a, b) / max(a, b), rel=1e-6)


def test_argument_errors(eurusd):
    with pytest.raises(ValueError, match="open"):
        compat.fvg(eurusd.drop(columns=["Open"]))
    with pytest.raises(ValueError, match="volume"):
        compat.ob(eurusd.drop(columns=["Volume"]), compat.swing_highs_lows(eurusd, 5))
    with pytest.raises(ValueError, match="time_frame"):
        compat.previous_high_low(eurusd, time_frame="1H")
    with pytest.raises(ValueError, match="session"):
        compat.sessions(eurusd, session="Paris")
    with pytest.raises(ValueError, match="Custom"):
        compat.sessions(eurusd, session="Custom", start_time="07:00")


def test_library_namespace(eurusd):
    pd.testing.assert_frame_equal(compat.smc.fvg(eurusd.iloc[:500]), compat.fvg(eurusd.iloc[:500]))
