"""Request security (API key, HMAC signature, recvWindow) and every injected fault type, as the
real ccxt client sees them: the same exception classes a Binance answer of that shape causes."""

from __future__ import annotations

import asyncio
import time

import ccxt
import pytest
from simulator_harness import BTC, client, shared_simulator


@pytest.fixture
def sim():
    s = shared_simulator()
    s.reset()
    return s


def test_signature_key_and_timestamp_checks(sim):
    async def go():
        async with client(sim.url, secret="not-the-secret") as ex:
            await ex.load_markets()  # public endpoints need no signature
            with pytest.raises(ccxt.AuthenticationError, match="-1022"):
                await ex.fetch_balance()
        async with client(sim.url, key="unknown-key") as ex:
            with pytest.raises(ccxt.AuthenticationError, match="-2015"):
                await ex.fetch_balance()
            with pytest.raises(ccxt.AuthenticationError, match="-2015"):
                await ex.fapiPrivatePostListenKey()
        async with client(sim.url) as ex:
            ex.options["timeDifference"] = 120_000  # the client's clock two minutes behind
            with pytest.raises(ccxt.InvalidNonce, match="-1021"):
                await ex.fetch_balance()
            ex.options["timeDifference"] = -5_000  # five seconds ahead
            with pytest.raises(ccxt.InvalidNonce, match="-1021"):
                await ex.fetch_balance()
            ex.options["timeDifference"] = 0
            assert (await ex.fetch_balance())["USDT"]["total"] == 10_000.0
        # a client that adjusts to serverTime (the replayed market time) is accepted as well
        async with client(sim.url, options={"adjustForTimeDifference": True}) as ex:
            await ex.load_markets()
            assert (await ex.fetch_balance())["USDT"]["total"] == 10_000.0

    asyncio.run(go())


def _timed(coro):
    t0 = time.monotonic()
    result = asyncio.run(coro)
    return result, time.monotonic() - t0


def test_latency_and_timeouts(sim):
    sim.faults({"type": "latency", "path": "/fapi/v1/time", "latency_ms": 300, "count": 1})

    async def go():
        async with client(sim.url, timeout_ms=1_000) as ex:
            t0 = time.monotonic()
            await ex.fetch_time()
            slow = time.monotonic() - t0
            t0 = time.monotonic()
            await ex.fetch_time()  # the rule was for one request only
            fast = time.monotonic() - t0
            sim.faults({"type": "latency", "path": "/fapi/v1/*", "latency_ms": 1_500, "seconds": 30})
            with pytest.raises(ccxt.RequestTimeout):
                await ex.fetch_time()
            return slow, fast

    slow, fast = asyncio.run(go())
    assert slow >= 0.3 and fast < slow
    sim.admin("DELETE", "/_sim/faults")


def test_http_errors_rate_limit_drop_and_malformed_json(sim):
    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            sim.faults({"type": "http_5xx", "path": "/fapi/v3/account", "count": 1})
            with pytest.raises(ccxt.ExchangeNotAvailable):  # gateway 503, HTML body
                await ex.fetch_balance()
            internal = '{"code":-1001,"msg":"Internal error; unable to process your request. Please try again."}'
            sim.faults({"type": "http_5xx", "status": 500, "body": internal, "count": 1})
            with pytest.raises(ccxt.OperationFailed, match="-1001"):
                await ex.fetch_ticker(BTC)
            sim.faults({"type": "rate_limit", "method": "POST", "path": "/fapi/v1/order", "count": 1})
            with pytest.raises(ccxt.DDoSProtection, match="-1003"):
                await ex.create_order(BTC, "market", "buy", 0.01)
            # aiohttp retries an idempotent request once when a kept-alive connection drops,
            # so a GET needs two drops in a row to reach the caller; a POST needs one
            sim.faults({"type": "drop", "path": "/fapi/v1/openOrders", "count": 2})
            with pytest.raises(ccxt.NetworkError):
                await ex.fetch_open_orders(BTC)
            sim.faults({"type": "drop", "path": "/fapi/v1/order", "method": "POST", "count": 1})
            with pytest.raises(ccxt.NetworkError):
                await ex.create_order(BTC, "market", "buy", 0.01)
            assert await ex.fetch_my_trades(BTC) == []  # dropped before it reached the book
            # ccxt does not raise on a truncated JSON body: it hands back the raw text, and the
            # unified parsers turn it into empty or None-filled results. A bot must check.
            sim.faults({"type": "malformed", "path": "/fapi/v3/positionRisk", "count": 1})
            assert await ex.fetch_positions() == []
            sim.faults({"type": "malformed", "path": "/fapi/v3/account", "count": 1})
            broken = await ex.fetch_balance()
            assert isinstance(broken["info"], str) and "USDT" not in broken
            sim.faults({"type": "malformed", "path": "/fapi/v1/ticker/24hr", "count": 1})
            assert (await ex.fetch_ticker(BTC))["last"] is None
            sim.faults({"type": "malformed", "path": "/fapi/v1/openOrders", "count": 1})
            with pytest.raises(AttributeError):
                await ex.fetch_open_orders(BTC)
            # every rule was for one request: the same calls now succeed
            assert (await ex.fetch_balance())["USDT"]["total"] == 10_000.0
            assert await ex.fetch_open_orders(BTC) == []
            assert (await ex.create_order(BTC, "market", "buy", 0.01))["status"] == "closed"
            assert len(await ex.fetch_positions()) == 1

    asyncio.run(go())
    assert sim.admin("GET", "/_sim/faults")["rules"] == []


def test_order_accepted_but_reported_late(sim):
    """The order is on the book at once; the answer comes after `delay_ms` (the client times out)
    and queries do not show the order until then — the case a bot must reconcile."""
    sim.faults({"type": "late_order", "path": "/fapi/v1/order", "method": "POST", "delay_ms": 1_500, "count": 1})

    async def go():
        async with client(sim.url, timeout_ms=500) as ex:
            await ex.load_markets()
            last = (await ex.fetch_ticker(BTC))["last"]
            with pytest.raises(ccxt.RequestTimeout):
                await ex.create_order(BTC, "limit", "buy", 0.01, last - 100, {"clientOrderId": "late-1"})
            assert await ex.fetch_open_orders(BTC) == []
            with pytest.raises(ccxt.OrderNotFound):
                await ex.fetch_order(None, BTC, {"origClientOrderId": "late-1"})
            await asyncio.sleep(1.6)
            orders = await ex.fetch_open_orders(BTC)
            assert [o["clientOrderId"] for o in orders] == ["late-1"]

    asyncio.run(go())


def test_fault_windows_in_market_time(sim):
    start = sim.state()["time_ms"]
    sim.faults(
        {"type": "http_5xx", "path": "/fapi/v1/time", "sim_start_ms": start + 60_000, "sim_end_ms": start + 120_000}
    )

    async def go():
        async with client(sim.url) as ex:
            assert await ex.fetch_time() == start
            sim.advance(1)
            with pytest.raises(ccxt.ExchangeNotAvailable):
                await ex.fetch_time()
            with pytest.raises(ccxt.ExchangeNotAvailable):
                await ex.fetch_time()
            sim.advance(2)
            assert await ex.fetch_time() == start + 180_000

    asyncio.run(go())


def test_bad_fault_specs_are_refused(sim):
    with pytest.raises(AssertionError, match="fault type must be one of"):
        sim.faults({"type": "meteor"})
    with pytest.raises(AssertionError, match="unknown fault keys"):
        sim.faults({"type": "latency", "latency": 5})
