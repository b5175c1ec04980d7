"""Exchange filters and fees per coin (tick size, step size, min qty, min notional, contract size)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from backtesting.data import REPO_ROOT

MARKETS_DIR = REPO_ROOT / "data" / "markets"


@dataclass(frozen=True)
class MarketSpec:
    coin: str
    symbol: str
    qty_step: float
    price_step: float
    min_qty: float
    min_cost: float
    c_mult: float
    maker_fee: float
    taker_fee: float

    def exchange_params(self) -> dict[str, float]:
        return {
            "qty_step": self.qty_step,
            "price_step": self.price_step,
            "min_qty": self.min_qty,
            "min_cost": self.min_cost,
            "c_mult": self.c_mult,
        }


class MarketError(ValueError):
    """Missing or malformed market specifications."""


def load_markets(path: Path) -> dict[str, MarketSpec]:
    try:
        raw = json.loads(Path(path).read_text())
    except FileNotFoundError as e:
        raise MarketError(f"market specs file {path} does not exist") from e
    except json.JSONDecodeError as e:
        raise MarketError(f"market specs file {path}: invalid JSON at line {e.lineno}: {e.msg}") from e
    markets = raw.get("markets") if isinstance(raw, dict) else None
    if not isinstance(markets, dict):
        raise MarketError(f'market specs file {path}: expected an object {{"markets": {{coin: {{...}}}}}}')
    specs = {}
    for coin, m in markets.items():
        if not isinstance(m, dict):
            raise MarketError(f"market specs file {path}: {coin} must be an object, got {type(m).__name__}")
        try:
            specs[coin] = MarketSpec(coin=coin, **m)
        except TypeError as e:
            raise MarketError(f"market specs file {path}: entry {coin}: {e}") from e
        _check_spec(path, specs[coin])
    return specs


# Steps and contract size divide prices and quantities: they must be positive.
_POSITIVE = ("qty_step", "price_step", "c_mult")
_NON_NEGATIVE = ("min_qty", "min_cost")
_FEES = ("maker_fee", "taker_fee")


def _check_spec(path: Path, spec: MarketSpec) -> None:
    for key in _POSITIVE + _NON_NEGATIVE + _FEES:
        value = getattr(spec, key)
        where = f"market specs file {path}: {spec.coin}.{key}"
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise MarketError(f"{where} must be a finite number, got {value!r}")
        if key in _POSITIVE and value <= 0:
            raise MarketError(f"{where} must be > 0, got {value!r}")
        if key in _NON_NEGATIVE and value < 0:
            raise MarketError(f"{where} must be >= 0, got {value!r}")
    if not isinstance(spec.symbol, str) or not spec.symbol:
        raise MarketError(f"market specs file {path}: {spec.coin}.symbol must be a market symbol like 'BTC/USDT:USDT'")


def markets_for(exchange: str, coins: list[str], path: Path | None = None) -> dict[str, MarketSpec]:
    """Specs for `coins` from `path` or the bundled file of `exchange`; names missing coins."""
    path = Path(path) if path else MARKETS_DIR / f"{exchange}.json"
    specs = load_markets(path)
    missing = [c for c in coins if c not in specs]
    if missing:
        raise MarketError(
            f"no market specs for {', '.join(missing)} in {path}; add entries "
            '{"symbol", "qty_step", "price_step", "min_qty", "min_cost", "c_mult", "maker_fee", "taker_fee"} '
            "for them (or pass --markets FILE)"
        )
    return {c: specs[c] for c in coins}
