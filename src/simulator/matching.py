"""The matching engine: order validation and placement, cancels, and fills against each new 1m
candle with the backtester's own rule (`passivbot_rust.order_fills`: a resting limit order fills
completely at its price iff the candle trades strictly through it).

Timing (as the backtester): an order placed at sim time `t` is first tested against the candle
opening at `t` rounded up to the minute; candle `k` is processed when the clock passes its close
(`ts[k] + 60 000`), and its fills are stamped `ts[k] + 59 999`. The synthetic book is the last
close on both sides (the backtester's `bid = ask = close`): a buy crosses iff its price is above
the last close, a sell iff below; touching is not crossing.

Market orders, and limit orders that cross when placed (not GTX), fill at once at the last close
moved by the slippage (capped at the limit price), with the taker fee.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import passivbot_rust as pbr

from simulator import errors as E
from simulator.accounts import Account, account_figures, opening_qty
from simulator.clock import MINUTE_MS, SimClock
from simulator.errors import BinanceError, err
from simulator.market_data import Market, MarketData
from simulator.models import Order, Trade

log = logging.getLogger(__name__)
TIFS = ("GTC", "GTX", "IOC", "FOK")
TYPES = ("LIMIT", "MARKET")
MAX_OPEN_ORDERS = 200


def _bool(value, name: str) -> bool:
    if value is None or value == "":
        return False
    text = str(value).lower()
    if text not in ("true", "false"):
        raise E.bad_param(name)
    return text == "true"


def _number(value, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise E.bad_param(name) from None
    if not math.isfinite(x):
        raise E.bad_param(name)
    return x


def _on_grid(x: float, step: float) -> bool:
    n = x / step
    return abs(n - round(n)) <= 1e-6 * max(1.0, abs(n)) ** 0.5


class Engine:
    """The simulated exchange's state and rules. All times are sim ms from `clock`."""

    def __init__(
        self,
        data: MarketData,
        clock: SimClock,
        balance: float,
        slippage: float = 0.0005,
        wall: Callable[[], int] | None = None,
    ):
        self.data = data
        self.clock = clock
        self.slippage = slippage
        self.starting_balance = balance
        self._wall = wall
        self._next_order_id = 1_000_001
        self.listeners: list[Callable[[str, dict], None]] = []
        self.reset()

    # ---- lifecycle -----------------------------------------------------------------------

    def reset(self, balance: float | None = None) -> None:
        """Empty the account and the book; candles before the current clock are history."""
        if balance is not None:
            self.starting_balance = balance
        self.account = Account(wallet=self.starting_balance)
        self.orders: dict[int, Order] = {}
        self.open_orders: dict[str, list[Order]] = {s: [] for s in self.data.markets}
        now = self.clock.now_ms()
        self.processed_until = now - now % MINUTE_MS
        self._funding_cursor = {}
        for symbol, m in self.data.markets.items():
            if m.funding is not None:
                self._funding_cursor[symbol] = int((m.funding.ts <= self.processed_until).sum())

    def emit(self, kind: str, payload: dict) -> None:
        for fn in self.listeners:
            try:
                fn(kind, payload)
            except Exception:  # a broken listener must not break matching
                log.exception("[sim] listener failed on %s", kind)

    # ---- market views -------------------------------------------------------------------

    def market(self, symbol) -> Market:
        if not symbol:
            raise E.missing("symbol")
        m = self.data.get(str(symbol))
        if m is None:
            raise err(E.INVALID_SYMBOL)
        return m

    def last_price(self, m: Market) -> float | None:
        return self.data.last_close(m, self.clock.now_ms())

    def marks(self) -> dict[str, float]:
        now = self.clock.now_ms()
        out = {}
        for symbol, m in self.data.markets.items():
            px = self.data.last_close(m, now)
            if px is not None:
                out[symbol] = px
        return out

    def figures(self):
        return account_figures(self.account, self.data.markets, self.marks(), self.all_open_orders())

    def all_open_orders(self) -> list[Order]:
        return [o for lst in self.open_orders.values() for o in lst]

    def visible(self, order: Order) -> bool:
        return order.hidden_until_wall_ms == 0 or self._wall is None or self._wall() >= order.hidden_until_wall_ms

    # ---- the clock drives fills ---------------------------------------------------------

    def sync(self) -> None:
        """Process every candle closed since the last call, minute by minute while orders rest,
        with funding events in time order."""
        now = self.clock.now_ms()
        while self.processed_until + MINUTE_MS <= now:
            if not any(self.open_orders.values()):
                nxt = self._next_funding_after(self.processed_until)
                target = now - now % MINUTE_MS
                if nxt is None or nxt > target:
                    self.processed_until = target
                    break
                self.processed_until = nxt - MINUTE_MS  # fall through to process the funding minute
            t_close = self.processed_until + MINUTE_MS
            for symbol, lst in self.open_orders.items():
                if lst:
                    m = self.data.markets[symbol]
                    k = m.candles.index_of(t_close - MINUTE_MS)
                    if 0 <= k < len(m.candles):
                        self._process_candle(m, k)
            self._apply_funding(t_close)
            self.processed_until = t_close

    def _next_funding_after(self, t: int) -> int | None:
        best = None
        for symbol, cur in self._funding_cursor.items():
            f = self.data.markets[symbol].funding
            if cur < len(f.ts):
                ts = int(f.ts[cur])
                ts = max(ts, t + MINUTE_MS)
                best = ts if best is None else min(best, ts)
        if best is not None:
            best = -(-best // MINUTE_MS) * MINUTE_MS
        return best

    def _apply_funding(self, t: int) -> None:
        for symbol, cur in self._funding_cursor.items():
            m = self.data.markets[symbol]
            f = m.funding
            while cur < len(f.ts) and int(f.ts[cur]) <= t:
                mark = self.data.last_close(m, int(f.ts[cur]))
                if mark is not None:
                    touched = self.account.apply_funding(m, float(f.rate[cur]), mark, int(f.ts[cur]))
                    if touched:
                        self.emit("account", {"reason": "FUNDING_FEE", "symbols": [symbol], "time": int(f.ts[cur])})
                cur += 1
            self._funding_cursor[symbol] = cur

    def _process_candle(self, m: Market, k: int) -> None:
        c = m.candles
        start = int(c.ts[k])
        high, low = float(c.high[k]), float(c.low[k])
        resting = [o for o in self.open_orders[m.symbol] if o.type == "LIMIT" and o.first_candle_ts <= start]
        # decided before any is applied, as the backtester does
        filling = [o for o in resting if pbr.order_fills(o.sign * o.remaining, o.price, high, low)]
        if not filling:
            return

        def key(o: Order):
            amt = self.account.position_amt(o.symbol, o.position_side)
            side_rank = 1 if o.position_side == "SHORT" else 0
            close_rank = 0 if o.closes(amt) else 1
            closeness = -o.price if o.side == "BUY" else o.price
            return (side_rank, close_rank, closeness, o.order_id)

        t_fill = start + MINUTE_MS - 1
        for o in sorted(filling, key=key):
            if o.is_open:
                self._fill(m, o, o.price, maker=True, time=t_fill)
        self._expire_reduce_only(m, t_fill)

    # ---- fills ---------------------------------------------------------------------------

    def _fill(self, m: Market, o: Order, price: float, maker: bool, time: int) -> Trade | None:
        amt = self.account.position_amt(m.symbol, o.position_side)
        qty = o.remaining
        if o.reduce_only or (o.position_side != "BOTH" and o.closes(amt)):
            qty = min(qty, abs(amt)) if o.closes(amt) and amt != 0.0 else 0.0
        if qty <= 0.0:
            self._close(o, "EXPIRED", time)
            return None
        trade = self.account.apply_fill(m, o, qty, price, maker, time)
        o.cum_quote += pbr.qty_to_cost(qty, price, m.spec.c_mult)
        o.executed_qty = pbr.round_(o.executed_qty + qty, m.spec.qty_step)
        o.avg_price = o.cum_quote / (o.executed_qty * m.spec.c_mult)
        o.update_time = time
        if o.remaining > m.spec.qty_step * 1e-6:
            # a reduce-only order clipped to the position: the rest expires
            self._close(o, "EXPIRED", time, trade=trade)
        else:
            self._close(o, "FILLED", time, trade=trade)
        self.emit("account", {"reason": "ORDER", "symbols": [m.symbol], "time": time})
        return trade

    def _close(self, o: Order, status: str, time: int, trade: Trade | None = None) -> None:
        o.status = status
        o.update_time = time
        lst = self.open_orders.get(o.symbol, [])
        if o in lst:
            lst.remove(o)
        self.emit("order", {"order": o, "trade": trade, "time": time})

    def _expire_reduce_only(self, m: Market, time: int) -> None:
        for o in list(self.open_orders[m.symbol]):
            amt = self.account.position_amt(m.symbol, o.position_side)
            closing_only = o.reduce_only or o.position_side != "BOTH" and o.closes(amt)
            if closing_only and (amt == 0.0 or not o.closes(amt)):
                self._close(o, "EXPIRED", time)

    # ---- placement -----------------------------------------------------------------------

    def new_order_id(self) -> int:
        oid = self._next_order_id
        self._next_order_id += 1
        return oid

    def place(self, p: dict) -> Order:
        """Validate and place one order (Binance `POST /fapi/v1/order` parameters)."""
        self.sync()
        now = self.clock.now_ms()
        m = self.market(p.get("symbol"))
        for name in ("side", "type", "quantity"):
            if not p.get(name):
                raise E.missing(name)
        side = str(p["side"]).upper()
        if side not in ("BUY", "SELL"):
            raise err(E.INVALID_SIDE)
        otype = str(p["type"]).upper()
        if otype not in TYPES:
            raise err(E.INVALID_TYPE)
        qty = _number(p["quantity"], "quantity")
        price = 0.0
        tif = "GTC"
        if otype == "LIMIT":
            if not p.get("price"):
                raise E.missing("price")
            if not p.get("timeInForce"):
                raise E.missing("timeInForce")
            price = _number(p["price"], "price")
            tif = str(p["timeInForce"]).upper()
            if tif not in TIFS:
                raise err(E.INVALID_TIF)
        elif p.get("price"):
            raise E.not_required("price")
        reduce_present = "reduceOnly" in p and str(p["reduceOnly"]).lower() == "true"
        reduce_only = _bool(p.get("reduceOnly"), "reduceOnly")
        pside = str(p.get("positionSide") or "BOTH").upper()
        if pside not in ("BOTH", "LONG", "SHORT"):
            raise E.bad_param("positionSide")
        if self.account.dual_side:
            if pside == "BOTH":
                raise err(E.POSITION_SIDE_MISMATCH)
            if reduce_present:
                raise E.not_required("reduceOnly")
        elif pside != "BOTH":
            raise err(E.POSITION_SIDE_MISMATCH)
        if self.data.status(m, now) != "TRADING":
            raise err(E.INVALID_SYMBOL_STATUS)
        spec = m.spec
        if qty <= 0.0:
            raise err(E.QTY_LE_ZERO)
        if not _on_grid(qty, spec.qty_step):
            raise err(E.PRECISION)
        if qty < spec.min_qty * (1 - 1e-9):
            raise err(E.QTY_LE_ZERO)
        if qty > 1e9:
            raise err(E.QTY_TOO_BIG)
        if otype == "LIMIT":
            if price <= 0.0:
                raise err(E.PRICE_LE_ZERO)
            if not _on_grid(price, spec.price_step):
                raise err(E.PRICE_TICK)
        client_id = str(p.get("newClientOrderId") or "")
        if client_id and any(o.client_id == client_id for o in self.open_orders[m.symbol]):
            raise err(E.DUPLICATE_CLIENT_ID)
        if len(self.open_orders[m.symbol]) >= MAX_OPEN_ORDERS:
            raise BinanceError(-4025, "Exceeded the maximum allowable order number.")
        last = self.last_price(m)
        order = Order(
            order_id=0,
            client_id=client_id,
            symbol=m.symbol,
            side=side,
            position_side=pside,
            type=otype,
            tif=tif,
            qty=qty,
            price=price,
            reduce_only=reduce_only,
            time=now,
            first_candle_ts=-(-now // MINUTE_MS) * MINUTE_MS,
            update_time=now,
        )
        amt = self.account.position_amt(m.symbol, pside)
        closing_only = reduce_only or pside != "BOTH" and order.closes(amt)
        if closing_only and (amt == 0.0 or not order.closes(amt)):
            raise err(E.REDUCE_ONLY_REJECTED)
        ref_price = price if otype == "LIMIT" else last
        if not closing_only and pbr.qty_to_cost(qty, ref_price, spec.c_mult) < spec.min_cost * (1 - 1e-9):
            raise E.min_notional(spec.min_cost)
        crossing = otype == "MARKET" or (price > last if side == "BUY" else price < last)
        if crossing and tif == "GTX":
            raise err(E.POST_ONLY_WOULD_TAKE)
        self._check_margin(order, amt, ref_price if not crossing else max(ref_price, last))
        order.order_id = self.new_order_id()
        if not order.client_id:
            order.client_id = f"sim{order.order_id}"
        self.orders[order.order_id] = order
        self.open_orders[m.symbol].append(order)
        self.emit("order", {"order": order, "trade": None, "time": now})
        if crossing:
            self._fill(m, order, self._taker_price(m, order, last), maker=False, time=now)
        elif tif in ("IOC", "FOK"):
            self._close(order, "EXPIRED", now)
        return order

    def _taker_price(self, m: Market, o: Order, last: float) -> float:
        if o.side == "BUY":
            px = pbr.round_up(last * (1.0 + self.slippage), m.spec.price_step)
            return min(px, o.price) if o.type == "LIMIT" else px
        px = pbr.round_dn(last * (1.0 - self.slippage), m.spec.price_step)
        return max(px, o.price) if o.type == "LIMIT" else px

    def _check_margin(self, order: Order, amt: float, price: float) -> None:
        q = opening_qty(order.qty, order, amt)
        if q <= 0.0:
            return
        m = self.data.markets[order.symbol]
        need = pbr.qty_to_cost(q, price, m.spec.c_mult) / self.account.leverage_of(order.symbol)
        if need > self.figures().available:
            raise err(E.MARGIN_INSUFFICIENT)

    # ---- queries and cancels ----------------------------------------------------------------

    def find(self, p: dict, for_cancel: bool = False) -> Order:
        m = self.market(p.get("symbol"))
        oid, cid = p.get("orderId"), p.get("origClientOrderId")
        if not oid and not cid:
            raise BinanceError(-1102, "Param 'origClientOrderId' or 'orderId' must be sent, but both were empty/null!")
        order = None
        if oid:
            try:
                order = self.orders.get(int(oid))
            except ValueError:
                raise E.bad_param("orderId") from None
        else:
            # the newest order with that client id
            for o in reversed(self.orders.values()):
                if o.client_id == cid and o.symbol == m.symbol:
                    order = o
                    break
        if order is None or order.symbol != m.symbol or not self.visible(order):
            raise err(E.UNKNOWN_ORDER_CANCEL if for_cancel else E.ORDER_NOT_FOUND)
        return order

    def cancel(self, p: dict) -> Order:
        self.sync()
        order = self.find(p, for_cancel=True)
        if not order.is_open:
            raise err(E.UNKNOWN_ORDER_CANCEL)
        self._close(order, "CANCELED", self.clock.now_ms())
        return order

    def cancel_all(self, symbol: str) -> int:
        self.sync()
        m = self.market(symbol)
        lst = list(self.open_orders[m.symbol])
        for o in lst:
            self._close(o, "CANCELED", self.clock.now_ms())
        return len(lst)

    def query_open(self, symbol: str | None) -> list[Order]:
        self.sync()
        if symbol:
            m = self.market(symbol)
            lst = self.open_orders[m.symbol]
        else:
            lst = self.all_open_orders()
        return [o for o in lst if self.visible(o)]

    # ---- settings --------------------------------------------------------------------------

    def set_dual(self, dual: bool) -> None:
        if dual == self.account.dual_side:
            raise err(E.NO_NEED_POSITION_SIDE)
        if self.all_open_orders():
            raise err(E.POSITION_SIDE_WITH_ORDERS)
        if self.account.has_position():
            raise err(E.POSITION_SIDE_WITH_POSITION)
        self.account.dual_side = dual

    def set_margin_type(self, symbol: str, margin_type: str) -> None:
        m = self.market(symbol)
        if margin_type not in ("ISOLATED", "CROSSED"):
            raise E.bad_param("marginType")
        if self.account.margin_type_of(m.symbol) == margin_type:
            raise err(E.NO_NEED_MARGIN_TYPE)
        if self.account.has_position(m.symbol) or self.open_orders[m.symbol]:
            raise err(E.MARGIN_TYPE_WITH_POSITION)
        self.account.margin_type[m.symbol] = margin_type
