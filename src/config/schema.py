"""What every config key is: its kind of value and the range that makes sense.

Defaults live in `configs/template.json` (one source of truth); this module only says what is
allowed. Ranges are limited to values that are clearly invalid given the meaning of the key
(core spec §3): e.g. `close_grid_qty_pct` outside [0, 1] has a defined meaning (one order
closing everything), so it is not rejected, whereas a negative `n_positions` has none.

A tests asserts that the non-optional keys here and the keys of the template are the same set.
"""

from __future__ import annotations

from dataclasses import dataclass

PSIDES = ("long", "short")

# The 37 per-side strategy parameters of passivbot v7.7 (core spec §3.1), sorted.
BOT_KEYS: tuple[str, ...] = (
    "close_grid_markup_end",
    "close_grid_markup_start",
    "close_grid_qty_pct",
    "close_trailing_grid_ratio",
    "close_trailing_qty_pct",
    "close_trailing_retracement_pct",
    "close_trailing_threshold_pct",
    "ema_span_0",
    "ema_span_1",
    "entry_grid_double_down_factor",
    "entry_grid_spacing_pct",
    "entry_grid_spacing_volatility_weight",
    "entry_grid_spacing_we_weight",
    "entry_initial_ema_dist",
    "entry_initial_qty_pct",
    "entry_trailing_double_down_factor",
    "entry_trailing_grid_ratio",
    "entry_trailing_retracement_pct",
    "entry_trailing_retracement_volatility_weight",
    "entry_trailing_retracement_we_weight",
    "entry_trailing_threshold_pct",
    "entry_trailing_threshold_volatility_weight",
    "entry_trailing_threshold_we_weight",
    "entry_volatility_ema_span_hours",
    "filter_volatility_drop_pct",
    "filter_volatility_ema_span",
    "filter_volume_drop_pct",
    "filter_volume_ema_span",
    "n_positions",
    "risk_twel_enforcer_threshold",
    "risk_we_excess_allowance_pct",
    "risk_wel_enforcer_threshold",
    "total_wallet_exposure_limit",
    "unstuck_close_pct",
    "unstuck_ema_dist",
    "unstuck_loss_allowance_pct",
    "unstuck_threshold",
)

# Keys a coin override may set (python spec §2.5). Global keys (n_positions, TWEL,
# risk_twel_enforcer_threshold, unstuck_loss_allowance_pct, filter_*) are read from the side's
# master params only, so overriding them per coin would silently do nothing.
OVERRIDABLE_BOT_KEYS: frozenset[str] = frozenset(
    [k for k in BOT_KEYS if k.startswith(("close_", "entry_"))]
    + [
        "ema_span_0",
        "ema_span_1",
        "unstuck_close_pct",
        "unstuck_ema_dist",
        "unstuck_threshold",
        "wallet_exposure_limit",
        "risk_wel_enforcer_threshold",
        "risk_we_excess_allowance_pct",
    ]
)
OVERRIDABLE_LIVE_KEYS: frozenset[str] = frozenset(["forced_mode_long", "forced_mode_short", "leverage"])

# Spans that size the warm-up (core spec §5.6); the hourly one is multiplied by 60.
WARMUP_SPAN_KEYS = ("ema_span_0", "ema_span_1", "filter_volume_ema_span", "filter_volatility_ema_span")
WARMUP_HOURLY_SPAN_KEY = "entry_volatility_ema_span_hours"

# Accepted spellings of a PB mode (python spec §2.8); "" means "not forced".
MODE_ALIASES: dict[str, str] = {
    "": "",
    "n": "normal",
    "normal": "normal",
    "m": "manual",
    "manual": "manual",
    "gs": "graceful_stop",
    "graceful_stop": "graceful_stop",
    "graceful-stop": "graceful_stop",
    "p": "panic",
    "panic": "panic",
    "t": "tp_only",
    "tp": "tp_only",
    "tp_only": "tp_only",
    "tp-only": "tp_only",
}

AGGREGATE_MODES = ("mean", "max", "min", "std", "median")
ENABLE_OVERRIDES = ("lossless_close_trailing", "forward_tp_grid", "backward_tp_grid")
LOG_LEVELS: dict[str, int] = {
    "warning": 0,
    "warn": 0,
    "w": 0,
    "info": 1,
    "i": 1,
    "debug": 2,
    "d": 2,
    "trace": 3,
    "t": 3,
}


