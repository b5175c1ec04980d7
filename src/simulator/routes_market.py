"""Public market-data endpoints (no signature): exchangeInfo, time, klines, 24h ticker, book
ticker, price ticker, premium index (mark price and funding), funding history, depth; plus the
spot-side calls ccxt makes at load_markets when `fetchCurrencies` is left on."""

from __future__ import annotations

import numpy as np

from simulator import errors as E
from simulator import shapes
from simulator.errors import err
from simulator.market_data import INTERVALS_MIN, MINUTE_MS, Market, klines

FUNDING_INTERVAL_MS = 8 * 3_600_000


def _int(p: dict, name: str, default=None):
    v = p.get(name)
    if v in (None, ""):
        return default
    try:
        return int(v)
    except ValueError:
        raise E.bad_param(name) from None


def _markets(engine, p: dict) -> list[Market]:
    if p.get("symbol"):
        return [engine.market(p["symbol"])]
    now = engine.clock.now_ms()
    return [m for m in engine.data.markets.values() if engine.data.last_close(m, now) is not None]


def ping(engine, p):
    return {}


def time_(engine, p):
    return {"serverTime": engine.clock.now_ms()}


def exchange_info(engine, p):
    now = engine.clock.now_ms()
    rows = [(m, engine.data.status(m, now)) for m in engine.data.markets.values()]
    return shapes.exchange_info(rows, now)


def get_klines(engine, p):
    m = engine.market(p.get("symbol"))
    interval = p.get("interval")
    if not interval:
        raise E.missing("interval")
    if interval not in INTERVALS_MIN:
        raise err(E.INVALID_INTERVAL)
    limit = min(max(_int(p, "limit", 500), 1), 1500)
    rows = klines(
        m.candles,
        INTERVALS_MIN[interval],
        engine.clock.now_ms(),
        _int(p, "startTime"),
        _int(p, "endTime"),
        limit,
    )
    fp, fq = m.fmt_price, m.fmt_qty
    return [
        [b, fp(o), fp(h), fp(lo), fp(c), fq(v), close_t, f"{qv:.4f}", n, "0", "0", "0"]
        for b, o, h, lo, c, v, close_t, qv, n in rows
    ]


def _window(m: Market, now: int):
    k = m.candles.last_closed_index(now)
    if k < 0:
        return None
    return max(0, k - 1439), k + 1


def ticker_24hr(engine, p):
    now = engine.clock.now_ms()
    out = []
    for m in _markets(engine, p):
        w = _window(m, now)
        if w is None:
            continue
        c = m.candles
        i0, i1 = w
        o, last = float(c.open[i0]), float(c.close[i1 - 1])
        vol = float(c.volume[i0:i1].sum())
        qvol = float((c.volume[i0:i1] * c.close[i0:i1]).sum())
        fp = m.fmt_price
        out.append(
            {
                "symbol": m.symbol,
                "priceChange": fp(last - o),
                "priceChangePercent": f"{(last / o - 1) * 100:.3f}",
                "weightedAvgPrice": fp(qvol / vol if vol > 0 else last),
                "lastPrice": fp(last),
                "lastQty": m.fmt_qty(m.spec.min_qty),
                "openPrice": fp(o),
                "highPrice": fp(float(c.high[i0:i1].max())),
                "lowPrice": fp(float(c.low[i0:i1].min())),
                "volume": m.fmt_qty(vol),
                "quoteVolume": f"{qvol:.2f}",
                "openTime": int(c.ts[i0]),
                "closeTime": int(c.ts[i1 - 1]) + MINUTE_MS - 1,
                "firstId": 0,
                "lastId": 0,
                "count": int(i1 - i0),
            }
        )
    return out[0] if p.get("symbol") and out else out


def book_ticker(engine, p):
    """bid = ask = the last close (the backtester's view of the book)."""
    now = engine.clock.now_ms()
    out = []
    for m in _markets(engine, p):
        px = engine.data.last_close(m, now)
        if px is None:
            continue
        k = m.candles.last_closed_index(now)
        qty = m.fmt_qty(max(m.spec.min_qty, float(m.candles.volume[k]) / 100))
        out.append(
            {
                "symbol": m.symbol,
                "bidPrice": m.fmt_price(px),
                "bidQty": qty,
                "askPrice": m.fmt_price(px),
                "askQty": qty,
                "time": now,
                "lastUpdateId": now,
            }
        )
    return out[0] if p.get("symbol") and out else out


