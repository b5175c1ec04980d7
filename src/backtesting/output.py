"""Write a finished backtest to `backtests/<exchange>/<timestamp>/`."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import passivbot_rust as pbr

from backtesting.result import BacktestResult
from config import dump_config


def run_directory(base_dir: Path, exchange: str, now: datetime | None = None) -> Path:
    now = now or datetime.now(UTC)
    path = Path(base_dir) / exchange / now.strftime("%Y-%m-%dT%H_%M_%S")
    suffix = 1
    while path.exists():
        suffix += 1
        path = path.with_name(f"{path.name.split('__')[0]}__{suffix}")
    path.mkdir(parents=True)
    return path


def analysis_document(analysis: dict[str, float | None]) -> dict:
    """Metrics with non-finite values as JSON null, and a note saying which they were."""
    clean = {k: (v if v is None or math.isfinite(v) else None) for k, v in analysis.items()}
    non_finite = sorted(k for k, v in clean.items() if v is None)
    doc: dict = dict(sorted(clean.items()))
    if non_finite:
        doc["_note"] = (
            "null marks a metric that is infinite or undefined for this run (e.g. omega_ratio with no "
            "losing day, loss_profit_ratio with no profitable close): " + ", ".join(non_finite)
        )
    return doc


def write_outputs(result: BacktestResult, out_dir: Path, balance_sample_minutes: int = 60) -> dict[str, Path]:
    paths = {
        "analysis": out_dir / "analysis.json",
        "config": out_dir / "config.json",
        "fills": out_dir / "fills.parquet",
        "fills_csv": out_dir / "fills.csv",
        "equity": out_dir / "balance_and_equity.csv.gz",
    }
    paths["analysis"].write_text(json.dumps(analysis_document(result.analysis), indent=4) + "\n")
    dump_config(result.config, paths["config"])
    result.fills.to_parquet(paths["fills"], index=False)
    result.fills.to_csv(paths["fills_csv"], index=False)
    step = max(1, int(balance_sample_minutes))
    sampled = (
        result.equity.iloc[np.r_[np.arange(0, len(result.equity), step), len(result.equity) - 1]]
        if len(result.equity)
        else result.equity
    )
    sampled = sampled[~sampled.index.duplicated(keep="last")]
    sampled.to_csv(paths["equity"], float_format="%.6f", index_label="timestamp")
    return paths


def fills_by_side_ratios(fills: pd.DataFrame) -> dict[str, float | None]:
    """Per-side |losses| / profits and the long share of total PnL (reference post-processing),
    computed by the Rust core like the analysis' own loss_profit_ratio."""
    if len(fills) == 0:
        return pbr.side_pnl_ratios(np.zeros(0), np.zeros(0, dtype=bool))
    pnl = np.ascontiguousarray(fills["pnl"].to_numpy(dtype=np.float64))
    is_long = np.ascontiguousarray(fills["type"].str.endswith("_long").to_numpy(dtype=bool))
    return pbr.side_pnl_ratios(pnl, is_long)