@dataclass(frozen=True)
class Field:
    """One leaf of the config.

    kind: number | int | bool | str | choice | mode | coins | str_list | date | end_date |
          log_level | bounds | limits | scenarios | aggregate | coin_sources | coin_overrides | any
    """

    kind: str
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    nullable: bool = False
    numeric_string: bool = False  # a string holding a number is accepted (converted)
    choices: tuple[str, ...] = ()
    optional: bool = False  # known key that the template does not carry (runtime or legacy output)


Node = Field | dict[str, "Node"]

NUMBER = Field("number")
NONNEG = Field("number", min=0.0)
POSITIVE = Field("number", min=0.0, min_exclusive=True)
NONNEG_INT = Field("int", min=0.0)
BOOL = Field("bool")
STR = Field("str")
ANY = Field("any")

_BOT_RANGES: dict[str, Field] = {
    "ema_span_0": POSITIVE,
    "ema_span_1": POSITIVE,
    "filter_volatility_ema_span": POSITIVE,
    "filter_volume_ema_span": POSITIVE,
    "entry_initial_qty_pct": NONNEG,
    "n_positions": NONNEG,  # rounded to an int after validation
    "total_wallet_exposure_limit": NONNEG,
}


def _bot_side() -> dict[str, Node]:
    side: dict[str, Node] = {key: _BOT_RANGES.get(key, NUMBER) for key in BOT_KEYS}
    # Derived at run time (-1 = dynamic TWEL / n_positions); configs dumped by a live bot carry it.
    side["wallet_exposure_limit"] = Field("number", optional=True)
    return side


