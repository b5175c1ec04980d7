"""ccxt `fetch_ohlcv` as a candle source: pagination, retries, rate-limit pauses.

On Binance USDⓈ-M ccxt calls `GET /fapi/v1/klines?symbol=BTCUSDT&interval=1m&startTime=…&limit=…
&endTime=…` (`endTime` from `params.until`); rows `[openTime, o, h, l, c, v, …]`. Pages of 1000
candles (Binance weight 5, the cheapest per candle); `since` advances to the last open time + 1m.
`until` is only sent where ccxt maps it to an end time the exchange accepts (binance*).

Errors: rate limiting (`RateLimitExceeded`, `DDoSProtection`: HTTP 429/418) pauses this source
for `rate_limit_pause_s × attempt`; network errors and timeouts back off 0.5 s → 8 s; after
`max_retries` attempts the page fails with `SourceError` naming the symbol and time. Other
exchange errors (bad symbol, …) are raised at once.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import numpy as np
import pandas as pd

from .errors import DataError, SourceError
from .store import COLUMNS
from .symbols import exchange_id, to_symbol
from .timeutil import MINUTE_MS, utc
from .validate import check_frame

log = logging.getLogger(__name__)

PAGE_LIMITS = {"binanceusdm": 1000, "binance": 1000, "bybit": 1000, "okx": 100, "bitget": 200}
SENDS_UNTIL = {"binanceusdm", "binance"}


def rebase_urls(urls: Any, base: str) -> Any:
    """Every URL in ccxt's `urls['api']` tree with its scheme and host replaced by `base`
    (paths kept), so one local server sees the real paths."""
    if isinstance(urls, str):
        parts = urlsplit(urls)
        if not parts.scheme:
            return urls
        return base.rstrip("/") + parts.path + (f"?{parts.query}" if parts.query else "")
    if isinstance(urls, dict):
        return {k: rebase_urls(v, base) for k, v in urls.items()}
    return urls


def make_client(exchange: str, api_url: str | None = None, enable_rate_limit: bool = True) -> Any:
    import ccxt

    ex_id = exchange_id(exchange)
    try:
        cls = getattr(ccxt, ex_id)
    except AttributeError as e:
        raise DataError(f"ccxt has no exchange {ex_id!r}") from e
    options: dict[str, Any] = {"defaultType": "swap"}
    if ex_id == "bybit":
        options["fetchMarkets"] = {"types": ["linear"]}
    client = cls({"enableRateLimit": enable_rate_limit, "options": options})
    if api_url:
        client.urls["api"] = rebase_urls(client.urls["api"], api_url)
    return client


class CcxtSource:
    """1m candles from an exchange's REST API through a (synchronous) ccxt client."""

    def __init__(
        self,
        exchange: str = "binanceusdm",
        *,
        client: Any = None,
        api_url: str | None = None,
        page_limit: int | None = None,
        max_retries: int = 5,
        backoff_s: tuple[float, float] = (0.5, 8.0),
        rate_limit_pause_s: float = 5.0,
        enable_rate_limit: bool = True,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.exchange = exchange_id(exchange)
        self.client = client if client is not None else make_client(self.exchange, api_url, enable_rate_limit)
        self.page_limit = page_limit or PAGE_LIMITS.get(self.exchange, 500)
        self.max_retries = max_retries
        self.backoff_s = backoff_s
        self.rate_limit_pause_s = rate_limit_pause_s
        self.sleep = sleep
        self.requests = 0
        self.rate_limited = 0

    def _page(self, symbol: str, since: int, end_ms: int) -> list[list[Any]]:
        import ccxt

        params = {"until": end_ms} if self.exchange in SENDS_UNTIL else {}
        delay = self.backoff_s[0]
        for attempt in range(1, self.max_retries + 1):
            try:
                self.requests += 1
                return self.client.fetch_ohlcv(symbol, "1m", since=since, limit=self.page_limit, params=params)
            except (ccxt.RateLimitExceeded, ccxt.DDoSProtection) as e:
                self.rate_limited += 1
                if attempt == self.max_retries:
                    raise SourceError(f"{symbol}: rate limited by {self.exchange} at {utc(since)}: {e}") from e
                pause = self.rate_limit_pause_s * attempt
                log.warning("[candles] %s rate limit (%s); pausing %.1fs", self.exchange, type(e).__name__, pause)
                self.sleep(pause)
            except ccxt.NetworkError as e:
                if attempt == self.max_retries:
                    raise SourceError(
                        f"{symbol}: {self.exchange} fetch_ohlcv from {utc(since)} failed after {attempt} attempts: {e}"
                    ) from e
                log.debug("[candles] %s fetch_ohlcv %s failed (%s); retry in %.1fs", self.exchange, symbol, e, delay)
                self.sleep(delay)
                delay = min(delay * 2, self.backoff_s[1])
            except ccxt.BaseError as e:  # bad symbol, exchange-side rejection: not retried
                raise SourceError(
                    f"{symbol}: {self.exchange} fetch_ohlcv from {utc(since)} failed: {type(e).__name__}: {e}"
                ) from e
        return []  # unreachable

    def fetch(
        self,
        symbol: str,
        start_ms: int,
        end_ms: int,
        on_page: Callable[[pd.DataFrame], None] | None = None,
    ) -> pd.DataFrame:
        """Candles with `start_ms <= ts <= end_ms`. Each page is handed to `on_page` as it arrives
        (the manager persists it), then all pages are returned together."""
        symbol = to_symbol(symbol)
        pages = []
        since = start_ms
        while since <= end_ms:
            rows = self._page(symbol, since, end_ms)
            if not rows:
                break
            try:
                arr = np.asarray([r[:6] for r in rows], dtype=np.float64)
                if arr.ndim != 2 or arr.shape[1] != 6:
                    raise ValueError(f"rows of {arr.shape[-1] if arr.ndim == 2 else 'uneven'} values, expected 6")
            except (ValueError, TypeError, IndexError) as e:
                raise SourceError(f"{symbol}: malformed OHLCV page from {utc(since)}: {e}") from e
            ts = arr[:, 0].astype(np.int64)
            ts -= ts % MINUTE_MS
            df = pd.DataFrame({"ts": ts, **{c: arr[:, i + 1] for i, c in enumerate(COLUMNS[1:])}})
            df = df[(df["ts"] >= since) & (df["ts"] <= end_ms)]
            df = df.drop_duplicates("ts", keep="last").sort_values("ts", kind="stable").reset_index(drop=True)
            if df.empty:
                break
            try:
                check_frame(df, symbol, f"{self.exchange} fetch_ohlcv page from {utc(since)}")
            except DataError as e:
                raise SourceError(str(e)) from e
            pages.append(df)
            if on_page:
                on_page(df)
            last = int(df["ts"].iloc[-1])
            if last <= since - MINUTE_MS:
                break
            since = last + MINUTE_MS
        if not pages:
            return pd.DataFrame({c: np.empty(0, dtype=np.int64 if c == "ts" else np.float64) for c in COLUMNS})
        return pd.concat(pages, ignore_index=True)