def ticker_price(engine, p):
    now = engine.clock.now_ms()
    out = [
        {"symbol": m.symbol, "price": m.fmt_price(engine.data.last_close(m, now)), "time": now}
        for m in _markets(engine, p)
        if engine.data.last_close(m, now) is not None
    ]
    return out[0] if p.get("symbol") and out else out


def _funding_at(m: Market, now: int):
    """(last rate applied at or before now, next funding time)."""
    f = m.funding
    if f is None or len(f.ts) == 0:
        return 0.0, (now // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS
    i = int(np.searchsorted(f.ts, now, side="right"))
    rate = float(f.rate[i - 1]) if i > 0 else 0.0
    nxt = int(f.ts[i]) if i < len(f.ts) else (now // FUNDING_INTERVAL_MS + 1) * FUNDING_INTERVAL_MS
    return rate, nxt


def premium_index(engine, p):
    now = engine.clock.now_ms()
    out = []
    for m in _markets(engine, p):
        px = engine.data.last_close(m, now)
        if px is None:
            continue
        rate, nxt = _funding_at(m, now)
        out.append(
            {
                "symbol": m.symbol,
                "markPrice": f"{px:.8f}",
                "indexPrice": f"{px:.8f}",
                "estimatedSettlePrice": f"{px:.8f}",
                "lastFundingRate": f"{rate:.8f}",
                "interestRate": "0.00010000",
                "nextFundingTime": nxt,
                "time": now,
            }
        )
    return out[0] if p.get("symbol") and out else out


def funding_rate_history(engine, p):
    now = engine.clock.now_ms()
    limit = min(max(_int(p, "limit", 100), 1), 1000)
    start, end = _int(p, "startTime"), _int(p, "endTime", now)
    rows = []
    for m in _markets(engine, p):
        f = m.funding
        if f is None:
            continue
        for ts, rate in zip(f.ts.tolist(), f.rate.tolist(), strict=True):
            if ts <= min(end, now) and (start is None or ts >= start):
                px = engine.data.last_close(m, ts)
                rows.append(
                    {
                        "symbol": m.symbol,
                        "fundingTime": ts,
                        "fundingRate": f"{rate:.8f}",
                        "markPrice": f"{px or 0.0:.8f}",
                    }
                )
    rows.sort(key=lambda r: r["fundingTime"])
    return rows[:limit] if start is not None else rows[-limit:]


def depth(engine, p):
    """A synthetic book: `limit` levels one tick apart on each side of the last close."""
    m = engine.market(p.get("symbol"))
    now = engine.clock.now_ms()
    px = engine.data.last_close(m, now)
    limit = min(max(_int(p, "limit", 20), 5), 1000)
    if px is None:
        return {"lastUpdateId": now, "E": now, "T": now, "bids": [], "asks": []}
    step = m.spec.price_step
    qty = m.fmt_qty(max(m.spec.min_qty, m.spec.min_cost / px))
    bids = [[m.fmt_price(px - i * step), qty] for i in range(limit) if px - i * step > 0]
    asks = [[m.fmt_price(px + (i + 1) * step), qty] for i in range(limit)]
    return {"lastUpdateId": now, "E": now, "T": now, "bids": bids, "asks": asks}


def empty_list(engine, p):
    return []


def referral(engine, p):
    return {"rebateWorking": False, "ifNewUser": False}


ROUTES = {
    ("GET", "/fapi/v1/ping"): ("NONE", ping),
    ("GET", "/fapi/v1/time"): ("NONE", time_),
    ("GET", "/fapi/v1/exchangeInfo"): ("NONE", exchange_info),
    ("GET", "/fapi/v1/klines"): ("NONE", get_klines),
    ("GET", "/fapi/v1/ticker/24hr"): ("NONE", ticker_24hr),
    ("GET", "/fapi/v1/ticker/bookTicker"): ("NONE", book_ticker),
    ("GET", "/fapi/v1/ticker/price"): ("NONE", ticker_price),
    ("GET", "/fapi/v2/ticker/price"): ("NONE", ticker_price),
    ("GET", "/fapi/v1/premiumIndex"): ("NONE", premium_index),
    ("GET", "/fapi/v1/fundingRate"): ("NONE", funding_rate_history),
    ("GET", "/fapi/v1/depth"): ("NONE", depth),
    ("GET", "/sapi/v1/capital/config/getall"): ("SIGNED", empty_list),
    ("GET", "/sapi/v1/margin/allPairs"): ("SIGNED", empty_list),
    ("GET", "/sapi/v1/apiReferral/ifNewUser"): ("SIGNED", referral),
}
