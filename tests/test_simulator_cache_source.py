"""The simulator fed from the project's candle cache serves the same candles as from the
freqtrade folder they were imported from."""

from __future__ import annotations

import asyncio
from pathlib import Path

from simulator_harness import BTC, KEY, SECRET, RunningSimulator

from backtesting.data import BUNDLED_SAMPLE
from candles.freqtrade import import_folder
from candles.store import CandleStore
from exchanges.simulated import make_binanceusdm_client


def _klines(url: str) -> list[list[float]]:
    async def go() -> list[list[float]]:
        ex = make_binanceusdm_client(url, KEY, SECRET)
        try:
            return await ex.fetch_ohlcv(BTC, "1m", limit=30)
        finally:
            await ex.close()

    return asyncio.run(go())


def test_cache_and_folder_serve_identical_candles(tmp_path: Path) -> None:
    import_folder(BUNDLED_SAMPLE, CandleStore(tmp_path, "binanceusdm"), ["BTC", "ETH"])
    from_cache = RunningSimulator("--data", str(tmp_path), "--coins", "BTC,ETH")
    from_folder = RunningSimulator("--data", str(BUNDLED_SAMPLE), "--coins", "BTC,ETH")
    try:
        a, b = _klines(from_cache.url), _klines(from_folder.url)
    finally:
        from_cache.stop()
        from_folder.stop()
    assert len(a) == 30 and a == b
