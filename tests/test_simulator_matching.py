"""Matching and accounting through the real ccxt client: fills at the right minute and price on
the bundled real candles, the strict fill rule, post-only / reduce-only / hedge-mode rejections
as ccxt exception classes, clipping and expiry of reduce-only orders; funding from a funding file
(engine driven directly)."""

from __future__ import annotations

import asyncio
import shutil
import time

import ccxt
import numpy as np
import pandas as pd
import pytest
from simulator_harness import BTC, ETH, START, client, shared_simulator

import simulator
from backtesting.data import BUNDLED_SAMPLE, freqtrade_files, read_candles


@pytest.fixture
def sim():
    s = shared_simulator()
    s.reset()
    return s


def _candles(coin: str) -> pd.DataFrame:
    return read_candles(freqtrade_files(BUNDLED_SAMPLE)[coin], coin).set_index("ts")


def _first_cross(df: pd.DataFrame, t0: int, price: float, side: str) -> int:
    """Open time of the first candle from t0 on that trades strictly through `price`."""
    window = df.loc[t0:]
    hit = window["low"] < price if side == "buy" else window["high"] > price
    return int(window.index[np.argmax(hit.to_numpy())])


def test_limit_orders_fill_at_their_price_in_the_first_candle_that_trades_through(sim):
    df = _candles("BTC")
    last = float(df.loc[START - 60_000, "close"])
    buy_px, sell_px = round(last - 150.0, 1), round(last + 150.0, 1)
    buy_minute = _first_cross(df, START, buy_px, "buy")
    sell_minute = _first_cross(df, START, sell_px, "sell")
    assert START < buy_minute < START + 6 * 3_600_000 and START < sell_minute < START + 6 * 3_600_000

    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            buy = await ex.create_order(BTC, "limit", "buy", 0.01, buy_px, {"postOnly": True})
            sell = await ex.create_order(BTC, "limit", "sell", 0.01, sell_px, {"postOnly": True})
            first = min(buy_minute, sell_minute)
            sim.advance((first - START) / 60_000)  # the clock stands at the open of `first`
            assert {o["id"] for o in await ex.fetch_open_orders(BTC)} == {buy["id"], sell["id"]}
            sim.advance((max(buy_minute, sell_minute) + 60_000 - first) / 60_000)
            assert await ex.fetch_open_orders(BTC) == []
            b, s = await ex.fetch_order(buy["id"], BTC), await ex.fetch_order(sell["id"], BTC)
            assert b["status"] == s["status"] == "closed"
            assert (b["average"], s["average"]) == (buy_px, sell_px)
            assert b["lastUpdateTimestamp"] == buy_minute + 59_999
            assert s["lastUpdateTimestamp"] == sell_minute + 59_999
            trades = {t["order"]: t for t in await ex.fetch_my_trades(BTC)}
            tb = trades[buy["id"]]
            assert tb["timestamp"] == buy_minute + 59_999 and tb["price"] == buy_px
            assert tb["takerOrMaker"] == "maker"
            assert tb["fee"]["cost"] == pytest.approx(0.01 * buy_px * 0.0002)

    asyncio.run(go())


def test_touching_the_price_is_not_a_fill(sim):
    df = _candles("ETH")
    window = df.loc[START : START + 120 * 60_000]
    # a buy resting exactly at a candle's low: only a later, strictly lower low fills it
    k = int(window.index[5])
    price = float(df.loc[k, "low"])
    later = df.loc[k + 60_000 :]
    fill_minute = int(later.index[np.argmax((later["low"] < price).to_numpy())])
    assert fill_minute > k

    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            sim.advance((k - START) / 60_000)
            last = (await ex.fetch_ticker(ETH))["last"]
            assume_resting = price <= last
            assert assume_resting
            order = await ex.create_order(ETH, "limit", "buy", 0.1, price)
            sim.advance(1)  # candle k touches the price: no fill
            assert (await ex.fetch_order(order["id"], ETH))["status"] == "open"
            sim.advance((fill_minute + 60_000 - (k + 60_000)) / 60_000)
            done = await ex.fetch_order(order["id"], ETH)
            assert done["status"] == "closed" and done["lastUpdateTimestamp"] == fill_minute + 59_999

    asyncio.run(go())


