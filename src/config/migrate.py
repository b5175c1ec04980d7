"""Config flavors and legacy migrations (python spec §2.2).

`to_current_layout` turns any supported flavor into the v7.7 section layout; `migrate` then
renames legacy keys, derives missing bot keys from the old ones and converts pre-v7.3.14 coin
flags. Every rename is logged at INFO with the old and new name.

Flavors: `current` (bot, live, backtest, optimize), `nested_current` (the same under `config`,
e.g. a backtest or Pareto artifact), `live_only` (bot and live), `v7_legacy` (has `common`).
passivbot v6 multi-symbol configs (`pb_multi`) are recognised and rejected with a clear message.
"""

from __future__ import annotations

import copy
import logging
import shlex
from typing import Any

from .errors import ConfigError
from .files import type_name
from .schema import BOT_KEYS, PSIDES

log = logging.getLogger(__name__)

CURRENT_SECTIONS = ("bot", "live", "backtest", "optimize")
PB_MULTI_KEYS = (
    "user",
    "pnls_max_lookback_days",
    "loss_allowance_pct",
    "stuck_threshold",
    "unstuck_close_pct",
    "TWE_long",
    "TWE_short",
    "universal_live_config",
)

BOT_RENAMES: dict[str, str] = {
    "filter_noisiness_rolling_window": "filter_volatility_ema_span",
    "filter_noisiness_ema_span": "filter_volatility_ema_span",
    "filter_log_range_ema_span": "filter_volatility_ema_span",
    "filter_volume_rolling_window": "filter_volume_ema_span",
    "entry_grid_spacing_weight": "entry_grid_spacing_we_weight",
    "entry_grid_spacing_log_span_hours": "entry_volatility_ema_span_hours",
    "entry_log_range_ema_span_hours": "entry_volatility_ema_span_hours",
    "entry_grid_spacing_log_weight": "entry_grid_spacing_volatility_weight",
    "entry_trailing_retracement_log_weight": "entry_trailing_retracement_volatility_weight",
    "entry_trailing_threshold_log_weight": "entry_trailing_threshold_volatility_weight",
}
LIVE_RENAMES: dict[str, str] = {
    "minimum_market_age_days": "minimum_coin_age_days",
    "noisiness_rolling_mean_window_size": "ohlcv_rolling_window",
    "ohlcvs_1m_update_after_minutes": "inactive_coin_candle_ttl_minutes",
}
# Old keys read by the derived defaults below, then removed.
LEGACY_BOT_INPUTS = ("filter_rolling_window", "min_markup", "markup_range")
LEGACY_LIVE_INPUTS = ("ohlcv_rolling_window", "filter_relative_volume_clip_pct")
OLD_CONFIG_MIN_KEYS = 25  # a bot side with at least this many of the 37 keys is a complete (older) config

# Pre-v7.3.14 `live.coin_flags` strings: flag -> (section path, key).
COIN_FLAGS: dict[str, tuple[tuple[str, ...], str]] = {
    "-lm": (("live",), "forced_mode_long"),
    "-sm": (("live",), "forced_mode_short"),
    "-lw": (("bot", "long"), "wallet_exposure_limit"),
    "-sw": (("bot", "short"), "wallet_exposure_limit"),
    "-lev": (("live",), "leverage"),
    "-lc": ((), "override_config_path"),
}


def detect_flavor(raw: dict[str, Any]) -> str:
    if all(k in raw for k in PB_MULTI_KEYS):
        return "pb_multi"
    if "common" in raw:
        return "v7_legacy"
    if all(k in raw for k in CURRENT_SECTIONS):
        return "current"
    nested = raw.get("config")
    if isinstance(nested, dict) and all(k in nested for k in CURRENT_SECTIONS):
        return "nested_current"
    if "bot" in raw and "live" in raw:
        return "live_only"
    return "unknown"


def to_current_layout(raw: dict[str, Any], source: str | None = None) -> tuple[dict[str, Any], str]:
    """A deep copy of `raw` in the v7.7 section layout, and the flavor it was detected as."""
    where = f"{source}: " if source else ""
    flavor = detect_flavor(raw)
    if flavor == "pb_multi":
        raise ConfigError(
            f"{where}this is a passivbot v6 multi-symbol config (pb_multi), which is not supported; "
            "convert it with passivbot v7 first or start from configs/template.json"
        )
    if flavor == "unknown":
        found = ", ".join(sorted(map(str, raw))) or "nothing"
        raise ConfigError(
            f"{where}unrecognised config layout: expected the sections bot, live, backtest, optimize "
            f"(or at least bot and live, or a v7 'common' section); found: {found}"
        )
    if flavor == "nested_current":
        return copy.deepcopy(raw["config"]), flavor
    if flavor == "v7_legacy":
        return _from_v7_legacy(raw, where), flavor
    return copy.deepcopy(raw), flavor


