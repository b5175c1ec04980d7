"""Normalisation of `optimize.limits`, `optimize.scoring` and `optimize.bounds` (python spec §2.7).

Canonical forms:
  * limits: list of `{"metric", "penalize_if", "value" | "range", ["stat"]}`;
  * scoring: metric names with their currency suffix (`adg` -> `adg_usd`), de-duplicated;
  * bounds: `[low, high]` (sorted) or `[low, high, step]`; a number or `[v]` pins to `[v, v]`.
"""

from __future__ import annotations

import logging
import math
import shlex
from typing import Any

from .errors import ConfigError
from .files import parse_text, type_name

log = logging.getLogger(__name__)

# Metrics emitted once, without a currency suffix (core spec §11.10).
SHARED_METRICS = frozenset(
    [
        "positions_held_per_day",
        "positions_held_per_day_w",
        "position_held_hours_mean",
        "position_held_hours_max",
        "position_held_hours_median",
        "position_unchanged_hours_max",
        "volume_pct_per_day_avg",
        "volume_pct_per_day_avg_w",
        "loss_profit_ratio",
        "loss_profit_ratio_w",
        "loss_profit_ratio_long",
        "loss_profit_ratio_short",
        "pnl_ratio_long_short",
        "peak_recovery_hours_pnl",
        "adg_pnl",
        "adg_pnl_w",
        "mdg_pnl",
        "mdg_pnl_w",
        "sharpe_ratio_pnl",
        "sharpe_ratio_pnl_w",
        "sortino_ratio_pnl",
        "sortino_ratio_pnl_w",
        "total_wallet_exposure_max",
        "total_wallet_exposure_mean",
        "total_wallet_exposure_median",
        "entry_initial_balance_pct_long",
        "entry_initial_balance_pct_short",
    ]
)

PENALIZE_IF_ALIASES: dict[str, str] = {
    **dict.fromkeys([">", "gt", "greater", "greater_than", "above"], "greater_than"),
    **dict.fromkeys(["<", "lt", "lower", "less", "less_than", "below"], "less_than"),
    **dict.fromkeys(["outside", "outside_range", "out_of_range"], "outside_range"),
    **dict.fromkeys(["inside", "inside_range"], "inside_range"),
    "auto": "auto",
}
STATS = ("min", "max", "mean", "std")


def canonical_metric(name: str) -> str:
    """`adg` -> `adg_usd`, `btc_adg` -> `adg_btc`, shared metrics and suffixed names unchanged."""
    name = name.strip()
    if name.endswith(("_usd", "_btc")) or name in SHARED_METRICS:
        return name
    for prefix in ("usd_", "btc_"):
        if name.startswith(prefix):
            base = name[len(prefix) :]
            return base if base in SHARED_METRICS else f"{base}_{prefix[:-1]}"
    return f"{name}_usd"


def normalize_scoring(value: Any, key: str = "optimize.scoring") -> list[str]:
    if isinstance(value, str):
        value = [v for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key}: expected a list of metric names, got {type_name(value)}")
    if not value:
        raise ConfigError(f'{key}: at least one metric is required (e.g. ["adg_usd", "sharpe_ratio_usd"])')
    return list(dict.fromkeys(canonical_metric(v) for v in value))


