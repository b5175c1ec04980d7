"""Download 1m candles into the cache: the exchange's public archive first (Binance: daily and
monthly zip files), then the exchange's REST API through ccxt for the rest. Only the minutes the
cache lacks are fetched.

    python src/tools/download_candles.py BTC ETH SOL --start 2024-01-01 --end 2024-12-31
    python src/tools/download_candles.py --exchange binance --coins BTC,ETH --start 2025-01-01

Options: --cache-dir (default caches), --archive-url / --api-url (other hosts, e.g. a mirror or a
local simulator), --no-archive, --no-api, --force-refetch-gaps. Exit code 2 on bad arguments or
data; 1 when some minutes could not be fetched because of errors.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from candles import BINANCE_ARCHIVE_URL, CandlestickManager, DataError, LockTimeout, to_symbol
from candles.gaps import span_minutes
from candles.progress import ProgressBar
from candles.timeutil import DAY_MS, MINUTE_MS, last_closed_minute, parse_date_ms, utc

REPO_ROOT = Path(__file__).resolve().parents[2]


def coin_list(args: argparse.Namespace) -> list[str]:
    coins = list(args.coins_pos)
    for chunk in args.coins or []:
        coins.extend(c for c in chunk.split(",") if c.strip())
    return [c.strip() for c in coins]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("coins_pos", nargs="*", metavar="COIN", help="coins (BTC) or symbols (BTC/USDT:USDT)")
    p.add_argument("--coins", action="append", help="comma-separated coins")
    p.add_argument("--exchange", default="binanceusdm", help="ccxt id or config name (binance → binanceusdm)")
    p.add_argument("--start", required=True, help="first day, YYYY-MM-DD (UTC)")
    p.add_argument("--end", default=None, help="last day, YYYY-MM-DD (UTC, inclusive); default: now")
    p.add_argument("--cache-dir", type=Path, default=REPO_ROOT / "caches")
    p.add_argument("--archive-url", default=BINANCE_ARCHIVE_URL, help="archive base URL")
    p.add_argument("--api-url", default=None, help="replace the exchange's REST host (e.g. http://127.0.0.1:8080)")
    p.add_argument("--no-archive", action="store_true", help="do not use the public archive")
    p.add_argument("--no-api", action="store_true", help="do not use the exchange API (ccxt)")
    p.add_argument("--force-refetch-gaps", action="store_true", help="retry minutes known to be missing")
    p.add_argument("--log-level", default="warning")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(level=getattr(logging, args.log_level.upper(), logging.WARNING), format="%(message)s")
    try:
        coins = coin_list(args)
        if not coins:
            raise DataError("no coins given")
        now = int(time.time() * 1000)
        start = parse_date_ms(args.start)
        end = parse_date_ms(args.end) + DAY_MS - MINUTE_MS if args.end else last_closed_minute(now)
        if end < start:
            raise DataError(f"--end {args.end} is before --start {args.start}")
        cm = CandlestickManager.with_sources(
            args.exchange,
            args.cache_dir,
            archive_url=None if args.no_archive else args.archive_url,
            api_url=args.api_url,
            use_ccxt=not args.no_api,
        )
        symbols = [to_symbol(c) for c in coins]
        plan = {
            s: span_minutes(
                cm.missing(s, start, min(end, last_closed_minute(now)), force_refetch_gaps=args.force_refetch_gaps)
            )
            for s in symbols
        }
        total = sum(plan.values())
        print(
            f"[download] {cm.exchange}: {len(symbols)} symbols, {utc(start)} → {utc(end)}, {total:,} minutes missing in {cm.store.root}"
        )
        bar = ProgressBar(total, "candles")
        failed = 0
        for s in symbols:
            if not plan[s]:
                continue
            report = cm.fetch_missing(
                s,
                start,
                end,
                now_ms=now,
                force_refetch_gaps=args.force_refetch_gaps,
                progress=lambda n, note: bar.update(n, note),
            )
            failed += len(report.errors)
            for err in report.errors:
                print(f"\n[download] error: {err}", file=sys.stderr)
            if report.known_gaps_added:
                print(
                    f"\n[download] {s}: {span_minutes(report.known_gaps_added):,} minutes have no data at the source (recorded as known gaps)"
                )
        bar.close()
    except (DataError, ValueError, LockTimeout) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
