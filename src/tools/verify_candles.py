"""Check the candle cache: every file read and verified (Parquet checksums, order, bad candles),
gaps and coverage per coin.

    python src/tools/verify_candles.py [COIN ...] [--exchange binanceusdm] [--start 2024-01-01] [--end ...]

Prints one row per symbol: first and last candle, candles, coverage of the span between them,
gaps (count, minutes, largest and where), minutes known to be missing at the source, bad candles.
Exit code 1 when a file is corrupt or a candle is bad, 2 on bad arguments.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from candles import CandleStore, DataError, to_symbol
from candles.timeutil import DAY_MS, MINUTE_MS, parse_date_ms, utc
from candles.verify import verify_symbol

REPO_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("coins", nargs="*", help="coins or symbols (default: every cached symbol)")
    p.add_argument("--exchange", default="binanceusdm")
    p.add_argument("--cache-dir", type=Path, default=REPO_ROOT / "caches")
    p.add_argument("--start", default=None, help="first day (YYYY-MM-DD)")
    p.add_argument("--end", default=None, help="last day (YYYY-MM-DD)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    args = p.parse_args(argv)
    store = CandleStore(args.cache_dir, args.exchange)
    try:
        start = parse_date_ms(args.start) if args.start else 0
        end = parse_date_ms(args.end) + DAY_MS - MINUTE_MS if args.end else 2**62
        symbols = [to_symbol(c) for c in args.coins] or store.symbols()
        if not symbols:
            raise DataError(f"{store.root} holds no candles")
    except (DataError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    reports = [verify_symbol(store, s, start, end) for s in symbols]
    if args.json:
        print(json.dumps([{**r.__dict__, "coverage": r.coverage, "ok": r.ok} for r in reports], indent=1))
    else:
        head = f"{'symbol':18s} {'first':>20s} {'last':>20s} {'candles':>10s} {'cover':>7s} {'gaps':>5s} {'gap min':>8s} {'largest':>8s} {'known':>7s} {'bad':>5s}"
        print(f"cache {store.root}")
        print(head)
        for r in reports:
            first = utc(r.first_ts) if r.candles else "-"
            last = utc(r.last_ts) if r.candles else "-"
            print(
                f"{r.symbol:18s} {first:>20s} {last:>20s} {r.candles:>10,} {100 * r.coverage:>6.2f}% {r.gaps:>5,} "
                f"{r.gap_minutes:>8,} {r.largest_gap:>8,} {r.known_gap_minutes:>7,} {r.bad_candles:>5,}"
            )
        for r in reports:
            if r.largest_gap:
                print(f"{r.symbol}: largest gap {r.largest_gap} minutes from {utc(r.largest_gap_at)}")
            for prob in r.problems:
                print(f"problem: {prob}")
    return 0 if all(r.ok for r in reports) else 1


if __name__ == "__main__":
    sys.exit(main())
