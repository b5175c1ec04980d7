"""Candles, funding rates and market filters for the simulator.

The candle source sits behind a small interface (`CandleSource`): anything that can list coins
and hand out one coin's 1m OHLCV (and optionally its funding rates) can feed the simulator.
`FreqtradeFolder` reads a freqtrade-format data folder (`BASE_QUOTE_SETTLE-1m-futures.feather`,
`*-8h-funding_rate.feather` with the rate in column `open`), the bundled sample among them;
`CacheSource` reads the project's Parquet candle cache. Both validate and gap-fill through
`src/candles/` (one rule for every ingest).

Gap policy (as the backtester): a missing minute inside a coin's range becomes a flat candle at
the previous close with zero volume, so every symbol has one candle per minute from its first to
its last.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Protocol

import numpy as np
import pandas as pd

from backtesting.markets import MarketSpec, load_markets
from candles import freqtrade
from candles.errors import DataError
from candles.freqtrade import read_feather
from candles.gaps import span_minutes, standardize
from candles.store import CandleStore
from candles.symbols import coin_of

MINUTE_MS = 60_000
log = logging.getLogger(__name__)


@dataclass
class Candles:
    """One symbol's 1m candles on a gap-free minute grid (`ts[i] = ts[0] + i·60 000`)."""

    ts: np.ndarray  # int64 open times, ms
    open: np.ndarray
    high: np.ndarray
    low: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    @property
    def first_ts(self) -> int:
        return int(self.ts[0])

    @property
    def last_ts(self) -> int:
        return int(self.ts[-1])

    def __len__(self) -> int:
        return len(self.ts)

    def index_of(self, open_ms: int) -> int:
        """Index of the candle opening at `open_ms` (may be outside `[0, len)`)."""
        return (open_ms - self.first_ts) // MINUTE_MS

    def last_closed_index(self, now_ms: int) -> int:
        """Index of the newest candle closed at `now_ms` (its close time `ts + 60 000 ≤ now`),
        clipped to the data; -1 if none has closed yet."""
        k = (now_ms - self.first_ts) // MINUTE_MS - 1
        return min(k, len(self) - 1)


@dataclass
class Funding:
    """Funding events of one symbol: time (ms) and rate."""

    ts: np.ndarray
    rate: np.ndarray


class CandleSource(Protocol):
    """What the simulator needs from a data source."""

    def coins(self) -> list[str]: ...

    def candles(self, coin: str) -> Candles: ...

    def funding(self, coin: str) -> Funding | None: ...


def candles_from_frame(df: pd.DataFrame) -> Candles:
    """Validated candles (columns ts, open, high, low, close, volume) as gap-free `Candles`:
    inner gaps become flat candles at the previous close, zero volume (the project's gap policy)."""
    first, last = int(df["ts"].iloc[0]), int(df["ts"].iloc[-1])
    grid, spans = standardize(df, first, last)
    if spans:
        log.debug("[data] %d missing minutes filled with flat candles", span_minutes(spans))
    col = {
        c: np.ascontiguousarray(grid[c].to_numpy(dtype=np.float64)) for c in ("open", "high", "low", "close", "volume")
    }
    return Candles(ts=grid["ts"].to_numpy(dtype=np.int64), **col)


def read_ohlcv(path: Path, coin: str) -> Candles:
    """A freqtrade 1m file as gap-free `Candles`; names the coin and time of any bad row."""
    return candles_from_frame(read_feather(path, coin))


def _funding_from_frame(df: pd.DataFrame) -> Funding:
    order = np.argsort(df["ts"].to_numpy(), kind="stable")
    return Funding(ts=df["ts"].to_numpy(dtype=np.int64)[order], rate=df["open"].to_numpy(dtype=np.float64)[order])


