"""Exchange filters and fees per coin (tick size, step size, min qty, min notional, contract size)."""

from __future__ import annotations

import json
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
    specs = {}
    for coin, m in raw.get("markets", {}).items():
        try:
            specs[coin] = MarketSpec(coin=coin, **m)
        except TypeError as e:
            raise MarketError(f"market specs file {path}: entry {coin}: {e}") from e
    return specs


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
