"""The account: USDT wallet, positions per (symbol, position side), leverage and margin type per
symbol, position mode, trade and income history; fills, fees, realised PnL and funding.

Position and PnL arithmetic is the backtester's (`passivbot_rust.calc_new_psize_pprice`,
`calc_pnl_long/short`, `round_`), so a fill moves a position here exactly as it does there.
Margin is cross for every symbol (the margin type is recorded and reported, not modelled);
margins, available balance and the liquidation price are estimates from one generic bracket table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import passivbot_rust as pbr

from simulator.market_data import Market
from simulator.models import Income, Order, Position, Trade

# Generic leverage brackets: (notional floor, notional cap, max leverage, maintenance margin rate).
BRACKET_TABLE = [
    (0.0, 50_000.0, 75, 0.005),
    (50_000.0, 250_000.0, 50, 0.01),
    (250_000.0, 1_000_000.0, 25, 0.02),
    (1_000_000.0, 5_000_000.0, 10, 0.05),
    (5_000_000.0, 20_000_000.0, 5, 0.1),
    (20_000_000.0, 50_000_000.0, 4, 0.125),
    (50_000_000.0, 100_000_000.0, 2, 0.25),
    (100_000_000.0, 1_000_000_000.0, 1, 0.5),
]


def _with_cum(table):
    out, cum, prev_mmr = [], 0.0, 0.0
    for floor, cap, lev, mmr in table:
        cum += floor * (mmr - prev_mmr)
        out.append({"floor": floor, "cap": cap, "leverage": lev, "mmr": mmr, "cum": cum})
        prev_mmr = mmr
    return out


BRACKETS = _with_cum(BRACKET_TABLE)
MAX_LEVERAGE = BRACKETS[0]["leverage"]
DEFAULT_LEVERAGE = 20


def bracket_for(notional: float) -> dict:
    for b in BRACKETS:
        if notional < b["cap"]:
            return b
    return BRACKETS[-1]


def max_notional_for(leverage: int) -> float:
    caps = [b["cap"] for b in BRACKETS if b["leverage"] >= leverage]
    return caps[-1] if caps else BRACKETS[0]["cap"]


@dataclass
class Account:
    wallet: float
    dual_side: bool = False
    leverage: dict[str, int] = field(default_factory=dict)
    margin_type: dict[str, str] = field(default_factory=dict)  # CROSSED | ISOLATED
    positions: dict[tuple[str, str], Position] = field(default_factory=dict)
    trades: list[Trade] = field(default_factory=list)
    incomes: list[Income] = field(default_factory=list)
    update_time: int = 0
    _next_trade: int = 1
    _next_tran: int = 1

    def leverage_of(self, symbol: str) -> int:
        return self.leverage.get(symbol, DEFAULT_LEVERAGE)

    def margin_type_of(self, symbol: str) -> str:
        return self.margin_type.get(symbol, "CROSSED")

    def position(self, symbol: str, pside: str) -> Position:
        key = (symbol, pside)
        pos = self.positions.get(key)
        if pos is None:
            pos = self.positions[key] = Position(symbol, pside)
        return pos

    def position_amt(self, symbol: str, pside: str) -> float:
        pos = self.positions.get((symbol, pside))
        return pos.amt if pos else 0.0

    def open_positions(self) -> list[Position]:
        return [p for p in self.positions.values() if p.amt != 0.0]

    def has_position(self, symbol: str | None = None) -> bool:
        return any(p.amt != 0.0 and (symbol is None or p.symbol == symbol) for p in self.positions.values())

    # ---- fills ---------------------------------------------------------------------------

    def _income(self, symbol: str, kind: str, amount: float, time: int, trade_id: str = "", info: str = "") -> None:
        self.incomes.append(Income(self._next_tran, symbol, kind, amount, time, trade_id, info))
        self._next_tran += 1

    def apply_fill(self, market: Market, order: Order, qty: float, price: float, maker: bool, time: int) -> Trade:
        """Book a fill of `qty` (> 0) of `order` at `price`: position, realised PnL, fee, wallet,
        trade and income rows. The caller has already clipped closes to the position."""
        spec = market.spec
        signed = qty * order.sign
        pos = self.position(market.symbol, order.position_side)
        if pos.amt != 0.0 and (pos.amt > 0) != (signed > 0):
            close_qty = min(qty, abs(pos.amt))
        else:
            close_qty = 0.0
        open_qty = qty - close_qty
        pnl = 0.0
        if close_qty > 0.0:
            if pos.amt > 0:
                pnl = pbr.calc_pnl_long(pos.entry, price, close_qty, spec.c_mult)
            else:
                pnl = pbr.calc_pnl_short(pos.entry, price, close_qty, spec.c_mult)
            new_amt = pbr.round_(pos.amt + order.sign * close_qty, spec.qty_step)
            if new_amt == 0.0 or (new_amt > 0) != (pos.amt > 0):
                pos.amt, pos.entry = 0.0, 0.0
            else:
                pos.amt = new_amt
        if open_qty > 0.0:
            pos.amt, pos.entry = pbr.calc_new_psize_pprice(
                pos.amt, pos.entry, order.sign * open_qty, price, spec.qty_step
            )
        pos.update_time = time
        fee_rate = spec.maker_fee if maker else spec.taker_fee
        fee = pbr.qty_to_cost(qty, price, spec.c_mult) * fee_rate  # as the backtester charges it
        # the backtester's order: fee first, then PnL
        self.wallet += -fee
        self.wallet += pnl
        self.update_time = time
        trade = Trade(
            self._next_trade,
            order.order_id,
            market.symbol,
            order.side,
            order.position_side,
            price,
            qty,
            fee,
            pnl,
            maker,
            time,
            spec.c_mult,
        )
        self._next_trade += 1
        self.trades.append(trade)
        if close_qty > 0.0:
            self._income(market.symbol, "REALIZED_PNL", pnl, time, str(trade.trade_id))
        if fee != 0.0:
            self._income(market.symbol, "COMMISSION", -fee, time, str(trade.trade_id))
        return trade

    def apply_funding(self, market: Market, rate: float, mark: float, time: int) -> list[Position]:
        """Funding at `time`: every position of the symbol pays `amt · mark · rate` (longs pay a
        positive rate, shorts receive it). Returns the positions that paid or received."""
        touched = []
        for pos in self.positions.values():
            if pos.symbol != market.symbol or pos.amt == 0.0:
                continue
            payment = -math.copysign(pbr.qty_to_cost(pos.amt, mark, market.spec.c_mult), pos.amt) * rate
            self.wallet += payment
            self._income(market.symbol, "FUNDING_FEE", payment, time)
            touched.append(pos)
        if touched:
            self.update_time = time
        return touched

    # ---- margins (estimates) ------------------------------------------------------------

    @staticmethod
    def upnl(pos: Position, mark: float, c_mult: float) -> float:
        if pos.amt == 0.0:
            return 0.0
        if pos.amt > 0:
            return pbr.calc_pnl_long(pos.entry, mark, abs(pos.amt), c_mult)
        return pbr.calc_pnl_short(pos.entry, mark, abs(pos.amt), c_mult)


@dataclass
class PositionFigures:
    """Per-position numbers as Binance reports them, computed at a mark price."""

    mark: float
    notional: float  # signed
    upnl: float
    initial_margin: float
    maint_margin: float
    liquidation_price: float = 0.0
    open_order_margin: float = 0.0


@dataclass
class AccountFigures:
    wallet: float
    upnl: float
    position_im: float
    order_im: float
    maint: float
    positions: dict[tuple[str, str], PositionFigures]

    @property
    def margin_balance(self) -> float:
        return self.wallet + self.upnl

    @property
    def initial_margin(self) -> float:
        return self.position_im + self.order_im

    @property
    def available(self) -> float:
        return self.margin_balance - self.initial_margin


def opening_qty(order_qty: float, order: Order, position_amt: float) -> float:
    """The part of an order that opens or adds to a position (needs initial margin)."""
    if order.reduce_only or order.position_side in ("LONG", "SHORT") and order.closes(position_amt):
        return 0.0
    if order.position_side == "BOTH" and order.closes(position_amt):
        return max(0.0, order_qty - abs(position_amt))
    return order_qty


def account_figures(
    account: Account, markets: dict[str, Market], marks: dict[str, float], open_orders
) -> AccountFigures:
    """Margins, uPnL and liquidation estimates for the whole account at the given marks."""
    figs: dict[tuple[str, str], PositionFigures] = {}
    upnl = pos_im = maint = 0.0
    for key, pos in account.positions.items():
        market = markets[pos.symbol]
        mark = marks.get(pos.symbol, pos.entry)
        notional = pos.amt * mark * market.spec.c_mult
        lev = account.leverage_of(pos.symbol)
        br = bracket_for(abs(notional))
        f = PositionFigures(
            mark=mark,
            notional=notional,
            upnl=Account.upnl(pos, mark, market.spec.c_mult),
            initial_margin=abs(notional) / lev,
            maint_margin=max(0.0, abs(notional) * br["mmr"] - br["cum"]) if pos.amt else 0.0,
        )
        figs[key] = f
        upnl += f.upnl
        pos_im += f.initial_margin
        maint += f.maint_margin
    order_im = 0.0
    for o in open_orders:
        amt = account.position_amt(o.symbol, o.position_side)
        q = opening_qty(o.remaining, o, amt)
        if q <= 0.0:
            continue
        m = pbr.qty_to_cost(q, o.price, markets[o.symbol].spec.c_mult) / account.leverage_of(o.symbol)
        order_im += m
        key = (o.symbol, o.position_side)
        if key in figs:
            figs[key].open_order_margin += m
    out = AccountFigures(account.wallet, upnl, pos_im, order_im, maint, figs)
    for key, f in figs.items():
        pos = account.positions[key]
        if pos.amt != 0.0:
            f.liquidation_price = liquidation_price(account, key, figs, markets)
    return out


def liquidation_price(account: Account, key: tuple[str, str], figs, markets: dict[str, Market]) -> float:
    """Binance's cross-margin liquidation price of the symbol's position(s), holding every other
    symbol's uPnL and maintenance margin at their current values; 0 if none is reachable."""
    symbol = key[0]
    other_mm = other_upnl = 0.0
    for k, f in figs.items():
        if k[0] != symbol:
            other_mm += f.maint_margin
            other_upnl += f.upnl
    c_mult = markets[symbol].spec.c_mult
    num = account.wallet - other_mm + other_upnl
    den = 0.0
    for side in ("BOTH", "LONG", "SHORT"):
        pos = account.positions.get((symbol, side))
        if pos is None or pos.amt == 0.0:
            continue
        f = figs[(symbol, side)]
        br = bracket_for(abs(f.notional))
        size = abs(pos.amt) * c_mult
        direction = 1.0 if pos.amt > 0 else -1.0
        num += br["cum"] - direction * size * pos.entry
        den += size * br["mmr"] - direction * size
    if den == 0.0:
        return 0.0
    price = num / den
    return max(0.0, price)