class FreqtradeFolder:
    """A freqtrade data folder: `*-1m-futures.feather` (or spot `*-1m.feather`) candle files and
    optional `*-funding_rate.feather` files (rate in column `open`)."""

    def __init__(self, folder: Path, coins: list[str] | None = None):
        self.folder = Path(folder)
        # Keyed by the exchange's base asset (1000PEPE), as Binance names the market.
        files = freqtrade.candle_files(self.folder)
        if coins:
            unknown = [c for c in coins if c not in files]
            if unknown:
                raise DataError(f"no 1m candles for {', '.join(unknown)} in {self.folder}")
            files = {c: files[c] for c in coins}
        self._files = files
        self._funding_files: dict[str, Path] = {}
        for f in freqtrade.scan_folder(self.folder):
            if f.kind == "funding_rate":
                self._funding_files.setdefault(f.coin, f.path)

    def coins(self) -> list[str]:
        return sorted(self._files)

    def candles(self, coin: str) -> Candles:
        return read_ohlcv(self._files[coin], coin)

    def funding(self, coin: str) -> Funding | None:
        path = self._funding_files.get(coin)
        if path is None:
            return None
        return _funding_from_frame(read_feather(path, coin, candles=False, need_open=True))


class CacheSource:
    """The project's candle cache (`<cache_dir>/ohlcv/<exchange>/…`, see `src/candles/`), with
    funding-rate series imported next to the candles."""

    def __init__(self, cache_dir: Path, exchange: str = "binanceusdm", coins: list[str] | None = None):
        self.store = CandleStore(cache_dir, exchange)
        symbols = {coin_of(s): s for s in self.store.symbols()}
        if not symbols:
            raise DataError(f"no candles in the cache {self.store.root}")
        if coins:
            unknown = [c for c in coins if c not in symbols]
            if unknown:
                raise DataError(f"no cached 1m candles for {', '.join(unknown)} in {self.store.root}")
            symbols = {c: symbols[c] for c in coins}
        self._symbols = symbols

    def coins(self) -> list[str]:
        return sorted(self._symbols)

    def candles(self, coin: str) -> Candles:
        df = self.store.read(self._symbols[coin], 0, 2**62)
        if df.empty:
            raise DataError(f"{coin}: no candles in the cache {self.store.root}")
        return candles_from_frame(df)

    def funding(self, coin: str) -> Funding | None:
        for kind, _tf, path in self.store.aux_files(self._symbols[coin]):
            if kind == "funding_rate":
                return _funding_from_frame(self.store.read_aux(path))
        return None


def open_source(path: Path, coins: list[str] | None = None, exchange: str = "binanceusdm") -> CandleSource:
    """A freqtrade data folder, or the candle cache when `path` holds an `ohlcv/` folder."""
    path = Path(path)
    if (path / "ohlcv").is_dir():
        return CacheSource(path, exchange, coins)
    return FreqtradeFolder(path, coins)


def step_decimals(step: float) -> int:
    """Decimals of a tick/step size: 0.001 → 3, 1.0 → 0."""
    exp = Decimal(repr(step)).normalize().as_tuple().exponent
    return max(0, -int(exp))


def derived_spec(coin: str, candles: Candles) -> MarketSpec:
    """Filters for a coin missing from the markets file: a price step of ~5 significant digits of
    the median close and a quantity step worth about 5 USDT at most."""
    price = float(np.median(candles.close))
    price_step = 10.0 ** (math.floor(math.log10(price)) - 4)
    qty_step = 10.0 ** min(3, max(-3, math.floor(math.log10(5.0 / price))))
    qty_step = float(f"{qty_step:.0e}")
    price_step = float(f"{price_step:.0e}")
    return MarketSpec(
        coin=coin,
        symbol=f"{coin}/USDT:USDT",
        qty_step=qty_step,
        price_step=price_step,
        min_qty=qty_step,
        min_cost=5.0,
        c_mult=1.0,
        maker_fee=0.0002,
        taker_fee=0.0005,
    )


@dataclass
class Market:
    """One simulated symbol: filters, fees and data."""

    coin: str
    symbol: str  # Binance id, e.g. BTCUSDT
    spec: MarketSpec
    candles: Candles
    funding: Funding | None

    @property
    def price_decimals(self) -> int:
        return step_decimals(self.spec.price_step)

    @property
    def qty_decimals(self) -> int:
        return step_decimals(self.spec.qty_step)

    def fmt_price(self, value: float) -> str:
        return f"{value:.{self.price_decimals}f}"

    def fmt_qty(self, value: float) -> str:
        return f"{value:.{self.qty_decimals}f}"


