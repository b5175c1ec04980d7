"""The reference's module path: `from candlestick_manager import CandlestickManager`.
The implementation lives in the `candles` package."""

from candles import CandlestickManager, CandleStore, DataError

__all__ = ["CandleStore", "CandlestickManager", "DataError"]
