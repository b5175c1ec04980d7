"""WebSocket streams with the real ccxt.pro `binanceusdm` (ws base rewritten to the simulator):
kline updates when candles close, ORDER_TRADE_UPDATE for orders and fills, ACCOUNT_UPDATE for
the balance and positions."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
from simulator_harness import BTC, KEY, SECRET, START, shared_simulator

from backtesting.data import BUNDLED_SAMPLE, freqtrade_files, read_candles
from exchanges.simulated import make_binanceusdm_client


@pytest.fixture
def sim():
    s = shared_simulator()
    s.reset()
    return s


async def _pro(sim):
    ex = make_binanceusdm_client(sim.url, KEY, SECRET, pro=True)
    await ex.load_markets()
    return ex


def test_watch_ohlcv_gets_each_closed_candle(sim):
    df = read_candles(freqtrade_files(BUNDLED_SAMPLE)["BTC"], "BTC").set_index("ts")

    async def go():
        ex = await _pro(sim)
        try:
            first = await asyncio.wait_for(ex.watch_ohlcv(BTC, "1m"), 10)
            assert first[-1][0] == START - 60_000
            sim.advance(1)
            nxt = await asyncio.wait_for(ex.watch_ohlcv(BTC, "1m"), 10)
            row = df.loc[START]
            assert nxt[-1][0] == START
            assert nxt[-1][2:] == [row["high"], row["low"], row["close"], row["volume"]]
        finally:
            await ex.close()

    asyncio.run(go())


def test_watch_orders_and_balance_follow_placement_and_fill(sim):
    df = read_candles(freqtrade_files(BUNDLED_SAMPLE)["BTC"], "BTC").set_index("ts")
    last = float(df.loc[START - 60_000, "close"])
    price = round(last - 50.0, 1)
    window = df.loc[START:]
    minute = int(window.index[np.argmax((window["low"] < price).to_numpy())])

    async def go():
        ex = await _pro(sim)
        try:
            watcher = asyncio.create_task(ex.watch_orders(BTC))
            await asyncio.sleep(0.5)  # listenKey + connection
            order = await ex.create_order(BTC, "limit", "buy", 0.01, price, {"postOnly": True})
            seen = await asyncio.wait_for(watcher, 10)
            assert seen[-1]["id"] == order["id"] and seen[-1]["status"] == "open" and seen[-1]["postOnly"]
            balance_task = asyncio.create_task(ex.watch_balance())
            watcher = asyncio.create_task(ex.watch_orders(BTC))
            await asyncio.sleep(0.2)
            sim.advance((minute + 60_000 - START) / 60_000)
            seen = await asyncio.wait_for(watcher, 10)
            filled = [o for o in seen if o["id"] == order["id"]][-1]
            assert filled["status"] == "closed" and filled["filled"] == 0.01 and filled["average"] == price
            balance = await asyncio.wait_for(balance_task, 10)
            assert balance["USDT"]["total"] == pytest.approx(10_000 - 0.01 * price * 0.0002)
        finally:
            await ex.close()

    asyncio.run(go())
