"""Binance USDⓈ-M response shapes: every number as Binance sends it (strings with the symbol's
decimals for prices and quantities, 8 decimals for balances)."""

from __future__ import annotations

from simulator.accounts import BRACKETS, PositionFigures, max_notional_for
from simulator.market_data import Market
from simulator.models import Income, Order, Position, Trade

FAR_FUTURE_DELIVERY = 4133404800000  # Binance's deliveryDate for perpetuals (2100-12-25)


def money(x: float) -> str:
    return f"{x:.8f}"


def symbol_info(m: Market, status: str) -> dict:
    s = m.spec
    pd_, qd = m.price_decimals, m.qty_decimals
    return {
        "symbol": m.symbol,
        "pair": m.symbol,
        "contractType": "PERPETUAL",
        "deliveryDate": FAR_FUTURE_DELIVERY,
        "onboardDate": m.candles.first_ts,
        "status": status,
        "maintMarginPercent": "2.5000",
        "requiredMarginPercent": "5.0000",
        "baseAsset": m.coin,
        "quoteAsset": "USDT",
        "marginAsset": "USDT",
        "pricePrecision": pd_,
        "quantityPrecision": qd,
        "baseAssetPrecision": 8,
        "quotePrecision": 8,
        "underlyingType": "COIN",
        "underlyingSubType": [],
        "triggerProtect": "0.0500",
        "liquidationFee": "0.012500",
        "marketTakeBound": "0.05",
        "maxMoveOrderLimit": 10000,
        "filters": [
            {
                "filterType": "PRICE_FILTER",
                "minPrice": m.fmt_price(s.price_step),
                "maxPrice": m.fmt_price(1e7),
                "tickSize": m.fmt_price(s.price_step),
            },
            {
                "filterType": "LOT_SIZE",
                "minQty": m.fmt_qty(s.min_qty),
                "maxQty": m.fmt_qty(1e9),
                "stepSize": m.fmt_qty(s.qty_step),
            },
            {
                "filterType": "MARKET_LOT_SIZE",
                "minQty": m.fmt_qty(s.min_qty),
                "maxQty": m.fmt_qty(1e9),
                "stepSize": m.fmt_qty(s.qty_step),
            },
            {"filterType": "MAX_NUM_ORDERS", "limit": 200},
            {"filterType": "MAX_NUM_ALGO_ORDERS", "limit": 10},
            {"filterType": "MIN_NOTIONAL", "notional": f"{s.min_cost:g}"},
            {
                "filterType": "PERCENT_PRICE",
                "multiplierUp": "1.0500",
                "multiplierDown": "0.9500",
                "multiplierDecimal": "4",
            },
        ],
        "orderTypes": ["LIMIT", "MARKET"],
        "timeInForce": ["GTC", "IOC", "FOK", "GTX"],
    }


def exchange_info(markets: list[tuple[Market, str]], now_ms: int) -> dict:
    return {
        "timezone": "UTC",
        "serverTime": now_ms,
        "futuresType": "U_MARGINED",
        "rateLimits": [
            {"rateLimitType": "REQUEST_WEIGHT", "interval": "MINUTE", "intervalNum": 1, "limit": 2400},
            {"rateLimitType": "ORDERS", "interval": "MINUTE", "intervalNum": 1, "limit": 1200},
            {"rateLimitType": "ORDERS", "interval": "SECOND", "intervalNum": 10, "limit": 300},
        ],
        "exchangeFilters": [],
        "assets": [{"asset": "USDT", "marginAvailable": True, "autoAssetExchange": "-10000"}],
        "symbols": [symbol_info(m, status) for m, status in markets],
    }


def order(o: Order, m: Market, with_time: bool = True) -> dict:
    d = {
        "orderId": o.order_id,
        "symbol": o.symbol,
        "status": o.status,
        "clientOrderId": o.client_id,
        "price": m.fmt_price(o.price),
        "avgPrice": m.fmt_price(o.avg_price) if o.executed_qty else "0.00",
        "origQty": m.fmt_qty(o.qty),
        "executedQty": m.fmt_qty(o.executed_qty),
        "cumQty": m.fmt_qty(o.executed_qty),
        "cumQuote": money(o.cum_quote),
        "timeInForce": o.tif,
        "type": o.type,
        "reduceOnly": o.reduce_only,
        "closePosition": False,
        "side": o.side,
        "positionSide": o.position_side,
        "stopPrice": "0",
        "workingType": "CONTRACT_PRICE",
        "priceProtect": False,
        "origType": o.type,
        "priceMatch": "NONE",
        "selfTradePreventionMode": "EXPIRE_MAKER",
        "goodTillDate": 0,
        "updateTime": o.update_time,
    }
    if with_time:
        d["time"] = o.time
    return d


