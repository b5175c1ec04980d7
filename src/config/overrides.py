"""Per-coin overrides (python spec §2.5).

`coin_overrides: {COIN: {bot: {long|short: {...}}, live: {...}, override_config_path: "..."}}`

* Keys are normalised to bare coins (`XRP/USDT:USDT` -> `XRP`); unresolvable keys are dropped
  with a warning, two keys naming the same coin are an error.
* `override_config_path` (relative to the config file's folder, then the current directory) is
  read as a config; its allow-listed values that differ from the base config are taken, and the
  inline values win over them. The result is inlined: the path itself is not kept.
* Only allow-listed keys survive (`schema.OVERRIDABLE_*`); others are dropped with a warning
  saying why (global key, or unknown key with the closest known one).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from .coins import symbol_to_coin
from .errors import ConfigError, ErrorCollector
from .files import read_config_file, type_name
from .migrate import detect_flavor, migrate, to_current_layout
from .schema import (
    BOT_KEYS,
    OVERRIDABLE_BOT_KEYS,
    OVERRIDABLE_LIVE_KEYS,
    PSIDES,
    SCHEMA,
    Field,
)
from .validate import check_value, warn_unknown

log = logging.getLogger(__name__)

OVERRIDE_SECTIONS = ("bot", "live", "override_config_path")


def _resolve_override_path(value: str, base_dir: Path | None) -> Path:
    raw = Path(value).expanduser()
    candidates = [raw] if raw.is_absolute() else ([base_dir / raw] if base_dir else []) + [Path.cwd() / raw]
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    tried = ", ".join(str(c) for c in candidates)
    raise ConfigError(f"override config file not found: {value} (tried {tried})")


def _read_override_file(path: Path) -> dict[str, Any]:
    """The bot/live sections of an override file (a full config or just those sections)."""
    raw = read_config_file(path)
    if detect_flavor(raw) != "unknown":
        raw, _ = to_current_layout(raw, str(path))
    migrate(raw)
    return raw


def _pick(
    section: Any,
    allowed: frozenset[str],
    schema_node: dict[str, Any],
    where: str,
    errors: ErrorCollector,
    warnings: list[str],
) -> dict[str, Any]:
    """The allowed, valid keys of one override section; others reported."""
    if section is None:
        return {}
    if not isinstance(section, dict):
        errors.add(f"{where}: expected an object, got {type_name(section)}")
        return {}
    out: dict[str, Any] = {}
    for key, value in section.items():
        path = f"{where}.{key}"
        if key not in allowed:
            if key in schema_node:
                message = f"{path} cannot be set per coin (only the side's master value is used); ignored"
                log.warning("[config] %s", message)
                warnings.append(message)
            else:
                warnings.append(warn_unknown(path, sorted(allowed), "unknown coin override key"))
            continue
        field = schema_node.get(key)
        if not isinstance(field, Field):
            field = Field("number")
        try:
            out[key] = check_value(value, field)
        except (ValueError, TypeError) as exc:
            errors.add(f"{path}: {exc}")
    return out


def _one_override(
    coin: str,
    ov: dict[str, Any],
    base_cfg: dict[str, Any],
    base_dir: Path | None,
    errors: ErrorCollector,
    warnings: list[str],
) -> dict[str, Any]:
    where = f"coin_overrides.{coin}"
    for key in ov:
        if key not in OVERRIDE_SECTIONS:
            warnings.append(warn_unknown(f"{where}.{key}", list(OVERRIDE_SECTIONS), "unknown coin override key"))
    from_file: dict[str, Any] = {}
    path_value = ov.get("override_config_path")
    if path_value not in (None, ""):
        if not isinstance(path_value, str):
            errors.add(f"{where}.override_config_path: expected a file path string, got {type_name(path_value)}")
        else:
            try:
                from_file = _read_override_file(_resolve_override_path(path_value, base_dir))
            except ConfigError as exc:
                errors.add(f"{where}.override_config_path: {exc}")

    bot_schema = SCHEMA["bot"]["long"]  # type: ignore[index]
    live_schema = SCHEMA["live"]
    assert isinstance(bot_schema, dict) and isinstance(live_schema, dict)
    result: dict[str, Any] = {}
    bot_out: dict[str, dict[str, Any]] = {}
    inline_bot = ov.get("bot")
    if inline_bot is not None and not isinstance(inline_bot, dict):
        errors.add(f"{where}.bot: expected an object with 'long' and/or 'short', got {type_name(inline_bot)}")
        inline_bot = {}
    for key in inline_bot or {}:
        if key not in PSIDES:
            warnings.append(warn_unknown(f"{where}.bot.{key}", list(PSIDES), "unknown coin override key"))
    file_bot = from_file.get("bot")
    if file_bot is not None and not isinstance(file_bot, dict):
        errors.add(f"{where}.bot (file {path_value}): expected an object with 'long' and/or 'short', got {type_name(file_bot)}")
        file_bot = {}
    for pside in PSIDES:
        file_side = _pick(
            (file_bot or {}).get(pside),
            OVERRIDABLE_BOT_KEYS,
            bot_schema,
            f"{where}.bot.{pside} (file)",
            errors,
            [],
        )
        base_side = base_cfg.get("bot", {}).get(pside, {})
        side = {k: v for k, v in file_side.items() if base_side.get(k) != v}
        side.update(
            _pick(
                (inline_bot or {}).get(pside),
                OVERRIDABLE_BOT_KEYS,
                bot_schema,
                f"{where}.bot.{pside}",
                errors,
                warnings,
            )
        )
        if side:
            bot_out[pside] = side
    if bot_out:
        result["bot"] = bot_out
    file_live = _pick(from_file.get("live"), OVERRIDABLE_LIVE_KEYS, live_schema, f"{where}.live (file)", errors, [])
    live = {k: v for k, v in file_live.items() if base_cfg.get("live", {}).get(k) != v}
    live.update(_pick(ov.get("live"), OVERRIDABLE_LIVE_KEYS, live_schema, f"{where}.live", errors, warnings))
    if live:
        result["live"] = live
    return result


def parse_coin_overrides(
    value: Any, base_cfg: dict[str, Any], base_dir: Path | None, errors: ErrorCollector
) -> tuple[dict[str, Any], list[str]]:
    """Normalised coin overrides and the warnings raised on the way."""
    warnings: list[str] = []
    if not isinstance(value, dict):
        errors.add(f"coin_overrides: expected an object of coin -> overrides, got {type_name(value)}")
        return {}, warnings
    out: dict[str, Any] = {}
    origin: dict[str, str] = {}
    for key, ov in value.items():
        try:
            coin = symbol_to_coin(key)
        except ValueError as exc:
            message = f"coin_overrides: key {key!r} dropped: {exc}"
            log.warning("[config] %s", message)
            warnings.append(message)
            continue
        if coin in origin:
            errors.add(f"coin_overrides: {origin[coin]!r} and {key!r} both refer to coin {coin}; keep one")
            continue
        origin[coin] = key
        if not isinstance(ov, dict):
            errors.add(
                f"coin_overrides.{key}: expected an object with bot/live/override_config_path, got {type_name(ov)}"
            )
            continue
        parsed = _one_override(coin, ov, base_cfg, base_dir, errors, warnings)
        if parsed:
            out[coin] = parsed
    return out, warnings


def bot_params_for_coin(config: dict[str, Any], coin: str) -> dict[str, dict[str, Any]]:
    """Bot params of both sides for one coin: base section + that coin's overrides.

    `wallet_exposure_limit` is -1 (dynamic: TWEL / effective n_positions) unless the coin's
    override sets it (core spec §3.1).
    """
    key = symbol_to_coin(coin)
    override = config.get("coin_overrides", {}).get(key, {}).get("bot", {})
    out: dict[str, dict[str, Any]] = {}
    for pside in PSIDES:
        base = config["bot"][pside]
        params = {k: base[k] for k in BOT_KEYS}
        params["wallet_exposure_limit"] = -1.0
        params.update(override.get(pside, {}))
        out[pside] = params
    return out