class MarketData:
    """All simulated symbols, keyed by Binance id (`BTCUSDT`)."""

    def __init__(self, markets: dict[str, Market]):
        if not markets:
            raise DataError("no market to simulate")
        self.markets = dict(sorted(markets.items()))

    @classmethod
    def load(cls, source: CandleSource, markets_file: Path, quote: str = "USDT") -> MarketData:
        specs = load_markets(markets_file) if markets_file else {}
        markets = {}
        for coin in source.coins():
            candles = source.candles(coin)
            spec = specs.get(coin)
            if spec is None:
                spec = derived_spec(coin, candles)
                log.warning(
                    "[data] %s not in %s: derived tick %g, step %g (add an entry to set them)",
                    coin,
                    markets_file,
                    spec.price_step,
                    spec.qty_step,
                )
            symbol = f"{coin}{quote}"
            markets[symbol] = Market(coin, symbol, spec, candles, source.funding(coin))
        return cls(markets)

    @property
    def first_ts(self) -> int:
        return min(m.candles.first_ts for m in self.markets.values())

    @property
    def end_ms(self) -> int:
        """Close time of the newest candle of any symbol."""
        return max(m.candles.last_ts for m in self.markets.values()) + MINUTE_MS

    def get(self, symbol: str) -> Market | None:
        return self.markets.get(symbol)

    def last_close(self, market: Market, now_ms: int) -> float | None:
        k = market.candles.last_closed_index(now_ms)
        return float(market.candles.close[k]) if k >= 0 else None

    def status(self, market: Market, now_ms: int) -> str:
        """Binance symbol status at `now_ms`: before the first candle PENDING_TRADING, after
        the last one SETTLING, else TRADING."""
        c = market.candles
        if now_ms < c.first_ts + MINUTE_MS:
            return "PENDING_TRADING"
        if now_ms > c.last_ts + MINUTE_MS:
            return "SETTLING"
        return "TRADING"


INTERVALS_MIN = {
    "1m": 1,
    "3m": 3,
    "5m": 5,
    "15m": 15,
    "30m": 30,
    "1h": 60,
    "2h": 120,
    "4h": 240,
    "6h": 360,
    "8h": 480,
    "12h": 720,
    "1d": 1440,
}


def klines(candles: Candles, minutes: int, now_ms: int, start_ms, end_ms, limit: int) -> list[list]:
    """Closed candles of `minutes` length (aggregated from 1m, aligned on multiples of the
    interval since the epoch) as Binance kline rows. With `start_ms` the first `limit` from it,
    else the last `limit` ending at `end_ms` (or now). A bucket is served only when all its
    minutes have closed."""
    span = minutes * MINUTE_MS
    last_closed = candles.last_closed_index(now_ms)
    if last_closed < 0:
        return []
    newest_open = int(candles.ts[last_closed])
    newest_bucket = (newest_open + MINUTE_MS) // span * span - span  # last fully closed bucket
    if end_ms is not None:
        newest_bucket = min(newest_bucket, int(end_ms) // span * span)
    oldest_bucket = candles.first_ts // span * span
    if start_ms is not None:
        first = max(oldest_bucket, -(-int(start_ms) // span) * span)
        buckets = range(first, newest_bucket + 1, span)[:limit]
    else:
        buckets = range(oldest_bucket, newest_bucket + 1, span)[-limit:]
    rows = []
    for b in buckets:
        i0 = max(0, candles.index_of(b))
        i1 = min(len(candles), candles.index_of(b + span))
        if i1 <= i0:
            continue
        o = float(candles.open[i0])
        h = float(candles.high[i0:i1].max())
        lo = float(candles.low[i0:i1].min())
        c = float(candles.close[i1 - 1])
        v = float(candles.volume[i0:i1].sum())
        qv = float((candles.volume[i0:i1] * candles.close[i0:i1]).sum())
        rows.append([b, o, h, lo, c, v, b + span - 1, qv, int(i1 - i0)])
    return rows
