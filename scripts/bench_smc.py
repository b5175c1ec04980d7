"""Benchmark: `smc.compat` (Rust) vs the `smartmoneyconcepts` 0.0.27 library on the same 1m
candles, plus the causal engine. Candles: the bundled sample's real 1m series (6 coins) chained
end to end — each series rescaled so it opens at the previous one's last close — until `--bars`
are reached, on a continuous minute grid.

    python scripts/bench_smc.py [--bars 1000000] [--lib-bars N] [--repeat 3] [--no-lib]

The library is a benchmark-only dependency (`pip install --no-deps -r requirements-bench.txt`);
without it only our timings are printed. Figures go to docs/ai/performance.md by hand.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("SMC_CREDIT", "0")

from backtesting.data import BUNDLED_SAMPLE, freqtrade_files, read_candles
from smc import causal, compat


def build_candles(n: int, folder: Path) -> pd.DataFrame:
    files = freqtrade_files(folder)
    series = [read_candles(files[c], c, with_open=True) for c in sorted(files)]
    cols = ["open", "high", "low", "close"]
    parts, total, last_close, k = [], 0, None, 0
    while total < n:
        df = series[k % len(series)][cols + ["volume"]].copy()
        if last_close is not None:
            df[cols] *= last_close / df["open"].iloc[0]
        take = min(len(df), n - total)
        parts.append(df.iloc[:take])
        total += take
        last_close = float(df["close"].iloc[take - 1])
        k += 1
    out = pd.concat(parts, ignore_index=True)
    out.index = pd.date_range("2020-01-01", periods=len(out), freq="1min")
    return out


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def compat_calls(mod, df: pd.DataFrame, swing_length: int) -> dict:
    """name -> zero-arg callable, for `mod` = smc.compat or the library class."""
    sw = mod.swing_highs_lows(df, swing_length)
    return {
        f"swing_highs_lows({swing_length})": lambda: mod.swing_highs_lows(df, swing_length),
        "fvg": lambda: mod.fvg(df),
        "fvg(join_consecutive)": lambda: mod.fvg(df, join_consecutive=True),
        "bos_choch": lambda: mod.bos_choch(df, sw),
        "ob": lambda: mod.ob(df, sw),
        "liquidity": lambda: mod.liquidity(df, sw),
        "previous_high_low(1D)": lambda: mod.previous_high_low(df, "1D"),
        "sessions(London)": lambda: mod.sessions(df, "London"),
        "retracements": lambda: mod.retracements(df, sw),
    }


def five(mod, df: pd.DataFrame, swing_length: int) -> None:
    sw = mod.swing_highs_lows(df, swing_length)
    mod.fvg(df)
    mod.bos_choch(df, sw)
    mod.ob(df, sw)
    mod.liquidity(df, sw)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bars", type=int, default=1_000_000)
    ap.add_argument("--lib-bars", type=int, default=None, help="bars for the library (default: --bars)")
    ap.add_argument("--swing-length", type=int, default=50, help="the library's default")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-lib", action="store_true")
    ap.add_argument("--data", type=Path, default=BUNDLED_SAMPLE)
    args = ap.parse_args()

    lib = None
    if not args.no_lib:
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                from smartmoneyconcepts import smc as lib
        except ImportError:
            print("smartmoneyconcepts is not installed: library timings skipped "
                  "(pip install --no-deps -r requirements-bench.txt)")
    print(f"python {platform.python_version()}, pandas {pd.__version__}, numpy {np.__version__}, {os.cpu_count()} cpus")
    df = build_candles(args.bars, args.data)
    print(f"{len(df):,} 1m candles (bundled sample chained), swing_length {args.swing_length}, best of {args.repeat}\n")

    lib_n = args.lib_bars or args.bars
    lib_df = df.iloc[:lib_n]
    ours = compat_calls(compat, df, args.swing_length)
    theirs = compat_calls(lib, lib_df, args.swing_length) if lib else {}
    print(f"{'function':24s} {'ours (s)':>10s} {'library (s)':>12s} {'speed-up':>9s}")
    tot_ours = tot_lib = 0.0
    for name, fn in ours.items():
        t = best_of(fn, args.repeat)
        tot_ours += t
        line = f"{name:24s} {t:10.4f}"
        if name in theirs:
            t_lib = best_of(theirs[name], 1) * len(df) / lib_n
            tot_lib += t_lib
            line += f" {t_lib:12.2f} {t_lib / t:8.0f}x"
        print(line, flush=True)
    if theirs:
        print(f"{'all nine':24s} {tot_ours:10.4f} {tot_lib:12.2f} {tot_lib / tot_ours:8.0f}x")
        if lib_n != len(df):
            print(f"(library timed on {lib_n:,} bars, scaled linearly to {len(df):,})")

    small = df.iloc[:100_000]
    t5 = best_of(lambda: five(compat, small, args.swing_length), args.repeat)
    line = f"\nfvg+bos_choch+ob+swings+liquidity on 100k bars: ours {t5 * 1000:.1f} ms (target <= 50 ms)"
    if lib:
        t5_lib = best_of(lambda: five(lib, small, args.swing_length), 1)
        line += f", library {t5_lib:.2f} s ({t5_lib / t5:.0f}x)"
    print(line)

    bars = df.reset_index(drop=True)
    bars.insert(0, "ts", df.index.as_unit("ms").asi8)
    t_eng = best_of(lambda: causal.run(bars), args.repeat)
    events, _ = causal.run(bars)
    print(f"\ncausal engine, {len(bars):,} 1m bars: {t_eng:.3f} s ({len(bars) / t_eng / 1e6:.2f} M bars/s, {len(events):,} events)")
    t_agg = best_of(lambda: causal.aggregate(bars, 15), args.repeat)
    htf = causal.aggregate(bars, 15)
    t_htf = best_of(lambda: causal.run(htf), args.repeat)
    print(f"aggregate to 15m: {t_agg:.3f} s; engine on {len(htf):,} 15m bars: {t_htf * 1000:.1f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
