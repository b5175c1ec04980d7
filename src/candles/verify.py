"""Integrity and coverage of a symbol's cache: every shard read and checked, bad candles and
gaps counted (used by `src/tools/verify_candles.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .errors import CorruptCacheError
from .gaps import span_minutes
from .store import CandleStore
from .timeutil import MINUTE_MS, utc
from .validate import bad_candle_mask


@dataclass
class SymbolReport:
    symbol: str
    first_ts: int = 0
    last_ts: int = 0
    candles: int = 0
    gaps: int = 0
    gap_minutes: int = 0
    largest_gap: int = 0
    largest_gap_at: int = 0
    known_gap_minutes: int = 0
    bad_candles: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def span_minutes(self) -> int:
        return (self.last_ts - self.first_ts) // MINUTE_MS + 1 if self.candles else 0

    @property
    def coverage(self) -> float:
        return self.candles / self.span_minutes if self.span_minutes else 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_symbol(store: CandleStore, symbol: str, start_ms: int = 0, end_ms: int = 2**62) -> SymbolReport:
    rep = SymbolReport(symbol)
    prev_last = None
    for m in store.shard_months(symbol):
        path = store.shard_path(symbol, m)
        try:
            table = store.read_shard(path, m)
        except CorruptCacheError as e:
            rep.problems.append(str(e))
            continue
        ts = table.column("ts").to_numpy()
        keep = (ts >= start_ms) & (ts <= end_ms)
        if not keep.any():
            continue
        ts = ts[keep]
        cols = {c: table.column(c).to_numpy()[keep] for c in ("open", "high", "low", "close", "volume")}
        bad = bad_candle_mask(cols["high"], cols["low"], cols["close"], cols["volume"], cols["open"])
        if bad.any():
            rep.bad_candles += int(bad.sum())
            rep.problems.append(
                f"{symbol}: {int(bad.sum())} bad candles in {path}, first at {utc(int(ts[np.argmax(bad)]))}"
            )
        edges = np.concatenate(([prev_last], ts)) if prev_last is not None else ts
        steps = np.diff(edges) // MINUTE_MS - 1
        holes = steps[steps > 0]
        rep.gaps += len(holes)
        rep.gap_minutes += int(holes.sum())
        if len(holes) and int(holes.max()) > rep.largest_gap:
            k = int(np.argmax(steps))
            rep.largest_gap = int(steps[k])
            rep.largest_gap_at = int(edges[k]) + MINUTE_MS
        if rep.candles == 0:
            rep.first_ts = int(ts[0])
        rep.last_ts = int(ts[-1])
        rep.candles += len(ts)
        prev_last = int(ts[-1])
    rep.known_gap_minutes = span_minutes(
        [(max(a, start_ms), min(b, end_ms)) for a, b in store.known_gaps(symbol) if b >= start_ms and a <= end_ms]
    )
    for _, _, path in store.aux_files(symbol):
        try:
            store.read_aux(path)
        except CorruptCacheError as e:
            rep.problems.append(str(e))
    return rep
