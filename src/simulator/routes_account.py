"""Signed account and trading endpoints: account (v2/v3), balance (v2/v3), positionRisk (v2/v3),
leverageBracket, orders (single, batch, open, all), userTrades, income, leverage, marginType,
position mode, commission rate, symbol config; and the listenKey (API key only)."""

from __future__ import annotations

import json
import secrets

from simulator import errors as E
from simulator import shapes
from simulator.accounts import MAX_LEVERAGE, PositionFigures, max_notional_for
from simulator.errors import BinanceError, err
from simulator.models import Position
from simulator.routes_market import _int

WEEK_MS = 7 * 86_400_000
OK = {"code": 200, "msg": "success"}


def _lookup(p: dict, name: str):
    """Parameter by name, case-insensitively (ccxt sends `orderidlist`)."""
    for k, v in p.items():
        if k.lower() == name.lower():
            return v
    return None


# ---- account views ----------------------------------------------------------------------------


def _position_rows(engine, figs, all_symbols: bool):
    """(position, figures) per row. v3: positions and sides with orders only; v2: every symbol."""
    acct = engine.account
    sides = ("LONG", "SHORT") if acct.dual_side else ("BOTH",)
    marks = engine.marks()
    with_orders = {(o.symbol, o.position_side) for o in engine.all_open_orders()}
    rows = []
    for symbol, m in engine.data.markets.items():
        for side in sides:
            key = (symbol, side)
            pos = acct.positions.get(key)
            has = (pos is not None and pos.amt != 0.0) or key in with_orders
            if not has and not all_symbols:
                continue
            if pos is None:
                pos = Position(symbol, side)
            f = figs.positions.get(key) or PositionFigures(marks.get(symbol, 0.0), 0.0, 0.0, 0.0, 0.0)
            rows.append((pos, f, m))
    return rows


def position_risk_v3(engine, p):
    engine.sync()
    figs = engine.figures()
    now = engine.clock.now_ms()
    want = p.get("symbol")
    return [
        shapes.position_risk_v3(pos, f, m, now)
        for pos, f, m in _position_rows(engine, figs, False)
        if not want or pos.symbol == want
    ]


def position_risk_v2(engine, p):
    engine.sync()
    figs = engine.figures()
    want = p.get("symbol")
    acct = engine.account
    return [
        shapes.position_risk_v2(pos, f, m, acct.leverage_of(pos.symbol), acct.margin_type_of(pos.symbol))
        for pos, f, m in _position_rows(engine, figs, True)
        if not want or pos.symbol == want
    ]


def _asset_row(engine, figs, now):
    acct = engine.account
    return {
        "asset": "USDT",
        "walletBalance": shapes.money(acct.wallet),
        "unrealizedProfit": shapes.money(figs.upnl),
        "marginBalance": shapes.money(figs.margin_balance),
        "maintMargin": shapes.money(figs.maint),
        "initialMargin": shapes.money(figs.initial_margin),
        "positionInitialMargin": shapes.money(figs.position_im),
        "openOrderInitialMargin": shapes.money(figs.order_im),
        "crossWalletBalance": shapes.money(acct.wallet),
        "crossUnPnl": shapes.money(figs.upnl),
        "availableBalance": shapes.money(figs.available),
        "maxWithdrawAmount": shapes.money(max(0.0, min(acct.wallet, figs.available))),
        "marginAvailable": True,
        "updateTime": acct.update_time or now,
    }


def _totals(engine, figs):
    acct = engine.account
    return {
        "totalInitialMargin": shapes.money(figs.initial_margin),
        "totalMaintMargin": shapes.money(figs.maint),
        "totalWalletBalance": shapes.money(acct.wallet),
        "totalUnrealizedProfit": shapes.money(figs.upnl),
        "totalMarginBalance": shapes.money(figs.margin_balance),
        "totalPositionInitialMargin": shapes.money(figs.position_im),
        "totalOpenOrderInitialMargin": shapes.money(figs.order_im),
        "totalCrossWalletBalance": shapes.money(acct.wallet),
        "totalCrossUnPnl": shapes.money(figs.upnl),
        "availableBalance": shapes.money(figs.available),
        "maxWithdrawAmount": shapes.money(max(0.0, min(acct.wallet, figs.available))),
    }


