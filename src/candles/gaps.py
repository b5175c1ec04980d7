"""Gap policy (reference §4.6): a minute missing between two real candles becomes a flat candle at
the previous close with zero volume; minutes before the first real candle are not invented (unless
asked to, or unless a real candle before the range gives the price). Synthesised candles are never
written to the cache.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .timeutil import MINUTE_MS

COLUMNS = ["ts", "open", "high", "low", "close", "volume"]


def missing_spans(ts: np.ndarray, start_ms: int, end_ms: int) -> list[tuple[int, int]]:
    """Inclusive `(first, last)` minute spans of `[start_ms, end_ms]` with no candle in sorted `ts`."""
    if end_ms < start_ms:
        return []
    ts = ts[(ts >= start_ms) & (ts <= end_ms)]
    if len(ts) == 0:
        return [(start_ms, end_ms)]
    edges = np.concatenate(([start_ms - MINUTE_MS], ts, [end_ms + MINUTE_MS]))
    steps = np.diff(edges)
    out = []
    for k in np.nonzero(steps > MINUTE_MS)[0]:
        out.append((int(edges[k] + MINUTE_MS), int(edges[k + 1] - MINUTE_MS)))
    return out


def span_minutes(spans: list[tuple[int, int]]) -> int:
    return sum((b - a) // MINUTE_MS + 1 for a, b in spans)


def subtract_spans(spans: list[tuple[int, int]], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`spans` minus the minutes covered by `holes` (both inclusive minute spans)."""
    out = []
    for a, b in spans:
        pieces = [(a, b)]
        for ha, hb in holes:
            nxt = []
            for pa, pb in pieces:
                if hb < pa or ha > pb:
                    nxt.append((pa, pb))
                    continue
                if ha > pa:
                    nxt.append((pa, ha - MINUTE_MS))
                if hb < pb:
                    nxt.append((hb + MINUTE_MS, pb))
            pieces = nxt
        out.extend(pieces)
    return out


def fill_flat(values: np.ndarray, close_col: int, volume_col: int) -> np.ndarray:
    """Rows whose close is NaN (after the first real row) become flat at the previous close with
    zero volume, in place; rows before the first real one stay NaN. Returns the filled-row mask."""
    closes = values[:, close_col]
    missing = np.isnan(closes)
    if not missing.any():
        return missing
    prev = pd.Series(closes).ffill().to_numpy()
    fill = missing & ~np.isnan(prev)
    for col in range(values.shape[1]):
        values[fill, col] = 0.0 if col == volume_col else prev[fill]
    return fill


def standardize(
    df: pd.DataFrame,
    start_ms: int,
    end_ms: int,
    *,
    fill_leading: bool = False,
    prev_close: float | None = None,
) -> tuple[pd.DataFrame, list[tuple[int, int]]]:
    """Contiguous 1m candles over `[start_ms, end_ms]` from the real candles `df` (columns
    `COLUMNS`, sorted). Returns the frame and the synthesised spans.

    Inner gaps: flat at the previous close, volume 0. Leading minutes (before the first real
    candle in the range): flat at `prev_close` when a real candle precedes the range, else
    back-filled flat at the first candle's open when `fill_leading`, else left out. Trailing
    minutes after the last real candle are filled from the last close (they are inner gaps of
    the range asked for).
    """
    df = df[(df["ts"] >= start_ms) & (df["ts"] <= end_ms)]
    ts = df["ts"].to_numpy()
    if len(ts) == 0 and prev_close is None:
        return df.reset_index(drop=True), []
    first = start_ms if (prev_close is not None or fill_leading) else int(ts[0])
    n = (end_ms - first) // MINUTE_MS + 1
    grid = first + MINUTE_MS * np.arange(n, dtype=np.int64)
    values = np.full((n, 5), np.nan)
    idx = (ts - first) // MINUTE_MS
    values[idx] = df[COLUMNS[1:]].to_numpy(dtype=np.float64)
    real = ~np.isnan(values[:, 3])
    if prev_close is not None:
        if not real[0]:
            values[0] = [prev_close] * 4 + [0.0]
    elif fill_leading and len(ts) and idx[0] > 0:
        o = values[idx[0], 0]
        values[: idx[0]] = [o] * 4 + [0.0]
    fill_flat(values, close_col=3, volume_col=4)
    out = pd.DataFrame({"ts": grid, **{c: values[:, i] for i, c in enumerate(COLUMNS[1:])}})
    return out, mask_spans(grid, ~real)


def mask_spans(grid: np.ndarray, mask: np.ndarray) -> list[tuple[int, int]]:
    """Inclusive `(first, last)` timestamp spans where `mask` is True."""
    if not mask.any():
        return []
    m = np.concatenate(([False], mask, [False])).astype(np.int8)
    d = np.diff(m)
    starts = np.nonzero(d == 1)[0]
    ends = np.nonzero(d == -1)[0] - 1
    return [(int(grid[a]), int(grid[b])) for a, b in zip(starts, ends, strict=True)]
