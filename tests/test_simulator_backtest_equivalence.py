"""The simulator fills what the backtester fills: the same limit orders, placed in both, fill at
the same minute and price, and move positions, realised PnL, fees and the wallet identically
(bit for bit).

The backtester (Rust engine, two of the reference's runs on the bundled sample, exchange filters
from `data/markets/`) computes orders from the close of minute k-1 and tests them against candle
k. Each of its fills is therefore an order that existed at the open of minute k: the test places
exactly those orders through ccxt (post-only, hedge mode) with the simulator's clock at the open of
minute k, advances one minute, and compares. Orders the simulator does not fill in that minute are
mismatches (they are cancelled so that they cannot fill later).
"""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from functools import cache

import numpy as np
import passivbot_rust as pbr
import pytest
from golden_vectors import GOLDEN_DIR
from simulator_harness import client, shared_simulator

from backtesting.data import BUNDLED_SAMPLE, freqtrade_files, read_candles
from backtesting.markets import markets_for

MINUTE = 60_000


@cache
def backtest_fills(run: str) -> tuple[list, dict]:
    inputs = json.loads((GOLDEN_DIR / "backtests" / run / "inputs.json").read_text())
    coins = inputs["coins"]
    files = freqtrade_files(BUNDLED_SAMPLE)
    grid = np.arange(inputs["first_timestamp_ms"], inputs["last_timestamp_ms"] + 1, MINUTE)
    hlcvs = np.full((len(grid), len(coins), 4), np.nan)
    for i, coin in enumerate(coins):
        df = read_candles(files[coin], coin).set_index("ts")
        hlcvs[:, i, :] = df.reindex(grid)[["high", "low", "close", "volume"]].to_numpy()
    btc = read_candles(files["BTC"], "BTC").set_index("ts")["close"].reindex(grid).ffill().bfill().to_numpy()
    args = inputs["run_backtest_args"]
    specs = markets_for("binance-usdm", coins)
    exchange = [specs[c].exchange_params() for c in coins]  # the simulator's own filters
    fills, _, _, _ = pbr.run_backtest(
        np.ascontiguousarray(hlcvs), np.ascontiguousarray(btc), args["bot_params"], exchange, args["backtest_params"]
    )
    return list(fills), args["backtest_params"]


def replay(run: str, max_fills: int | None = None):
    fills, params = backtest_fills(run)
    fills = fills[:max_fills] if max_fills else fills
    assert params["btc_collateral_cap"] == 0.0 and params["hedge_mode"]
    by_minute: dict[int, list] = defaultdict(list)
    for row in fills:
        by_minute[int(row[1])].append(row)
    sim = shared_simulator()
    first = min(by_minute)
    sim.reset(start_ms=first, balance=params["starting_balance"])
    mismatches, states = [], {}

    async def go():
        async with client(sim.url) as ex:
            await ex.load_markets()
            await ex.set_position_mode(True)
            now = first
            for minute in sorted(by_minute):
                if minute > now:
                    sim.advance((minute - now) / MINUTE)
                for row in by_minute[minute]:
                    qty, price, kind = row[9], row[10], row[13]
                    await ex.create_order(
                        f"{row[2]}/USDT:USDT",
                        "limit",
                        "buy" if qty > 0 else "sell",
                        abs(qty),
                        price,
                        {"positionSide": "LONG" if kind.endswith("_long") else "SHORT", "timeInForce": "GTX"},
                    )
                sim.advance(1)
                now = minute + MINUTE
                state = sim.state(fills=0)
                for o in state["open_orders"]:
                    mismatches.append((minute, o["symbol"], o["side"], o["price"]))
                    await ex.cancel_order(str(o["orderId"]), o["symbol"])
                states[minute] = state

    asyncio.run(go())
    return fills, by_minute, states, sim.state()["fills"], mismatches


@pytest.mark.parametrize(("run", "max_fills"), [("ii_btc_long_short", None), ("iii_forager6_np3", 250)])
def test_simulator_fills_equal_the_backtesters(run, max_fills):
    fills, by_minute, states, sim_fills, mismatches = replay(run, max_fills)
    assert mismatches == []
    assert len(sim_fills) == len(fills)
    # fill minute, coin, price and signed quantity
    got = sorted(
        (f["time"] - 59_999, f["symbol"], f["price"], f["qty"] if f["side"] == "BUY" else -f["qty"]) for f in sim_fills
    )
    want = sorted((int(r[1]), f"{r[2]}USDT", r[10], r[9]) for r in fills)
    assert got == want
    # realised PnL and fee of every fill (matched on minute, coin, position side, signed quantity, price)
    sim_by_key = defaultdict(list)
    for f in sim_fills:
        signed = f["qty"] if f["side"] == "BUY" else -f["qty"]
        sim_by_key[(f["time"] - 59_999, f["symbol"], f["positionSide"], signed, f["price"])].append(f)
    for r in fills:
        pside = "LONG" if r[13].endswith("_long") else "SHORT"
        f = sim_by_key[(int(r[1]), f"{r[2]}USDT", pside, r[9], r[10])].pop(0)
        assert f["realized_pnl"] == r[3]
        assert -f["fee"] == r[4]
        assert f["maker"]
    # wallet and positions after each minute = the backtester's after that minute's last fill,
    # bit for bit (same Rust position/PnL functions, same fill order, fee then PnL)
    for minute, rows in by_minute.items():
        state = states[minute]
        assert state["wallet"] == rows[-1][5]
        positions = {(p["symbol"], p["positionSide"]): p for p in state["positions"]}
        for r in rows:
            last = [x for x in rows if x[2] == r[2] and x[13].endswith(r[13][-5:])][-1]
            key = (f"{r[2]}USDT", "LONG" if r[13].endswith("_long") else "SHORT")
            if last[11] == 0.0:
                assert key not in positions
            else:
                assert positions[key]["amt"] == last[11]
                assert positions[key]["entryPrice"] == last[12]
