"""Randomised cross-check of `smc.compat` against the `smartmoneyconcepts` 0.0.27 library
(dev-only: `pip install --no-deps -r requirements-bench.txt`). Random OHLCV with prices rounded to
a coarse grid (ties are frequent), random lengths, swing lengths and every option, including those
the oracle never exercises (close_break=False, close_mitigation=True, range_percent, volume,
sessions and time zones, previous_high_low time frames).

    python scripts/crosscheck_smc.py [--cases 300] [--seed 1]
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))
os.environ.setdefault("SMC_CREDIT", "0")

from smc import compat


def random_frame(rng: np.random.Generator, n: int) -> pd.DataFrame:
    close = 100 + np.cumsum(rng.integers(-3, 4, n))
    open_ = np.roll(close, 1) + rng.integers(-1, 2, n)
    open_[0] = close[0]
    high = np.maximum(open_, close) + rng.integers(0, 3, n)
    low = np.minimum(open_, close) - rng.integers(0, 3, n)
    step = rng.choice([15, 60, 240])
    start = pd.Timestamp("2024-01-01") + pd.Timedelta(minutes=int(rng.integers(0, 2000)))
    index = pd.date_range(start, periods=n, freq=f"{step}min")
    return pd.DataFrame(
        {"open": open_ / 4, "high": high / 4, "low": low / 4, "close": close / 4, "volume": rng.integers(0, 50, n) * 1.0},
        index=index,
    )


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cases", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            from smartmoneyconcepts import smc as lib
    except ImportError:
        print("smartmoneyconcepts is not installed: pip install --no-deps -r requirements-bench.txt")
        return 0
    rng = np.random.default_rng(args.seed)
    failures = 0
    for case in range(args.cases):
        n = int(rng.integers(5, 700))
        df = random_frame(rng, n)
        length = int(rng.choice([1, 2, 3, 5, 8]))
        checks = []
        lib_sw = lib.swing_highs_lows(df, length)
        sw = compat.swing_highs_lows(df, length)
        checks.append(("swing_highs_lows", lib_sw, sw))
        checks.append(("fvg", lib.fvg(df), compat.fvg(df)))
        checks.append(("fvg joined", lib.fvg(df, True), compat.fvg(df, True)))
        for cb in (True, False):
            checks.append((f"bos_choch close_break={cb}", lib.bos_choch(df, lib_sw, cb), compat.bos_choch(df, sw, cb)))
        for cm in (False, True):
            checks.append((f"ob close_mitigation={cm}", lib.ob(df, lib_sw, cm), compat.ob(df, sw, cm)))
        rp = float(rng.choice([0.001, 0.01, 0.05]))
        checks.append((f"liquidity {rp}", lib.liquidity(df, lib_sw, rp), compat.liquidity(df, sw, rp)))
        checks.append(("retracements", lib.retracements(df, lib_sw), compat.retracements(df, sw)))
        tf = str(rng.choice(["1h", "4h", "1D", "W", "ME"]))
        checks.append((f"previous_high_low {tf}", lib.previous_high_low(df, tf), compat.previous_high_low(df, tf)))
        session = str(rng.choice(["London", "Sydney", "New York kill zone", "Custom"]))
        tz = str(rng.choice(["UTC", "UTC+2", "GMT-5"]))
        st, et = ("22:30", "3:15") if session == "Custom" else ("", "")
        checks.append(
            (f"sessions {session} {tz}", lib.sessions(df, session, st, et, tz), compat.sessions(df, session, st, et, tz))
        )
        for name, want, got in checks:
            try:
                pd.testing.assert_frame_equal(got, want, check_dtype=False)
            except AssertionError as e:
                failures += 1
                print(f"case {case} (n={n}, swing_length={length}) {name}: {str(e).splitlines()[0:6]}")
    print(f"{args.cases} cases, {failures} mismatching function calls")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
