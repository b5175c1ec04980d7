"""The Parquet candle cache on disk.

    caches/ohlcv/<exchange>/<SYMBOL>/1m/YYYY-MM.parquet   real 1m candles of one UTC month
    caches/ohlcv/<exchange>/<SYMBOL>/meta.json            known gaps (minutes no source has)
    caches/ohlcv/<exchange>/<SYMBOL>/<kind>-<tf>.parquet  funding_rate / mark series (imports)
    caches/ohlcv/<exchange>/<SYMBOL>/.lock                cross-process writer lock

`<exchange>` is the ccxt id (`binanceusdm`), `<SYMBOL>` the ccxt symbol with `/` and `:` replaced
by `_` (`BTC_USDT_USDT`). Shards hold columns ts (int64, UTC ms open time, minute aligned, strictly
increasing), open, high, low, close, volume (float64), zstd-compressed with page checksums.

Writes validate the candles, then under the symbol's lock read the month, merge (new rows win on
equal timestamps) and replace the file atomically (temp file, fsync, rename). Reads take no lock;
every shard read is checked (Parquet checksums, schema, order, month bounds) and a bad file raises
`CorruptCacheError` naming it — it is never used.
"""

from __future__ import annotations

import json
import logging
import os
import re
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from .errors import CorruptCacheError
from .locks import FileLock
from .symbols import exchange_id, symbol_dir, to_symbol
from .timeutil import MINUTE_MS, month_start, month_str, months_between, next_month
from .validate import check_frame

log = logging.getLogger(__name__)

COLUMNS = ["ts", "open", "high", "low", "close", "volume"]
SCHEMA = pa.schema([("ts", pa.int64())] + [(c, pa.float64()) for c in COLUMNS[1:]])
SHARD_RE = re.compile(r"^(\d{4})-(\d{2})\.parquet$")
WRITE_OPTIONS: dict[str, Any] = {
    "compression": "zstd",
    "compression_level": 3,
    "use_dictionary": False,
    "write_page_checksum": True,
    "column_encoding": {"ts": "DELTA_BINARY_PACKED", **{c: "BYTE_STREAM_SPLIT" for c in COLUMNS[1:]}},
    "write_statistics": ["ts"],
}


def empty_frame() -> pd.DataFrame:
    return pd.DataFrame({c: np.empty(0, dtype=np.int64 if c == "ts" else np.float64) for c in COLUMNS})


