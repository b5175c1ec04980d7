"""Minute/day/month arithmetic on UTC millisecond timestamps."""

from __future__ import annotations

from datetime import UTC, datetime

MINUTE_MS = 60_000
HOUR_MS = 3_600_000
DAY_MS = 86_400_000


def utc(ts_ms: int) -> str:
    """`YYYY-MM-DD HH:MM UTC` for a millisecond timestamp."""
    return datetime.fromtimestamp(int(ts_ms) / 1000, tz=UTC).strftime("%Y-%m-%d %H:%M UTC")


def day_str(ts_ms: int) -> str:
    return datetime.fromtimestamp(int(ts_ms) / 1000, tz=UTC).strftime("%Y-%m-%d")


def month_str(ts_ms: int) -> str:
    return datetime.fromtimestamp(int(ts_ms) / 1000, tz=UTC).strftime("%Y-%m")


def parse_date_ms(text: str) -> int:
    """`YYYY-MM-DD` (optionally `THH:MM`) as UTC milliseconds."""
    text = str(text).strip()
    for fmt in ("%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d", "%Y-%m"):
        try:
            return int(datetime.strptime(text, fmt).replace(tzinfo=UTC).timestamp() * 1000)
        except ValueError:
            continue
    raise ValueError(f"not a date: {text!r} (expected YYYY-MM-DD)")


def floor_minute(ts_ms: int) -> int:
    return int(ts_ms) - int(ts_ms) % MINUTE_MS


def floor_day(ts_ms: int) -> int:
    return int(ts_ms) - int(ts_ms) % DAY_MS


def month_start(ts_ms: int) -> int:
    d = datetime.fromtimestamp(int(ts_ms) / 1000, tz=UTC)
    return int(datetime(d.year, d.month, 1, tzinfo=UTC).timestamp() * 1000)


def next_month(ts_ms: int) -> int:
    d = datetime.fromtimestamp(int(ts_ms) / 1000, tz=UTC)
    y, m = (d.year + 1, 1) if d.month == 12 else (d.year, d.month + 1)
    return int(datetime(y, m, 1, tzinfo=UTC).timestamp() * 1000)


def months_between(start_ms: int, end_ms: int) -> list[int]:
    """Start of every UTC month that overlaps `[start_ms, end_ms]`."""
    out = []
    m = month_start(start_ms)
    while m <= end_ms:
        out.append(m)
        m = next_month(m)
    return out


def last_closed_minute(now_ms: int) -> int:
    """Open time of the last finished 1m candle at `now_ms`."""
    return floor_minute(now_ms) - MINUTE_MS
