"""CandlestickManager: 1m candles for the backtester, the optimizer and the live bot.

`get_candles(symbol, start_ts, end_ts)` returns a contiguous, gap-standardised 1m frame read from
the Parquet cache (`store.py`), fetching only the minutes the cache lacks: first whole UTC days /
months from the exchange's public archive (Binance), then the rest through ccxt `fetch_ohlcv`.
Every page is validated and persisted as it arrives. Minutes that no source has (before listing,
exchange outages) are remembered as known gaps and not asked for again
(`force_refetch_gaps=True` retries them). Without sources the manager reads the cache only.

Reference behaviour: passivbot v7 `CandlestickManager` (python spec §4); differences: Parquet month
shards instead of daily .npy, a synchronous API (the live bot can call it from a worker thread),
writers lock only around the merge (two processes may both download a range; the merge is
idempotent).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from . import ema as ema_mod
from .archive import BINANCE_ARCHIVE_URL, MARKETS, BinanceArchive
from .errors import CorruptCacheError, DataError, SourceError
from .exchange import CcxtSource
from .gaps import missing_spans, span_minutes, standardize, subtract_spans
from .store import CandleStore, empty_frame
from .symbols import exchange_id, to_symbol
from .timeutil import DAY_MS, MINUTE_MS, floor_day, last_closed_minute, month_start, next_month, utc

log = logging.getLogger(__name__)

Progress = Callable[[int, str], None]  # (minutes resolved since the last call, note)
MONTHLY_MIN_DAYS = 3  # a complete past month with at least this many days missing → monthly file


@dataclass
class FetchReport:
    symbol: str
    start_ms: int
    end_ms: int
    missing_before: int = 0
    archive_files: int = 0
    archive_not_found: int = 0
    ccxt_requests: int = 0
    added: int = 0
    missing_after: list[tuple[int, int]] = field(default_factory=list)
    known_gaps_added: list[tuple[int, int]] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    failed: list[tuple[int, int]] = field(default_factory=list)  # spans a source failed on


class CandlestickManager:
    def __init__(
        self,
        exchange: str = "binanceusdm",
        cache_dir: Path | str = "caches",
        *,
        archive: BinanceArchive | None = None,
        ccxt: CcxtSource | None = None,
        lock_timeout_s: float = 10.0,
        archive_workers: int = 4,
        default_window_candles: int = 100,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.exchange = exchange_id(exchange)
        self.store = CandleStore(cache_dir, self.exchange, lock_timeout_s)
        self.archive = archive
        self.ccxt = ccxt
        self.archive_workers = archive_workers
        self.default_window_candles = default_window_candles
        self.clock = clock
        self.synthesised: dict[str, list[tuple[int, int]]] = {}

    @classmethod
    def with_sources(
        cls,
        exchange: str = "binanceusdm",
        cache_dir: Path | str = "caches",
        *,
        archive_url: str | None = BINANCE_ARCHIVE_URL,
        api_url: str | None = None,
        use_ccxt: bool = True,
        **kwargs,
    ) -> CandlestickManager:
        """A manager that downloads: the exchange's archive (when it has one and `archive_url`),
        then ccxt (`api_url` replaces the exchange's REST host, e.g. a local simulator)."""
        ex = exchange_id(exchange)
        archive = BinanceArchive(archive_url, MARKETS[ex]) if archive_url and ex in MARKETS else None
        ccxt = CcxtSource(ex, api_url=api_url) if use_ccxt else None
        return cls(ex, cache_dir, archive=archive, ccxt=ccxt, **kwargs)

    @property
    def has_sources(self) -> bool:
        return self.archive is not None or self.ccxt is not None

    def now_ms(self) -> int:
        return int(self.clock() * 1000)

    # ---- reading ------------------------------------------------------------------------------

    def _read(self, symbol: str, start: int, end: int, columns: list[str] | None = None) -> pd.DataFrame:
        """Cached real candles; a corrupt shard is quarantined (if it can be re-fetched) or raised."""
        for _ in range(100):
            try:
                return self.store.read(symbol, start, end, columns)
            except CorruptCacheError as e:
                if not self.has_sources:
                    raise DataError(f"{e}; delete it or re-download it (python src/tools/download_candles.py)") from e
                self._quarantine(symbol, e)
        raise DataError(f"{symbol}: too many corrupt cache files under {self.store.symbol_path(symbol)}")

    def _quarantine(self, symbol: str, err: CorruptCacheError) -> None:
        with self.store.lock(symbol):
            month = month_start(int(pd.Timestamp(err.path.stem + "-01", tz="UTC").value // 1_000_000))
            try:
                self.store.read_shard(err.path, month)
                return  # another process replaced it meanwhile
            except CorruptCacheError:
                pass
            except FileNotFoundError:
                return
            if err.path.exists():
                moved = self.store.quarantine(err.path)
                log.warning("[candles] %s; moved to %s and re-fetching", err, moved.name)

    def _resolve_window(self, start_ts: int | None, end_ts: int | None, now: int) -> tuple[int, int]:
        last = last_closed_minute(now)
        end = last if end_ts is None else min(int(end_ts) - int(end_ts) % MINUTE_MS, last)
        if start_ts is None:
            start = end - (self.default_window_candles - 1) * MINUTE_MS
        else:
            start = -(-int(start_ts) // MINUTE_MS) * MINUTE_MS  # first whole minute at or after start_ts
        return start, end

    def get_candles(
        self,
        symbol: str,
        start_ts: int | None = None,
        end_ts: int | None = None,
        *,
        strict: bool = False,
        fetch: bool = True,
        fill_leading_gaps: bool = False,
        force_refetch_gaps: bool = False,
        now_ms: int | None = None,
        progress: Progress | None = None,
    ) -> pd.DataFrame:
        """1m candles (columns ts, open, high, low, close, volume; ts = UTC ms open time) for
        `[start_ts, end_ts]` inclusive, ending at most at the last closed minute.

        Default: gap-standardised — every minute from the first real candle (or `start_ts` when a
        cached candle precedes the range, or with `fill_leading_gaps`) to `end_ts` is present;
        synthesised minutes are flat at the previous close with zero volume and listed in
        `df.attrs["gaps"]` (inclusive `(first_ts, last_ts)` spans). `strict=True` returns only
        real candles; `df.attrs["gaps"]` then lists the missing spans. `fetch=False` never
        downloads.
        """
        symbol = to_symbol(symbol)
        now = self.now_ms() if now_ms is None else int(now_ms)
        start, end = self._resolve_window(start_ts, end_ts, now)
        if start > end:
            df = empty_frame()
            df.attrs["gaps"] = []
            return df
        if fetch and self.has_sources:
            self.fetch_missing(symbol, start, end, now_ms=now, force_refetch_gaps=force_refetch_gaps, progress=progress)
        df = self._read(symbol, start, end)
        if strict:
            df.attrs["gaps"] = missing_spans(df["ts"].to_numpy(), int(df["ts"].iloc[0]), end) if len(df) else []
            return df
        prev_close = None
        if len(df) == 0 or int(df["ts"].iloc[0]) > start:
            prev = self._last_before(symbol, start)
            prev_close = None if prev is None else float(prev["close"])
        out, gaps = standardize(df, start, end, fill_leading=fill_leading_gaps, prev_close=prev_close)
        out.attrs["gaps"] = gaps
        self.synthesised[symbol] = gaps
        if gaps:
            n = span_minutes(gaps)
            level = logging.WARNING if n > 100 else logging.DEBUG
            log.log(
                level,
                "[candles] %s: %d synthesised minutes in %d gaps, first at %s",
                symbol,
                n,
                len(gaps),
                utc(gaps[0][0]),
            )
        return out

    def _last_before(self, symbol: str, ts: int) -> pd.Series | None:
        """The last cached candle before `ts`, looking back at most into the previous month."""
        lo = month_start(month_start(ts) - 1)
        df = self._read(symbol, lo, ts - MINUTE_MS)
        return df.iloc[-1] if len(df) else None

    # ---- fetching -----------------------------------------------------------------------------

    def missing(self, symbol: str, start: int, end: int, *, force_refetch_gaps: bool = False) -> list[tuple[int, int]]:
        """Minute spans of `[start, end]` absent from the cache and not known gaps."""
        have = self._read(symbol, start, end, ["ts"])["ts"].to_numpy()
        spans = missing_spans(have, start, end)
        if not force_refetch_gaps:
            spans = subtract_spans(spans, self.store.known_gaps(symbol))
        return spans

    def fetch_missing(
        self,
        symbol: str,
        start: int,
        end: int,
        *,
        now_ms: int | None = None,
        force_refetch_gaps: bool = False,
        progress: Progress | None = None,
    ) -> FetchReport:
        """Download the missing minutes of `[start, end]` into the cache."""
        symbol = to_symbol(symbol)
        now = self.now_ms() if now_ms is None else int(now_ms)
        end = min(end, last_closed_minute(now))
        report = FetchReport(symbol, start, end)
        if start > end:
            return report
        if force_refetch_gaps:
            self._clear_known_gaps(symbol, start, end)
        missing = self.missing(symbol, start, end)
        report.missing_before = span_minutes(missing)
        if not missing:
            return report
        if self.archive is not None:
            self._fetch_archive(symbol, missing, now, report, progress)
            missing = self.missing(symbol, start, end)
        if self.ccxt is not None and missing:
            self._fetch_ccxt(symbol, missing, report, progress)
            missing = self.missing(symbol, start, end)
        report.missing_after = missing
        report.added = report.missing_before - span_minutes(missing)
        # Minutes older than a day that the sources answered (without error) they do not have
        # are known gaps; minutes a source failed on are retried next time.
        final_before = floor_day(now) - DAY_MS
        if missing:
            gaps = [(a, min(b, final_before - MINUTE_MS)) for a, b in missing if a < final_before]
            gaps = subtract_spans(gaps, report.failed)
            if gaps:
                self._add_known_gaps(symbol, gaps, "no data at " + self._source_names())
                report.known_gaps_added = gaps
        if progress:
            progress(span_minutes(missing), "unavailable")
        return report

    def _source_names(self) -> str:
        names = []
        if self.archive is not None:
            names.append("archive")
        if self.ccxt is not None:
            names.append(f"{self.exchange} API")
        return " and ".join(names)

    def _plan_archive(
        self, missing: list[tuple[int, int]], now: int, monthly: bool = True
    ) -> list[tuple[str, int, int]]:
        """(period, ts, missing minutes) of the archive files to fetch: whole past months with
        several missing days as monthly files, other days as daily files."""
        cutoff = floor_day(now) - DAY_MS  # days ending before yesterday's start are published
        days: dict[int, int] = {}
        for a, b in missing:
            d = floor_day(a)
            while d <= b and d < cutoff:
                lo, hi = max(a, d), min(b, d + DAY_MS - MINUTE_MS)
                days[d] = days.get(d, 0) + (hi - lo) // MINUTE_MS + 1
                d += DAY_MS
        by_month: dict[int, list[int]] = {}
        for d in sorted(days):
            by_month.setdefault(month_start(d), []).append(d)
        plan = []
        for m, ds in by_month.items():
            if monthly and next_month(m) <= cutoff and len(ds) >= MONTHLY_MIN_DAYS:
                plan.append(("monthly", m, sum(days[d] for d in ds)))
            else:
                plan.extend(("daily", d, days[d]) for d in ds)
        return plan

    def _fetch_archive(self, symbol, missing, now, report: FetchReport, progress: Progress | None) -> None:
        assert self.archive is not None
        plan = self._plan_archive(missing, now)
        while plan:
            fallback = []
            with ThreadPoolExecutor(max_workers=max(1, self.archive_workers)) as pool:
                futures = {
                    pool.submit(self.archive.fetch, symbol, period, ts): (period, ts, n) for period, ts, n in plan
                }
                for fut in as_completed(futures):
                    period, ts, n = futures[fut]
                    url = self.archive.url(symbol, period, ts)
                    try:
                        df = fut.result()
                    except SourceError as e:
                        log.warning("[candles] %s", e)
                        report.errors.append(str(e))
                        if period == "monthly":
                            fallback.extend(self._days_of(missing, ts, now))
                        else:
                            report.failed.append((ts, ts + DAY_MS - MINUTE_MS))
                        continue
                    if df is None:
                        report.archive_not_found += 1
                        log.debug("[candles] not in archive: %s", url)
                        if period == "monthly":
                            fallback.extend(self._days_of(missing, ts, now))
                        elif progress:
                            progress(n, f"{symbol} {period} {url.rsplit('/', 1)[-1]} (not found)")
                        continue
                    self.store.write(symbol, df, url)
                    report.archive_files += 1
                    if progress:
                        progress(n, f"{symbol} {url.rsplit('/', 1)[-1]}")
            plan = fallback

    def _days_of(self, missing, month_ms: int, now: int) -> list[tuple[str, int, int]]:
        hi = next_month(month_ms) - MINUTE_MS
        clipped = [(max(a, month_ms), min(b, hi)) for a, b in missing if b >= month_ms and a <= hi]
        return self._plan_archive(clipped, now, monthly=False)

    def _fetch_ccxt(self, symbol, missing, report: FetchReport, progress: Progress | None) -> None:
        assert self.ccxt is not None
        # Coalesce spans closer than one page so scattered holes cost few requests.
        page = self.ccxt.page_limit * MINUTE_MS
        windows: list[list[int]] = []
        for a, b in missing:
            if windows and a - windows[-1][1] <= page:
                windows[-1][1] = b
            else:
                windows.append([a, b])
        for a, b in windows:
            before = self.ccxt.requests

            def on_page(df: pd.DataFrame, a=a) -> None:
                self.store.write(symbol, df, f"{self.exchange} fetch_ohlcv")
                if progress:
                    progress(len(df), f"{symbol} {utc(int(df['ts'].iloc[-1]))}")

            try:
                self.ccxt.fetch(symbol, a, b, on_page=on_page)
            except (SourceError, DataError) as e:
                log.warning("[candles] %s", e)
                report.errors.append(str(e))
                report.failed.append((a, b))
            report.ccxt_requests += self.ccxt.requests - before

    def _add_known_gaps(self, symbol: str, spans: list[tuple[int, int]], reason: str) -> None:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())

        def change(meta: dict) -> None:
            have = {(g["start"], g["end"]) for g in meta["known_gaps"]}
            for a, b in spans:
                if (a, b) not in have:
                    meta["known_gaps"].append({"start": a, "end": b, "reason": reason, "recorded": stamp})
            meta["known_gaps"].sort(key=lambda g: g["start"])

        self.store.update_meta(symbol, change)

    def _clear_known_gaps(self, symbol: str, start: int, end: int) -> None:
        if not self.store.known_gaps(symbol):
            return

        def change(meta: dict) -> None:
            meta["known_gaps"] = [g for g in meta["known_gaps"] if g["end"] < start or g["start"] > end]

        self.store.update_meta(symbol, change)

    def gap_summary(self, symbol: str) -> dict[str, list[tuple[int, int]]]:
        """Known gaps (no source has them) and the spans synthesised by the last `get_candles`."""
        symbol = to_symbol(symbol)
        return {"known": self.store.known_gaps(symbol), "synthesised": self.synthesised.get(symbol, [])}

    # ---- writing ------------------------------------------------------------------------------

    def add_candles(self, symbol: str, df: pd.DataFrame, source: str) -> int:
        """Validate and merge real candles (columns ts, open, high, low, close, volume)."""
        return self.store.write(to_symbol(symbol), df, source)

    # ---- EMAs for the live bot (computed in Rust) ---------------------------------------------

    def get_latest_ema_metrics(
        self,
        symbol: str,
        spans: dict[str, float],
        window_minutes: int,
        *,
        end_ts: int | None = None,
        now_ms: int | None = None,
        fetch: bool = True,
    ) -> dict[str, float]:
        """EMA per metric (`close`, `volume`, `quote_volume`, `log_range` → span in minutes) over
        the `window_minutes` candles ending at `end_ts` (default: the last closed minute).
        Size the window with `config.warmup_minutes(config, include_bounds=False)`."""
        now = self.now_ms() if now_ms is None else int(now_ms)
        _, end = self._resolve_window(None, end_ts, now)
        start = end - (max(int(window_minutes), 1) - 1) * MINUTE_MS
        df = self.get_candles(symbol, start, end, fetch=fetch, now_ms=now)
        if len(df) == 0:
            raise DataError(f"{to_symbol(symbol)}: no candles between {utc(start)} and {utc(end)} for the EMAs")
        return {metric: ema_mod.ema_last(df, metric, span) for metric, span in spans.items()}

    def get_latest_ema_close(self, symbol: str, span: float, window_minutes: int, **kw) -> float:
        return self.get_latest_ema_metrics(symbol, {"close": span}, window_minutes, **kw)["close"]

    def get_latest_ema_volume(self, symbol: str, span: float, window_minutes: int, **kw) -> float:
        return self.get_latest_ema_metrics(symbol, {"volume": span}, window_minutes, **kw)["volume"]

    def get_latest_ema_quote_volume(self, symbol: str, span: float, window_minutes: int, **kw) -> float:
        return self.get_latest_ema_metrics(symbol, {"quote_volume": span}, window_minutes, **kw)["quote_volume"]

    def get_latest_ema_log_range(self, symbol: str, span: float, window_minutes: int, **kw) -> float:
        return self.get_latest_ema_metrics(symbol, {"log_range": span}, window_minutes, **kw)["log_range"]

    def get_ema_series(
        self, symbol: str, metric: str, span: float, start_ts: int, end_ts: int, *, fetch: bool = True, now_ms=None
    ) -> pd.DataFrame:
        """Columns ts and ema: the EMA after each standardised candle of `[start_ts, end_ts]`."""
        df = self.get_candles(symbol, start_ts, end_ts, fetch=fetch, now_ms=now_ms)
        return pd.DataFrame({"ts": df["ts"].to_numpy(), "ema": ema_mod.ema_series(df, metric, span)})
