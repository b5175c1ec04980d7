"""Turn a loaded config and a dataset into the arguments of `passivbot_rust.run_backtest`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backtesting.data import Dataset
from backtesting.markets import MarketSpec
from candles.errors import DataError
from candles.timeutil import MINUTE_MS, utc


@dataclass
class RunArgs:
    bot_params: list[dict[str, dict[str, Any]]]
    exchange_params: list[dict[str, float]]
    backtest_params: dict[str, Any]


def build_run_args(
    dataset: Dataset,
    bot_params: list[dict[str, dict[str, Any]]],
    markets: dict[str, MarketSpec],
    *,
    starting_balance: float,
    maker_fee: float,
    taker_fee: float,
    requested_start_ms: int,
    global_warmup_minutes: int,
    per_coin_warmup_minutes: list[int],
    btc_collateral_cap: float,
    btc_collateral_ltv_cap: float | None,
    filter_by_min_effective_cost: bool,
    hedge_mode: bool,
    compat_v7: bool,
) -> RunArgs:
    n_minutes = len(dataset.timestamps)
    # The engine simulates minutes 1 … n−2 and places orders only after the global warm-up.
    if global_warmup_minutes >= n_minutes - 2:
        first, last = dataset.first_timestamp_ms, dataset.first_timestamp_ms + (n_minutes - 1) * MINUTE_MS
        raise DataError(
            f"the warm-up of {global_warmup_minutes} minutes covers all {n_minutes} minutes of data "
            f"({utc(first)} → {utc(last)}), so nothing would trade: load candles from earlier, move "
            "backtest.start_date later, or shorten the warm-up (live.warmup_ratio, live.max_warmup_minutes)"
        )
    warmups = list(per_coin_warmup_minutes)
    trade_start = [
        min(last, first + w) for first, last, w in zip(dataset.first_valid, dataset.last_valid, warmups, strict=True)
    ]
    return RunArgs(
        bot_params=bot_params,
        exchange_params=[markets[c].exchange_params() for c in dataset.coins],
        backtest_params={
            "starting_balance": float(starting_balance),
            "maker_fee": float(maker_fee),
            "taker_fee": float(taker_fee),
            "coins": list(dataset.coins),
            "first_timestamp_ms": dataset.first_timestamp_ms,
            "requested_start_timestamp_ms": int(requested_start_ms),
            "first_valid_indices": list(dataset.first_valid),
            "last_valid_indices": list(dataset.last_valid),
            "warmup_minutes": warmups,
            "trade_start_indices": trade_start,
            "global_warmup_bars": int(global_warmup_minutes),
            "btc_collateral_cap": float(btc_collateral_cap),
            "btc_collateral_ltv_cap": btc_collateral_ltv_cap,
            "metrics_only": False,
            "filter_by_min_effective_cost": bool(filter_by_min_effective_cost),
            "hedge_mode": bool(hedge_mode),
            "compat_v7": bool(compat_v7),
        },
    )
