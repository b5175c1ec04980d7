"""Loading and exact comparison of passivbot v7.7's recorded outputs (tests/fixtures/golden).

The vectors are the reference's own results on recorded inputs (see fixtures/golden/README.md);
results must match bit for bit, with NaN equal to NaN.
"""

from __future__ import annotations

import gzip
import json
import math
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

GOLDEN_DIR = Path(__file__).parent / "fixtures" / "golden"
FUNCTIONS_DIR = GOLDEN_DIR / "functions"


def read_jsonl_gz(path: Path) -> Iterator[dict[str, Any]]:
    with gzip.open(path, "rt") as f:
        for line in f:
            yield json.loads(line)


def decode(x: Any) -> Any:
    """Turn the "inf"/"-inf"/"nan" strings of the vector files back into floats."""
    if isinstance(x, str) and x in ("inf", "-inf", "nan"):
        return float(x)
    if isinstance(x, list):
        return [decode(v) for v in x]
    if isinstance(x, dict):
        return {k: decode(v) for k, v in x.items()}
    return x


def same(got: Any, want: Any) -> bool:
    """Exact structural equality; floats compared as IEEE values, NaN == NaN."""
    if isinstance(got, (list, tuple, np.ndarray)) and isinstance(want, (list, tuple)):
        return len(got) == len(want) and all(same(a, b) for a, b in zip(got, want, strict=True))
    if isinstance(got, dict) and isinstance(want, dict):
        return got.keys() == want.keys() and all(same(got[k], want[k]) for k in got)
    if isinstance(got, bool) or isinstance(want, bool):
        return got is want
    if isinstance(got, (float, int, np.floating, np.integer)) and isinstance(want, (float, int)):
        a, b = float(got), float(want)
        return (math.isnan(a) and math.isnan(b)) or a == b
    return got == want


def function_vector_files() -> list[Path]:
    return sorted(FUNCTIONS_DIR.glob("*.jsonl.gz"))


def golden_backtest_inputs(run: str) -> tuple[dict[str, Any], np.ndarray, np.ndarray]:
    """A golden backtest's `inputs.json`, with its `(minutes, coins, 4)` candle array and BTC/USD
    closes rebuilt from the bundled sample (the same real candles the reference ran on)."""
    from backtesting.data import BUNDLED_SAMPLE, freqtrade_files, read_candles

    inputs = json.loads((GOLDEN_DIR / "backtests" / run / "inputs.json").read_text())
    files = freqtrade_files(BUNDLED_SAMPLE)
    grid = np.arange(inputs["first_timestamp_ms"], inputs["last_timestamp_ms"] + 1, 60_000)
    hlcvs = np.full((len(grid), len(inputs["coins"]), 4), np.nan)
    for i, coin in enumerate(inputs["coins"]):
        df = read_candles(files[coin], coin).set_index("ts")
        hlcvs[:, i, :] = df.reindex(grid)[["high", "low", "close", "volume"]].to_numpy()
    btc = read_candles(files["BTC"], "BTC").set_index("ts")["close"].reindex(grid).ffill().bfill().to_numpy()
    return inputs, np.ascontiguousarray(hlcvs), np.ascontiguousarray(btc)