SCHEMA: dict[str, Node] = {
    "backtest": {
        "balance_sample_divider": Field("int", min=1.0),
        "base_dir": STR,
        "btc_collateral_cap": NONNEG,
        "btc_collateral_ltv_cap": Field("number", min=0.0, nullable=True),
        "combine_ohlcvs": BOOL,
        # ours: reproduce passivbot v7.7's fill-affecting quirks exactly (docs/ai/decisions.md)
        "compat_v7": BOOL,
        "compress_cache": BOOL,
        "coin_sources": Field("coin_sources"),
        "end_date": Field("end_date"),
        "exchanges": Field("str_list"),
        "filter_by_min_effective_cost": Field("bool", nullable=True),
        "gap_tolerance_ohlcvs_minutes": NONNEG,
        "maker_fee_override": Field("number", nullable=True, numeric_string=True),
        "max_warmup_minutes": NONNEG,
        # ours: a freqtrade-format data folder to read candles from (null = bundled sample / cache)
        "ohlcv_source_dir": Field("str", nullable=True),
        "start_date": Field("date"),
        "starting_balance": POSITIVE,
        # ours: fee of marketable orders and forced closes (null = the market's taker fee)
        "taker_fee_override": Field("number", nullable=True, numeric_string=True),
        "suite": {
            "aggregate": Field("aggregate"),
            "base_label": STR,
            "enabled": BOOL,
            "include_base_scenario": BOOL,
            "scenarios": Field("scenarios"),
        },
        # Runtime-only keys (python spec §2.3): accepted when a dumped config is reloaded.
        "cache_dir": Field("any", optional=True),
        "cm_debug_level": Field("int", min=0.0, max=2.0, optional=True),
        "cm_progress_log_interval_seconds": Field("number", min=0.0, optional=True),
        "cm_remote_fetch_bar": Field("bool", optional=True),
        "coins": Field("any", optional=True),
    },
    "bot": {"long": _bot_side(), "short": _bot_side()},
    # ours: Smart Money Concepts gate on initial entries (docs/ai/smc.md); off by default
    "smc": {
        "enabled": BOOL,
        "timeframe_minutes": Field("int", min=1.0),
        "gate": {
            "trend": Field("choice", choices=("off", "internal", "swing", "either", "both")),
            "max_break_age": NONNEG_INT,
            "location": BOOL,
            "fresh_zones_only": BOOL,
        },
        "engine": {
            "internal_length": Field("int", min=1.0),
            "swing_length": Field("int", min=1.0),
            "liquidity_length": Field("int", min=1.0),
            "atr_length": Field("int", min=1.0),
            "eq_tolerance_atr": NONNEG,
            "sweep_min_atr": NONNEG,
            "fvg_min_size_atr": NONNEG,
            "fvg_max_age": NONNEG_INT,
            "ob_invalidation_close": BOOL,
            "ob_max_age": NONNEG_INT,
            "ob_volatility_filter_atr": NONNEG,
            "max_active": Field("int", min=1.0),
            "zone_band": Field("number", min=0.0, max=0.49),
            "period_pools": BOOL,
            "session_pools": BOOL,
        },
    },
    "coin_overrides": Field("coin_overrides"),
    "live": {
        "approved_coins": Field("coins"),
        "auto_gs": BOOL,
        "balance_hysteresis_snap_pct": NONNEG,
        "balance_override": Field("number", nullable=True, numeric_string=True),
        "candle_lock_timeout_seconds": NONNEG,
        "empty_means_all_approved": BOOL,
        "execution_delay_seconds": NONNEG,
        "filter_by_min_effective_cost": BOOL,
        "forced_mode_long": Field("mode"),
        "forced_mode_short": Field("mode"),
        "hedge_mode": BOOL,
        "ignored_coins": Field("coins"),
        "inactive_coin_candle_ttl_minutes": NONNEG,
        "leverage": POSITIVE,
        "market_orders_allowed": BOOL,
        "max_concurrent_api_requests": Field("int", min=1.0, nullable=True, numeric_string=True),
        "max_disk_candles_per_symbol_per_tf": NONNEG_INT,
        "max_memory_candles_per_symbol": NONNEG_INT,
        "max_n_cancellations_per_batch": NONNEG_INT,
        "max_n_creations_per_batch": NONNEG_INT,
        "max_n_restarts_per_day": NONNEG_INT,
        "max_warmup_minutes": NONNEG,
        "minimum_coin_age_days": NONNEG,
        "order_match_tolerance_pct": NONNEG,
        "pnls_manager_shadow_mode": BOOL,
        "pnls_max_lookback_days": NONNEG,
        "price_distance_threshold": NONNEG,
        "recv_window_ms": NONNEG_INT,
        "time_in_force": Field("choice", choices=("good_till_cancelled", "post_only")),
        "user": STR,
        "warmup_concurrency": NONNEG_INT,
        "warmup_jitter_seconds": NONNEG,
        "warmup_ratio": NONNEG,
        # Known keys the reference silently deletes (its §2.2 step 6 quirk); we keep them.
        "base_config_path": Field("str", optional=True),
        "custom_endpoints_path": Field("str", nullable=True, optional=True),
        "enable_archive_candle_fetch": Field("bool", optional=True),
    },
    "logging": {
        "level": Field("log_level"),
        "memory_snapshot_interval_minutes": NONNEG,
        "volume_refresh_info_threshold_seconds": NONNEG,
    },
    "optimize": {
        "bounds": Field("bounds"),
        "compress_results_file": BOOL,
        "crossover_eta": NONNEG,
        "crossover_probability": Field("number", min=0.0, max=1.0),
        "enable_overrides": Field("str_list", choices=ENABLE_OVERRIDES),
        "iters": NONNEG_INT,
        "limits": Field("limits"),
        "mutation_eta": NONNEG,
        "mutation_indpb": Field("number", min=0.0, max=1.0),
        "mutation_probability": Field("number", min=0.0, max=1.0),
        "n_cpus": Field("int", min=1.0),
        "offspring_multiplier": POSITIVE,
        "pareto_max_size": Field("int", min=1.0),
        "population_size": Field("int", min=1.0),
        "round_to_n_significant_digits": Field("int", min=1.0),
        "scoring": Field("str_list"),
        "write_all_results": BOOL,
    },
}

BOUND_KEYS: tuple[str, ...] = tuple(f"{pside}_{key}" for pside in PSIDES for key in BOT_KEYS)


def lookup(path: str) -> Node | None:
    """The schema node at a dotted path (`bot.long.n_positions`), or None if unknown."""
    node: Node = SCHEMA
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def iter_fields(node: Node = SCHEMA, prefix: str = "") -> list[tuple[str, Field]]:
    """Every (dotted path, Field) pair under `node`, in sorted key order."""
    if isinstance(node, Field):
        return [(prefix, node)]
    out: list[tuple[str, Field]] = []
    for key in sorted(node):
        out.extend(iter_fields(node[key], f"{prefix}.{key}" if prefix else key))
    return out
