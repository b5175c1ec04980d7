"""Import a freqtrade data folder into the candle cache, or export the cache back.

    python src/tools/import_freqtrade.py ~/freqtrade/user_data/data/binance [--coins BTC,ETH]
    python src/tools/import_freqtrade.py --export out/ --coins BTC,ETH [--format csv]

Imports `*-1m-futures.feather` (perpetuals), `*-1m.feather` (spot), `*-<tf>-funding_rate.feather`
and `*-<tf>-mark.feather`; candles are validated on the way in (bad rows stop the import with
the coin, time and file named). Exports write freqtrade-named Feather files (or CSV).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from candles import CandleStore, DataError, to_symbol
from candles.freqtrade import export_symbol, import_folder
from candles.timeutil import DAY_MS, MINUTE_MS, parse_date_ms

REPO_ROOT = Path(__file__).resolve().parents[2]


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("folder", nargs="?", type=Path, help="freqtrade data folder to import")
    p.add_argument("--export", type=Path, default=None, help="export the cache to this folder instead")
    p.add_argument("--format", choices=("feather", "csv"), default="feather", help="export format")
    p.add_argument("--coins", default="", help="comma-separated coins (default: all)")
    p.add_argument("--exchange", default="binanceusdm", help="cache exchange id (default binanceusdm)")
    p.add_argument("--start", default=None, help="export from this day (YYYY-MM-DD)")
    p.add_argument("--end", default=None, help="export through this day (YYYY-MM-DD)")
    p.add_argument("--cache-dir", type=Path, default=REPO_ROOT / "caches")
    args = p.parse_args(argv)
    coins = [c.strip() for c in args.coins.split(",") if c.strip()] or None
    store = CandleStore(args.cache_dir, args.exchange)
    try:
        if args.export:
            symbols = [to_symbol(c) for c in coins] if coins else store.symbols()
            if not symbols:
                raise DataError(f"nothing to export: {store.root} holds no candles")
            start = parse_date_ms(args.start) if args.start else 0
            end = parse_date_ms(args.end) + DAY_MS - MINUTE_MS if args.end else 2**62
            for s in symbols:
                for path in export_symbol(store, s, args.export, start_ms=start, end_ms=end, fmt=args.format):
                    print(f"[export] {s} → {path}")
            return 0
        if args.folder is None:
            p.error("give a folder to import or --export DEST")
        t0 = time.monotonic()
        results = import_folder(
            args.folder,
            store,
            coins,
            on_file=lambda r: print(
                f"[import] {r.symbol:18s} {r.kind:12s} {r.timeframe:4s} {r.rows:>9,} rows, {r.added:>9,} new  ({r.path.name})"
            ),
        )
        rows = sum(r.rows for r in results)
        print(f"[import] {len(results)} files, {rows:,} rows in {time.monotonic() - t0:.1f}s → {store.root}")
    except (DataError, ValueError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
