"""Candles for a backtest: read 1m OHLCV per coin, align every coin on one minute grid and build
the `(minutes, coins, 4)` array the Rust engine reads.

Sources: a freqtrade-format data folder (`BASE_QUOTE_SETTLE-1m-futures.feather` or
`BASE_QUOTE-1m.feather`, Feather/Arrow IPC with columns date, open, high, low, close, volume) —
the bundled sample in `data/sample/binance-usdm/` is one — or the candle cache (`candles`
package, `load_from_cache`). Reading, validation and the flat gap fill live in `candles`.

Gap policy (as the reference): a missing minute inside a coin's range becomes a flat candle at the
previous close with zero volume; leading minutes are not invented; a coin whose largest gap
exceeds the tolerance is dropped with a warning.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from candles import freqtrade
from candles.errors import DataError
from candles.gaps import fill_flat
from candles.timeutil import MINUTE_MS, utc
from config.coins import symbol_to_coin

log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_SAMPLE = REPO_ROOT / "data" / "sample" / "binance-usdm"
__all__ = [
    "BUNDLED_SAMPLE",
    "DataError",
    "Dataset",
    "build_dataset",
    "freqtrade_files",
    "load_from_cache",
    "load_from_folder",
    "read_candles",
    "utc",
]


@dataclass
class Dataset:
    coins: list[str]
    timestamps: np.ndarray  # int64 ms, one per minute
    hlcvs: np.ndarray  # (minutes, coins, 4) float64: high, low, close, volume; NaN outside a coin's range
    btc_usd: np.ndarray  # (minutes,) BTC close, forward/back filled
    first_valid: list[int]
    last_valid: list[int]
    synthetic_minutes: dict[str, int] = field(default_factory=dict)
    dropped: dict[str, str] = field(default_factory=dict)

    @property
    def first_timestamp_ms(self) -> int:
        return int(self.timestamps[0])


def freqtrade_files(folder: Path) -> dict[str, Path]:
    """Coin → 1m candle file in a freqtrade data folder (futures files preferred over spot).
    Coins are named as in configs (`symbol_to_coin`): `1000PEPE_USDT_USDT-…` is PEPE."""
    return {symbol_to_coin(coin): path for coin, path in freqtrade.candle_files(folder).items()}


def read_candles(path: Path, coin: str, with_open: bool = False) -> pd.DataFrame:
    """One coin's candles as columns ts (int64 ms), high, low, close, volume (and open first with
    `with_open`, for the SMC tools), sorted by time.
    Rejects duplicated or unsorted timestamps and bad candles, naming the coin and time."""
    return freqtrade.read_feather(path, coin, need_open=with_open)


def build_dataset(
    frames: dict[str, pd.DataFrame],
    start_ms: int,
    end_ms: int,
    gap_tolerance_minutes: float,
    btc_frame: pd.DataFrame | None = None,
) -> Dataset:
    """Align coins on the minute grid `[start_ms, end_ms]` (clipped to the data)."""
    start_ms -= start_ms % MINUTE_MS
    end_ms -= end_ms % MINUTE_MS
    kept: dict[str, pd.DataFrame] = {}
    dropped: dict[str, str] = {}
    synthetic: dict[str, int] = {}
    for coin in sorted(frames):
        df = frames[coin]
        df = df[(df["ts"] >= start_ms) & (df["ts"] <= end_ms)]
        if df.empty:
            dropped[coin] = f"no candles between {utc(start_ms)} and {utc(end_ms)}"
            continue
        gaps = np.diff(df["ts"].to_numpy()) // MINUTE_MS - 1
        largest = int(gaps.max()) if len(gaps) else 0
        if largest > gap_tolerance_minutes:
            k = int(np.argmax(gaps))
            dropped[coin] = (
                f"gap of {largest} minutes after {utc(int(df['ts'].iloc[k]))} exceeds "
                f"backtest.gap_tolerance_ohlcvs_minutes={gap_tolerance_minutes:g}"
            )
            continue
        synthetic[coin] = int(gaps.sum()) if len(gaps) else 0
        kept[coin] = df
    for coin, reason in dropped.items():
        log.warning("[data] %s dropped: %s", coin, reason)
    if not kept:
        raise DataError(f"no coin has usable candles between {utc(start_ms)} and {utc(end_ms)}")

    coins = sorted(kept)
    t0 = min(int(df["ts"].iloc[0]) for df in kept.values())
    t1 = max(int(df["ts"].iloc[-1]) for df in kept.values())
    n = (t1 - t0) // MINUTE_MS + 1
    timestamps = t0 + MINUTE_MS * np.arange(n, dtype=np.int64)
    hlcvs = np.full((n, len(coins), 4), np.nan)
    first_valid, last_valid = [], []
    for i, coin in enumerate(coins):
        df = kept[coin]
        idx = (df["ts"].to_numpy() - t0) // MINUTE_MS
        first, last = int(idx[0]), int(idx[-1])
        block = np.full((last - first + 1, 4), np.nan)
        block[idx - first] = df[["high", "low", "close", "volume"]].to_numpy()
        fill_flat(block, close_col=2, volume_col=3)  # flat candle at the previous close, zero volume
        hlcvs[first : last + 1, i, :] = block
        first_valid.append(first)
        last_valid.append(last)

    # BTC dropped from trading (a gap) still gives the BTC/USD series, forward-filled over the gap.
    btc_source = btc_frame if btc_frame is not None else frames.get("BTC")
    if "BTC" in kept:
        btc_close = hlcvs[:, coins.index("BTC"), 2]
    elif btc_source is not None:
        s = btc_source.set_index("ts")["close"]
        btc_close = s.reindex(timestamps).to_numpy()
    else:
        raise DataError(
            "BTC candles are needed for the BTC/USD series (BTC collateral and BTC metrics) but were not found"
        )
    btc_usd = pd.Series(btc_close).ffill().bfill().to_numpy()
    if not np.isfinite(btc_usd).all():
        raise DataError("BTC candles do not cover the backtest window")
    return Dataset(
        coins=coins,
        timestamps=timestamps,
        hlcvs=np.ascontiguousarray(hlcvs),
        btc_usd=np.ascontiguousarray(btc_usd, dtype=np.float64),
        first_valid=first_valid,
        last_valid=last_valid,
        synthetic_minutes=synthetic,
        dropped=dropped,
    )


def load_from_folder(
    folder: Path, coins: list[str], start_ms: int, end_ms: int, gap_tolerance_minutes: float
) -> Dataset:
    """Dataset for `coins` from a freqtrade-format folder. Coins without a file are skipped
    with a warning; BTC is read for the BTC/USD series even when not traded."""
    files = freqtrade_files(folder)
    missing = [c for c in coins if c not in files]
    if missing:
        log.warning(
            "[data] no candles in %s for %s; available: %s", folder, ", ".join(missing), ", ".join(sorted(files))
        )
    wanted = [c for c in coins if c in files]
    if not wanted:
        raise DataError(f"none of the approved coins ({', '.join(coins)}) has candles in {folder}")
    frames = {c: read_candles(files[c], c) for c in wanted}
    btc = None
    if "BTC" not in frames:
        if "BTC" not in files:
            raise DataError(f"{folder} has no BTC candles, needed for the BTC/USD series")
        btc = read_candles(files["BTC"], "BTC")
    return build_dataset(frames, start_ms, end_ms, gap_tolerance_minutes, btc_frame=btc)


def load_from_cache(
    manager,
    coins: list[str],
    start_ms: int,
    end_ms: int,
    gap_tolerance_minutes: float,
    *,
    fetch: bool = False,
    symbols: dict[str, str] | None = None,
) -> Dataset:
    """Dataset for `coins` from the candle cache (`candles.CandlestickManager`), downloading the
    missing minutes first when `fetch` and the manager has sources. `symbols` maps a coin to its
    market symbol where they differ (PEPE → `1000PEPE/USDT:USDT`). Coins without candles are
    dropped with a warning; BTC is read for the BTC/USD series even when not traded."""
    symbols = symbols or {}
    frames = {}
    for coin in sorted(set(coins) | {"BTC"}):
        df = manager.get_candles(symbols.get(coin, coin), start_ms, end_ms, strict=True, fetch=fetch)
        if len(df):
            frames[coin] = df[["ts", "high", "low", "close", "volume"]]
    where = manager.store.root
    missing = [c for c in coins if c not in frames]
    if missing:
        log.warning(
            "[data] no candles in %s for %s between %s and %s", where, ", ".join(missing), utc(start_ms), utc(end_ms)
        )
    if "BTC" not in frames:
        raise DataError(
            f"{where} has no BTC candles between {utc(start_ms)} and {utc(end_ms)}, needed for the BTC/USD series"
        )
    btc = frames.pop("BTC") if "BTC" not in coins else None
    if not frames:
        raise DataError(f"none of the approved coins ({', '.join(coins)}) has candles in {where}")
    return build_dataset(frames, start_ms, end_ms, gap_tolerance_minutes, btc_frame=btc)


def slice_dataset(ds: Dataset, coins: list[str], start_ms: int, end_ms: int) -> Dataset:
    """The minutes `[start_ms, end_ms]` (clipped to the data) of `coins` (those present); coins
    without a candle in the window are left out, with a warning."""
    t0 = int(ds.timestamps[0])
    n = len(ds.timestamps)
    i0 = max(0, (start_ms - t0) // MINUTE_MS)
    i1 = min(n - 1, (end_ms - t0) // MINUTE_MS)
    if i1 < i0:
        raise DataError(f"no data between {utc(start_ms)} and {utc(end_ms)}")
    keep, first_valid, last_valid = [], [], []
    for c in coins:
        if c not in ds.coins:
            log.warning("[data] %s is not in the dataset", c)
            continue
        j = ds.coins.index(c)
        first, last = max(ds.first_valid[j], i0), min(ds.last_valid[j], i1)
        if first > last:
            log.warning("[data] %s has no candles between %s and %s", c, utc(start_ms), utc(end_ms))
            continue
        keep.append(j)
        first_valid.append(first - i0)
        last_valid.append(last - i0)
    if not keep:
        raise DataError(f"none of {', '.join(coins)} has candles between {utc(start_ms)} and {utc(end_ms)}")
    return Dataset(
        coins=[ds.coins[j] for j in keep],
        timestamps=ds.timestamps[i0 : i1 + 1].copy(),
        hlcvs=np.ascontiguousarray(ds.hlcvs[i0 : i1 + 1][:, keep, :]),
        btc_usd=np.ascontiguousarray(ds.btc_usd[i0 : i1 + 1]),
        first_valid=first_valid,
        last_valid=last_valid,
        synthetic_minutes={ds.coins[j]: ds.synthetic_minutes.get(ds.coins[j], 0) for j in keep},
    )
