"""Every ccxt call of the reference endpoint table, with the real async ccxt `binanceusdm` client
over HTTP against the simulator (started by the test, bundled sample, manual clock)."""

from __future__ import annotations

import asyncio

import pytest
from simulator_harness import BTC, ETH, START, client, shared_simulator

from backtesting.data import BUNDLED_SAMPLE, freqtrade_files, read_candles


@pytest.fixture
def sim():
    s = shared_simulator()
    s.reset()
    s.clear_requests()
    return s


def _btc_candles():
    return read_candles(freqtrade_files(BUNDLED_SAMPLE)["BTC"], "BTC").set_index("ts")


def test_market_data_calls(sim):
    async def go():
        async with client(sim.url) as ex:
            markets = await ex.load_markets()
            assert {"ADA", "BNB", "BTC", "ETH", "SOL", "XRP"} == {m["base"] for m in markets.values()}
            btc = markets[BTC]
            assert btc["swap"] and btc["linear"] and btc["active"]
            assert btc["precision"]["price"] == 0.1 and btc["precision"]["amount"] == 0.001
            assert btc["limits"]["cost"]["min"] == 100 and btc["limits"]["amount"]["min"] == 0.001
            assert await ex.fetch_time() == START

            ohlcv = await ex.fetch_ohlcv(BTC, "1m", limit=5)
            candles = _btc_candles()
            assert [r[0] for r in ohlcv] == [START - 60_000 * i for i in (5, 4, 3, 2, 1)]
            last = candles.loc[START - 60_000]
            assert ohlcv[-1][2:5] == [last["high"], last["low"], last["close"]]
            since = await ex.fetch_ohlcv(BTC, "1m", since=START - 3_600_000, limit=3)
            assert [r[0] for r in since] == [START - 3_600_000 + 60_000 * i for i in range(3)]
            assert len(await ex.fetch_ohlcv(BTC, "1m")) == 500  # ccxt's default limit
            hourly = await ex.fetch_ohlcv(BTC, "1h", limit=2)
            assert hourly[-1][0] == START - 3_600_000
            hour = candles.loc[START - 3_600_000 : START - 60_000]
            assert hourly[-1][2] == hour["high"].max() and hourly[-1][4] == hour["close"].iloc[-1]

            ticker = await ex.fetch_ticker(BTC)
            assert ticker["last"] == last["close"] and ticker["close"] == last["close"]
            day = candles.loc[START - 1440 * 60_000 : START - 60_000]
            assert ticker["high"] == day["high"].max() and ticker["low"] == day["low"].min()
            tickers = await ex.fetch_tickers()
            assert len(tickers) == 6
            bids_asks = await ex.fetch_bids_asks()
            assert bids_asks[BTC]["bid"] == bids_asks[BTC]["ask"] == last["close"]
            raw = await ex.fapipublic_get_ticker_bookticker({"symbol": "ETHUSDT"})
            assert float(raw["bidPrice"]) > 0
            book = await ex.fetch_order_book(BTC, 5)
            assert book["bids"][0][0] == last["close"] and book["asks"][0][0] > last["close"]
            funding = await ex.fetch_funding_rate(BTC)
            assert funding["markPrice"] == last["close"] and funding["fundingRate"] == 0.0
            assert funding["fundingTimestamp"] == START + 8 * 3_600_000

    asyncio.run(go())
    paths = {(r["method"], r["path"]) for r in sim.requests()}
    for path in (
        "exchangeInfo",
        "time",
        "klines",
        "ticker/24hr",
        "ticker/bookTicker",
        "depth",
        "premiumIndex",
    ):
        assert ("GET", f"/fapi/v1/{path}") in paths, path