def _account_position(engine, pos, f, now, v2: bool):
    acct = engine.account
    row = {
        "symbol": pos.symbol,
        "positionSide": pos.side,
        "positionAmt": engine.data.markets[pos.symbol].fmt_qty(pos.amt),
        "unrealizedProfit": shapes.money(f.upnl),
        "isolatedMargin": "0",
        "notional": shapes.money(f.notional),
        "isolatedWallet": "0",
        "initialMargin": shapes.money(f.initial_margin + f.open_order_margin),
        "maintMargin": shapes.money(f.maint_margin),
        "updateTime": pos.update_time or 0,
    }
    if v2:
        lev = acct.leverage_of(pos.symbol)
        row.update(
            {
                "positionInitialMargin": shapes.money(f.initial_margin),
                "openOrderInitialMargin": shapes.money(f.open_order_margin),
                "leverage": str(lev),
                "isolated": acct.margin_type_of(pos.symbol) == "ISOLATED",
                "entryPrice": f"{pos.entry:.8f}",
                "breakEvenPrice": "0.0",
                "maxNotional": f"{max_notional_for(lev):.0f}",
                "bidNotional": "0",
                "askNotional": "0",
            }
        )
    return row


def account_v3(engine, p):
    engine.sync()
    figs = engine.figures()
    now = engine.clock.now_ms()
    out = _totals(engine, figs)
    out["assets"] = [_asset_row(engine, figs, now)]
    out["positions"] = [
        _account_position(engine, pos, f, now, False)
        for pos, f, _ in _position_rows(engine, figs, False)
        if pos.amt != 0.0
    ]
    return out


def account_v2(engine, p):
    engine.sync()
    figs = engine.figures()
    now = engine.clock.now_ms()
    out = {
        "feeTier": 0,
        "feeBurn": False,
        "canTrade": True,
        "canDeposit": True,
        "canWithdraw": True,
        "updateTime": 0,
        "multiAssetsMargin": False,
        "tradeGroupId": -1,
    }
    out.update(_totals(engine, figs))
    out["assets"] = [_asset_row(engine, figs, now)]
    out["positions"] = [
        _account_position(engine, pos, f, now, True) for pos, f, _ in _position_rows(engine, figs, True)
    ]
    return out


def balance(engine, p):
    engine.sync()
    figs = engine.figures()
    now = engine.clock.now_ms()
    acct = engine.account
    return [
        {
            "accountAlias": "SgsR",
            "asset": "USDT",
            "balance": shapes.money(acct.wallet),
            "crossWalletBalance": shapes.money(acct.wallet),
            "crossUnPnl": shapes.money(figs.upnl),
            "availableBalance": shapes.money(figs.available),
            "maxWithdrawAmount": shapes.money(max(0.0, min(acct.wallet, figs.available))),
            "marginAvailable": True,
            "updateTime": acct.update_time or now,
        }
    ]


def leverage_bracket(engine, p):
    if p.get("symbol"):
        return [shapes.leverage_brackets(engine.market(p["symbol"]).symbol)]
    return [shapes.leverage_brackets(s) for s in engine.data.markets]


def symbol_config(engine, p):
    acct = engine.account
    symbols = [engine.market(p["symbol"]).symbol] if p.get("symbol") else list(engine.data.markets)
    return [
        {
            "symbol": s,
            "marginType": acct.margin_type_of(s),
            "isAutoAddMargin": "false",
            "leverage": acct.leverage_of(s),
            "maxNotionalValue": f"{max_notional_for(acct.leverage_of(s)):.0f}",
        }
        for s in symbols
    ]


def commission_rate(engine, p):
    m = engine.market(p.get("symbol"))
    return {
        "symbol": m.symbol,
        "makerCommissionRate": f"{m.spec.maker_fee:.6f}",
        "takerCommissionRate": f"{m.spec.taker_fee:.6f}",
    }


# ---- orders -----------------------------------------------------------------------------------


def _order_json(engine, o, with_time=True):
    return shapes.order(o, engine.data.markets[o.symbol], with_time)


def new_order(engine, p):
    return _order_json(engine, engine.place(p), with_time=False)


