"""Build the bundled sample dataset from the shared market data (maintainers only).

The sample is a freqtrade-format data folder (Feather, zstd) of real Binance USDⓈ-M 1m candles:
ADA BNB BTC ETH SOL XRP from 2025-05-09 18:18 to 2025-06-24 10:31 UTC (BTC from 2025-05-04 15:33),
the exact windows of the golden backtests, so the repository's tests can replay them offline.

    python src/tools/make_bundled_sample.py [--source ../shared/market-data/binance-usdm]
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from pyarrow import feather

REPO = Path(__file__).resolve().parents[2]
DEST = REPO / "data" / "sample" / "binance-usdm"
COINS = ["ADA", "BNB", "BTC", "ETH", "SOL", "XRP"]
START_MS = {"BTC": 1746372780000}  # 2025-05-04 15:33
DEFAULT_START_MS = 1746814680000  # 2025-05-09 18:18
END_MS = 1750761060000  # 2025-06-24 10:31


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--source", type=Path, default=REPO.parent / "shared" / "market-data" / "binance-usdm")
    args = ap.parse_args()
    DEST.mkdir(parents=True, exist_ok=True)
    for coin in COINS:
        name = f"{coin}_USDT_USDT-1m-futures.feather"
        table = feather.read_table(args.source / name)
        ts_ms = pc.divide(pc.cast(table["date"], pa.int64()), 1_000_000)
        start = START_MS.get(coin, DEFAULT_START_MS)
        mask = pc.and_(pc.greater_equal(ts_ms, start), pc.less_equal(ts_ms, END_MS))
        cut = table.filter(mask)
        feather.write_feather(cut, DEST / name, compression="zstd", compression_level=19)
        print(f"{name}: {cut.num_rows} rows, {(DEST / name).stat().st_size / 1e6:.2f} MB")


if __name__ == "__main__":
    main()
