"""Binance public data archive (data.binance.vision): daily and monthly zip files of 1m klines.

Layout (USDⓈ-M perpetuals; spot uses `data/spot/...`):

    <base>/data/futures/um/daily/klines/<ID>/1m/<ID>-1m-<YYYY-MM-DD>.zip
    <base>/data/futures/um/monthly/klines/<ID>/1m/<ID>-1m-<YYYY-MM>.zip
    <url>.CHECKSUM   "<sha256 hex>  <file name>"

`<ID>` is Binance's market id (`BTCUSDT`). Each zip holds one CSV with the columns open_time,
open, high, low, close, volume, close_time, quote_volume, count, taker_buy_volume,
taker_buy_quote_volume, ignore; newer files start with that header row, older ones have none.
Times are UTC milliseconds (spot files from 2025 on use microseconds; both are accepted).
A 404 means the exchange has no file for that period (before listing, after delisting, or not
published yet). Files appear the day after their period ends.

Bybit and OKX archives are not read: their public file layouts are not documented well enough to
implement confidently; those exchanges are fetched through ccxt.
"""

from __future__ import annotations

import hashlib
import io
import logging
import time
import urllib.error
import urllib.request
import zipfile
from collections.abc import Callable

import numpy as np
import pandas as pd

from .errors import DataError, SourceError
from .store import COLUMNS
from .symbols import market_id
from .timeutil import DAY_MS, day_str, month_start, month_str, next_month
from .validate import check_frame

log = logging.getLogger(__name__)

BINANCE_ARCHIVE_URL = "https://data.binance.vision"
MARKETS = {"binanceusdm": "futures/um", "binance": "spot"}

HttpGet = Callable[[str, float], "bytes | None"]


def urllib_get(url: str, timeout_s: float) -> bytes | None:
    """GET `url`; None on 404. Other HTTP errors and network failures raise."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as r:
            return r.read()
    except urllib.error.HTTPError as e:
        if e.code == 404:
            return None
        raise


class BinanceArchive:
    """Daily/monthly 1m kline files of one Binance market type."""

    def __init__(
        self,
        base_url: str = BINANCE_ARCHIVE_URL,
        market: str = "futures/um",
        *,
        timeout_s: float = 60.0,
        retries: int = 3,
        backoff_s: float = 1.0,
        verify_checksum: bool = True,
        http_get: HttpGet = urllib_get,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.market = market
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self.verify_checksum = verify_checksum
        self.http_get = http_get

    def url(self, symbol: str, period: str, ts_ms: int) -> str:
        mid = market_id(symbol)
        when = day_str(ts_ms) if period == "daily" else month_str(ts_ms)
        return f"{self.base_url}/data/{self.market}/{period}/klines/{mid}/1m/{mid}-1m-{when}.zip"

    def _get(self, url: str) -> bytes | None:
        delay = self.backoff_s
        for attempt in range(1, self.retries + 1):
            try:
                return self.http_get(url, self.timeout_s)
            except (OSError, urllib.error.URLError) as e:
                if attempt == self.retries:
                    raise SourceError(f"GET {url} failed after {attempt} attempts: {e}") from e
                log.debug("[archive] GET %s failed (%s); retry in %.1fs", url, e, delay)
                time.sleep(delay)
                delay *= 2
        return None  # unreachable

    def fetch(self, symbol: str, period: str, ts_ms: int) -> pd.DataFrame | None:
        """Candles of the day/month containing `ts_ms`, or None when the archive has no file.
        A corrupt file raises `SourceError` naming the URL."""
        url = self.url(symbol, period, ts_ms)
        data = self._get(url)
        if data is None:
            return None
        if self.verify_checksum:
            checksum = self._get(url + ".CHECKSUM")
            if checksum is not None:
                expected = checksum.decode("ascii", "replace").split()[0].lower() if checksum.strip() else ""
                actual = hashlib.sha256(data).hexdigest()
                if expected != actual:
                    raise SourceError(f"{url}: checksum mismatch (expected {expected[:16]}…, got {actual[:16]}…)")
        start = ts_ms - ts_ms % DAY_MS if period == "daily" else month_start(ts_ms)
        end = start + DAY_MS if period == "daily" else next_month(start)
        return parse_zip(data, url, symbol, start, end)


def parse_zip(data: bytes, url: str, symbol: str, start_ms: int, end_ms: int) -> pd.DataFrame:
    """The candles of one archive zip, checked; rows must lie in `[start_ms, end_ms)`."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = [n for n in z.namelist() if n.lower().endswith(".csv")]
            if len(names) != 1:
                raise SourceError(f"{url}: expected one CSV in the zip, found {names}")
            raw = z.read(names[0])
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, OSError, ValueError) as e:
        raise SourceError(f"{url}: corrupt archive ({type(e).__name__}: {e})") from e
    return parse_csv(raw, url, symbol, start_ms, end_ms)


def parse_csv(raw: bytes, url: str, symbol: str, start_ms: int, end_ms: int) -> pd.DataFrame:
    first = raw.lstrip()[:1]
    has_header = bool(first) and not first.isdigit()
    if not raw.strip() or (has_header and raw.strip().count(b"\n") == 0):
        raise SourceError(f"{url}: empty CSV")
    try:
        table = pd.read_csv(
            io.BytesIO(raw),
            header=None,
            skiprows=1 if has_header else 0,
            usecols=range(6),
            names=COLUMNS,
            dtype={"ts": np.int64, **dict.fromkeys(COLUMNS[1:], np.float64)},
        )
    except (ValueError, pd.errors.ParserError) as e:
        raise SourceError(f"{url}: unreadable CSV ({e})") from e
    ts = table["ts"].to_numpy()
    if len(ts) and ts.max() > 10**14:  # microseconds (spot files from 2025)
        table["ts"] = ts // 1000
    try:
        check_frame(table, symbol, url)
    except DataError as e:
        raise SourceError(str(e)) from e
    ts = table["ts"].to_numpy()
    if ts[0] < start_ms or ts[-1] >= end_ms:
        raise SourceError(f"{url}: candles outside the file's period")
    return table
