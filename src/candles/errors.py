"""Errors of the candle layer. Every message names the symbol/coin, the time and the file or URL."""

from __future__ import annotations

from pathlib import Path


class DataError(ValueError):
    """Unusable candle data; the message names the coin/file and what is wrong."""


class CorruptCacheError(DataError):
    """A cache file that cannot be read or whose content is inconsistent."""

    def __init__(self, path: Path, reason: str) -> None:
        self.path = Path(path)
        self.reason = reason
        super().__init__(f"corrupt candle cache file {path}: {reason}")


class LockTimeout(TimeoutError):
    """Another process held a symbol's cache lock for longer than the timeout."""


class SourceError(DataError):
    """A remote source (archive, exchange API) failed; the message names the URL or symbol."""
