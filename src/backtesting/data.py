"""Candles for a backtest: read 1m OHLCV per coin, align every coin on one minute grid and build
the `(minutes, coins, 4)` array the Rust engine reads.

Sources: a freqtrade-format data folder (`BASE_QUOTE_SETTLE-1m-futures.feather` or
`BASE_QUOTE-1m.feather`, Feather/Arrow IPC with columns date, open, high, low, close, volume) —
the bundled sample in `data/sample/binance-usdm/` is one.

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
from pyarrow import feather

MINUTE_MS = 60_000
log = logging.getLogger(__name__)
REPO_ROOT = Path(__file__).resolve().parents[2]
BUNDLED_SAMPLE = REPO_ROOT / "data" / "sample" / "binance-usdm"


class DataError(ValueError):
    """Unusable candle data; the message names the coin/file and what is wrong."""


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


def utc(ts_ms: int) -> str:
    return pd.Timestamp(ts_ms, unit="ms", tz="UTC").strftime("%Y-%m-%d %H:%M UTC")


def freqtrade_files(folder: Path) -> dict[str, Path]:
    """Coin → 1m candle file in a freqtrade data folder (futures files preferred over spot)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")
    found: dict[str, Path] = {}
    for sub in (folder, folder / "futures"):
        if not sub.is_dir():
            continue
        for path in sorted(sub.glob("*-1m*.feather")):
            name = path.name
            if name.endswith("-1m-futures.feather"):
                coin = name.split("_")[0]
                found[coin] = path
            elif name.endswith("-1m.feather"):
                coin = name.split("_")[0]
                found.setdefault(coin, path)
    if not found:
        raise DataError(f"no 1m candle files (*-1m-futures.feather or *-1m.feather) in {folder}")
    return found


def read_candles(path: Path, coin: str, with_open: bool = False) -> pd.DataFrame:
    """One coin's candles as columns ts (int64 ms), high, low, close, volume (and open first with
    `with_open`, for the SMC tools), sorted by time.
    Rejects duplicated or unsorted timestamps and bad candles, naming the coin and time."""
    try:
        table = feather.read_table(path)
    except Exception as e:
        raise DataError(f"{coin}: cannot read {path}: {e}") from e
    columns = ["date", *(["open"] if with_open else []), "high", "low", "close", "volume"]
    missing = set(columns) - set(table.column_names)
    if missing:
        raise DataError(f"{coin}: {path} lacks columns {sorted(missing)}")
    df = table.select(columns).to_pandas()
    dates = df.pop("date")
    if isinstance(dates.dtype, pd.DatetimeTZDtype) or np.issubdtype(dates.dtype, np.datetime64):
        ts = dates.astype("datetime64[ms, UTC]" if isinstance(dates.dtype, pd.DatetimeTZDtype) else "datetime64[ms]")
        df.insert(0, "ts", ts.astype("int64"))
    else:
        df.insert(0, "ts", dates.astype("int64"))
    ts = df["ts"].to_numpy()
    if len(ts) == 0:
        raise DataError(f"{coin}: {path} has no candles")
    steps = np.diff(ts)
    if (steps <= 0).any():
        k = int(np.argmax(steps <= 0)) + 1
        kind = "duplicated" if steps[k - 1] == 0 else "out of order"
        raise DataError(f"{coin}: timestamp {utc(int(ts[k]))} is {kind} in {path}")
    if (ts % MINUTE_MS != 0).any():
        k = int(np.argmax(ts % MINUTE_MS != 0))
        raise DataError(f"{coin}: timestamp {ts[k]} ms is not on a minute boundary in {path}")
    values = df[["high", "low", "close", "volume"]].to_numpy()
    bad = ~np.isfinite(values).all(axis=1) | (values[:, 0] < values[:, 1]) | (values[:, 3] < 0)
    if bad.any():
        k = int(np.argmax(bad))
        h, low, c, v = values[k]
        raise DataError(
            f"{coin}: bad candle at {utc(int(ts[k]))} in {path}: high={h} low={low} close={c} volume={v} "
            "(needs finite values, high >= low, volume >= 0)"
        )
    if with_open and not np.isfinite(df["open"].to_numpy()).all():
        k = int(np.argmax(~np.isfinite(df["open"].to_numpy())))
        raise DataError(f"{coin}: bad candle at {utc(int(ts[k]))} in {path}: open={df['open'].iloc[k]}")
    return df


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
        missing = np.isnan(block[:, 2])
        if missing.any():
            # flat candle at the previous close, zero volume
            close = pd.Series(block[:, 2]).ffill().to_numpy()
            block[missing, 0] = block[missing, 1] = block[missing, 2] = close[missing]
            block[missing, 3] = 0.0
        hlcvs[first : last + 1, i, :] = block
        first_valid.append(first)
        last_valid.append(last)

    if "BTC" in kept:
        btc_close = hlcvs[:, coins.index("BTC"), 2]
    elif btc_frame is not None:
        s = btc_frame.set_index("ts")["close"]
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