def test_account_and_trading_calls(sim):
    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            balance = await ex.fetch_balance()
            assert balance["USDT"] == {"free": 10_000.0, "used": 0.0, "total": 10_000.0}
            assert float(balance["info"]["totalCrossWalletBalance"]) == 10_000.0
            assert await ex.fetch_positions() == []
            assert (await ex.fetch_position_mode())["hedged"] is False

            lev = await ex.set_leverage(10, BTC)
            assert lev["leverage"] == 10 and lev["symbol"] == "BTCUSDT"
            assert (await ex.set_margin_mode("isolated", BTC))["code"] == 200
            assert (await ex.set_margin_mode("cross", BTC))["code"] == 200

            last = (await ex.fetch_ticker(BTC))["last"]
            resting = await ex.create_order(BTC, "limit", "buy", 0.01, last - 500, {"postOnly": True})
            assert resting["status"] == "open" and resting["postOnly"] and resting["timeInForce"] == "PO"
            assert resting["price"] == last - 500 and resting["amount"] == 0.01
            mine = await ex.create_order(BTC, "limit", "sell", 0.01, last + 500, {"clientOrderId": "my-sell-1"})
            assert mine["clientOrderId"] == "my-sell-1"
            opened = await ex.fetch_open_orders(BTC)
            assert {o["id"] for o in opened} == {resting["id"], mine["id"]}
            fetched = await ex.fetch_order(resting["id"], BTC)
            assert fetched["status"] == "open" and fetched["timestamp"] == START
            by_client = await ex.cancel_order(None, BTC, {"clientOrderId": "my-sell-1"})
            assert by_client["status"] == "canceled"
            balance = await ex.fetch_balance()
            assert balance["USDT"]["used"] == pytest.approx(0.01 * (last - 500) / 10)

            market = await ex.create_order(BTC, "market", "buy", 0.2)
            assert market["status"] == "closed" and market["filled"] == 0.2
            assert market["average"] == pytest.approx(last * 1.0005, abs=0.1)
            positions = await ex.fetch_positions([BTC])
            assert len(positions) == 1
            pos = positions[0]
            assert pos["side"] == "long" and pos["contracts"] == 0.2
            assert pos["entryPrice"] == market["average"]
            assert pos["unrealizedPnl"] == pytest.approx(0.2 * (last - market["average"]))
            # cross margin: the wallet (≈ 10 000) absorbs a drop of ≈ 10 000 / 0.2 before liquidation
            assert pos["liquidationPrice"] == pytest.approx(last - 10_000 / 0.2, rel=0.02)
            by_account = await ex.fetch_positions(None, {"method": "account"})
            assert by_account[0]["contracts"] == 0.2

            close = await ex.create_order(BTC, "market", "sell", 0.2, None, {"reduceOnly": True})
            assert close["status"] == "closed"
            trades = await ex.fetch_my_trades(BTC)
            assert [t["side"] for t in trades] == ["buy", "sell"]
            assert all(t["takerOrMaker"] == "taker" for t in trades)
            assert trades[0]["fee"]["cost"] == pytest.approx(0.2 * market["average"] * 0.0005)
            pnl = float(trades[1]["info"]["realizedPnl"])
            assert pnl == pytest.approx(0.2 * (close["average"] - market["average"]))

            ledger = await ex.fetch_ledger("USDT")
            kinds = [e["type"] for e in ledger]
            assert kinds.count("commission") == 2 and kinds.count("trade") == 1
            realized = await ex.fapiPrivateGetIncome({"incomeType": "REALIZED_PNL"})
            assert len(realized) == 1 and float(realized[0]["income"]) == pytest.approx(pnl)
            assert await ex.fetch_funding_history(BTC) == []
            wallet = (await ex.fetch_balance())["USDT"]["total"]
            fees = sum(t["fee"]["cost"] for t in trades)
            assert wallet == pytest.approx(10_000 + pnl - fees)

            await ex.create_order(ETH, "limit", "buy", 0.1, 1000.0)
            await ex.create_order(ETH, "limit", "buy", 0.1, 1001.0)
            result = await ex.cancel_all_orders(ETH)
            assert result[0]["info"]["code"] == 200
            assert await ex.fetch_open_orders(ETH) == []

            batch = await ex.create_orders(
                [
                    {"symbol": ETH, "type": "limit", "side": "buy", "amount": 0.1, "price": 1000.0},
                    {"symbol": ETH, "type": "limit", "side": "buy", "amount": 0.1, "price": 1001.0},
                ]
            )
            assert [o["status"] for o in batch] == ["open", "open"]
            cancelled = await ex.cancel_orders([o["id"] for o in batch], ETH)
            assert [o["status"] for o in cancelled] == ["canceled", "canceled"]
            raw_pos = await ex.fapiprivatev3_get_positionrisk()  # v3: symbols with a position or orders
            assert [(r["symbol"], r["positionAmt"]) for r in raw_pos] == [("BTCUSDT", "0.000")]
            await ex.cancel_order(resting["id"], BTC)
            await ex.set_position_mode(True)
            assert (await ex.fetch_position_mode())["hedged"] is True
            await ex.set_position_mode(False)

    asyncio.run(go())
    seen = {(r["method"], r["path"]) for r in sim.requests()}
    expected = {
        ("GET", "/fapi/v3/account"),
        ("GET", "/fapi/v1/leverageBracket"),
        ("GET", "/fapi/v3/positionRisk"),
        ("GET", "/fapi/v1/openOrders"),
        ("POST", "/fapi/v1/order"),
        ("GET", "/fapi/v1/order"),
        ("DELETE", "/fapi/v1/order"),
        ("DELETE", "/fapi/v1/allOpenOrders"),
        ("POST", "/fapi/v1/batchOrders"),
        ("DELETE", "/fapi/v1/batchOrders"),
        ("GET", "/fapi/v1/userTrades"),
        ("GET", "/fapi/v1/income"),
        ("POST", "/fapi/v1/leverage"),
        ("POST", "/fapi/v1/marginType"),
        ("GET", "/fapi/v1/positionSide/dual"),
        ("POST", "/fapi/v1/positionSide/dual"),
    }
    assert expected <= seen, expected - seen
    assert not any(p.startswith("/sapi") for _, p in seen)  # fetchCurrencies is off


def test_v2_account_views_and_listen_key(sim):
    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            await ex.create_order(BTC, "market", "buy", 0.01)
            v2 = await ex.fapiPrivateV2GetPositionRisk()
            assert len(v2) == 6  # every symbol, one-way mode
            row = next(r for r in v2 if r["symbol"] == "BTCUSDT")
            assert row["marginType"] == "cross" and row["leverage"] == "20"
            acct = await ex.fapiPrivateV2GetAccount()
            assert len(acct["positions"]) == 6 and acct["assets"][0]["asset"] == "USDT"
            bal = await ex.fapiPrivateV2GetBalance()
            assert bal[0]["asset"] == "USDT"
            bal3 = await ex.fapiPrivateV3GetBalance()
            assert bal3[0]["balance"] == bal[0]["balance"]
            key = (await ex.fapiPrivatePostListenKey())["listenKey"]
            assert key == (await ex.fapiPrivatePutListenKey())["listenKey"]
            assert await ex.fapiPrivateDeleteListenKey() == {}

    asyncio.run(go())


def test_fetch_currencies_on_is_served_locally(sim):
    """With ccxt's defaults (fetchCurrencies on) load_markets first calls two sapi endpoints; they
    answer empty lists on the simulator, so nothing leaves the machine."""

    async def go():
        async with client(sim.url, options={"fetchCurrencies": True}) as ex:
            await ex.load_markets()

    asyncio.run(go())
    paths = [r["path"] for r in sim.requests()]
    assert "/sapi/v1/capital/config/getall" in paths and "/fapi/v1/exchangeInfo" in paths
