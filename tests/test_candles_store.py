"""Candle cache: import → cache → read round trip on real data, export back, bad data rejected on
ingest, corrupt files detected and never used."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from candles_testutil import FIXTURES, SAMPLE, ms, sample_candles
from pyarrow import feather

from candles import CandlestickManager, CandleStore, DataError
from candles.freqtrade import export_symbol, import_folder, read_feather
from candles.store import COLUMNS


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> CandleStore:
    folder = tmp_path_factory.mktemp("ft")
    for f in SAMPLE.glob("*.feather"):
        shutil.copy(f, folder / f.name)
    for f in FIXTURES.glob("*.feather"):
        shutil.copy(f, folder / f.name)
    store = CandleStore(tmp_path_factory.mktemp("cache"), "binanceusdm")
    results = import_folder(folder, store)
    assert {(r.symbol, r.kind) for r in results} >= {("BTC/USDT:USDT", "funding_rate"), ("BTC/USDT:USDT", "mark")}
    return store


@pytest.mark.parametrize("coin", ["ADA", "BNB", "BTC", "ETH", "SOL", "XRP"])
def test_round_trip_import_cache_read_is_exact_on_real_data(imported: CandleStore, coin: str) -> None:
    source = sample_candles(coin)
    cm = CandlestickManager("binanceusdm", imported.root.parents[1])
    got = cm.get_candles(coin, int(source["ts"].iloc[0]), int(source["ts"].iloc[-1]), now_ms=2**50)
    assert got.attrs["gaps"] == []
    assert list(got.columns) == COLUMNS and got["ts"].dtype == np.int64
    assert all(got[c].dtype == np.float64 for c in COLUMNS[1:])
    # bit-exact: same timestamps, same float64 bit patterns
    for c in COLUMNS:
        np.testing.assert_array_equal(got[c].to_numpy().view(np.int64), source[c].to_numpy().view(np.int64))


def test_cache_layout_is_month_shards_per_symbol(imported: CandleStore) -> None:
    folder = imported.root / "BTC_USDT_USDT"
    assert sorted(p.name for p in (folder / "1m").iterdir()) == ["2025-05.parquet", "2025-06.parquet"]
    assert (folder / "funding_rate-8h.parquet").is_file() and (folder / "mark-8h.parquet").is_file()
    assert imported.symbols() == [f"{c}/USDT:USDT" for c in ("ADA", "BNB", "BTC", "ETH", "SOL", "XRP")]


def test_export_writes_the_source_files_back_exactly(imported: CandleStore, tmp_path: Path) -> None:
    paths = export_symbol(imported, "BTC", tmp_path)
    assert sorted(p.name for p in paths) == [
        "BTC_USDT_USDT-1m-futures.feather",
        "BTC_USDT_USDT-8h-funding_rate.feather",
        "BTC_USDT_USDT-8h-mark.feather",
    ]
    for p in paths:
        src = SAMPLE / p.name if p.name.endswith("1m-futures.feather") else FIXTURES / p.name
        assert feather.read_table(p).equals(feather.read_table(src).replace_schema_metadata(None)), p.name


def test_csv_export_reads_back_exactly(imported: CandleStore, tmp_path: Path) -> None:
    (path,) = export_symbol(imported, "ETH", tmp_path, fmt="csv", include_aux=False, end_ms=ms("2025-05-12"))
    back = pd.read_csv(path)
    src = sample_candles("ETH")
    src = src[src["ts"] <= ms("2025-05-12")].reset_index(drop=True)
    pd.testing.assert_frame_equal(back[COLUMNS], src)
    assert back["date"].iloc[0] == "2025-05-09T18:18:00Z"


def test_reimport_adds_nothing_and_new_data_wins(tmp_path: Path) -> None:
    store = CandleStore(tmp_path, "binanceusdm")
    df = sample_candles("SOL").iloc[:3000]
    assert store.write("SOL", df, "test") == 3000
    assert store.write("SOL", df, "test") == 0
    changed = df.iloc[10:11].copy()
    changed["volume"] = 123.0
    assert store.write("SOL", changed, "test") == 0
    got = store.read("SOL", 0, 2**62)
    assert got["volume"].iloc[10] == 123.0 and len(got) == 3000


T0 = ms("2025-05-10 00:00")
GOOD = (100.0, 101.0, 99.0, 100.5, 5.0)


def frame(ts: list[int], rows: list[tuple[float, float, float, float, float]]) -> pd.DataFrame:
    return pd.DataFrame(
        {"ts": np.array(ts, dtype=np.int64), **{c: [r[i] for r in rows] for i, c in enumerate(COLUMNS[1:])}}
    )


@pytest.mark.parametrize(
    ("ts", "rows", "message"),
    [
        ([T0, T0 + 60_000], [GOOD, (100.0, 99.0, 101.0, 100.0, 1.0)], "bad candle at 2025-05-10 00:01 UTC"),
        ([T0, T0 + 60_000], [GOOD, (100.0, np.nan, 99.0, 100.0, 1.0)], "bad candle at 2025-05-10 00:01 UTC"),
        ([T0, T0 + 60_000], [GOOD, (100.0, 101.0, 99.0, 100.0, -1.0)], "volume >= 0"),
        ([T0, T0 + 60_000], [GOOD, (102.0, 101.0, 99.0, 100.0, 1.0)], "open and close within [low, high]"),
        ([T0 + 60_000, T0], [GOOD, GOOD], "2025-05-10 00:00 UTC is out of order"),
        ([T0, T0], [GOOD, GOOD], "2025-05-10 00:00 UTC is duplicated"),
        ([T0, T0 + 30_000], [GOOD, GOOD], "not on a minute boundary"),
    ],
)
def test_bad_candles_are_rejected_on_ingest_naming_symbol_and_time(tmp_path: Path, ts, rows, message) -> None:
    store = CandleStore(tmp_path, "binanceusdm")
    with pytest.raises(DataError) as err:
        store.write("ETH", frame(ts, rows), "unit test")
    assert "ETH/USDT:USDT" in str(err.value) and message in str(err.value)
    assert store.symbols() == []  # nothing written


def test_freqtrade_import_rejects_a_bad_file_naming_it(tmp_path: Path) -> None:
    df = sample_candles("BTC").iloc[:100].copy()
    df.loc[50, "high"] = df.loc[50, "low"] - 1
    folder = tmp_path / "ft"
    from candles.freqtrade import write_feather

    write_feather(df, folder / "BTC_USDT_USDT-1m-futures.feather")
    with pytest.raises(DataError, match=r"BTC/USDT:USDT: bad candle at .* in .*BTC_USDT_USDT-1m-futures.feather"):
        import_folder(folder, CandleStore(tmp_path / "c"))


def test_a_non_numeric_column_is_an_error_naming_file_and_column(tmp_path: Path) -> None:
    import pyarrow as pa

    df = sample_candles("XRP").iloc[:3]
    table = pa.table(
        {"date": pa.array(df["ts"], type=pa.timestamp("ms", tz="UTC")), **{c: df[c] for c in COLUMNS[1:5]}}
        | {"volume": ["1", "n/a", "2"]}
    )
    path = tmp_path / "XRP_USDT_USDT-1m-futures.feather"
    feather.write_feather(table, path)
    with pytest.raises(DataError, match=r"XRP: .*XRP_USDT_USDT-1m-futures.feather: column 'volume' is not numeric"):
        read_feather(path, "XRP")


def corrupt_month(store: CandleStore, how: str) -> Path:
    store.write("BTC", sample_candles("BTC").iloc[:5000], "test")
    path = store.shard_path("BTC", ms("2025-05-01"))
    data = bytearray(path.read_bytes())
    if how == "truncated":
        path.write_bytes(bytes(data[: len(data) // 2]))
    elif how == "bitflip":
        data[len(data) // 3] ^= 0x40
        path.write_bytes(bytes(data))
    elif how == "empty":
        path.write_bytes(b"")
    return path


@pytest.mark.parametrize("how", ["truncated", "bitflip", "empty"])
def test_corrupt_parquet_is_reported_by_path_and_never_used(tmp_path: Path, how: str) -> None:
    store = CandleStore(tmp_path, "binanceusdm")
    path = corrupt_month(store, how)
    cm = CandlestickManager("binanceusdm", tmp_path)  # no sources: reject
    with pytest.raises(DataError) as err:
        cm.get_candles("BTC", ms("2025-05-05"), ms("2025-05-06"), now_ms=2**50)
    assert str(path) in str(err.value) and "corrupt" in str(err.value)


def test_write_over_a_corrupt_shard_quarantines_it(tmp_path: Path) -> None:
    store = CandleStore(tmp_path, "binanceusdm")
    path = corrupt_month(store, "truncated")
    df = sample_candles("BTC").iloc[:100]
    store.write("BTC", df, "test")
    assert len(list(path.parent.glob("2025-05.parquet.corrupt-*"))) == 1
    pd.testing.assert_frame_equal(store.read("BTC", 0, 2**62), df.reset_index(drop=True))


def test_read_feather_accepts_millisecond_and_nanosecond_dates(tmp_path: Path) -> None:
    df = sample_candles("XRP").iloc[:10]
    import pyarrow as pa

    table = pa.table({"date": pa.array(df["ts"], type=pa.timestamp("ms", tz="UTC")), **{c: df[c] for c in COLUMNS[1:]}})
    feather.write_feather(table, tmp_path / "XRP_USDT_USDT-1m-futures.feather")
    got = read_feather(tmp_path / "XRP_USDT_USDT-1m-futures.feather", "XRP")
    pd.testing.assert_frame_equal(got, df.reset_index(drop=True))
