"""freqtrade data folders: read their Feather files, import a folder into the cache, export the
cache back to Feather (or CSV).

freqtrade names files `<PAIR>-<timeframe>[-<candle type>].feather` with `<PAIR>` the ccxt symbol
with `/` and `:` as `_`: `BTC_USDT_USDT-1m-futures.feather` (perpetual 1m candles),
`BTC_USDT-1m.feather` (spot), `BTC_USDT_USDT-8h-funding_rate.feather` (rate in `open`),
`BTC_USDT_USDT-8h-mark.feather` (mark-price candles). Columns: `date` (timestamp, UTC open time),
open, high, low, close, volume (float64). Files may sit in the folder or its `futures/` subfolder.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from pyarrow import feather

from .errors import DataError
from .store import COLUMNS, CandleStore
from .symbols import coin_of, is_swap, symbol_dir, to_symbol
from .validate import check_frame

log = logging.getLogger(__name__)

FILE_RE = re.compile(
    r"^(?P<pair>[A-Za-z0-9]+_[A-Za-z0-9]+(?:_[A-Za-z0-9]+)?)-(?P<tf>\d+[smhdwM])"
    r"(?:-(?P<kind>futures|mark|funding_rate|index|premiumIndex))?\.feather$"
)
AUX_KINDS = ("funding_rate", "mark")


@dataclass(frozen=True)
class FreqtradeFile:
    path: Path
    symbol: str
    timeframe: str
    kind: str  # "candles", "funding_rate", "mark", ...

    @property
    def coin(self) -> str:
        return coin_of(self.symbol)


def scan_folder(folder: Path) -> list[FreqtradeFile]:
    """Every recognised file in a freqtrade data folder (and its `futures/` subfolder)."""
    folder = Path(folder)
    if not folder.is_dir():
        raise DataError(f"data folder {folder} does not exist")
    out = []
    for sub in (folder, folder / "futures"):
        if not sub.is_dir():
            continue
        for path in sorted(sub.glob("*.feather")):
            m = FILE_RE.match(path.name)
            if not m:
                continue
            kind = m["kind"] or "candles"
            if kind == "futures":
                kind = "candles"
            out.append(FreqtradeFile(path, to_symbol(m["pair"]), m["tf"], kind))
    return out


def candle_files(folder: Path) -> dict[str, Path]:
    """Coin → 1m candle file (perpetual files preferred over spot)."""
    found: dict[str, Path] = {}
    for f in scan_folder(folder):
        if f.kind != "candles" or f.timeframe != "1m":
            continue
        if is_swap(f.symbol):
            found[f.coin] = f.path
        else:
            found.setdefault(f.coin, f.path)
    if not found:
        raise DataError(f"no 1m candle files (*-1m-futures.feather or *-1m.feather) in {folder}")
    return found


def _ts_ms(dates: pa.ChunkedArray, what: str) -> np.ndarray:
    if pa.types.is_timestamp(dates.type):
        unit_ns = {"s": 1_000_000_000, "ms": 1_000_000, "us": 1_000, "ns": 1}[dates.type.unit]
        raw = dates.cast(pa.int64()).to_numpy()
        ns = raw * unit_ns
        if (ns % 1_000_000 != 0).any():
            k = int(np.argmax(ns % 1_000_000 != 0))
            raise DataError(f"{what}: timestamp {pd.Timestamp(int(ns[k]), tz='UTC')} has sub-millisecond precision")
        return ns // 1_000_000
    if pa.types.is_integer(dates.type):
        return dates.to_numpy().astype(np.int64)
    raise DataError(f"{what}: column date has type {dates.type}, expected a timestamp")


def read_feather(path: Path, symbol: str, *, candles: bool = True, need_open: bool = True) -> pd.DataFrame:
    """A freqtrade Feather file as columns ts (int64 ms), [open,] high, low, close, volume.
    1m candles (`candles=True`) are validated (order, minute grid, bad values)."""
    try:
        table = feather.read_table(path)
    except Exception as e:
        raise DataError(f"{symbol}: cannot read {path}: {e}") from e
    wanted = ["date"] + (["open"] if need_open else []) + ["high", "low", "close", "volume"]
    missing = set(wanted) - set(table.column_names)
    if missing:
        raise DataError(f"{symbol}: {path} lacks columns {sorted(missing)}")
    df = pd.DataFrame({"ts": _ts_ms(table.column("date"), f"{symbol}: {path}")})
    for c in wanted[1:]:
        try:
            df[c] = table.column(c).to_numpy().astype(np.float64, copy=False)
        except (ValueError, TypeError) as e:
            raise DataError(f"{symbol}: {path}: column {c!r} is not numeric ({e})") from e
    if candles:
        check_frame(df, symbol, str(path))
    return df


def write_feather(df: pd.DataFrame, path: Path) -> None:
    """Frame (ts, open, high, low, close, volume) → freqtrade Feather (date as timestamp[ns, UTC])."""
    table = pa.table(
        {
            "date": pa.array(df["ts"].to_numpy(dtype=np.int64) * 1_000_000, type=pa.timestamp("ns", tz="UTC")),
            **{c: pa.array(df[c].to_numpy(dtype=np.float64)) for c in COLUMNS[1:]},
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    feather.write_feather(table, path, compression="zstd")


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """Frame → CSV with columns ts (UTC ms), date (ISO 8601), open, high, low, close, volume;
    floats written with full precision (they read back exactly)."""
    out = df[COLUMNS].copy()
    out.insert(1, "date", pd.to_datetime(out["ts"], unit="ms", utc=True).dt.strftime("%Y-%m-%dT%H:%M:%SZ"))
    path.parent.mkdir(parents=True, exist_ok=True)
    out.to_csv(path, index=False, float_format=None)


def file_name(symbol: str, timeframe: str, kind: str, fmt: str = "feather") -> str:
    prefix = symbol_dir(symbol)
    suffix = {"candles": "-futures" if is_swap(symbol) else ""}.get(kind, f"-{kind}")
    return f"{prefix}-{timeframe}{suffix}.{fmt}"


@dataclass
class ImportResult:
    symbol: str
    kind: str
    timeframe: str
    rows: int
    added: int
    path: Path


def import_folder(
    folder: Path,
    store: CandleStore,
    coins: list[str] | None = None,
    *,
    on_file: Callable[[ImportResult], None] | None = None,
) -> list[ImportResult]:
    """Import 1m candles and funding-rate/mark series of a freqtrade folder into `store`.
    Other timeframes are skipped (logged). Bad candles stop the import with a `DataError`."""
    wanted = {c.upper() for c in coins} if coins else None
    results = []
    for f in scan_folder(folder):
        if wanted is not None and f.coin.upper() not in wanted:
            continue
        if f.kind == "candles" and f.timeframe == "1m":
            df = read_feather(f.path, f.symbol)
            added = store.write(f.symbol, df, str(f.path))
        elif f.kind in AUX_KINDS:
            df = read_feather(f.path, f.symbol, candles=False)
            store.write_aux(f.symbol, f.kind, f.timeframe, df)
            added = len(df)
        else:
            log.info("[import] skipped %s (only 1m candles, funding_rate and mark are imported)", f.path.name)
            continue
        result = ImportResult(f.symbol, f.kind, f.timeframe, len(df), added, f.path)
        results.append(result)
        if on_file:
            on_file(result)
    if not results:
        raise DataError(f"nothing to import in {folder}" + (f" for {', '.join(sorted(wanted))}" if wanted else ""))
    return results


def export_symbol(
    store: CandleStore,
    symbol: str,
    dest: Path,
    *,
    start_ms: int = 0,
    end_ms: int = 2**62,
    fmt: str = "feather",
    include_aux: bool = True,
) -> list[Path]:
    """Write a symbol's cached 1m candles (and imported funding/mark series) as freqtrade files."""
    writer = write_feather if fmt == "feather" else write_csv
    written = []
    df = store.read(symbol, start_ms, end_ms)
    if len(df):
        path = Path(dest) / file_name(symbol, "1m", "candles", fmt)
        writer(df, path)
        written.append(path)
    if include_aux:
        for kind, tf, p in store.aux_files(symbol):
            aux = store.read_aux(p)
            aux = aux[(aux["ts"] >= start_ms) & (aux["ts"] <= end_ms)]
            path = Path(dest) / file_name(symbol, tf, kind, fmt)
            writer(aux, path)
            written.append(path)
    return written
