"""Candle loading and alignment for backtests: gap policy and bad-data rejection."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pyarrow import feather

from backtesting.data import (
    BUNDLED_SAMPLE,
    DataError,
    build_dataset,
    load_from_folder,
    read_candles,
)

T0 = 1_746_000_000_000 - 1_746_000_000_000 % 60_000


def write_coin(folder: Path, coin: str, ts_ms: list[int], rows: list[tuple[float, float, float, float]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    h, low, c, v = (list(x) for x in zip(*rows, strict=True))
    table = pa.table(
        {
            "date": pa.array(pd.to_datetime(ts_ms, unit="ms", utc=True)),
            "open": c,
            "high": h,
            "low": low,
            "close": c,
            "volume": v,
        }
    )
    path = folder / f"{coin}_USDT_USDT-1m-futures.feather"
    feather.write_feather(table, path)
    return path


def test_gap_inside_range_becomes_flat_candles_at_previous_close(tmp_path: Path) -> None:
    ts = [T0, T0 + 60_000, T0 + 4 * 60_000]  # minutes 2 and 3 missing
    write_coin(tmp_path, "BTC", ts, [(11, 9, 10, 5), (12, 10, 11, 6), (13, 11, 12, 7)])
    ds = load_from_folder(tmp_path, ["BTC"], T0, T0 + 10 * 60_000, gap_tolerance_minutes=120)
    assert ds.hlcvs.shape == (5, 1, 4)
    np.testing.assert_array_equal(ds.hlcvs[2, 0], [11, 11, 11, 0])
    np.testing.assert_array_equal(ds.hlcvs[3, 0], [11, 11, 11, 0])
    assert ds.synthetic_minutes == {"BTC": 2}
    np.testing.assert_array_equal(ds.btc_usd, [10, 11, 11, 11, 12])


def test_coins_starting_late_are_nan_before_their_first_candle(tmp_path: Path) -> None:
    write_coin(tmp_path, "BTC", [T0 + 60_000 * i for i in range(4)], [(2, 1, 1.5, 1)] * 4)
    write_coin(tmp_path, "ADA", [T0 + 60_000 * i for i in range(2, 4)], [(0.5, 0.4, 0.45, 1)] * 2)
    ds = load_from_folder(tmp_path, ["ADA", "BTC"], T0, T0 + 3 * 60_000, 120)
    assert ds.coins == ["ADA", "BTC"]
    assert ds.first_valid == [2, 0] and ds.last_valid == [3, 3]
    assert np.isnan(ds.hlcvs[:2, 0]).all() and not np.isnan(ds.hlcvs[2:, 0]).any()


def test_coin_with_a_gap_beyond_tolerance_is_dropped(tmp_path: Path) -> None:
    write_coin(tmp_path, "BTC", [T0 + 60_000 * i for i in range(10)], [(2, 1, 1.5, 1)] * 10)
    write_coin(tmp_path, "ADA", [T0, T0 + 60_000 * 9], [(0.5, 0.4, 0.45, 1)] * 2)
    ds = load_from_folder(tmp_path, ["ADA", "BTC"], T0, T0 + 9 * 60_000, gap_tolerance_minutes=5)
    assert ds.coins == ["BTC"]
    assert "gap of 8 minutes" in ds.dropped["ADA"]


def test_traded_btc_dropped_for_a_gap_still_gives_the_btc_usd_series(tmp_path: Path) -> None:
    # BTC: minutes 0, 1, then 9 (a 7-minute gap > tolerance 5); ETH complete.
    write_coin(tmp_path, "BTC", [T0, T0 + 60_000, T0 + 9 * 60_000], [(2, 1, 1.5, 1), (3, 2, 2.5, 1), (4, 3, 3.5, 1)])
    write_coin(tmp_path, "ETH", [T0 + 60_000 * i for i in range(10)], [(0.5, 0.4, 0.45, 1)] * 10)
    ds = load_from_folder(tmp_path, ["BTC", "ETH"], T0, T0 + 9 * 60_000, gap_tolerance_minutes=5)
    assert ds.coins == ["ETH"] and "gap of 7 minutes" in ds.dropped["BTC"]
    # BTC's closes, forward-filled over the gap.
    np.testing.assert_array_equal(ds.btc_usd, [1.5] + [2.5] * 8 + [3.5])


def test_files_of_multiplied_contracts_are_found_under_the_config_coin(tmp_path: Path) -> None:
    """Binance lists PEPE as 1000PEPEUSDT; configs name it PEPE (python spec §3.12)."""
    write_coin(tmp_path, "BTC", [T0 + 60_000 * i for i in range(3)], [(2, 1, 1.5, 1)] * 3)
    write_coin(tmp_path, "1000PEPE", [T0 + 60_000 * i for i in range(3)], [(0.02, 0.01, 0.015, 1)] * 3)
    ds = load_from_folder(tmp_path, ["PEPE"], T0, T0 + 2 * 60_000, 120)
    assert ds.coins == ["PEPE"]
    np.testing.assert_array_equal(ds.hlcvs[:, 0, 2], [0.015] * 3)


@pytest.mark.parametrize(
    ("ts", "rows", "message"),
    [
        ([T0, T0 + 60_000], [(11, 9, 10, 1), (np.nan, 9, 10, 1)], "bad candle at"),
        ([T0, T0 + 60_000], [(11, 9, 10, 1), (9, 11, 10, 1)], "high >= low"),
        ([T0 + 60_000, T0], [(11, 9, 10, 1), (11, 9, 10, 1)], "out of order"),
        ([T0, T0], [(11, 9, 10, 1), (11, 9, 10, 1)], "duplicated"),
        ([T0, T0 + 30_000], [(11, 9, 10, 1), (11, 9, 10, 1)], "not on a minute boundary"),
    ],
)
def test_bad_candles_are_rejected_naming_coin_and_time(tmp_path: Path, ts, rows, message) -> None:
    path = write_coin(tmp_path, "ETH", ts, rows)
    with pytest.raises(DataError) as err:
        read_candles(path, "ETH")
    assert "ETH" in str(err.value) and message in str(err.value)


def test_missing_folder_and_missing_btc_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="does not exist"):
        load_from_folder(tmp_path / "nope", ["BTC"], T0, T0, 120)
    write_coin(tmp_path, "ETH", [T0], [(2, 1, 1.5, 1)])
    with pytest.raises(DataError, match="no BTC candles"):
        load_from_folder(tmp_path, ["ETH"], T0, T0, 120)


def test_bundled_sample_loads_six_real_coins() -> None:
    ds = load_from_folder(BUNDLED_SAMPLE, ["ADA", "BNB", "BTC", "ETH", "SOL", "XRP"], 0, 2**62, 120)
    assert ds.coins == ["ADA", "BNB", "BTC", "ETH", "SOL", "XRP"]
    assert ds.hlcvs.flags["C_CONTIGUOUS"] and ds.hlcvs.dtype == np.float64
    assert ds.synthetic_minutes == dict.fromkeys(ds.coins, 0)  # the sample is gap-free
    assert (ds.hlcvs[ds.first_valid[0] :, 0, 0] >= ds.hlcvs[ds.first_valid[0] :, 0, 1]).all()


def test_build_dataset_rejects_empty_windows(tmp_path: Path) -> None:
    frame = pd.DataFrame({"ts": [T0], "high": [2.0], "low": [1.0], "close": [1.5], "volume": [1.0]})
    with pytest.raises(DataError, match="no coin has usable candles"):
        build_dataset({"BTC": frame}, T0 + 3_600_000, T0 + 7_200_000, 120)
