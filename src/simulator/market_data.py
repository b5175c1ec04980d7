"""Candles, funding rates and market filters for the simulator.

The candle source sits behind a small interface (`CandleSource`): anything that can list coins
and hand out one coin's 1m OHLCV (and optionally its funding rates) can feed the simulator.
`FreqtradeFolder` reads a freqtrade-format data folder (`BASE_QUOTE_SETTLE-1m-futures.feather`,
`*-8h-funding_rate.feather` with the rate in column `open`), the bundled sample among them.
The project's Parquet candle cache can be plugged in the same way.

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
from pyarrow import feather

from backtesting.data import DataError, freqtrade_files, utc
from backtesting.markets import MarketSpec, load_markets

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


def _timestamps_ms(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.DatetimeTZDtype):
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
    if np.issubdtype(column.dtype, np.datetime64):
        return column.astype("datetime64[ms]").to_numpy().astype(np.int64)
    return column.to_numpy().astype(np.int64)


def _read_table(path: Path, coin: str, columns: list[str]):
    try:
        table = feather.read_table(path)
    except Exception as e:
        raise DataError(f"{coin}: cannot read {path}: {e}") from e
    missing = set(columns) - set(table.column_names)
    if missing:
        raise DataError(f"{coin}: {path} lacks columns {sorted(missing)}")
    return table


def read_ohlcv(path: Path, coin: str) -> Candles:
    """A freqtrade 1m file as gap-free `Candles`; names the coin and time of any bad row."""
    cols = ["date", "open", "high", "low", "close", "volume"]
    table = _read_table(path, coin, cols)
    df = table.select(cols).to_pandas()
    ts = _timestamps_ms(df["date"])
    if len(ts) == 0:
        raise DataError(f"{coin}: {path} has no candles")
    steps = np.diff(ts)
    if (steps <= 0).any():
        k = int(np.argmax(steps <= 0)) + 1
        raise DataError(f"{coin}: timestamp {utc(int(ts[k]))} is duplicated or out of order in {path}")
    if (ts % MINUTE_MS != 0).any():
        k = int(np.argmax(ts % MINUTE_MS != 0))
        raise DataError(f"{coin}: timestamp {ts[k]} ms is not on a minute boundary in {path}")
    values = df[["open", "high", "low", "close", "volume"]].to_numpy(dtype=np.float64)
    bad = ~np.isfinite(values).all(axis=1) | (values[:, 1] < values[:, 2]) | (values[:, 4] < 0)
    if bad.any():
        k = int(np.argmax(bad))
        raise DataError(f"{coin}: bad candle at {utc(int(ts[k]))} in {path}: {values[k].tolist()}")
    n = int((ts[-1] - ts[0]) // MINUTE_MS) + 1
    grid = np.full((n, 5), np.nan)
    grid[(ts - ts[0]) // MINUTE_MS] = values
    missing = np.isnan(grid[:, 3])
    if missing.any():
        close = grid[:, 3].copy()
        for i in np.flatnonzero(missing):  # forward fill (the first row is never missing)
            close[i] = close[i - 1]
        grid[missing, 0:4] = close[missing, None]
        grid[missing, 4] = 0.0
        log.debug("[data] %s: %d missing minutes filled with flat candles", coin, int(missing.sum()))
    return Candles(
        ts=ts[0] + MINUTE_MS * np.arange(n, dtype=np.int64),
        open=np.ascontiguousarray(grid[:, 0]),
        high=np.ascontiguousarray(grid[:, 1]),
        low=np.ascontiguousarray(grid[:, 2]),
        close=np.ascontiguousarray(grid[:, 3]),
        volume=np.ascontiguousarray(grid[:, 4]),
    )


class FreqtradeFolder:
    """A freqtrade data folder: `*-1m-futures.feather` (or spot `*-1m.feather`) candle files and
    optional `*-funding_rate.feather` files (rate in column `open`)."""

    def __init__(self, folder: Path, coins: list[str] | None = None):
        self.folder = Path(folder)
        files = freqtrade_files(self.folder)
        if coins:
            unknown = [c for c in coins if c not in files]
            if unknown:
                raise DataError(f"no 1m candles for {', '.join(unknown)} in {self.folder}")
            files = {c: files[c] for c in coins}
        self._files = files
        self._funding_files: dict[str, Path] = {}
        for sub in (self.folder, self.folder / "futures"):
            if sub.is_dir():
                for path in sorted(sub.glob("*-funding_rate.feather")):
                    self._funding_files.setdefault(path.name.split("_")[0], path)

    def coins(self) -> list[str]:
        return sorted(self._files)

    def candles(self, coin: str) -> Candles:
        return read_ohlcv(self._files[coin], coin)

    def funding(self, coin: str) -> Funding | None:
        path = self._funding_files.get(coin)
        if path is None:
            return None
        table = _read_table(path, coin, ["date", "open"])
        df = table.select(["date", "open"]).to_pandas()
        ts = _timestamps_ms(df["date"])
        rate = df["open"].to_numpy(dtype=np.float64)
        order = np.argsort(ts, kind="stable")
        return Funding(ts=ts[order], rate=rate[order])


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
