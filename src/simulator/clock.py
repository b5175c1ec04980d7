"""The simulator's market clock: a replay of the data from a start time at a speed factor, or a
manual clock that only moves when told to (`/_sim/advance`).

The clock is the exchange's `serverTime`. Wall time is read only here (and by the signature
freshness check), through the injectable `wall` function.
"""

from __future__ import annotations

import time
from collections.abc import Callable

MINUTE_MS = 60_000


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


class SimClock:
    """`now_ms()` = `start_ms` + offset, where offset grows with wall time × `speed` in replay
    mode and stays put in manual mode (`speed is None`). Never runs past `end_ms`."""

    def __init__(
        self,
        start_ms: int,
        speed: float | None = None,
        end_ms: int | None = None,
        wall: Callable[[], int] = wall_ms,
    ):
        if speed is not None and speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self._wall = wall
        self.speed = speed
        self.end_ms = end_ms
        self.reset(start_ms)

    @property
    def manual(self) -> bool:
        return self.speed is None

    def reset(self, start_ms: int, speed: float | None | str = "keep") -> None:
        if speed != "keep":
            self.speed = speed  # type: ignore[assignment]
        self.start_ms = int(start_ms)
        self._anchor_ms = self.start_ms
        self._wall_anchor = self._wall()

    def now_ms(self) -> int:
        t = self._anchor_ms
        if self.speed is not None:
            t += int((self._wall() - self._wall_anchor) * self.speed)
        if self.end_ms is not None:
            t = min(t, self.end_ms)
        return t

    def advance(self, minutes: float) -> int:
        """Jump forward by `minutes` (both modes); returns the new time."""
        if minutes < 0:
            raise ValueError("the clock only moves forward")
        now = self.now_ms()
        self._anchor_ms = now + round(minutes * MINUTE_MS)
        if self.end_ms is not None:
            self._anchor_ms = min(self._anchor_ms, self.end_ms)
        self._wall_anchor = self._wall()
        return self.now_ms()

    def describe(self) -> dict:
        return {"mode": "manual" if self.manual else "replay", "speed": self.speed, "start_ms": self.start_ms}