def fsync_dir(path: Path) -> None:
    if os.name != "posix":
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write_table(table: pa.Table, path: Path, **options: Any) -> None:
    """Write `table` to `path` so readers see either the old or the complete new file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as f:
            pq.write_table(table, f, **options)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
        fsync_dir(path.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def atomic_write_text(text: str, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "w") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def frame_to_table(df: pd.DataFrame) -> pa.Table:
    return pa.Table.from_arrays(
        [pa.array(df["ts"].to_numpy(dtype=np.int64))]
        + [pa.array(df[c].to_numpy(dtype=np.float64)) for c in COLUMNS[1:]],
        schema=SCHEMA,
    )


def table_to_frame(table: pa.Table) -> pd.DataFrame:
    return pd.DataFrame({name: table.column(name).to_numpy() for name in table.column_names}, copy=False)


class CandleStore:
    """One exchange's cache folder."""

    def __init__(self, cache_dir: Path | str = "caches", exchange: str = "binanceusdm", lock_timeout_s: float = 10.0):
        self.exchange = exchange_id(exchange)
        self.root = Path(cache_dir) / "ohlcv" / self.exchange
        self.lock_timeout_s = lock_timeout_s

    # ---- paths --------------------------------------------------------------------------------

    def symbol_path(self, symbol: str) -> Path:
        return self.root / symbol_dir(symbol)

    def shard_path(self, symbol: str, month_ms: int) -> Path:
        return self.symbol_path(symbol) / "1m" / f"{month_str(month_ms)}.parquet"

    def lock(self, symbol: str) -> FileLock:
        return FileLock(self.symbol_path(symbol) / ".lock", self.lock_timeout_s)

    def symbols(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(
            to_symbol(p.name) for p in self.root.iterdir() if (p / "1m").is_dir() and any((p / "1m").glob("*.parquet"))
        )

    def shard_months(self, symbol: str) -> list[int]:
        folder = self.symbol_path(symbol) / "1m"
        if not folder.is_dir():
            return []
        months = []
        for p in folder.iterdir():
            m = SHARD_RE.match(p.name)
            if m:
                months.append(int(pd.Timestamp(f"{m[1]}-{m[2]}-01", tz="UTC").value // 1_000_000))
        return sorted(months)

    # ---- reading ------------------------------------------------------------------------------

    def read_shard(self, path: Path, month_ms: int, columns: list[str] | None = None) -> pa.Table:
        """One month's candles, checked; `CorruptCacheError` if unreadable or inconsistent."""
        try:
            table = pq.read_table(path, columns=columns, page_checksum_verification=True, use_threads=False)
        except (OSError, pa.ArrowException, ValueError) as e:
            raise CorruptCacheError(path, f"unreadable Parquet ({type(e).__name__}: {e})") from e
        want = SCHEMA if columns is None else pa.schema([SCHEMA.field(c) for c in columns])
        if not table.schema.equals(want):
            raise CorruptCacheError(path, f"unexpected columns {table.schema.names} / types")
        if table.num_rows == 0:
            raise CorruptCacheError(path, "no rows")
        ts = table.column("ts").to_numpy()
        steps = np.diff(ts)
        if (steps <= 0).any() or (ts % MINUTE_MS != 0).any():
            raise CorruptCacheError(path, "timestamps not strictly increasing on minute boundaries")
        if ts[0] < month_ms or ts[-1] >= next_month(month_ms):
            raise CorruptCacheError(path, f"timestamps outside {month_str(month_ms)}")
        return table

    def read(self, symbol: str, start_ms: int, end_ms: int, columns: list[str] | None = None) -> pd.DataFrame:
        """Real cached candles with `start_ms <= ts <= end_ms`, sorted (columns `COLUMNS`)."""
        first_month = month_start(max(start_ms, 0))
        parts = []
        for m in self.shard_months(symbol):
            if m < first_month or m > end_ms:
                continue
            table = self.read_shard(self.shard_path(symbol, m), m, columns)
            ts = table.column("ts").to_numpy()
            lo = int(np.searchsorted(ts, start_ms, "left"))
            hi = int(np.searchsorted(ts, end_ms, "right"))
            if hi > lo:
                parts.append(table.slice(lo, hi - lo))
        if not parts:
            df = empty_frame()
            return df if columns is None else df[columns]
        return table_to_frame(pa.concat_tables(parts).combine_chunks())

    def last_before(self, symbol: str, ts_ms: int) -> pd.Series | None:
        """The last real candle with `ts < ts_ms` (looks back through earlier months)."""
        for m in reversed([m for m in self.shard_months(symbol) if m < ts_ms]):
            df = self.read(symbol, m, ts_ms - MINUTE_MS)
            if len(df):
                return df.iloc[-1]
        return None

    # ---- writing ------------------------------------------------------------------------------

    def write(self, symbol: str, df: pd.DataFrame, source: str) -> int:
        """Validate and merge real candles into the cache; returns the number of new minutes."""
        if df is None or len(df) == 0:
            return 0
        df = df[COLUMNS]
        check_frame(df, to_symbol(symbol), source)
        ts = df["ts"].to_numpy(dtype=np.int64)
        added = 0
        with self.lock(symbol):
            for m in months_between(int(ts[0]), int(ts[-1])):
                lo = int(np.searchsorted(ts, m, "left"))
                hi = int(np.searchsorted(ts, next_month(m), "left"))
                if hi > lo:
                    added += self._merge_month(symbol, m, df.iloc[lo:hi])
        return added

    def _merge_month(self, symbol: str, month_ms: int, new: pd.DataFrame) -> int:
        path = self.shard_path(symbol, month_ms)
        old = None
        if path.exists():
            try:
                old = table_to_frame(self.read_shard(path, month_ms))
            except CorruptCacheError as e:
                moved = self.quarantine(path)
                log.warning("[candles] %s; moved to %s, replaced by new data", e, moved.name)
        if old is None or len(old) == 0:
            atomic_write_table(frame_to_table(new), path, **WRITE_OPTIONS)
            return len(new)
        both = pd.concat([old, new], ignore_index=True)
        ts = both["ts"].to_numpy()
        order = np.argsort(ts, kind="stable")
        ts_sorted = ts[order]
        keep = np.r_[ts_sorted[1:] != ts_sorted[:-1], True]  # last of equal timestamps: new wins
        merged = both.iloc[order[keep]].reset_index(drop=True)
        added = len(merged) - len(old)
        if added == 0 and merged[COLUMNS[1:]].equals(old[COLUMNS[1:]]):
            return 0
        atomic_write_table(frame_to_table(merged), path, **WRITE_OPTIONS)
        return added

    def quarantine(self, path: Path) -> Path:
        """Move a bad file aside (`<name>.corrupt-<time>`) so it is never read again."""
        dest = path.with_name(f"{path.name}.corrupt-{time.strftime('%Y%m%dT%H%M%S')}")
        os.replace(path, dest)
        return dest

    def delete_month(self, symbol: str, month_ms: int) -> None:
        with self.lock(symbol):
            self.shard_path(symbol, month_start(month_ms)).unlink(missing_ok=True)

    # ---- metadata (known gaps) ----------------------------------------------------------------

    def meta_path(self, symbol: str) -> Path:
        return self.symbol_path(symbol) / "meta.json"

    def read_meta(self, symbol: str) -> dict[str, Any]:
        path = self.meta_path(symbol)
        if not path.exists():
            return {"known_gaps": []}
        try:
            meta = json.loads(path.read_text())
        except (OSError, ValueError) as e:
            log.warning("[candles] unreadable %s (%s); known gaps forgotten", path, e)
            return {"known_gaps": []}
        meta.setdefault("known_gaps", [])
        return meta

    def update_meta(self, symbol: str, change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
        with self.lock(symbol):
            meta = self.read_meta(symbol)
            change(meta)
            atomic_write_text(json.dumps(meta, indent=1, sort_keys=True), self.meta_path(symbol))
            return meta

    def known_gaps(self, symbol: str) -> list[tuple[int, int]]:
        return [(int(g["start"]), int(g["end"])) for g in self.read_meta(symbol)["known_gaps"]]

    # ---- auxiliary series (funding rate, mark price) ------------------------------------------

    def aux_path(self, symbol: str, kind: str, timeframe: str) -> Path:
        return self.symbol_path(symbol) / f"{kind}-{timeframe}.parquet"

    def write_aux(self, symbol: str, kind: str, timeframe: str, df: pd.DataFrame) -> None:
        table = pa.Table.from_pandas(df[COLUMNS], schema=SCHEMA, preserve_index=False)
        with self.lock(symbol):
            atomic_write_table(
                table, self.aux_path(symbol, kind, timeframe), compression="zstd", write_page_checksum=True
            )

    def aux_files(self, symbol: str) -> list[tuple[str, str, Path]]:
        out = []
        for p in sorted(self.symbol_path(symbol).glob("*-*.parquet")):
            kind, _, tf = p.stem.rpartition("-")
            out.append((kind, tf, p))
        return out

    def read_aux(self, path: Path) -> pd.DataFrame:
        try:
            return table_to_frame(pq.read_table(path, page_checksum_verification=True))
        except (OSError, pa.ArrowException, ValueError) as e:
            raise CorruptCacheError(path, f"unreadable Parquet ({type(e).__name__}: {e})") from e