def test_rejections_raise_the_ccxt_exception_binance_would_cause(sim):
    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            last = (await ex.fetch_ticker(BTC))["last"]
            with pytest.raises(ccxt.OrderNotFillable, match="-5022"):
                await ex.create_order(BTC, "limit", "buy", 0.01, last + 10, {"postOnly": True})
            with pytest.raises(ccxt.OrderNotFillable):
                await ex.create_order(BTC, "limit", "sell", 0.01, last - 10, {"timeInForce": "GTX"})
            with pytest.raises(ccxt.InvalidOrder, match="-2022"):
                await ex.create_order(BTC, "limit", "sell", 0.01, last + 10, {"reduceOnly": True})
            with pytest.raises(ccxt.InvalidOrder, match="-4164"):
                await ex.create_order(BTC, "limit", "buy", 0.001, round(last * 0.9))  # 100 USDT minimum for BTC
            with pytest.raises(ccxt.InsufficientFunds, match="-2019"):
                await ex.create_order(BTC, "limit", "buy", 5.0, last - 10)  # 500k notional at 20x
            with pytest.raises(ccxt.OrderNotFound, match="-2011"):
                await ex.cancel_order("123", BTC)
            with pytest.raises(ccxt.OrderNotFound, match="-2013"):
                await ex.fetch_order("123", BTC)
            with pytest.raises(ccxt.MarginModeAlreadySet):
                await ex.set_margin_mode("cross", BTC)
            with pytest.raises(ccxt.OperationRejected, match="-4059"):
                await ex.set_position_mode(False)
            with pytest.raises(ccxt.OperationRejected, match="-4061"):
                await ex.create_order(BTC, "limit", "buy", 0.01, last - 10, {"positionSide": "LONG"})
            with pytest.raises(ccxt.BadRequest, match="-4028"):
                await ex.set_leverage(100, BTC)  # above the first bracket's 75x
            with pytest.raises(ccxt.BadRequest, match="-1102"):
                await ex.fapiPrivatePostOrder({"symbol": "BTCUSDT", "side": "BUY", "type": "LIMIT", "quantity": "0.01"})
            with pytest.raises(ccxt.BadSymbol):
                await ex.fapiPrivatePostOrder({"symbol": "NOPEUSDT", "side": "BUY", "type": "MARKET", "quantity": "1"})
            with pytest.raises(ccxt.BadRequest, match="-4014"):
                await ex.fapiPrivatePostOrder(
                    {
                        "symbol": "BTCUSDT",
                        "side": "BUY",
                        "type": "LIMIT",
                        "quantity": "0.01",
                        "price": "50000.05",
                        "timeInForce": "GTC",
                    }
                )
            with pytest.raises(ccxt.BadRequest, match="-1111"):
                await ex.fapiPrivatePostOrder(
                    {"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.0105"}
                )
            await ex.create_order(BTC, "limit", "buy", 0.01, last - 10)
            with pytest.raises(ccxt.OperationRejected, match="-4067"):
                await ex.set_position_mode(True)
            assert sim.state()["wallet"] == 10_000.0  # nothing was filled or charged

    asyncio.run(go())


def test_crossing_gtc_limit_fills_at_once_as_taker_capped_at_its_price(sim):
    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            last = (await ex.fetch_ticker(BTC))["last"]
            o = await ex.create_order(BTC, "limit", "buy", 0.01, last + 0.1)
            assert o["status"] == "closed" and o["average"] == last + 0.1  # slippage capped by the limit
            far = await ex.create_order(BTC, "limit", "buy", 0.01, last + 1000)
            assert far["average"] == pytest.approx(last * 1.0005, abs=0.1)
            trades = await ex.fetch_my_trades(BTC)
            assert all(t["takerOrMaker"] == "taker" for t in trades)

    asyncio.run(go())


def test_reduce_only_close_is_clipped_to_the_position_and_expires_the_rest(sim):
    df = _candles("BTC")
    last = float(df.loc[START - 60_000, "close"])
    sell_px = round(last + 100.0, 1)
    minute = _first_cross(df, START, sell_px, "sell")

    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            await ex.create_order(BTC, "market", "buy", 0.01)
            close = await ex.create_order(BTC, "limit", "sell", 0.03, sell_px, {"reduceOnly": True})
            other = await ex.create_order(BTC, "limit", "sell", 0.01, sell_px + 5000, {"reduceOnly": True})
            sim.advance((minute + 60_000 - START) / 60_000)
            done = await ex.fetch_order(close["id"], BTC)
            assert done["filled"] == 0.01 and done["status"] == "expired"
            assert (await ex.fetch_order(other["id"], BTC))["status"] == "expired"  # no position left
            assert await ex.fetch_positions() == []

    asyncio.run(go())


