"""1m candle data layer: Parquet cache, sources (Binance archive, ccxt), freqtrade import/export,
gap policy, validation, cross-process locks, EMAs for the live bot (computed in Rust).

    from candles import CandlestickManager
    cm = CandlestickManager.with_sources("binanceusdm", "caches")
    df = cm.get_candles("BTC/USDT:USDT", start_ts, end_ts)   # contiguous, gap-standardised

Modules: `store` (Parquet shards, atomic writes), `locks`, `validate`, `gaps`, `archive`
(data.binance.vision), `exchange` (ccxt), `manager` (get_candles, fetch planning, EMAs),
`freqtrade` (import/export), `ema` (Rust EMAs), `symbols`, `timeutil`, `errors`, `progress`.
"""

from .archive import BINANCE_ARCHIVE_URL, BinanceArchive
from .errors import CorruptCacheError, DataError, LockTimeout, SourceError
from .exchange import CcxtSource
from .manager import CandlestickManager, FetchReport
from .store import COLUMNS, CandleStore
from .symbols import coin_of, exchange_id, to_symbol

__all__ = [
    "BINANCE_ARCHIVE_URL",
    "COLUMNS",
    "BinanceArchive",
    "CandleStore",
    "CandlestickManager",
    "CcxtSource",
    "CorruptCacheError",
    "DataError",
    "FetchReport",
    "LockTimeout",
    "SourceError",
    "coin_of",
    "exchange_id",
    "to_symbol",
]
