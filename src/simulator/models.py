"""Plain records of the simulated exchange: orders, positions, trades, income rows."""

from __future__ import annotations

from dataclasses import dataclass

OPEN_STATUSES = ("NEW", "PARTIALLY_FILLED")


@dataclass
class Order:
    order_id: int
    client_id: str
    symbol: str
    side: str  # BUY | SELL
    position_side: str  # BOTH | LONG | SHORT
    type: str  # LIMIT | MARKET
    tif: str  # GTC | GTX | IOC | FOK
    qty: float
    price: float  # 0 for market orders
    reduce_only: bool
    time: int  # placement, sim ms
    first_candle_ts: int  # open time of the first candle the order is tested against
    status: str = "NEW"
    executed_qty: float = 0.0
    cum_quote: float = 0.0
    avg_price: float = 0.0
    update_time: int = 0
    hidden_until_wall_ms: int = 0  # "reported late" fault: invisible to queries until then

    @property
    def sign(self) -> float:
        return 1.0 if self.side == "BUY" else -1.0

    @property
    def remaining(self) -> float:
        return self.qty - self.executed_qty

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    def closes(self, position_amt: float) -> bool:
        """Does this order reduce the position it belongs to (hedge: by side; one-way: opposite
        sign of the position, or reduce-only)?"""
        if self.position_side == "LONG":
            return self.side == "SELL"
        if self.position_side == "SHORT":
            return self.side == "BUY"
        if self.reduce_only:
            return True
        return position_amt != 0.0 and (position_amt > 0) != (self.side == "BUY")


@dataclass
class Position:
    symbol: str
    side: str  # BOTH | LONG | SHORT
    amt: float = 0.0  # signed: long positive, short negative
    entry: float = 0.0
    update_time: int = 0


@dataclass
class Trade:
    trade_id: int
    order_id: int
    symbol: str
    side: str
    position_side: str
    price: float
    qty: float
    commission: float  # positive = paid
    realized_pnl: float
    maker: bool
    time: int
    c_mult: float = 1.0

    @property
    def quote_qty(self) -> float:
        return self.price * self.qty * self.c_mult


@dataclass
class Income:
    tran_id: int
    symbol: str
    income_type: str  # REALIZED_PNL | COMMISSION | FUNDING_FEE
    income: float
    time: int
    trade_id: str = ""
    info: str = ""
