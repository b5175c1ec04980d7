"""Drop-in replacement for the `smartmoneyconcepts` 0.0.27 library (`from smartmoneyconcepts
import smc`): same function names, arguments, defaults and output columns, results equal to the
library's (float32 levels and quirks included). Detection runs in Rust (`crate::smc::compat`);
this module only converts DataFrames to arrays and back.

These functions look into the future exactly as the library does (swings need later bars and are
cleaned up by later ones; `MitigatedIndex`/`BrokenIndex`/`Swept` point forward). Never use them to
decide trades; use `smc.causal` for that.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import passivbot_rust as pbr

__all__ = [
    "bos_choch",
    "fvg",
    "liquidity",
    "ob",
    "previous_high_low",
    "retracements",
    "sessions",
    "smc",
    "swing_highs_lows",
]


class _Columns:
    """The caller's frame seen through lower-cased column names, without copying it (the library
    lower-cases a renamed copy; the result is the same)."""

    def __init__(self, df: pd.DataFrame):
        self.frame = df
        self.names = {c.lower(): c for c in df.columns if isinstance(c, str)}
        self.index = df.index

    def __len__(self) -> int:
        return len(self.frame)

    def __contains__(self, name: str) -> bool:
        return name in self.names

    def __getitem__(self, name: str) -> pd.Series:
        return self.frame[self.names[name]]


def _ohlc(ohlc: pd.DataFrame, need_volume: bool = False) -> _Columns:
    """The library's input check: column names case-insensitive, open/high/low/close required."""
    if not isinstance(ohlc, pd.DataFrame):
        raise TypeError(f"ohlc must be a pandas DataFrame, got {type(ohlc).__name__}")
    df = _Columns(ohlc)
    required = ["open", "high", "low", "close"] + (["volume"] if need_volume else [])
    missing = [c for c in required if c not in df]
    if missing:
        raise ValueError(f"ohlc lacks column(s) {missing}; it needs {required} (case-insensitive)")
    return df


def _col(df, name: str) -> np.ndarray:
    col = df[name]
    if col.dtype == np.float64:
        return np.ascontiguousarray(col.to_numpy())  # a view when already contiguous
    return np.ascontiguousarray(col.to_numpy(dtype=np.float64, na_value=np.nan))


def _swings(swing_highs_lows: pd.DataFrame, n: int) -> tuple[np.ndarray, np.ndarray]:
    for c in ("HighLow", "Level"):
        if c not in swing_highs_lows.columns:
            raise ValueError(f"swing_highs_lows lacks column {c!r}; pass the result of swing_highs_lows()")
    if len(swing_highs_lows) != n:
        raise ValueError(f"swing_highs_lows has {len(swing_highs_lows)} rows, ohlc has {n}")
    return _col(swing_highs_lows, "HighLow"), _col(swing_highs_lows, "Level")


