"""A local exchange that speaks Binance USDⓈ-M's REST (and WebSocket) API, replaying real 1m
candles: the real ccxt `binanceusdm` client trades against it on 127.0.0.1.

Modules: `market_data` (candle source interface, freqtrade folders, filters, klines), `clock`
(replay or manual), `matching` (orders and fills, the backtester's fill rule), `accounts`
(wallet, positions, fees, PnL, funding, margin estimates), `shapes` (Binance JSON), `errors`
(Binance codes), `auth` (API key, HMAC, recvWindow), `faults` (injection), `routes_market` /
`routes_account` (endpoints), `ws` (streams), `server` (aiohttp app, admin `/_sim/`).
"""

from __future__ import annotations

from pathlib import Path

from backtesting.data import BUNDLED_SAMPLE, REPO_ROOT
from simulator.auth import Credentials
from simulator.clock import MINUTE_MS, SimClock
from simulator.market_data import MarketData, open_source
from simulator.matching import Engine
from simulator.server import Simulator

DEFAULT_MARKETS = REPO_ROOT / "data" / "markets" / "binance-usdm.json"
DEFAULT_API_KEY = "sim-api-key"
DEFAULT_API_SECRET = "sim-api-secret"
DAY_MS = 86_400_000


def build(
    data: Path = BUNDLED_SAMPLE,
    start_ms: int | None = None,
    speed: float | None = None,
    balance: float = 10_000.0,
    api_key: str = DEFAULT_API_KEY,
    api_secret: str = DEFAULT_API_SECRET,
    markets_file: Path = DEFAULT_MARKETS,
    coins: list[str] | None = None,
    slippage: float = 0.0005,
) -> Simulator:
    """A ready simulator (not yet serving). Without `start_ms` the clock starts one day after the
    earliest candle, so that a day of history is available to warm up."""
    from simulator.clock import wall_ms

    market_data = MarketData.load(open_source(Path(data), coins), Path(markets_file))
    if start_ms is None:
        start_ms = market_data.first_ts + DAY_MS
    start_ms -= start_ms % MINUTE_MS
    clock = SimClock(start_ms, speed=speed, end_ms=market_data.end_ms)
    engine = Engine(market_data, clock, balance, slippage=slippage, wall=wall_ms)
    return Simulator(engine, Credentials(api_key, api_secret))


__all__ = ["DEFAULT_API_KEY", "DEFAULT_API_SECRET", "Simulator", "build"]