def test_hedge_mode_holds_long_and_short_at_once(sim):
    df = _candles("ETH")
    last = float(df.loc[START - 60_000, "close"])

    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            await ex.set_position_mode(True)
            assert (await ex.fetch_position_mode())["hedged"] is True
            await ex.create_order(ETH, "market", "buy", 1.0, None, {"positionSide": "LONG"})
            await ex.create_order(ETH, "market", "sell", 0.5, None, {"hedged": True})
            positions = {p["side"]: p for p in await ex.fetch_positions([ETH])}
            assert positions["long"]["contracts"] == 1.0 and positions["short"]["contracts"] == 0.5
            assert positions["long"]["hedged"] and positions["short"]["hedged"]
            with pytest.raises(ccxt.BadRequest, match="-1106"):
                await ex.create_order(
                    ETH, "limit", "sell", 0.5, last + 50, {"positionSide": "LONG", "reduceOnly": True}
                )
            with pytest.raises(ccxt.OperationRejected, match="-4061"):
                await ex.create_order(ETH, "limit", "sell", 0.5, last + 50)  # BOTH in hedge mode
            # unified close: `hedged` + reduceOnly → SELL LONG, no reduceOnly parameter
            close = await ex.create_order(ETH, "market", "sell", 0.4, None, {"hedged": True, "reduceOnly": True})
            assert close["status"] == "closed"
            await ex.create_order(ETH, "market", "buy", 0.5, None, {"positionSide": "SHORT"})  # closes the short
            with pytest.raises(ccxt.InvalidOrder, match="-2022"):  # closing a side with no position
                await ex.create_order(ETH, "limit", "buy", 0.5, last - 50, {"positionSide": "SHORT"})
            positions = {p["side"]: p for p in await ex.fetch_positions([ETH])}
            assert list(positions) == ["long"] and positions["long"]["contracts"] == pytest.approx(0.6)
            trades = await ex.fetch_my_trades(ETH)
            assert float(trades[-1]["info"]["realizedPnl"]) != 0.0
            assert [t["info"]["positionSide"] for t in trades] == ["LONG", "SHORT", "LONG", "SHORT"]
            with pytest.raises(ccxt.OperationRejected, match="-4068"):
                await ex.set_position_mode(False)

    asyncio.run(go())


def test_funding_is_paid_from_the_funding_file(tmp_path):
    """Positions pay `amt · mark · rate` at each funding time of the *-funding_rate.feather file
    (longs pay a positive rate), recorded as FUNDING_FEE income."""
    src = freqtrade_files(BUNDLED_SAMPLE)["BTC"]
    shutil.copy(src, tmp_path / src.name)
    times = pd.date_range("2025-05-10 08:00", periods=3, freq="8h", tz="UTC")
    rates = [0.0001, -0.0002, 0.0003]
    pd.DataFrame({"date": times, "open": rates, "high": rates, "low": rates, "close": rates, "volume": 0.0}).to_feather(
        tmp_path / "BTC_USDT_USDT-8h-funding_rate.feather"
    )
    sim = simulator.build(data=tmp_path, start_ms=START)
    eng = sim.engine
    eng.place({"symbol": "BTCUSDT", "side": "BUY", "type": "MARKET", "quantity": "0.1"})
    wallet = eng.account.wallet
    eng.clock.advance(24 * 60)
    eng.sync()
    df = _candles("BTC")
    funding = [i for i in eng.account.incomes if i.income_type == "FUNDING_FEE"]
    assert [i.time for i in funding] == [int(t.timestamp() * 1000) for t in times]
    for inc, t, rate in zip(funding, times, rates, strict=True):
        mark = float(df.loc[int(t.timestamp() * 1000) - 60_000, "close"])
        assert inc.income == pytest.approx(-0.1 * mark * rate)
    assert eng.account.wallet == pytest.approx(wallet + sum(i.income for i in funding))


def test_replay_clock_runs_at_its_speed_and_manual_clock_waits():
    from simulator.clock import SimClock

    wall = [1_000_000]
    replay = SimClock(START, speed=60.0, end_ms=START + 3_600_000, wall=lambda: wall[0])
    manual = SimClock(START, speed=None, wall=lambda: wall[0])
    wall[0] += 2_000  # two wall seconds = two market minutes at speed 60
    assert replay.now_ms() == START + 120_000 and manual.now_ms() == START
    assert manual.advance(5) == START + 300_000
    assert replay.advance(10) == START + 720_000
    wall[0] += 3_600_000
    assert replay.now_ms() == START + 3_600_000  # never past the end of the data
    with pytest.raises(ValueError):
        manual.advance(-1)


def test_replay_mode_fills_without_admin_calls():
    sim = simulator.build(start_ms=START, speed=6_000.0)  # 100 market minutes per wall second
    eng = sim.engine
    df = _candles("BTC")
    price = round(float(df.loc[START - 60_000, "close"]) - 100.0, 1)
    eng.place(
        {
            "symbol": "BTCUSDT",
            "side": "BUY",
            "type": "LIMIT",
            "quantity": "0.01",
            "price": str(price),
            "timeInForce": "GTX",
        }
    )
    minute = _first_cross(df, START, price, "buy")
    deadline = time.monotonic() + 10
    while eng.account.trades == [] and time.monotonic() < deadline:
        time.sleep(0.05)
        eng.sync()
    assert eng.account.trades[0].time == minute + 59_999
