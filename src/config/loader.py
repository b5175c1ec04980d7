"""Loading a config: parse, migrate, check, merge over the template, normalise.

`load(path)` reads a file; `format_config(raw)` does the rest on an in-memory dict and is
idempotent on its own output (the CLI layer re-runs it after applying overrides).

Bookkeeping keys ride along in the returned dict (stripped by `dump_config`):
  `_raw` the file as read, `_source_path`, `_base_dir` (folder of the config file),
  `_flavor`, `_coins_sources` (approved/ignored coins as given, maybe file paths),
  `_warnings` (unknown or ignored keys).
"""

from __future__ import annotations

import copy
import logging
import math
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from .coins import approved_minus_ignored, normalize_coins, symbol_to_coin
from .errors import ConfigError, ErrorCollector
from .files import read_config_file, type_name
from .migrate import migrate, to_current_layout
from .overrides import parse_coin_overrides
from .schema import PSIDES, SCHEMA, Field, Node
from .template import TEMPLATE_PATH, template_config
from .validate import UTC, check_fields, drop_unknown_keys, parse_date

log = logging.getLogger(__name__)

END_DATE_NOW = ("", "now", "today")


def load(path: str | Path | None = None, *, now: datetime | None = None, live_only: bool = False) -> dict[str, Any]:
    """Load a JSON/HJSON config file (the template when `path` is None).

    `now` fixes what `backtest.end_date: now` means (default: the current UTC time).
    `live_only` leaves coin lists as given (the live bot re-reads them every cycle) and does
    not touch backtest dates. Raises ConfigError listing every problem found.
    """
    p = Path(path) if path is not None else TEMPLATE_PATH
    raw = read_config_file(p)
    cfg = format_config(raw, source=str(p), base_dir=p.resolve().parent, now=now, live_only=live_only)
    cfg["_raw"] = copy.deepcopy(raw)
    cfg["_source_path"] = str(p)
    return cfg


def merge_defaults(cfg: dict[str, Any], template: dict[str, Any], node: Node = SCHEMA) -> None:
    """Add every template key missing from `cfg` (sections recursively, bounds per key)."""
    assert isinstance(node, dict)
    for key, default in template.items():
        child = node.get(key)
        if key not in cfg:
            cfg[key] = copy.deepcopy(default)
        elif isinstance(child, dict) and isinstance(cfg[key], dict) and isinstance(default, dict):
            merge_defaults(cfg[key], default, child)
        elif isinstance(child, Field) and child.kind == "bounds" and isinstance(cfg[key], dict):
            for bound, value in default.items():
                cfg[key].setdefault(bound, copy.deepcopy(value))


def round_half_away(x: float) -> int:
    return int(math.copysign(math.floor(abs(x) + 0.5), x))


def resolve_end_date(value: str, now: datetime) -> str:
    """`now`/`today`/empty -> two days before `now`, floored to a UTC day; else `YYYY-MM-DD`."""
    if value.strip().lower() in END_DATE_NOW:
        now_utc = now.astimezone(UTC) if now.tzinfo else now.replace(tzinfo=UTC)
        return (now_utc - timedelta(days=2)).strftime("%Y-%m-%d")
    return parse_date(value).strftime("%Y-%m-%d")


def _failed(errors: ErrorCollector, *paths: str) -> bool:
    """Whether a problem was already reported for one of `paths` (skip dependent steps)."""
    prefix = f"{errors.source}: " if errors.source else ""
    return any(p.startswith(prefix + path) for p in errors.problems for path in paths)