def _frame(columns: dict[str, np.ndarray]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def fvg(ohlc: pd.DataFrame, join_consecutive: bool = False) -> pd.DataFrame:
    """Fair value gaps: FVG (1/-1), Top, Bottom, MitigatedIndex (0 = never)."""
    df = _ohlc(ohlc)
    f, top, bottom, mit = pbr.smc_fvg(
        _col(df, "open"), _col(df, "high"), _col(df, "low"), _col(df, "close"), bool(join_consecutive)
    )
    return _frame({"FVG": f, "Top": top, "Bottom": bottom, "MitigatedIndex": mit})


def swing_highs_lows(ohlc: pd.DataFrame, swing_length: int = 50) -> pd.DataFrame:
    """Swing highs (1) and lows (-1) with their Level."""
    df = _ohlc(ohlc)
    hl, level = pbr.smc_swing_highs_lows(_col(df, "high"), _col(df, "low"), int(swing_length))
    return _frame({"HighLow": hl, "Level": level})


def bos_choch(ohlc: pd.DataFrame, swing_highs_lows: pd.DataFrame, close_break: bool = True) -> pd.DataFrame:
    """Break of structure / change of character: BOS, CHOCH, Level, BrokenIndex."""
    df = _ohlc(ohlc)
    hl, level = _swings(swing_highs_lows, len(df))
    bos, choch, lv, broken = pbr.smc_bos_choch(
        _col(df, "high"), _col(df, "low"), _col(df, "close"), hl, level, bool(close_break)
    )
    return _frame({"BOS": bos, "CHOCH": choch, "Level": lv.astype(np.float32), "BrokenIndex": broken})


def ob(ohlc: pd.DataFrame, swing_highs_lows: pd.DataFrame, close_mitigation: bool = False) -> pd.DataFrame:
    """Order blocks: OB, Top, Bottom, OBVolume, MitigatedIndex, Percentage (needs `volume`)."""
    df = _ohlc(ohlc, need_volume=True)
    hl, _ = _swings(swing_highs_lows, len(df))
    cols = pbr.smc_ob(
        _col(df, "open"),
        _col(df, "high"),
        _col(df, "low"),
        _col(df, "close"),
        _col(df, "volume"),
        hl,
        bool(close_mitigation),
    )
    names = ["OB", "Top", "Bottom", "OBVolume", "MitigatedIndex", "Percentage"]
    return _frame({name: (c if name == "OB" else c.astype(np.float32)) for name, c in zip(names, cols, strict=True)})


def liquidity(ohlc: pd.DataFrame, swing_highs_lows: pd.DataFrame, range_percent: float = 0.01) -> pd.DataFrame:
    """Equal highs (1) / lows (-1) pools: Liquidity, Level, End, Swept (0 = never)."""
    df = _ohlc(ohlc)
    hl, level = _swings(swing_highs_lows, len(df))
    cols = pbr.smc_liquidity(_col(df, "high"), _col(df, "low"), hl, level, float(range_percent))
    return _frame(
        {name: c.astype(np.float32) for name, c in zip(["Liquidity", "Level", "End", "Swept"], cols, strict=True)}
    )


def _wall_clock_ns(index: pd.Index) -> np.ndarray:
    idx = pd.DatetimeIndex(pd.to_datetime(index))
    if idx.tz is not None:
        idx = idx.tz_localize(None)
    return np.ascontiguousarray(idx.as_unit("ns").asi8)


def previous_high_low(ohlc: pd.DataFrame, time_frame: str = "1D") -> pd.DataFrame:
    """High/low of the previous `time_frame` period as the library computes it (see
    docs/ai/smc.md for its "two periods back" cases): PreviousHigh, PreviousLow, BrokenHigh,
    BrokenLow. The index must be datetime-like."""
    df = _ohlc(ohlc)
    ts = _wall_clock_ns(df.index)
    ph, pl, bh, bl = pbr.smc_previous_high_low(
        ts, _col(df, "open"), _col(df, "high"), _col(df, "low"), _col(df, "close"), str(time_frame)
    )
    return _frame(
        {"PreviousHigh": ph.astype(np.float32), "PreviousLow": pl.astype(np.float32), "BrokenHigh": bh, "BrokenLow": bl}
    )


def sessions(
    ohlc: pd.DataFrame, session: str, start_time: str = "", end_time: str = "", time_zone: str = "UTC"
) -> pd.DataFrame:
    """Session activity with running High/Low. Sessions are fixed UTC clock times; `time_zone`
    ("UTC+2", "GMT-5", ...) is the zone of the index, mapped like the library to "Etc/GMT+2" —
    whose sign is inverted (reproduced)."""
    df = _ohlc(ohlc)
    idx = pd.DatetimeIndex(pd.to_datetime(df.index))
    if time_zone != "UTC":
        tz = time_zone.replace("GMT", "Etc/GMT").replace("UTC", "Etc/GMT")
        idx = idx.tz_localize(tz).tz_convert("UTC")
    minutes = np.ascontiguousarray((idx.hour * 60 + idx.minute).to_numpy(dtype=np.uint32))
    active, high, low = pbr.smc_sessions(
        minutes, _col(df, "high"), _col(df, "low"), str(session), str(start_time), str(end_time)
    )
    return _frame({"Active": active, "High": high.astype(np.float32), "Low": low.astype(np.float32)})


def retracements(ohlc: pd.DataFrame, swing_highs_lows: pd.DataFrame) -> pd.DataFrame:
    """Direction and current/deepest retracement % of the swing leg (unclamped, 1 decimal)."""
    df = _ohlc(ohlc)
    hl, level = _swings(swing_highs_lows, len(df))
    direction, cur, deep = pbr.smc_retracements(_col(df, "high"), _col(df, "low"), hl, level)
    return _frame({"Direction": direction, "CurrentRetracement%": cur, "DeepestRetracement%": deep})


class smc:
    """The library's namespace: `smc.fvg(df)` etc."""

    fvg = staticmethod(fvg)
    swing_highs_lows = staticmethod(swing_highs_lows)
    bos_choch = staticmethod(bos_choch)
    ob = staticmethod(ob)
    liquidity = staticmethod(liquidity)
    previous_high_low = staticmethod(previous_high_low)
    sessions = staticmethod(sessions)
    retracements = staticmethod(retracements)
