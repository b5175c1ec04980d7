"""Benchmark of the candle cache: write and read one coin-year of 1m candles, and prepare a
16-coin backtest array (`(minutes, coins, 4)` float64) from the cache.

A coin-year (525,600 candles) is synthesised by tiling real Binance candles (the bundled sample,
or `--source` a freqtrade file) on a continuous minute grid from 2024-01-01.

    python scripts/bench_candles.py [--repeat 5] [--coins 16] [--source FILE]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "src"))

import numpy as np
import pandas as pd

from backtesting.data import load_from_cache
from candles import CandlestickManager
from candles.freqtrade import read_feather

YEAR_MINUTES = 525_600
START = 1_704_067_200_000  # 2024-01-01 00:00 UTC


def coin_year(source: Path) -> pd.DataFrame:
    real = read_feather(source, "SRC")
    reps = -(-YEAR_MINUTES // len(real))
    out = pd.concat([real] * reps, ignore_index=True).iloc[:YEAR_MINUTES].copy()
    out["ts"] = START + 60_000 * np.arange(YEAR_MINUTES, dtype=np.int64)
    return out


def timed(fn, repeat: int) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--coins", type=int, default=16)
    ap.add_argument(
        "--source", type=Path, default=REPO / "data" / "sample" / "binance-usdm" / "BTC_USDT_USDT-1m-futures.feather"
    )
    args = ap.parse_args()
    df = coin_year(args.source)
    end = int(df["ts"].iloc[-1])
    tmp = Path(tempfile.mkdtemp(prefix="bench_candles_"))
    try:
        cm = CandlestickManager("binanceusdm", tmp)
        t0 = time.perf_counter()
        cm.add_candles("BTC", df, "bench")
        write_s = time.perf_counter() - t0
        folder = cm.store.symbol_path("BTC")
        size_mb = sum(p.stat().st_size for p in folder.rglob("*.parquet")) / 1e6
        coins = ["BTC"] + [f"C{i:02d}" for i in range(1, args.coins)]
        for c in coins[1:]:
            shutil.copytree(folder, cm.store.symbol_path(c))

        raw_s, raw = timed(lambda: cm.store.read("BTC", START, end), args.repeat)
        std_s, std = timed(lambda: cm.get_candles("BTC", START, end, fetch=False, now_ms=2**50), args.repeat)
        assert len(raw) == len(std) == YEAR_MINUTES
        prep_s, ds = timed(lambda: load_from_cache(cm, coins, START, end, 120), max(1, args.repeat // 2))
        assert ds.hlcvs.shape == (YEAR_MINUTES, args.coins, 4)

        print(
            f"coin-year: {YEAR_MINUTES:,} candles tiled from {args.source.name}; cache {size_mb:.1f} MB (12 month shards)"
        )
        print(f"{'operation':52s} {'median':>10s}")
        print(f"{'write one coin-year (validate, 12 atomic shard writes)':52s} {write_s * 1000:>8.0f}ms")
        print(f"{'read one coin-year, raw (store.read)':52s} {raw_s * 1000:>8.0f}ms")
        print(f"{'read one coin-year, get_candles (gap-standardised)':52s} {std_s * 1000:>8.0f}ms")
        label = f"prepare {args.coins}-coin backtest array (load_from_cache)"
        print(f"{label:52s} {prep_s * 1000:>8.0f}ms  ({prep_s / args.coins * 1000:.0f}ms per coin-year)")
        print(f"array {ds.hlcvs.shape} float64 = {ds.hlcvs.nbytes / 1e6:.0f} MB")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
