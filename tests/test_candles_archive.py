"""Binance archive downloads from a local HTTP server: daily and monthly zips (with and without
header rows), a missing day (404), a corrupt zip, checksums; exact values; only missing minutes
are fetched."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from candles_testutil import DAY_MS, MINUTE_MS, checksum_file, kline_zip, ms, sample_candles, serve

from candles import BinanceArchive, CandlestickManager, DataError, SourceError
from candles.archive import parse_zip
from candles.store import COLUMNS

PREFIX = "/data/futures/um"
NOW = ms("2025-07-01 12:00")  # every day of the sample is published by then
MISSING_DAY = "2025-06-03"  # 404
CORRUPT_DAY = "2025-06-04"  # truncated zip


def day_slice(df: pd.DataFrame, day: str) -> pd.DataFrame:
    t = ms(day)
    return df[(df["ts"] >= t) & (df["ts"] < t + DAY_MS)]


def archive_files(df: pd.DataFrame) -> dict[str, bytes]:
    """May as a monthly file (with header), June as daily files (header on even days only)."""
    files = {}
    may = df[(df["ts"] >= ms("2025-05-01")) & (df["ts"] < ms("2025-06-01"))]
    name = "BTCUSDT-1m-2025-05"
    files[f"{PREFIX}/monthly/klines/BTCUSDT/1m/{name}.zip"] = kline_zip(may, f"{name}.csv", header=True)
    for day in pd.date_range("2025-06-01", "2025-06-23", freq="D").strftime("%Y-%m-%d"):
        if day == MISSING_DAY:
            continue
        name = f"BTCUSDT-1m-{day}"
        data = kline_zip(day_slice(df, day), f"{name}.csv", header=int(day[-2:]) % 2 == 0)
        if day == CORRUPT_DAY:
            data = data[: len(data) // 2]
        url = f"{PREFIX}/daily/klines/BTCUSDT/1m/{name}.zip"
        files[url] = data
        if day == "2025-06-10":  # some files come with their checksum
            files[url + ".CHECKSUM"] = checksum_file(data, f"{name}.zip")
    return files


@pytest.fixture
def server():
    with serve(archive_files(sample_candles("BTC"))) as s:
        yield s


def manager(tmp_path: Path, base: str) -> CandlestickManager:
    archive = BinanceArchive(base, retries=1, backoff_s=0.01)
    return CandlestickManager("binanceusdm", tmp_path, archive=archive, clock=lambda: NOW / 1000)


def test_archive_download_is_exact_and_reports_missing_and_corrupt_days(tmp_path: Path, server, caplog) -> None:
    base, requests = server
    cm = manager(tmp_path, base)
    src = sample_candles("BTC")
    start, end = ms("2025-05-10"), ms("2025-06-07") - MINUTE_MS
    with caplog.at_level(logging.WARNING):
        report = cm.fetch_missing("BTC", start, end)
    assert report.archive_files == 5  # May monthly + June 1, 2, 5, 6 daily
    assert report.archive_not_found == 1
    assert any(CORRUPT_DAY in e and "corrupt archive" in e for e in report.errors)
    assert any(CORRUPT_DAY in r.getMessage() for r in caplog.records)
    # the missing day is a known gap (the source answered 404); the corrupt day is not (retried later)
    assert report.known_gaps_added == [(ms(MISSING_DAY), ms(MISSING_DAY) + DAY_MS - MINUTE_MS)]

    got = cm.get_candles("BTC", start, end, strict=True, fetch=False)
    want = src[(src["ts"] >= start) & (src["ts"] <= end)]
    want = want[~want["ts"].between(ms(MISSING_DAY), ms(CORRUPT_DAY) + DAY_MS - 1)].reset_index(drop=True)
    for c in COLUMNS:
        np.testing.assert_array_equal(got[c].to_numpy(), want[c].to_numpy())
    assert got.attrs["gaps"] == [(ms(MISSING_DAY), ms(CORRUPT_DAY) + DAY_MS - MINUTE_MS)]

    # standardised: the two days are flat at the previous close with zero volume, and reported
    full = cm.get_candles("BTC", start, end, fetch=False)
    assert len(full) == (end - start) // MINUTE_MS + 1
    hole = full[full["ts"].between(ms(MISSING_DAY), ms(CORRUPT_DAY) + DAY_MS - 1)]
    last_close = want[want["ts"] < ms(MISSING_DAY)]["close"].iloc[-1]
    assert (hole[["open", "high", "low", "close"]] == last_close).all().all() and (hole["volume"] == 0).all()
    assert full.attrs["gaps"] == [(ms(MISSING_DAY), ms(CORRUPT_DAY) + DAY_MS - MINUTE_MS)]

    # second call: nothing but the corrupt day is asked for again
    requests.clear()
    again = cm.fetch_missing("BTC", start, end)
    assert [r.rsplit("/", 1)[-1] for r in requests if r.endswith(".zip")] == [f"BTCUSDT-1m-{CORRUPT_DAY}.zip"]
    assert again.archive_files == 0 and len(again.errors) == 1


def test_only_missing_days_are_downloaded(tmp_path: Path, server) -> None:
    base, requests = server
    cm = manager(tmp_path, base)
    cm.store.write("BTC", day_slice(sample_candles("BTC"), "2025-06-01"), "test")
    cm.get_candles("BTC", ms("2025-06-01"), ms("2025-06-03") - MINUTE_MS)
    assert [r.rsplit("/", 1)[-1] for r in requests if r.endswith(".zip")] == ["BTCUSDT-1m-2025-06-02.zip"]


def test_monthly_404_falls_back_to_daily_files(tmp_path: Path) -> None:
    src = sample_candles("BTC")
    files = {
        f"{PREFIX}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-05-{d:02d}.zip": kline_zip(
            day_slice(src, f"2025-05-{d:02d}"), "x.csv", header=False
        )
        for d in range(10, 14)
    }
    with serve(files) as (base, requests):
        cm = manager(tmp_path, base)
        got = cm.get_candles("BTC", ms("2025-05-10"), ms("2025-05-14") - MINUTE_MS, strict=True)
    assert requests[0].endswith("BTCUSDT-1m-2025-05.zip")
    assert len(got) == 4 * 1440 and got.attrs["gaps"] == []


def test_checksum_mismatch_is_an_error_naming_the_url() -> None:
    src = day_slice(sample_candles("BTC"), "2025-06-10")
    data = kline_zip(src, "BTCUSDT-1m-2025-06-10.csv")
    url = f"{PREFIX}/daily/klines/BTCUSDT/1m/BTCUSDT-1m-2025-06-10.zip"
    files = {url: data, url + ".CHECKSUM": checksum_file(b"other", "x")}
    with serve(files) as (base, _), pytest.raises(SourceError, match=r"2025-06-10.zip: checksum mismatch"):
        BinanceArchive(base, retries=1).fetch("BTC/USDT:USDT", "daily", ms("2025-06-10"))


def test_archive_rows_are_validated() -> None:
    good = day_slice(sample_candles("BTC"), "2025-06-10")
    bad = good.copy()
    bad.iloc[7, bad.columns.get_loc("low")] = bad["high"].iloc[7] + 1
    with pytest.raises(SourceError, match="BTC/USDT:USDT: bad candle at 2025-06-10 00:07 UTC in u"):
        parse_zip(kline_zip(bad, "a.csv"), "u", "BTC/USDT:USDT", ms("2025-06-10"), ms("2025-06-11"))
    with pytest.raises(SourceError, match="outside the file's period"):
        parse_zip(kline_zip(good, "a.csv"), "u", "BTC/USDT:USDT", ms("2025-06-11"), ms("2025-06-12"))
    with pytest.raises(SourceError, match="corrupt archive"):
        parse_zip(b"PK\x03\x04garbage", "u", "BTC/USDT:USDT", 0, 2**62)


def test_microsecond_timestamps_are_accepted() -> None:
    src = day_slice(sample_candles("BTC"), "2025-06-10").copy()
    micro = src.copy()
    micro["ts"] = micro["ts"] * 1000
    got = parse_zip(kline_zip(micro, "a.csv"), "u", "BTC/USDT:USDT", ms("2025-06-10"), ms("2025-06-11"))
    pd.testing.assert_frame_equal(got, src.reset_index(drop=True))


def test_corrupt_cache_file_is_quarantined_and_refetched(tmp_path: Path, server, caplog) -> None:
    base, _ = server
    cm = manager(tmp_path, base)
    cm.get_candles("BTC", ms("2025-06-01"), ms("2025-06-02") - MINUTE_MS)
    path = cm.store.shard_path("BTC", ms("2025-06-01"))
    path.write_bytes(path.read_bytes()[:100])
    with caplog.at_level(logging.WARNING):
        got = cm.get_candles("BTC", ms("2025-06-01"), ms("2025-06-02") - MINUTE_MS, strict=True)
    assert len(got) == 1440
    assert any(str(path) in r.getMessage() and "re-fetching" in r.getMessage() for r in caplog.records)
    assert len(list(path.parent.glob("*.corrupt-*"))) == 1


def test_offline_manager_never_downloads(tmp_path: Path) -> None:
    cm = CandlestickManager("binanceusdm", tmp_path)
    got = cm.get_candles("BTC", ms("2025-06-01"), ms("2025-06-02"), now_ms=NOW)
    assert len(got) == 0
    with pytest.raises(DataError, match="no candles"):
        cm.get_latest_ema_close("BTC", 100, 300, end_ts=ms("2025-06-02"), now_ms=NOW)
