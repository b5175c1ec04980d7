"""Print the current Smart Money Concepts state and trade signal per coin, from closed
higher-timeframe bars aggregated from 1m candles (causal engine: only what was known at the close
of the last complete bar). Optionally draw a chart of one coin's structures.

    python src/tools/smc_scan.py [--data DIR] [--coins BTC,ETH] [--timeframe 15] [--end 2025-06-20]
    python src/tools/smc_scan.py --plot smc.png --coin BTC --start 2025-06-10 --end 2025-06-14

`--data` is a freqtrade-format folder of 1m candles (default: the bundled sample
data/sample/binance-usdm). `--params`/`--signal-params` take JSON objects of engine / signal
parameters (docs/ai/smc.md).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pandas as pd

from backtesting.data import BUNDLED_SAMPLE, DataError, freqtrade_files, read_candles
from smc import causal


def parse_time(s: str | None, name: str) -> int | None:
    if s is None:
        return None
    try:
        ts = pd.Timestamp(s)
    except ValueError as e:
        raise SystemExit(f"error: --{name} {s!r} is not a date/time ({e})") from None
    ts = ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")
    return int(ts.value // 1_000_000)


def fmt(x) -> str:
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "-"
    return f"{x:.6g}" if isinstance(x, float) else str(x)


def utc(ts_ms) -> str:
    return pd.Timestamp(int(ts_ms), unit="ms", tz="UTC").strftime("%Y-%m-%d %H:%M")


def scan_coin(coin: str, bars: pd.DataFrame, params: dict, signal_params: dict) -> dict:
    eng = causal.Engine(params)
    eng.feed(bars)
    snap = eng.snapshot()
    sig = eng.signal(coin, signal_params)
    return {"coin": coin, "snapshot": snap, "signal": sig, "known_ts": int(bars["known_ts"].iloc[-1])}


def describe(r: dict, bars: pd.DataFrame) -> str:
    s, sig = r["snapshot"], r["signal"]
    last = s["last_bar"]
    trend = {1: "bullish", -1: "bearish", 0: "none"}
    zone = {1: "premium", -1: "discount", 0: "equilibrium"}[s["zone"]]
    lines = [
        f"{r['coin']}  {utc(last['ts'])} bar (known {utc(r['known_ts'])} UTC)  close {fmt(last['close'])}  ATR {fmt(s['atr'])}"
    ]
    lines.append(f"  trend    swing {trend[s['swing_trend']]}, internal {trend[s['internal_trend']]}")
    for scale in ("swing", "internal"):
        b = s[f"{scale}_break"]
        if b:
            when = utc(bars["ts"].iloc[b["known"]])
            lines.append(
                f"  {scale:9s}last {b['kind'].upper()} {'up' if b['dir'] == 1 else 'down'} through {fmt(b['level'])} at {when}"
            )
    pos = s["zone_position"]
    lines.append(
        f"  zone     {zone} ({'-' if pos is None else f'{100 * pos:.1f}'}% of {fmt(s['range_bottom'])}..{fmt(s['range_top'])})"
    )
    close = last["close"]
    for name, items in (("OBs", s["order_blocks"]), ("FVGs", s["fvgs"])):
        bull = sorted((o for o in items if o["dir"] == 1 and o["top"] <= close), key=lambda o: close - o["top"])
        bear = sorted((o for o in items if o["dir"] == -1 and o["bottom"] >= close), key=lambda o: o["bottom"] - close)
        near = [f"+{fmt(o['bottom'])}..{fmt(o['top'])}" for o in bull[:2]] + [
            f"-{fmt(o['bottom'])}..{fmt(o['top'])}" for o in bear[:2]
        ]
        lines.append(f"  {name:9s}{len(items)} live; nearest {', '.join(near) or '-'}")
    above = sorted(p["level"] for p in s["pools"] if p["dir"] == 1 and p["level"] >= close)
    below = sorted((p["level"] for p in s["pools"] if p["dir"] == -1 and p["level"] <= close), reverse=True)
    lines.append(
        f"  pools    above {', '.join(fmt(x) for x in above[:3]) or '-'}; below {', '.join(fmt(x) for x in below[:3]) or '-'}"
    )
    lines.append(
        f"  prev     day {fmt(s['prev_day_low'])}..{fmt(s['prev_day_high'])}, week {fmt(s['prev_week_low'])}..{fmt(s['prev_week_high'])}"
    )
    for side in ("low", "high"):
        sw = s[f"last_sweep_{side}"]
        if sw:
            lines.append(
                f"  sweep    of {sw['scale']} {side}s {fmt(sw['level'])} at {utc(bars['ts'].iloc[sw['known']])}"
            )
    if sig["action"] == "none":
        lines.append("  signal   none")
    else:
        lines.append(
            f"  signal   {sig['action'].upper()} ({sig['setup']}) entry {fmt(sig['entry_price'])} stop {fmt(sig['stop_loss'])} "
            f"target {fmt(sig['take_profit'])} confidence {sig['confidence']:.0%}"
        )
    return "\n".join(lines)


def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of minutes, got {text!r}") from None
    if not 1 <= value <= 10_080:
        raise argparse.ArgumentTypeError(f"must be between 1 and 10080 minutes (a week), got {value}")
    return value


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", type=Path, default=BUNDLED_SAMPLE, help="freqtrade-format folder of 1m candles")
    ap.add_argument("--coins", default="", help="comma-separated coins (default: all in the folder)")
    ap.add_argument("--timeframe", type=positive_int, default=15, help="bar length in minutes (default 15)")
    ap.add_argument("--end", help="state as of this UTC time (default: the end of the data)")
    ap.add_argument("--params", default="{}", help="engine parameters as a JSON object")
    ap.add_argument("--signal-params", default="{}", help="signal parameters as a JSON object")
    ap.add_argument("--json", action="store_true", help="print snapshots and signals as JSON")
    ap.add_argument("--plot", type=Path, help="write a PNG chart of --coin between --start and --end")
    ap.add_argument("--coin", help="coin to plot")
    ap.add_argument("--start", help="chart start (UTC); default: 200 bars before --end")
    args = ap.parse_args(argv)
    try:
        params = json.loads(args.params)
        signal_params = json.loads(args.signal_params)
    except json.JSONDecodeError as e:
        print(f"error: --params/--signal-params must be JSON objects: {e}", file=sys.stderr)
        return 2
    for flag, value in (("--params", params), ("--signal-params", signal_params)):
        if not isinstance(value, dict):
            print(f"error: {flag} must be a JSON object, got {type(value).__name__}", file=sys.stderr)
            return 2
    end_ms = parse_time(args.end, "end")
    start_ms = parse_time(args.start, "start")
    try:
        files = freqtrade_files(args.data)
        coins = [c.strip().upper() for c in args.coins.split(",") if c.strip()] or sorted(files)
        if args.plot:
            if not args.coin:
                print("error: --plot needs --coin", file=sys.stderr)
                return 2
            coins = [args.coin.upper()]
        unknown = [c for c in coins if c not in files]
        if unknown:
            print(f"error: no 1m candles for {unknown} in {args.data} (has {sorted(files)})", file=sys.stderr)
            return 2
        results = []
        for coin in coins:
            one = read_candles(files[coin], coin, with_open=True)
            if end_ms is not None:
                one = one[one["ts"] < end_ms]
            bars = causal.aggregate(one, args.timeframe)
            if bars.empty:
                print(f"error: {coin}: no complete {args.timeframe}m bar before the end time", file=sys.stderr)
                return 2
            if args.plot:
                events, _ = causal.run(bars, params)
                first = 0 if start_ms is None else int(bars["ts"].searchsorted(start_ms))
                if start_ms is None:
                    first = max(0, len(bars) - 200)
                from smc.plot import plot_structures

                title = f"{coin} {args.timeframe}m  {utc(bars['ts'].iloc[first])} .. {utc(bars['ts'].iloc[-1])} UTC (causal SMC engine)"
                out = plot_structures(bars, events, first, len(bars) - 1, title, args.plot)
                print(f"wrote {out}")
                return 0
            results.append((scan_coin(coin, bars, params, signal_params), bars))
    except (DataError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(
            json.dumps(
                [{"coin": r["coin"], "signal": r["signal"], "snapshot": r["snapshot"]} for r, _ in results], indent=1
            )
        )
    else:
        print(f"SMC state on closed {args.timeframe}m bars from {args.data}\n")
        for r, bars in results:
            print(describe(r, bars))
            print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