def get_order(engine, p):
    engine.sync()
    return _order_json(engine, engine.find(p))


def cancel_order(engine, p):
    return _order_json(engine, engine.cancel(p), with_time=False)


def open_orders(engine, p):
    return [_order_json(engine, o) for o in engine.query_open(p.get("symbol"))]


def open_order(engine, p):
    engine.sync()
    o = engine.find(p)
    if not o.is_open:
        raise BinanceError(-2013, "Order does not exist.")
    return _order_json(engine, o)


def all_orders(engine, p):
    engine.sync()
    m = engine.market(p.get("symbol"))
    limit = min(max(_int(p, "limit", 500), 1), 1000)
    start, end, from_id = _int(p, "startTime"), _int(p, "endTime"), _int(p, "orderId")
    rows = [
        o
        for o in engine.orders.values()
        if o.symbol == m.symbol
        and engine.visible(o)
        and (from_id is None or o.order_id >= from_id)
        and (start is None or o.time >= start)
        and (end is None or o.time <= end)
    ]
    rows = rows[:limit] if (start is not None or from_id is not None) else rows[-limit:]
    return [_order_json(engine, o) for o in rows]


def cancel_all(engine, p):
    if not p.get("symbol"):
        raise E.missing("symbol")
    engine.cancel_all(p["symbol"])
    return {"code": 200, "msg": "The operation of cancel all open order is done."}


def _json_list(p: dict, name: str):
    raw = _lookup(p, name)
    if raw in (None, ""):
        return None
    try:
        value = json.loads(raw)
    except json.JSONDecodeError:
        raise E.bad_param(name) from None
    if not isinstance(value, list):
        raise E.bad_param(name)
    return value


def batch_orders(engine, p):
    items = _json_list(p, "batchOrders")
    if items is None:
        raise E.missing("batchOrders")
    if not 1 <= len(items) <= 5:
        raise err(E.BATCH_TOO_MANY)
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise E.bad_param("batchOrders")
        try:
            out.append(
                new_order(engine, {k: str(v) if isinstance(v, bool | int | float) else v for k, v in item.items()})
            )
        except BinanceError as e:
            out.append(e.body())
    return out


def cancel_batch(engine, p):
    ids = _json_list(p, "orderIdList")
    cids = _json_list(p, "origClientOrderIdList")
    if ids is None and cids is None:
        raise BinanceError(
            -1102, "Param 'orderIdList' or 'origClientOrderIdList' must be sent, but both were empty/null!"
        )
    out = []
    for value, key in [(i, "orderId") for i in ids or []] + [(c, "origClientOrderId") for c in cids or []]:
        try:
            out.append(cancel_order(engine, {"symbol": p.get("symbol"), key: str(value)}))
        except BinanceError as e:
            out.append(e.body())
    return out


# ---- history ----------------------------------------------------------------------------------


def _window(p: dict, now: int, rows: list, time_of, limit: int):
    """Binance paging: with startTime the first `limit` rows from it; else the newest `limit`
    rows of the 7 days before endTime (or now)."""
    start, end = _int(p, "startTime"), _int(p, "endTime")
    if start is None:
        end = now if end is None else end
        start = end - WEEK_MS
        sel = [r for r in rows if start <= time_of(r) <= end]
        return sel[-limit:]
    sel = [r for r in rows if time_of(r) >= start and (end is None or time_of(r) <= end)]
    return sel[:limit]


def user_trades(engine, p):
    engine.sync()
    m = engine.market(p.get("symbol"))
    limit = min(max(_int(p, "limit", 500), 1), 1000)
    rows = [t for t in engine.account.trades if t.symbol == m.symbol]
    from_id = _int(p, "fromId")
    if from_id is not None:
        rows = [t for t in rows if t.trade_id >= from_id][:limit]
    else:
        rows = _window(p, engine.clock.now_ms(), rows, lambda t: t.time, limit)
    return [shapes.trade(t, m) for t in rows]


def income(engine, p):
    engine.sync()
    limit = min(max(_int(p, "limit", 100), 1), 1000)
    kind, symbol = p.get("incomeType"), p.get("symbol")
    rows = [
        i for i in engine.account.incomes if (not kind or i.income_type == kind) and (not symbol or i.symbol == symbol)
    ]
    return [shapes.income(i) for i in _window(p, engine.clock.now_ms(), rows, lambda i: i.time, limit)]