def _from_v7_legacy(raw: dict[str, Any], where: str) -> dict[str, Any]:
    common = raw["common"]
    if not isinstance(common, dict):
        raise ConfigError(f"{where}common: expected an object, got {type_name(common)}")
    out = {k: copy.deepcopy(v) for k, v in raw.items() if k != "common"}
    live = out.setdefault("live", {})
    if not isinstance(live, dict):
        raise ConfigError(f"{where}live: expected an object, got {type_name(live)}")
    mapping = {"approved_symbols": "approved_coins", "ignored_symbols": "ignored_coins", "symbol_flags": "coin_flags"}
    for key, value in common.items():
        live.setdefault(mapping.get(key, key), copy.deepcopy(value))
    return out


def _rename(section: dict[str, Any], old: str, new: str, where: str) -> None:
    if old not in section:
        return
    value = section.pop(old)
    if new in section:
        log.info("[config] dropped legacy key %s.%s (%s is already set)", where, old, new)
    else:
        section[new] = value
        log.info("[config] renamed legacy key %s.%s -> %s", where, old, new)


def _bot_sides(cfg: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(dotted name, dict) of every bot side, including coin overrides, that is a dict."""
    sides = []
    bot = cfg.get("bot")
    if isinstance(bot, dict):
        sides += [(f"bot.{p}", bot[p]) for p in PSIDES if isinstance(bot.get(p), dict)]
    overrides = cfg.get("coin_overrides")
    if isinstance(overrides, dict):
        for coin, ov in overrides.items():
            ob = ov.get("bot") if isinstance(ov, dict) else None
            if isinstance(ob, dict):
                sides += [(f"coin_overrides.{coin}.bot.{p}", ob[p]) for p in PSIDES if isinstance(ob.get(p), dict)]
    return sides


def migrate(cfg: dict[str, Any]) -> None:
    """Apply the legacy renames and derived defaults of §2.2 in place (layout already current)."""
    for where, side in _bot_sides(cfg):
        for old, new in BOT_RENAMES.items():
            _rename(side, old, new, where)
    bounds = cfg.get("optimize", {}).get("bounds") if isinstance(cfg.get("optimize"), dict) else None
    if isinstance(bounds, dict):
        for pside in PSIDES:
            for old, new in BOT_RENAMES.items():
                _rename(bounds, f"{pside}_{old}", f"{pside}_{new}", "optimize.bounds")

    live = cfg.get("live")
    if isinstance(live, dict):
        for old, new in LIVE_RENAMES.items():
            _rename(live, old, new, "live")
        if "memory_snapshot_interval_minutes" in live:
            logging_section = cfg.setdefault("logging", {})
            if isinstance(logging_section, dict):
                _rename_across(live, logging_section, "memory_snapshot_interval_minutes", "live", "logging")

    backtest = cfg.get("backtest")
    if isinstance(backtest, dict):
        _migrate_backtest(backtest)

    _derive_bot_defaults(cfg)
    _convert_coin_flags(cfg)

    optimize = cfg.get("optimize")
    if isinstance(optimize, dict) and "suite" in optimize:
        optimize.pop("suite")
        log.warning("[config] optimize.suite is obsolete and was ignored: put suites under backtest.suite")


def _rename_across(src: dict[str, Any], dst: dict[str, Any], key: str, src_name: str, dst_name: str) -> None:
    value = src.pop(key)
    if key not in dst:
        dst[key] = value
        log.info("[config] moved legacy key %s.%s -> %s.%s", src_name, key, dst_name, key)


def _migrate_backtest(backtest: dict[str, Any]) -> None:
    if "use_btc_collateral" in backtest:
        flag = backtest.pop("use_btc_collateral")
        if "btc_collateral_cap" not in backtest:
            backtest["btc_collateral_cap"] = 1.0 if flag else 0.0
            log.info(
                "[config] backtest.use_btc_collateral=%s -> btc_collateral_cap=%s", flag, backtest["btc_collateral_cap"]
            )
    if "exchange" in backtest:
        exchange = backtest.pop("exchange")
        if "exchanges" not in backtest:
            backtest["exchanges"] = [exchange] if isinstance(exchange, str) else exchange
            log.info("[config] renamed legacy key backtest.exchange -> exchanges")
    if isinstance(backtest.get("exchanges"), str):
        backtest["exchanges"] = [e.strip() for e in backtest["exchanges"].split(",") if e.strip()]


def _derive_bot_defaults(cfg: dict[str, Any]) -> None:
    """Fill bot keys added after older configs were written, from the keys they replaced."""
    live = cfg.get("live") if isinstance(cfg.get("live"), dict) else {}
    bot = cfg.get("bot")
    if isinstance(bot, dict):
        for pside in PSIDES:
            side = bot.get(pside)
            if not isinstance(side, dict) or not side:
                continue
            derived: dict[str, Any] = {
                "close_trailing_qty_pct": 1.0,
                "filter_volatility_drop_pct": 0.0,
                "filter_volume_drop_pct": live.get("filter_relative_volume_clip_pct", 0.5),
            }
            if "entry_grid_double_down_factor" in side:
                derived["entry_trailing_double_down_factor"] = side["entry_grid_double_down_factor"]
            window = side.get("filter_rolling_window", live.get("ohlcv_rolling_window", 60))
            derived["filter_volatility_ema_span"] = window
            derived["filter_volume_ema_span"] = window
            if "min_markup" in side:
                derived["close_grid_markup_end"] = side["min_markup"]
                if "markup_range" in side:
                    markups = (side["min_markup"], side["markup_range"])
                    numeric = [isinstance(v, int | float) and not isinstance(v, bool) for v in markups]
                    # A non-numeric legacy value is passed on as it is, for validation to refuse.
                    derived["close_grid_markup_start"] = (
                        markups[0] + markups[1] if all(numeric) else markups[numeric.index(False)]
                    )
            # Only for complete configs of an older version (most keys present, or the old keys
            # themselves): their missing keys get the values that reproduce their old behaviour.
            # A side with a few keys is a partial config and gets the template defaults.
            n_current = sum(k in side for k in BOT_KEYS)
            if n_current < OLD_CONFIG_MIN_KEYS and not any(k in side for k in LEGACY_BOT_INPUTS):
                for key in LEGACY_BOT_INPUTS:
                    side.pop(key, None)
                continue
            for key, value in derived.items():
                if key not in side:
                    side[key] = value
                    log.info("[config] bot.%s.%s missing; derived default %r", pside, key, value)
            for key in LEGACY_BOT_INPUTS:
                side.pop(key, None)
    for key in LEGACY_LIVE_INPUTS:
        live.pop(key, None)


def parse_coin_flags(flags: str, coin: str) -> dict[str, Any]:
    """`-lm gs -lw 0.1 -lev 5` -> a coin override dict."""
    try:
        tokens = shlex.split(flags)
    except ValueError as exc:
        raise ConfigError(f"live.coin_flags.{coin}: cannot parse {flags!r}: {exc}") from None
    out: dict[str, Any] = {}
    if len(tokens) % 2:
        raise ConfigError(f"live.coin_flags.{coin}: expected '-flag value' pairs, got {flags!r}")
    for flag, value in zip(tokens[::2], tokens[1::2], strict=True):
        if flag not in COIN_FLAGS:
            raise ConfigError(f"live.coin_flags.{coin}: unknown flag {flag} (known: {', '.join(COIN_FLAGS)})")
        path, key = COIN_FLAGS[flag]
        node = out
        for part in path:
            node = node.setdefault(part, {})
        if key in ("leverage", "wallet_exposure_limit"):
            try:
                node[key] = float(value)
            except ValueError:
                raise ConfigError(f"live.coin_flags.{coin}: {flag} expects a number, got {value!r}") from None
        else:
            node[key] = value
    return out


def _convert_coin_flags(cfg: dict[str, Any]) -> None:
    live = cfg.get("live")
    if not isinstance(live, dict) or "coin_flags" not in live:
        return
    flags = live.pop("coin_flags")
    if not flags:
        return
    if not isinstance(flags, dict):
        raise ConfigError(f"live.coin_flags: expected an object of coin -> flags string, got {type_name(flags)}")
    if cfg.get("coin_overrides"):
        log.warning("[config] live.coin_flags ignored: coin_overrides is set and takes precedence")
        return
    cfg["coin_overrides"] = {coin: parse_coin_flags(str(value), coin) for coin, value in flags.items()}
    log.info("[config] converted legacy live.coin_flags for %d coin(s) to coin_overrides", len(flags))
