"""Exchange ids and symbol names.

Symbols are ccxt's unified names: `BTC/USDT:USDT` for a linear perpetual, `BTC/USDT` for spot.
On disk a symbol's folder replaces `/` and `:` with `_` (`BTC_USDT_USDT`, `BTC_USDT`), which is
also freqtrade's file prefix and is valid on every file system.
"""

from __future__ import annotations

# Config/exchange names → ccxt ids of the USDⓈ-margined perpetual markets.
EXCHANGE_IDS = {
    "binance": "binanceusdm",
    "binanceusdm": "binanceusdm",
    "bybit": "bybit",
    "okx": "okx",
    "okex": "okx",
    "bitget": "bitget",
    "gateio": "gateio",
    "gate": "gateio",
    "hyperliquid": "hyperliquid",
    "kucoinfutures": "kucoinfutures",
    "kucoin": "kucoinfutures",
}
QUOTES = ("USDT", "USDC", "BUSD", "USD")


def exchange_id(name: str) -> str:
    key = str(name).strip().lower()
    return EXCHANGE_IDS.get(key, key)


def to_symbol(name: str, quote: str = "USDT") -> str:
    """`BTC`, `BTCUSDT`, `BTC_USDT_USDT`, `BTC/USDT:USDT` → `BTC/USDT:USDT`; `BTC_USDT`,
    `BTC/USDT` (spot) stay spot."""
    s = str(name).strip()
    if "/" in s:
        return s
    parts = s.split("_")
    if len(parts) == 3:
        return f"{parts[0]}/{parts[1]}:{parts[2]}"
    if len(parts) == 2:
        return f"{parts[0]}/{parts[1]}"
    upper = s.upper()
    for q in QUOTES:
        if upper.endswith(q) and len(upper) > len(q):
            return f"{upper[: -len(q)]}/{q}:{q}"
    return f"{upper}/{quote}:{quote}"


def symbol_dir(symbol: str) -> str:
    return to_symbol(symbol).replace("/", "_").replace(":", "_")


def coin_of(symbol: str) -> str:
    return to_symbol(symbol).split("/")[0]


def market_id(symbol: str) -> str:
    """Binance's market id: `BTC/USDT:USDT` → `BTCUSDT`."""
    base, rest = to_symbol(symbol).split("/")
    return base + rest.split(":")[0]


def is_swap(symbol: str) -> bool:
    return ":" in to_symbol(symbol)
