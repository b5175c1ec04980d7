"""The aiohttp application: one catch-all route that dispatches Binance paths to the handlers of
`routes_market` / `routes_account` (with the security Binance applies to each), the `/_sim/` admin
endpoints, fault injection and the WebSocket streams.

Parameters are read as Binance does: query string and form-encoded body merged.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from urllib.parse import parse_qsl

import pandas as pd
from aiohttp import web

from simulator import errors as E
from simulator import routes_account, routes_market, shapes
from simulator.auth import Credentials
from simulator.clock import MINUTE_MS, wall_ms
from simulator.errors import BinanceError
from simulator.faults import FaultError, FaultRule, Faults
from simulator.matching import Engine
from simulator.ws import WsHub

log = logging.getLogger(__name__)
ROUTES = {**routes_market.ROUTES, **routes_account.ROUTES}
LISTEN_KEY_PATH = "/fapi/v1/listenKey"
GATEWAY_503 = "<html><body><h1>503 Service Unavailable</h1>No server is available to handle this request.</body></html>"


def dumps(obj) -> str:
    return json.dumps(obj, separators=(",", ":"))


def parse_time(value) -> int:
    """ms since the epoch from an int or an ISO date ('2025-05-10', '2025-05-10T12:00')."""
    if isinstance(value, int | float) or str(value).lstrip("-").isdigit():
        return int(value)
    ts = pd.Timestamp(str(value))
    if ts.tzinfo is None:
        ts = ts.tz_localize("UTC")
    return int(ts.timestamp() * 1000)


class Simulator:
    """Engine + credentials + faults + streams behind one aiohttp app."""

    def __init__(self, engine: Engine, creds: Credentials, tick_seconds: float = 0.2):
        self.engine = engine
        self.creds = creds
        self.faults = Faults()
        self.listen_keys: set[str] = set()
        self.request_log: deque = deque(maxlen=1000)
        self.hub = WsHub(self)
        self.tick_seconds = tick_seconds
        self._ticker: asyncio.Task | None = None

    # ---- app ---------------------------------------------------------------------------------

    def app(self) -> web.Application:
        app = web.Application(client_max_size=4 * 1024 * 1024)
        app.router.add_route("*", "/{tail:.*}", self.handle)
        app.on_startup.append(self._start)
        app.on_cleanup.append(self._stop)
        return app

    async def _start(self, app):
        self._ticker = asyncio.create_task(self._tick_loop())

    async def _stop(self, app):
        if self._ticker:
            self._ticker.cancel()
        await self.hub.close_all()

    async def _tick_loop(self):
        while True:
            await asyncio.sleep(self.tick_seconds)
            try:
                self.engine.sync()
                await self.hub.publish()
            except Exception:
                log.exception("[sim] tick failed")

    # ---- dispatch ---------------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        path = request.path
        if path.startswith("/_sim/"):
            return await self.admin(request)
        if request.headers.get("Upgrade", "").lower() == "websocket":
            return await self.hub.serve(request)
        raw_query = request.rel_url.raw_query_string
        raw_body = await request.text() if request.can_read_body else ""
        params = dict(parse_qsl(raw_query, keep_blank_values=True))
        params.update(parse_qsl(raw_body, keep_blank_values=True))
        method = request.method
        self.request_log.append(
            {"method": method, "path": path, "params": {k: v for k, v in params.items() if k != "signature"}}
        )
        fault = self.faults.take(method, path, wall_ms(), self.engine.clock.now_ms())
        if fault is not None:
            early = await self._fault_before(fault, request)
            if early is not None:
                return early
        status, body = self.dispatch(method, path, params, request.headers, raw_query, raw_body)
        if fault is not None and fault.type == "malformed":
            return web.Response(status=status, text=body[: max(1, len(body) // 2)], content_type="application/json")
        if fault is not None and fault.type == "late_order" and status == 200:
            self._hide_orders(body, fault)
            await asyncio.sleep(fault.delay_ms / 1000)
        await self.hub.publish()
        return web.Response(status=status, text=body, content_type="application/json")

    def dispatch(self, method, path, params, headers, raw_query="", raw_body="") -> tuple[int, str]:
        try:
            if path == LISTEN_KEY_PATH and method in routes_account.LISTEN_KEY_ROUTES:
                self.creds.check_key(headers.get("X-MBX-APIKEY"))
                result = routes_account.LISTEN_KEY_ROUTES[method](self.engine, params, self.listen_keys)
                return 200, dumps(result)
            route = ROUTES.get((method, path))
            if route is None:
                return 404, dumps({"code": -1000, "msg": f"Unknown path {method} {path}"})
            security, handler = route
            if security == "SIGNED":
                clocks = [wall_ms(), self.engine.clock.now_ms()]
                self.creds.check_signed(headers.get("X-MBX-APIKEY"), raw_query, raw_body, params, clocks)
            self.engine.sync()
            return 200, dumps(handler(self.engine, params))
        except BinanceError as e:
            return e.status, dumps(e.body())
        except Exception as e:  # a simulator bug: answer like Binance's internal error, log it
            log.exception("[sim] %s %s failed", method, path)
            return 500, dumps({"code": -1000, "msg": f"An unknown error occurred while processing the request. [{e}]"})

    async def _fault_before(self, fault: FaultRule, request: web.Request):
        if fault.type == "latency":
            await asyncio.sleep(fault.latency_ms / 1000)
            return None
        if fault.type == "http_5xx":
            text = fault.body if fault.body is not None else GATEWAY_503
            ctype = "application/json" if text.startswith(("{", "[")) else "text/html"
            return web.Response(status=fault.status, text=text, content_type=ctype)
        if fault.type == "rate_limit":
            return web.Response(
                status=429,
                text=dumps({"code": -1003, "msg": E.RATE_LIMIT_MSG}),
                content_type="application/json",
                headers={"Retry-After": "1"},
            )
        if fault.type == "drop":
            if request.transport is not None:
                request.transport.abort()
            raise asyncio.CancelledError()
        return None

    def _hide_orders(self, body: str, fault: FaultRule) -> None:
        try:
            result = json.loads(body)
        except json.JSONDecodeError:
            return
        rows = result if isinstance(result, list) else [result]
        until = wall_ms() + fault.delay_ms
        for row in rows:
            if isinstance(row, dict) and "orderId" in row:
                order = self.engine.orders.get(int(row["orderId"]))
                if order is not None:
                    order.hidden_until_wall_ms = until

    # ---- admin (/_sim/) -----------------------------------------------------------------------

    async def admin(self, request: web.Request) -> web.Response:
        try:
            body = await request.json() if request.can_read_body else {}
        except json.JSONDecodeError:
            return web.json_response({"error": "body must be JSON"}, status=400)
        if not isinstance(body, dict | list):
            return web.json_response({"error": "body must be a JSON object"}, status=400)
        args = dict(request.query)
        if isinstance(body, dict):
            args.update(body)
        key = (request.method, request.path)
        try:
            if key == ("POST", "/_sim/advance"):
                minutes = float(args.get("minutes", 1))
                self.engine.clock.advance(minutes)
                self.engine.sync()
                await self.hub.publish()
                return web.json_response(self.clock_state())
            if key == ("GET", "/_sim/state"):
                self.engine.sync()
                n = args.get("fills")
                return web.json_response(self.state(None if n is None else int(n)))
            if key == ("POST", "/_sim/reset"):
                self.reset(args)
                return web.json_response(self.state())
            if key == ("POST", "/_sim/faults"):
                specs = body if isinstance(body, list) else [args]
                rules = [self.faults.add(s, wall_ms()).describe() for s in specs]
                return web.json_response({"rules": rules})
            if key == ("GET", "/_sim/faults"):
                return web.json_response({"rules": [r.describe() for r in self.faults.rules]})
            if key == ("DELETE", "/_sim/faults"):
                self.faults.clear()
                return web.json_response({"rules": []})
            if key == ("GET", "/_sim/requests"):
                return web.json_response({"requests": list(self.request_log)})
            if key == ("DELETE", "/_sim/requests"):
                self.request_log.clear()
                return web.json_response({"requests": []})
        except (FaultError, ValueError, TypeError) as e:
            return web.json_response({"error": str(e)}, status=400)
        return web.json_response({"error": f"unknown admin call {request.method} {request.path}"}, status=404)

    def reset(self, args: dict) -> None:
        """Empty account and book; optionally a new start time, balance and clock mode."""
        clock = self.engine.clock
        start = parse_time(args["start"]) if args.get("start") is not None else clock.start_ms
        start -= start % MINUTE_MS
        if args.get("manual"):
            speed = None
        elif args.get("speed") is not None:
            speed = float(args["speed"])
        else:
            speed = "keep"
        clock.reset(start, speed)
        self.engine.reset(float(args["balance"]) if args.get("balance") is not None else None)
        self.faults.clear()
        self.listen_keys.clear()
        self.hub.reset()

    def clock_state(self) -> dict:
        now = self.engine.clock.now_ms()
        return {
            "time_ms": now,
            "time": pd.Timestamp(now, unit="ms", tz="UTC").isoformat(),
            **self.engine.clock.describe(),
        }

    def state(self, last_fills: int | None = None) -> dict:
        """Clock, wallet, equity, positions, open orders and fills (the newest `last_fills`, or all)."""
        eng = self.engine
        figs = eng.figures()
        acct = eng.account
        positions = []
        for (symbol, side), pos in acct.positions.items():
            if pos.amt == 0.0:
                continue
            f = figs.positions[(symbol, side)]
            positions.append(
                {
                    "symbol": symbol,
                    "positionSide": side,
                    "amt": pos.amt,
                    "entryPrice": pos.entry,
                    "markPrice": f.mark,
                    "unrealizedPnl": f.upnl,
                    "liquidationPrice": f.liquidation_price,
                }
            )
        return {
            **self.clock_state(),
            "wallet": acct.wallet,
            "equity": figs.margin_balance,
            "available": figs.available,
            "dual_side": acct.dual_side,
            "positions": positions,
            "open_orders": [shapes.order(o, eng.data.markets[o.symbol]) for o in eng.all_open_orders()],
            "fills": [
                {
                    "trade_id": t.trade_id,
                    "order_id": t.order_id,
                    "symbol": t.symbol,
                    "side": t.side,
                    "positionSide": t.position_side,
                    "price": t.price,
                    "qty": t.qty,
                    "fee": t.commission,
                    "realized_pnl": t.realized_pnl,
                    "maker": t.maker,
                    "time": t.time,
                }
                for t in (acct.trades if last_fills is None else acct.trades[max(0, len(acct.trades) - last_fills) :])
            ],
            "incomes": len(acct.incomes),
            "faults": [r.describe() for r in self.faults.rules],
        }