def format_config(
    raw: dict[str, Any],
    *,
    source: str | None = None,
    base_dir: str | Path | None = None,
    now: datetime | None = None,
    live_only: bool = False,
) -> dict[str, Any]:
    """Turn a parsed config of any supported flavor into a complete, checked v7.7 config."""
    if not isinstance(raw, dict):
        raise ConfigError(f"{source or 'config'}: expected an object of config sections, got {type_name(raw)}")
    metadata = {k: copy.deepcopy(v) for k, v in raw.items() if isinstance(k, str) and k.startswith("_")}
    body = {k: v for k, v in raw.items() if not (isinstance(k, str) and k.startswith("_"))}
    errors = ErrorCollector(source)
    try:
        cfg, flavor = to_current_layout(body)
        migrate(cfg)
    except ConfigError as exc:
        errors.extend(exc)
        errors.raise_if_any()
        raise  # unreachable: keeps type checkers happy
    if base_dir is None and metadata.get("_base_dir"):
        base_dir = metadata["_base_dir"]
    base = Path(base_dir) if base_dir is not None else None
    now = now or datetime.now(UTC)

    warnings = drop_unknown_keys(cfg, errors)
    merge_defaults(cfg, template_config())
    check_fields(cfg, errors)

    for pside in PSIDES:
        side = cfg.get("bot", {}).get(pside, {})
        if isinstance(side.get("n_positions"), (int, float)) and not _failed(errors, f"bot.{pside}.n_positions"):
            side["n_positions"] = round_half_away(side["n_positions"])

    if not _failed(errors, "coin_overrides", "bot"):
        cfg["coin_overrides"], override_warnings = parse_coin_overrides(cfg["coin_overrides"], cfg, base, errors)
        warnings += override_warnings

    live = cfg["live"]
    backtest = cfg["backtest"]
    sources = {k: copy.deepcopy(live.get(k)) for k in ("approved_coins", "ignored_coins")}
    if not _failed(errors, "live.approved_coins", "live.ignored_coins"):
        try:
            approved = normalize_coins(live["approved_coins"], "live.approved_coins", base)
            ignored = normalize_coins(live["ignored_coins"], "live.ignored_coins", base)
            if not live_only:
                # Deliberate difference: the reference backtester skips this subtraction.
                live["approved_coins"] = approved_minus_ignored(approved, ignored)
                live["ignored_coins"] = ignored
        except ConfigError as exc:
            errors.extend(exc)

    if not live_only and not _failed(errors, "backtest.end_date", "backtest.start_date"):
        backtest["end_date"] = resolve_end_date(backtest["end_date"], now)
        if backtest["start_date"] >= backtest["end_date"]:
            errors.add(
                f"backtest.start_date {backtest['start_date']} must be before backtest.end_date {backtest['end_date']}"
            )

    if not _failed(errors, "backtest.coin_sources"):
        backtest["coin_sources"] = _normalize_coin_sources(backtest["coin_sources"], errors)
    if backtest.get("filter_by_min_effective_cost") is None:
        backtest["filter_by_min_effective_cost"] = live.get("filter_by_min_effective_cost")

    errors.raise_if_any()
    cfg.update(metadata)
    cfg["_flavor"] = metadata.get("_flavor", flavor)
    cfg["_live_only"] = live_only
    cfg["_coins_sources"] = sources
    cfg["_base_dir"] = str(base) if base is not None else None
    cfg["_warnings"] = metadata.get("_warnings", []) + warnings
    return cfg


def _normalize_coin_sources(value: dict[str, Any], errors: ErrorCollector) -> dict[str, str]:
    out: dict[str, str] = {}
    for key, exchange in value.items():
        if not isinstance(exchange, str) or not exchange.strip():
            errors.add(
                f"backtest.coin_sources.{key}: expected an exchange name, got {type_name(exchange)} {exchange!r}"
            )
            continue
        try:
            coin = symbol_to_coin(key)
        except ValueError as exc:
            errors.add(f"backtest.coin_sources: {exc}")
            continue
        if coin in out and out[coin] != exchange:
            errors.add(f"backtest.coin_sources maps conflicting exchanges for {coin}: {out[coin]} and {exchange}")
            continue
        out[coin] = exchange
    return out