# ---- settings ---------------------------------------------------------------------------------


def set_leverage(engine, p):
    m = engine.market(p.get("symbol"))
    if not p.get("leverage"):
        raise E.missing("leverage")
    try:
        lev = int(p["leverage"])
    except ValueError:
        raise E.bad_param("leverage") from None
    if not 1 <= lev <= MAX_LEVERAGE:
        raise E.invalid_leverage(lev)
    engine.account.leverage[m.symbol] = lev
    return {"leverage": lev, "maxNotionalValue": f"{max_notional_for(lev):.0f}", "symbol": m.symbol}


def set_margin_type(engine, p):
    if not p.get("marginType"):
        raise E.missing("marginType")
    engine.set_margin_type(p.get("symbol"), str(p["marginType"]).upper())
    return OK


def get_dual(engine, p):
    return {"dualSidePosition": engine.account.dual_side}


def set_dual(engine, p):
    value = p.get("dualSidePosition")
    if value in (None, ""):
        raise E.missing("dualSidePosition")
    if str(value).lower() not in ("true", "false"):
        raise E.bad_param("dualSidePosition")
    engine.set_dual(str(value).lower() == "true")
    return OK


# ---- user data stream ------------------------------------------------------------------------


def new_listen_key(engine, p, keys: set):
    if keys:
        return {"listenKey": next(iter(keys))}
    key = secrets.token_hex(32)
    keys.add(key)
    return {"listenKey": key}


def keepalive_listen_key(engine, p, keys: set):
    if not keys:
        raise err(E.INVALID_LISTEN_KEY)
    return {"listenKey": next(iter(keys))}


def close_listen_key(engine, p, keys: set):
    keys.clear()
    return {}


ROUTES = {
    ("GET", "/fapi/v3/account"): ("SIGNED", account_v3),
    ("GET", "/fapi/v2/account"): ("SIGNED", account_v2),
    ("GET", "/fapi/v3/balance"): ("SIGNED", balance),
    ("GET", "/fapi/v2/balance"): ("SIGNED", balance),
    ("GET", "/fapi/v3/positionRisk"): ("SIGNED", position_risk_v3),
    ("GET", "/fapi/v2/positionRisk"): ("SIGNED", position_risk_v2),
    ("GET", "/fapi/v1/leverageBracket"): ("SIGNED", leverage_bracket),
    ("GET", "/fapi/v1/symbolConfig"): ("SIGNED", symbol_config),
    ("GET", "/fapi/v1/commissionRate"): ("SIGNED", commission_rate),
    ("POST", "/fapi/v1/order"): ("SIGNED", new_order),
    ("GET", "/fapi/v1/order"): ("SIGNED", get_order),
    ("DELETE", "/fapi/v1/order"): ("SIGNED", cancel_order),
    ("GET", "/fapi/v1/openOrders"): ("SIGNED", open_orders),
    ("GET", "/fapi/v1/openOrder"): ("SIGNED", open_order),
    ("GET", "/fapi/v1/allOrders"): ("SIGNED", all_orders),
    ("DELETE", "/fapi/v1/allOpenOrders"): ("SIGNED", cancel_all),
    ("POST", "/fapi/v1/batchOrders"): ("SIGNED", batch_orders),
    ("DELETE", "/fapi/v1/batchOrders"): ("SIGNED", cancel_batch),
    ("GET", "/fapi/v1/userTrades"): ("SIGNED", user_trades),
    ("GET", "/fapi/v1/income"): ("SIGNED", income),
    ("POST", "/fapi/v1/leverage"): ("SIGNED", set_leverage),
    ("POST", "/fapi/v1/marginType"): ("SIGNED", set_margin_type),
    ("GET", "/fapi/v1/positionSide/dual"): ("SIGNED", get_dual),
    ("POST", "/fapi/v1/positionSide/dual"): ("SIGNED", set_dual),
}

LISTEN_KEY_ROUTES = {
    "POST": new_listen_key,
    "PUT": keepalive_listen_key,
    "DELETE": close_listen_key,
}
