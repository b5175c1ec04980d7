"""Progress lines for long runs: silent for quick runs, then at most one line per interval."""

from __future__ import annotations

import sys
import time
from typing import TextIO


class Progress:
    def __init__(
        self,
        label: str,
        units_per_step: int = 1,
        *,
        delay_s: float = 2.0,
        interval_s: float = 1.0,
        stream: TextIO | None = None,
    ) -> None:
        self.label = label
        self.units_per_step = units_per_step
        self.delay_s = delay_s
        self.interval_s = interval_s
        self.stream = stream or sys.stderr
        self.start = time.monotonic()
        self.last = 0.0
        self.printed = False

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        elapsed = now - self.start
        finished = done >= total
        if elapsed < self.delay_s or (now - self.last < self.interval_s and not finished):
            return
        if finished and not self.printed:
            return
        self.last = now
        self.printed = True
        rate = done * self.units_per_step / max(elapsed, 1e-9)
        eta = (total - done) * self.units_per_step / rate if rate > 0 else float("inf")
        pct = 100.0 * done / max(total, 1)
        end = "\n" if finished else "\r"
        self.stream.write(
            f"[{self.label}] {pct:5.1f}% ({done:,}/{total:,}) {rate / 1e6:.2f}M coin-minutes/s, ETA {eta:4.0f}s{end}"
        )
        self.stream.flush()
