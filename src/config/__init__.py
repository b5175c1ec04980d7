"""Configuration of the bot, backtester and optimizer: passivbot v7.7 compatible.

Public API:
    load(path=None, *, now=None, live_only=False) -> config dict
    format_config(raw, *, source=None, base_dir=None, now=None, live_only=False) -> config dict
    dump_config(config, path)
    warmup_minutes(config, include_bounds) / warmup_minutes_for_coin(config, coin)
    bot_params_for_coin(config, coin) -> {"long": {...}, "short": {...}}
    resolve_approved_coins(config) -> {"approved": {long, short}, "ignored": {long, short}}
    symbol_to_coin(symbol)
    ConfigError
CLI helpers are in `config.cli` (add_config_arguments, apply_cli_overrides, exit_on_config_error).
"""

from __future__ import annotations

from .coins import normalize_coins, resolve_approved_coins, symbol_to_coin
from .errors import ConfigError
from .files import dump_config, format_json, read_config_file, strip_metadata
from .loader import format_config, load
from .overrides import bot_params_for_coin
from .schema import BOT_KEYS, PSIDES
from .template import TEMPLATE_PATH, template_config
from .warmup import warmup_minutes, warmup_minutes_for_coin

load_config = load

__all__ = [
    "BOT_KEYS",
    "PSIDES",
    "TEMPLATE_PATH",
    "ConfigError",
    "bot_params_for_coin",
    "dump_config",
    "format_config",
    "format_json",
    "load",
    "load_config",
    "normalize_coins",
    "read_config_file",
    "resolve_approved_coins",
    "strip_metadata",
    "symbol_to_coin",
    "template_config",
    "warmup_minutes",
    "warmup_minutes_for_coin",
]
