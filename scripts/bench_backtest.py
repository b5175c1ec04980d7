"""Backtest throughput: coin-minutes per second of `passivbot_rust.run_backtest`, median of N runs.

    .venv/bin/python scripts/bench_backtest.py [--runs 5] [--only ii,iii,16]

Uses the built extension (`make setup`). Benchmarks, each in compat (`compat_v7`) and fixed
(default) mode:
  ii   BTC 1m, long and short: the golden `ii_btc_long_short` config on the bundled sample
  iii  6-coin forager, n_positions 3: the golden `iii_forager6_np3` config on the bundled sample
  16   the 16 coins of ../shared/market-data/binance-usdm sharing 2025-05-09 → 2025-06-03, with
       configs/template.json (warm-up capped at one day so the window trades); skipped when
       ../shared is absent (it is not part of the repository)
A coin-minute is one coin's candle in the input array (minutes × coins, warm-up included). The
single-threaded engine runs with the GIL released; one core is used. Each line also prints the
number of fills and a digest of them, so two builds can be checked for identical results.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO / "src"), str(REPO / "tests")]

import passivbot_rust as pbr
from golden_vectors import golden_backtest_inputs

from backtesting.data import freqtrade_files, load_from_folder, read_candles

SHARED_DATA = REPO.parent / "shared" / "market-data" / "binance-usdm"
SIXTEEN = ["ADA", "AVAX", "BCH", "BNB", "BTC", "ENA", "ETC", "ETH", "LAYER", "LINK", "LTC", "SOL", "SUI", "XLM", "XMR", "XRP"]


def golden_case(run: str) -> tuple[np.ndarray, np.ndarray, list, list, dict]:
    """The golden run's arguments on the bundled sample (as tests/test_golden_backtests.py)."""
    inputs, hlcvs, btc = golden_backtest_inputs(run)
    a = inputs["run_backtest_args"]
    return (
        hlcvs,
        btc,
        a["bot_params"],
        a["exchange_params_list"],
        dict(a["backtest_params"], metrics_only=True),
    )


def sixteen_coin_case() -> tuple[np.ndarray, np.ndarray, list, list, dict]:
    """The template config on the 16 coins' common window of the shared market data."""
    from backtesting.markets import markets_for
    from backtesting.prepare import build_run_args
    from config import bot_params_for_coin, load

    config = load(None)
    config["live"]["approved_coins"] = {"long": SIXTEEN, "short": SIXTEEN}
    frames = {c: read_candles(freqtrade_files(SHARED_DATA)[c], c) for c in SIXTEEN}
    start = max(int(f["ts"].iloc[0]) for f in frames.values())
    end = min(int(f["ts"].iloc[-1]) for f in frames.values())
    dataset = load_from_folder(SHARED_DATA, SIXTEEN, start, end, config["backtest"]["gap_tolerance_ohlcvs_minutes"])
    warmup = 1440  # the template's spans ask for ~31 days; the window has 25
    markets = markets_for("binance-usdm", dataset.coins, None)
    first = markets[dataset.coins[0]]
    args = build_run_args(
        dataset,
        [bot_params_for_coin(config, c) for c in dataset.coins],
        markets,
        starting_balance=config["backtest"]["starting_balance"],
        maker_fee=first.maker_fee,
        taker_fee=first.taker_fee,
        requested_start_ms=start + warmup * 60_000,
        global_warmup_minutes=warmup,
        per_coin_warmup_minutes=[warmup] * len(dataset.coins),
        btc_collateral_cap=config["backtest"]["btc_collateral_cap"],
        btc_collateral_ltv_cap=config["backtest"]["btc_collateral_ltv_cap"],
        filter_by_min_effective_cost=bool(config["backtest"]["filter_by_min_effective_cost"]),
        hedge_mode=config["live"]["hedge_mode"],
        compat_v7=False,
    )
    params = dict(args.backtest_params, metrics_only=True)
    return dataset.hlcvs, dataset.btc_usd, args.bot_params, args.exchange_params, params


def bench(name: str, case: tuple, compat: bool, runs: int) -> None:
    hlcvs, btc, bot, ex, params = case
    params = dict(params, compat_v7=compat)
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        pbr.run_backtest(hlcvs, btc, bot, ex, params)  # metrics only: no fill/equity export
        times.append(time.perf_counter() - t0)
    secs = statistics.median(times)
    coin_minutes = hlcvs.shape[0] * hlcvs.shape[1]
    fills = pbr.run_backtest(hlcvs, btc, bot, ex, dict(params, metrics_only=False))[0]
    rows = [[x.item() if hasattr(x, "item") else x for x in row] for row in fills]
    digest = hashlib.sha256(json.dumps(rows).encode()).hexdigest()[:12]
    mode = "compat" if compat else "fixed"
    print(
        f"{name:<4} {mode:<6} {hlcvs.shape[0]:>6} min x {hlcvs.shape[1]:>2} coins  "
        f"median {secs:7.4f} s (min {min(times):.4f})  {coin_minutes / secs / 1e6:6.2f} M coin-min/s  "
        f"{len(rows):>5} fills {digest}",
        flush=True,
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--only", default="ii,iii,16", help="comma list of ii, iii, 16")
    args = ap.parse_args()
    wanted = args.only.split(",")
    cases = []
    if "ii" in wanted:
        cases.append(("ii", golden_case("ii_btc_long_short")))
    if "iii" in wanted:
        cases.append(("iii", golden_case("iii_forager6_np3")))
    if "16" in wanted:
        if SHARED_DATA.is_dir():
            cases.append(("16", sixteen_coin_case()))
        else:
            print(f"16   skipped: {SHARED_DATA} not found (the shared market data is not in the repository)")
    for name, case in cases:
        for compat in (True, False):
            bench(name, case, compat, args.runs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