def trade(t: Trade, m: Market) -> dict:
    return {
        "buyer": t.side == "BUY",
        "commission": money(t.commission),
        "commissionAsset": "USDT",
        "id": t.trade_id,
        "maker": t.maker,
        "orderId": t.order_id,
        "price": m.fmt_price(t.price),
        "qty": m.fmt_qty(t.qty),
        "quoteQty": money(t.quote_qty),
        "realizedPnl": money(t.realized_pnl),
        "side": t.side,
        "positionSide": t.position_side,
        "symbol": t.symbol,
        "time": t.time,
    }


def income(i: Income) -> dict:
    return {
        "symbol": i.symbol,
        "incomeType": i.income_type,
        "income": money(i.income),
        "asset": "USDT",
        "info": i.info or i.income_type,
        "time": i.time,
        "tranId": i.tran_id,
        "tradeId": i.trade_id,
    }


def _break_even(pos: Position, m: Market) -> float:
    if pos.amt == 0.0:
        return 0.0
    fee = m.spec.taker_fee
    return pos.entry * (1 + fee) / (1 - fee) if pos.amt > 0 else pos.entry * (1 - fee) / (1 + fee)


def position_risk_v3(pos: Position, f: PositionFigures, m: Market, now_ms: int) -> dict:
    return {
        "symbol": pos.symbol,
        "positionSide": pos.side,
        "positionAmt": m.fmt_qty(pos.amt),
        "entryPrice": f"{pos.entry:.8f}",
        "breakEvenPrice": f"{_break_even(pos, m):.8f}",
        "markPrice": f"{f.mark:.8f}",
        "unRealizedProfit": money(f.upnl),
        "liquidationPrice": f"{f.liquidation_price:.8f}",
        "isolatedMargin": "0",
        "notional": money(f.notional),
        "marginAsset": "USDT",
        "isolatedWallet": "0",
        "initialMargin": money(f.initial_margin + f.open_order_margin),
        "maintMargin": money(f.maint_margin),
        "positionInitialMargin": money(f.initial_margin),
        "openOrderInitialMargin": money(f.open_order_margin),
        "adl": 0,
        "bidNotional": "0",
        "askNotional": "0",
        "updateTime": pos.update_time or now_ms,
    }


def position_risk_v2(pos: Position, f: PositionFigures, m: Market, leverage: int, margin_type: str) -> dict:
    return {
        "symbol": pos.symbol,
        "positionAmt": m.fmt_qty(pos.amt),
        "entryPrice": f"{pos.entry:.8f}",
        "breakEvenPrice": f"{_break_even(pos, m):.8f}",
        "markPrice": f"{f.mark:.8f}",
        "unRealizedProfit": money(f.upnl),
        "liquidationPrice": f"{f.liquidation_price:.8f}",
        "leverage": str(leverage),
        "maxNotionalValue": f"{max_notional_for(leverage):.0f}",
        "marginType": "isolated" if margin_type == "ISOLATED" else "cross",
        "isolatedMargin": "0.00000000",
        "isAutoAddMargin": "false",
        "positionSide": pos.side,
        "notional": money(f.notional),
        "isolatedWallet": "0",
        "updateTime": pos.update_time,
    }


def leverage_brackets(symbol: str) -> dict:
    return {
        "symbol": symbol,
        "brackets": [
            {
                "bracket": i + 1,
                "initialLeverage": b["leverage"],
                "notionalCap": int(b["cap"]),
                "notionalFloor": int(b["floor"]),
                "maintMarginRatio": b["mmr"],
                "cum": b["cum"],
            }
            for i, b in enumerate(BRACKETS)
        ],
    }
