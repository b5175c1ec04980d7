"""Warm-up sizing shared by the backtester and the live bot (python spec §4.9, core spec §5.6).

warm-up = ceil(max_span_minutes × live.warmup_ratio), capped by live.max_warmup_minutes when > 0,
where max_span_minutes is the largest of ema_span_0, ema_span_1, filter_volume_ema_span,
filter_volatility_ema_span and 60 × entry_volatility_ema_span_hours over both sides and every
coin override (and, for backtests, the upper ends of the matching optimize.bounds).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from .overrides import bot_params_for_coin
from .schema import PSIDES, WARMUP_HOURLY_SPAN_KEY, WARMUP_SPAN_KEYS


def _span_minutes(params: dict[str, Any]) -> Iterable[float]:
    for key in WARMUP_SPAN_KEYS:
        if key in params:
            yield float(params[key])
    if WARMUP_HOURLY_SPAN_KEY in params:
        yield float(params[WARMUP_HOURLY_SPAN_KEY]) * 60.0


def _bound_high(bound: Any) -> float | None:
    if isinstance(bound, (int, float)) and not isinstance(bound, bool):
        return float(bound)
    if isinstance(bound, (list, tuple)) and bound:
        return float(bound[1] if len(bound) > 1 else bound[0])
    return None


def _bound_span_minutes(config: dict[str, Any]) -> Iterable[float]:
    bounds = config.get("optimize", {}).get("bounds", {})
    for pside in PSIDES:
        for key in WARMUP_SPAN_KEYS + (WARMUP_HOURLY_SPAN_KEY,):
            high = _bound_high(bounds.get(f"{pside}_{key}"))
            if high is not None:
                yield high * 60.0 if key == WARMUP_HOURLY_SPAN_KEY else high


def _finish(max_minutes: float, config: dict[str, Any]) -> int:
    live = config.get("live", {})
    ratio = float(live.get("warmup_ratio", 0.0))
    if not math.isfinite(ratio) or ratio < 0:
        ratio = 0.0
    if not math.isfinite(max_minutes) or max_minutes <= 0:
        return 0
    minutes = math.ceil(max_minutes * ratio)
    cap = float(live.get("max_warmup_minutes") or 0)
    if math.isfinite(cap) and cap > 0:
        minutes = min(minutes, int(cap))
    return int(minutes)


def warmup_minutes(config: dict[str, Any], include_bounds: bool) -> int:
    """Minutes of 1m candles to preload before the first traded minute.

    `include_bounds=True` is the backtest/optimizer rule (the optimizer may pick spans up to the
    bounds' upper ends); the live bot passes False.
    """
    spans: list[float] = []
    for params in _all_params(config):
        spans.extend(_span_minutes(params))
    if include_bounds:
        spans.extend(_bound_span_minutes(config))
    return _finish(max(spans, default=0.0), config)


def warmup_minutes_for_coin(config: dict[str, Any], coin: str) -> int:
    """Per-coin warm-up: the same rule over that coin's own params only (no bounds)."""
    params = bot_params_for_coin(config, coin)
    spans = [s for pside in PSIDES for s in _span_minutes(params[pside])]
    return _finish(max(spans, default=0.0), config)


def _all_params(config: dict[str, Any]) -> Iterable[dict[str, Any]]:
    for pside in PSIDES:
        yield config["bot"][pside]
    for coin in config.get("coin_overrides", {}):
        params = bot_params_for_coin(config, coin)
        yield from (params[pside] for pside in PSIDES)
