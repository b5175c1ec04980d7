"""WebSocket streams on the same port, as ccxt.pro's binanceusdm reaches them when
`urls['api']['ws']['linear']` is `ws://127.0.0.1:PORT/ws`:

* market streams at `/market/ws/<n>` (also `/public/ws/<n>`, `/ws/<n>`): `SUBSCRIBE` /
  `UNSUBSCRIBE` / `LIST_SUBSCRIPTIONS` requests; `<symbol>@kline_<interval>` streams push the
  newest closed candle (`x: true`) when it closes (no in-progress candle updates);
* the user data stream at `/private/ws?listenKey=K` (also `/ws/K`): `ORDER_TRADE_UPDATE` on every
  order change and fill, `ACCOUNT_UPDATE` after fills and funding.

Engine events are queued as they happen and sent in order by `publish()`, which runs after every
request, every admin advance and on the replay tick.
"""

from __future__ import annotations

import asyncio
import json
import logging
from dataclasses import dataclass, field

from aiohttp import WSMsgType, web

from simulator import shapes
from simulator.market_data import INTERVALS_MIN, klines

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Conn:
    ws: web.WebSocketResponse
    private: bool
    streams: set[str] = field(default_factory=set)
    last_sent: dict[str, int] = field(default_factory=dict)


class WsHub:
    def __init__(self, sim):
        self.sim = sim
        self.conns: list[Conn] = []
        self.pending: list[dict] = []
        sim.engine.listeners.append(self.on_event)

    def reset(self) -> None:
        self.pending.clear()
        for c in self.conns:
            c.last_sent.clear()

    # ---- connections --------------------------------------------------------------------

    async def serve(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        listen_key = request.query.get("listenKey") or (
            parts[-1] if parts and parts[-1] in self.sim.listen_keys else None
        )
        private = "private" in parts or listen_key is not None
        if private and listen_key not in self.sim.listen_keys:
            return web.json_response({"code": -1125, "msg": "This listenKey does not exist."}, status=400)
        ws = web.WebSocketResponse(heartbeat=30)
        await ws.prepare(request)
        conn = Conn(ws, private)
        if not private and parts and "@" in parts[-1]:
            conn.streams.update(parts[-1].split("/"))
        self.conns.append(conn)
        try:
            await self.publish()
            async for msg in ws:
                if msg.type == WSMsgType.TEXT:
                    await self._on_message(conn, msg.data)
                elif msg.type == WSMsgType.ERROR:
                    break
        finally:
            if conn in self.conns:
                self.conns.remove(conn)
        return ws

    async def _on_message(self, conn: Conn, text: str) -> None:
        try:
            req = json.loads(text)
        except json.JSONDecodeError:
            await conn.ws.send_str(json.dumps({"code": 3, "msg": "Invalid JSON"}))
            return
        method, rid = req.get("method"), req.get("id")
        params = [str(s) for s in req.get("params") or []]
        if method == "SUBSCRIBE":
            conn.streams.update(params)
            await conn.ws.send_str(json.dumps({"result": None, "id": rid}))
            await self.publish()
        elif method == "UNSUBSCRIBE":
            conn.streams.difference_update(params)
            await conn.ws.send_str(json.dumps({"result": None, "id": rid}))
        elif method == "LIST_SUBSCRIPTIONS":
            await conn.ws.send_str(json.dumps({"result": sorted(conn.streams), "id": rid}))
        else:
            await conn.ws.send_str(
                json.dumps({"code": 2, "msg": f"Invalid request: unknown method {method}", "id": rid})
            )

    async def close_all(self) -> None:
        for c in list(self.conns):
            await c.ws.close()
        self.conns.clear()

    # ---- events ---------------------------------------------------------------------------

    def on_event(self, kind: str, payload: dict) -> None:
        if not any(c.private for c in self.conns):
            return
        if kind == "order":
            self.pending.append(self._order_event(payload))
        elif kind == "account":
            self.pending.append(self._account_event(payload))

    def _order_event(self, payload: dict) -> dict:
        o, t, time = payload["order"], payload["trade"], payload["time"]
        m = self.sim.engine.data.markets[o.symbol]
        if t is not None:
            exec_type = "TRADE"
        elif o.status == "NEW":
            exec_type = "NEW"
        else:
            exec_type = o.status  # CANCELED | EXPIRED
        return {
            "e": "ORDER_TRADE_UPDATE",
            "E": time,
            "T": time,
            "o": {
                "s": o.symbol,
                "c": o.client_id,
                "S": o.side,
                "o": o.type,
                "f": o.tif,
                "q": m.fmt_qty(o.qty),
                "p": m.fmt_price(o.price),
                "ap": m.fmt_price(o.avg_price),
                "sp": "0",
                "x": exec_type,
                "X": o.status,
                "i": o.order_id,
                "l": m.fmt_qty(t.qty if t else 0.0),
                "z": m.fmt_qty(o.executed_qty),
                "L": m.fmt_price(t.price if t else 0.0),
                "N": "USDT",
                "n": shapes.money(t.commission if t else 0.0),
                "T": time,
                "t": t.trade_id if t else 0,
                "b": "0",
                "a": "0",
                "m": bool(t.maker) if t else False,
                "R": o.reduce_only,
                "wt": "CONTRACT_PRICE",
                "ot": o.type,
                "ps": o.position_side,
                "cp": False,
                "rp": shapes.money(t.realized_pnl if t else 0.0),
                "pP": False,
                "si": 0,
                "ss": 0,
                "V": "EXPIRE_MAKER",
                "pm": "NONE",
                "gtd": 0,
            },
        }

    def _account_event(self, payload: dict) -> dict:
        eng = self.sim.engine
        figs = eng.figures()
        rows = []
        for (symbol, side), pos in eng.account.positions.items():
            if symbol not in payload["symbols"]:
                continue
            m = eng.data.markets[symbol]
            f = figs.positions[(symbol, side)]
            rows.append(
                {
                    "s": symbol,
                    "pa": m.fmt_qty(pos.amt),
                    "ep": f"{pos.entry:.8f}",
                    "bep": f"{pos.entry:.8f}",
                    "cr": "0",
                    "up": shapes.money(f.upnl),
                    "mt": "isolated" if eng.account.margin_type_of(symbol) == "ISOLATED" else "cross",
                    "iw": "0",
                    "ps": side,
                }
            )
        wallet = shapes.money(eng.account.wallet)
        return {
            "e": "ACCOUNT_UPDATE",
            "E": payload["time"],
            "T": payload["time"],
            "a": {"m": payload["reason"], "B": [{"a": "USDT", "wb": wallet, "cw": wallet, "bc": "0"}], "P": rows},
        }

    # ---- sending --------------------------------------------------------------------------

    async def publish(self) -> None:
        """Send queued user-data events, then any newly closed kline per subscribed stream."""
        pending, self.pending = self.pending, []
        for c in list(self.conns):
            try:
                if c.private:
                    for event in pending:
                        await c.ws.send_str(json.dumps(event))
                else:
                    for stream in sorted(c.streams):
                        event = self._kline_event(c, stream)
                        if event is not None:
                            await c.ws.send_str(json.dumps(event))
            except (ConnectionError, RuntimeError, asyncio.CancelledError):
                if c in self.conns:
                    self.conns.remove(c)

    def _kline_event(self, conn: Conn, stream: str) -> dict | None:
        name, _, channel = stream.partition("@")
        if not channel.startswith("kline_"):
            return None
        interval = channel[len("kline_") :]
        m = self.sim.engine.data.get(name.upper())
        if m is None or interval not in INTERVALS_MIN:
            return None
        now = self.sim.engine.clock.now_ms()
        rows = klines(m.candles, INTERVALS_MIN[interval], now, None, None, 1)
        if not rows:
            return None
        b, o, h, lo, c, v, close_t, qv, n = rows[-1]
        if conn.last_sent.get(stream) == b:
            return None
        conn.last_sent[stream] = b
        return {
            "e": "kline",
            "E": now,
            "s": m.symbol,
            "k": {
                "t": b,
                "T": close_t,
                "s": m.symbol,
                "i": interval,
                "f": 0,
                "L": 0,
                "o": m.fmt_price(o),
                "c": m.fmt_price(c),
                "h": m.fmt_price(h),
                "l": m.fmt_price(lo),
                "v": m.fmt_qty(v),
                "n": n,
                "x": True,
                "q": f"{qv:.4f}",
                "V": "0",
                "Q": "0",
                "B": "0",
            },
        }