def _num(value: Any) -> int | float:
    """Integral floats are written back as ints (python spec §2.7)."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _limit_entry(entry: Any, key: str) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise ConfigError(f"{key}: each limit entry must be an object, got {type_name(entry)} {entry!r}")
    metric = entry.get("metric")
    if not isinstance(metric, str) or not metric.strip():
        raise ConfigError(f"{key}: limit entries must include a 'metric' name: {entry!r}")
    metric = canonical_metric(metric)
    raw_mode = entry.get("penalize_if")
    if raw_mode is None:
        raise ConfigError(
            f"{key}: limit for {metric} must include 'penalize_if' (greater_than, less_than, outside_range, inside_range or auto)"
        )
    mode = PENALIZE_IF_ALIASES.get(str(raw_mode).strip().lower())
    if mode is None:
        raise ConfigError(
            f"{key}: limit for {metric}: unsupported penalize_if {raw_mode!r} "
            "(allowed: greater_than/>/gt, less_than/</lt, outside_range, inside_range, auto)"
        )
    out: dict[str, Any] = {"metric": metric, "penalize_if": mode}
    stat = entry.get("stat", entry.get("field"))
    if stat is not None:
        if stat not in STATS:
            raise ConfigError(f"{key}: limit for {metric}: unsupported stat {stat!r} (allowed: {', '.join(STATS)})")
        out["stat"] = stat
    if mode in ("outside_range", "inside_range"):
        rng = next((entry[k] for k in ("range", "values", "bounds") if k in entry), None)
        if rng is None and isinstance(entry.get("value"), (list, tuple)):
            rng = entry["value"]
        if isinstance(rng, dict):
            low = next((rng[k] for k in ("low", "min", "start") if k in rng), None)
            high = next((rng[k] for k in ("high", "max", "end") if k in rng), None)
            rng = [low, high]
        if not isinstance(rng, (list, tuple)) or len(rng) != 2 or not all(_is_number(v) for v in rng):
            raise ConfigError(f"{key}: limit for {metric} ({mode}) requires a two-number 'range', got {rng!r}")
        out["range"] = [_num(v) for v in sorted(rng)]
    else:
        value = next((entry[k] for k in ("value", "threshold", "bound") if k in entry), None)
        if not _is_number(value):
            raise ConfigError(f"{key}: limit for {metric} requires a numeric 'value', got {value!r}")
        out["value"] = _num(value)
    return out


def _limits_from_dict(value: dict[str, Any], key: str) -> list[dict[str, Any]]:
    out = []
    for name, v in value.items():
        if not isinstance(name, str):
            raise ConfigError(f"{key}: limit names must be strings, got {name!r}")
        for prefix, mode in (
            ("penalize_if_greater_than_", "greater_than"),
            ("penalize_if_lower_than_", "less_than"),
            ("lower_bound_", "greater_than"),
            ("upper_bound_", "less_than"),
        ):
            if name.startswith(prefix):
                out.append(_limit_entry({"metric": name[len(prefix) :], "penalize_if": mode, "value": v}, key))
                break
        else:
            out.append(_limit_entry({"metric": name, "penalize_if": "auto", "value": v}, key))
    return out


def _limits_from_legacy_string(text: str, key: str) -> list[dict[str, Any]]:
    """`--drawdown_worst 0.333 --loss_profit_ratio: 0.9` -> dict form."""
    tokens = [t.replace(":", "") for t in shlex.split(text)]
    pairs: dict[str, Any] = {}
    i = 0
    while i < len(tokens):
        name = tokens[i]
        if not name.startswith("-") or i + 1 >= len(tokens):
            raise ConfigError(f"{key}: invalid limits format at token {name!r} (expected '--metric value' pairs)")
        try:
            pairs[name.lstrip("-")] = float(tokens[i + 1])
        except ValueError:
            raise ConfigError(f"{key}: invalid limits format: {tokens[i + 1]!r} after {name} is not a number") from None
        i += 2
    return _limits_from_dict(pairs, key)


def normalize_limits(value: Any, key: str = "optimize.limits") -> list[dict[str, Any]]:
    """Any accepted limits form -> the canonical list."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith(("[", "{")):
            return normalize_limits(parse_text(text, key, prefer_json=True), key)
        return _limits_from_legacy_string(text, key)
    if isinstance(value, dict):
        return _limits_from_dict(value, key)
    if isinstance(value, list):
        return [_limit_entry(entry, key) for entry in value]
    raise ConfigError(f"{key}: expected a list of limit objects, an object or a string, got {type_name(value)}")


def normalize_bound(value: Any, key: str) -> list[float]:
    """One bound -> `[low, high]` or `[low, high, step]`; raises on malformed input."""
    if _is_number(value):
        return [value, value]
    if not isinstance(value, (list, tuple)):
        raise ConfigError(f"{key}: expected [low, high] or [low, high, step], got {type_name(value)} {value!r}")
    if not value:
        raise ConfigError(f"{key}: malformed bound: empty array (expected [low, high] or [low, high, step])")
    if len(value) > 3:
        raise ConfigError(f"{key}: malformed bound {list(value)!r}: at most 3 elements [low, high, step]")
    low_high = list(value[:2])
    if not all(_is_number(v) for v in low_high):
        raise ConfigError(f"{key}: bound values must be finite numbers, got {list(value)!r}")
    if len(value) == 1:
        return [low_high[0], low_high[0]]
    if len(value) == 2:
        return sorted(low_high)
    low, high, step = value
    if low > high:
        raise ConfigError(f"{key}: low {low} is above high {high} in {list(value)!r}")
    if step is not None and not _is_number(step):
        raise ConfigError(f"{key}: step must be a number or null, got {step!r}")
    if step is not None and (step <= 0 or (high > low and step > high - low)):
        log.warning("[config] %s: step %s is not in (0, high - low]; the bound is treated as continuous", key, step)
    return [low, high, step]
