"""A one-line progress bar with totals, rate and ETA for the download/import tools."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class ProgressBar:
    def __init__(self, total: int, unit: str = "candles", *, stream: TextIO | None = None, interval_s: float = 0.5):
        self.total = max(int(total), 0)
        self.unit = unit
        self.done = 0
        self.stream = stream or sys.stderr
        self.interval_s = interval_s
        self.start = time.monotonic()
        self.last = 0.0
        self.tty = hasattr(self.stream, "isatty") and self.stream.isatty()

    def line(self, note: str = "") -> str:
        elapsed = max(time.monotonic() - self.start, 1e-9)
        frac = min(self.done / self.total, 1.0) if self.total else 1.0
        width = 24
        bar = "#" * int(frac * width) + "-" * (width - int(frac * width))
        rate = self.done / elapsed
        eta = (self.total - self.done) / rate if rate > 0 and self.total > self.done else 0.0
        return (
            f"[{bar}] {100 * frac:5.1f}% {self.done:,}/{self.total:,} {self.unit} "
            f"{rate:,.0f} {self.unit}/s ETA {eta:,.0f}s {note}"
        ).rstrip()

    def update(self, n: int, note: str = "") -> None:
        self.done += int(n)
        now = time.monotonic()
        if now - self.last < self.interval_s and self.done < self.total:
            return
        self.last = now
        if self.tty:
            self.stream.write("\r" + self.line(note)[:160].ljust(160))
        else:
            self.stream.write(self.line(note) + "\n")
        self.stream.flush()

    def close(self, note: str = "done") -> None:
        self.stream.write(("\r" if self.tty else "") + self.line(note) + "\n")
        self.stream.flush()
