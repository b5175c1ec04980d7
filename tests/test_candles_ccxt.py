"""The ccxt fallback: the real ccxt `binanceusdm` client against a local server that answers
`/fapi/v1/exchangeInfo` and `/fapi/v1/klines` as Binance does (pagination, a 429, exact values).
The project's exchange simulator will replace this stub once it exists."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from candles_testutil import MINUTE_MS, exchange_info, klines_body, ms, sample_candles, serve

from candles import CandlestickManager, CcxtSource, SourceError
from candles.store import COLUMNS

pytest.importorskip("ccxt")


class Binance:
    """Answers like Binance USDⓈ-M for BTCUSDT; `fail` = statuses to return first on klines."""

    def __init__(self, fail: list[int] | None = None) -> None:
        self.df = sample_candles("BTC")
        self.fail = list(fail or [])
        self.klines: list[dict[str, list[str]]] = []

    def __call__(self, path: str, query: dict[str, list[str]]) -> tuple[int, bytes]:
        if path == "/fapi/v1/exchangeInfo":
            return 200, exchange_info(["BTCUSDT"])
        if path == "/fapi/v1/klines":
            self.klines.append(query)
            if self.fail:
                status = self.fail.pop(0)
                if status == 429:
                    return status, json.dumps(
                        {"code": -1003, "msg": "Too many requests; current limit is 2400"}
                    ).encode()
                return status, b"Service Unavailable"
            return 200, klines_body(self.df, query)
        return 404, b'{"code": -1, "msg": "no route"}'


def source(base: str) -> CcxtSource:
    return CcxtSource(
        "binanceusdm", api_url=base, enable_rate_limit=False, rate_limit_pause_s=0.01, backoff_s=(0.01, 0.02)
    )


def test_fetch_ohlcv_paginates_and_is_exact() -> None:
    ex = Binance()
    start, end = ms("2025-05-20 00:00"), ms("2025-05-21 12:00")
    with serve(ex) as (base, _):
        got = source(base).fetch("BTC/USDT:USDT", start, end)
    want = ex.df[(ex.df["ts"] >= start) & (ex.df["ts"] <= end)].reset_index(drop=True)
    for c in COLUMNS:
        np.testing.assert_array_equal(got[c].to_numpy(), want[c].to_numpy())
    assert len(ex.klines) == 3  # 2161 candles in pages of 1000
    assert ex.klines[0]["symbol"] == ["BTCUSDT"] and ex.klines[0]["interval"] == ["1m"]
    assert ex.klines[0]["limit"] == ["1000"] and ex.klines[0]["endTime"] == [str(end)]
    assert ex.klines[1]["startTime"] == [str(start + 1000 * MINUTE_MS)]


def test_rate_limit_and_server_errors_are_retried() -> None:
    ex = Binance(fail=[429, 503])
    with serve(ex) as (base, _):
        src = source(base)
        got = src.fetch("BTC/USDT:USDT", ms("2025-05-20 00:00"), ms("2025-05-20 00:09"))
    assert len(got) == 10 and src.rate_limited == 1 and len(ex.klines) == 3


def test_persistent_rate_limit_fails_with_the_symbol_named() -> None:
    ex = Binance(fail=[429] * 10)
    with serve(ex) as (base, _), pytest.raises(SourceError, match=r"BTC/USDT:USDT: rate limited by binanceusdm"):
        src = source(base)
        src.max_retries = 3
        src.fetch("BTC/USDT:USDT", ms("2025-05-20"), ms("2025-05-21"))


@pytest.mark.parametrize("rows", [[[1, 2, 3]], [[1, 2, 3, 4, 5, 6], [1, 2]], [[1, "x", 3, 4, 5, 6]]])
def test_a_malformed_page_is_a_source_error_naming_symbol_and_time(rows) -> None:
    class Malformed(CcxtSource):
        def _page(self, symbol: str, since: int, end_ms: int) -> list:
            return rows

    src = Malformed("binanceusdm", api_url="http://127.0.0.1:9", enable_rate_limit=False)
    with pytest.raises(SourceError, match=r"BTC/USDT:USDT: malformed OHLCV page from 2025-05-20 00:00"):
        src.fetch("BTC/USDT:USDT", ms("2025-05-20 00:00"), ms("2025-05-20 01:00"))


def test_manager_fills_holes_through_ccxt_and_persists_them(tmp_path: Path) -> None:
    ex = Binance()
    df = ex.df
    start, end = ms("2025-05-20 00:00"), ms("2025-05-20 23:59")
    day = df[(df["ts"] >= start) & (df["ts"] <= end)]
    holes = day["ts"].between(ms("2025-05-20 06:00"), ms("2025-05-20 06:30")) | day["ts"].between(
        ms("2025-05-20 18:00"), ms("2025-05-20 18:04")
    )
    with serve(ex) as (base, _):
        cm = CandlestickManager("binanceusdm", tmp_path, ccxt=source(base))
        cm.add_candles("BTC", day[~holes], "test")
        got = cm.get_candles("BTC", start, end, strict=True, now_ms=ms("2025-07-01"))
    assert len(ex.klines) == 1  # both holes within one page: one request
    np.testing.assert_array_equal(got["close"].to_numpy(), day["close"].to_numpy())
    assert got.attrs["gaps"] == []
    offline = CandlestickManager("binanceusdm", tmp_path)
    assert len(offline.get_candles("BTC", start, end, strict=True, now_ms=ms("2025-07-01"))) == 1440


def test_minutes_the_exchange_does_not_have_become_known_gaps(tmp_path: Path) -> None:
    ex = Binance()
    start = ms("2025-05-01 00:00")  # the sample's BTC starts 2025-05-04 15:33
    with serve(ex) as (base, _):
        cm = CandlestickManager("binanceusdm", tmp_path, ccxt=source(base))
        report = cm.fetch_missing("BTC", start, ms("2025-05-04 15:40"), now_ms=ms("2025-07-01"))
        assert report.known_gaps_added == [(start, ms("2025-05-04 15:32"))]
        n = len(ex.klines)
        cm.fetch_missing("BTC", start, ms("2025-05-04 15:40"), now_ms=ms("2025-07-01"))
        assert len(ex.klines) == n  # nothing asked again
        cm.fetch_missing("BTC", start, ms("2025-05-04 15:40"), now_ms=ms("2025-07-01"), force_refetch_gaps=True)
        assert len(ex.klines) > n
