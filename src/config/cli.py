"""Command-line overrides of config values (python spec §1.1, §2.6).

For every template leaf in the requested sections three equivalent flags are registered:
`--a.b.c`, `--a_b_c` and a short acronym (`--bot.long.n_positions`, `--bot_long_n_positions`,
`-lnp`). Only flags actually given change the config; each change is logged at INFO as
`changed a.b.c old -> new`.

Differences from the reference, on purpose: `--backtest.filter_by_min_effective_cost false`
sets False (the reference's `bool("false")` made it True), and list-valued leaves such as
`--optimize.enable_overrides` or `--backtest.suite.scenarios` are parsed (comma list, JSON)
instead of becoming lists of characters.
"""

from __future__ import annotations

import argparse
import copy
import functools
import logging
import re
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from .errors import ConfigError
from .files import parse_text
from .loader import format_config
from .schema import LOG_LEVELS, Field, lookup
from .template import template_leaves
from .validate import check_value

log = logging.getLogger(__name__)

DEFAULT_SECTIONS = ("bot", "live", "backtest", "optimize", "logging")
ACRONYM_PREFIXES = ("backtest.", "live.", "optimize.bounds.", "optimize.limits.", "optimize.", "bot.")
FIXED_ACRONYMS = {"live.approved_coins": "s", "live.ignored_coins": "i", "optimize.scoring": "os"}
COMMA_LIST_KEYS = ("approved_coins", "ignored_coins", "exchanges", "scoring", "enable_overrides")
TRUE_WORDS = ("y", "yes", "true", "t", "1")
FALSE_WORDS = ("n", "no", "false", "f", "0")
COIN_KEYS = ("approved_coins", "ignored_coins")

F = TypeVar("F", bound=Callable[..., Any])


# ------------------------------------------------------------------------------ value types


def str2bool(value: str | bool) -> bool:
    """y/yes/true/t/1 -> True, n/no/false/f/0 -> False (any case); anything else is an error."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in TRUE_WORDS:
        return True
    if text in FALSE_WORDS:
        return False
    raise argparse.ArgumentTypeError(f"expected a boolean (y/yes/true/t/1 or n/no/false/f/0, any case), got {value!r}")


def _bool_or_none(value: str) -> bool | None:
    if value.strip().lower() in ("none", "null", ""):
        return None
    return str2bool(value)


def _float_or_none(value: str) -> float | None:
    if value.strip().lower() in ("none", "null", ""):
        return None
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number or none, got {value!r}") from None


def _number(value: str) -> float:
    try:
        return float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {value!r}") from None


def _comma_list(value: str) -> list[str]:
    return [v.strip() for v in value.split(",") if v.strip()]


def _comma_floats(value: str) -> list[float]:
    parts = _comma_list(value)
    if not 1 <= len(parts) <= 3:
        raise argparse.ArgumentTypeError(f"expected low,high or low,high,step (or one value to pin), got {value!r}")
    return [_number(p) for p in parts]


def _log_level(value: str) -> int:
    text = value.strip().lower()
    if text in LOG_LEVELS:
        return LOG_LEVELS[text]
    try:
        return max(0, min(3, int(float(text))))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected warning|info|debug|trace (w|i|d|t) or 0-3, got {value!r}") from None


def _json_value(value: str) -> Any:
    try:
        return parse_text(value, "command-line value", prefer_json=True)
    except ConfigError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def value_type(path: str, template_value: Any) -> tuple[Callable[[str], Any], str]:
    """(argparse type function, metavar) for one leaf."""
    leaf = path.rsplit(".", 1)[-1]
    if leaf in COMMA_LIST_KEYS:
        return _comma_list, "A,B,..."
    if "bounds" in path:
        return _comma_floats, "LOW,HIGH[,STEP]"
    if path == "optimize.limits":
        return str, "LIMITS"
    if path == "backtest.btc_collateral_ltv_cap":
        return _float_or_none, "FLOAT|none"
    if path == "backtest.filter_by_min_effective_cost":
        return _bool_or_none, "y/n|none"
    if path == "backtest.suite.scenarios":
        return _json_value, "JSON"
    if path == "logging.level":
        return _log_level, "LEVEL"
    if isinstance(template_value, bool):
        return str2bool, "y/n"
    if isinstance(template_value, (int, float)):
        return _number, "NUM"
    if isinstance(template_value, list):
        return _comma_list, "A,B,..."
    return str, "STR"


# ------------------------------------------------------------------------------ flags


def acronym(path: str) -> str:
    """Short flag letters (without dash) per §1.1, before collision suffixes."""
    if path in FIXED_ACRONYMS:
        return FIXED_ACRONYMS[path]
    if "cpus" in path:
        return "c"
    if "iters" in path:
        return "i"
    rest = path
    for prefix in ACRONYM_PREFIXES:
        if path.startswith(prefix):
            rest = path[len(prefix) :]
            break
    return "".join(piece[0] for piece in re.split(r"[._]", rest) if piece)


def _selected(path: str, sections: Iterable[str]) -> bool:
    return any(path == s or path.startswith(s + ".") for s in sections)


def add_config_arguments(parser: argparse.ArgumentParser, sections: Sequence[str] = DEFAULT_SECTIONS) -> dict[str, str]:
    """Register the override flags of every template leaf under `sections`.

    `sections` are dotted prefixes: whole sections (`"bot"`, `"backtest"`) or single keys
    (`"live.approved_coins"`). Returns {dotted path: short flag} for the registered leaves.
    Flags default to "not given" (the attribute is absent from the parsed namespace).
    """
    leaves = template_leaves()
    unknown = [s for s in sections if not any(_selected(path, [s]) for path, _ in leaves)]
    if unknown:
        raise ValueError(f"add_config_arguments: no config key under {unknown}")
    registered: dict[str, str] = {}
    for path, template_value in leaves:
        if not _selected(path, sections):
            continue
        type_fn, metavar = value_type(path, template_value)
        long_flags = [f"--{path}", f"--{path.replace('.', '_')}"]
        base = acronym(path)
        help_text = f"override {path} (config: {_short(template_value)})"
        for n in range(1, 100):
            short = f"-{base}" if n == 1 else f"-{base}{n}"
            try:
                parser.add_argument(
                    short,
                    *long_flags,
                    dest=path,
                    type=type_fn,
                    metavar=metavar,
                    default=argparse.SUPPRESS,
                    help=help_text,
                )
            except argparse.ArgumentError as exc:
                if short in str(exc):
                    continue  # acronym already used by another flag: try the next suffix
                raise
            registered[path] = short
            break
    return registered


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def glue_negative_values(argv: Sequence[str]) -> list[str]:
    """`--optimize.bounds.long_x -0.1,0.003` -> `--optimize.bounds.long_x=-0.1,0.003`.

    argparse takes a token starting with `-` for a flag unless it is a plain negative number;
    comma lists of negative numbers need gluing (python spec §1.1).
    """
    out: list[str] = []
    for token in argv:
        if out and token.startswith("-") and "," in token and out[-1].startswith("-") and "=" not in out[-1]:
            out[-1] = f"{out[-1]}={token}"
        else:
            out.append(token)
    return out


# ------------------------------------------------------------------------------ applying


def _coerce(new: Any, old: Any) -> Any:
    """Type coercion against the current value (§2.6): ints stay ints when integral."""
    if isinstance(old, bool) or isinstance(new, bool):
        return new
    if isinstance(old, int) and isinstance(new, float) and new.is_integer():
        return int(new)
    if isinstance(old, list) and isinstance(new, list) and all(isinstance(v, float) for v in new):
        return [
            int(v)
            if i < len(old) and isinstance(old[i], int) and not isinstance(old[i], bool) and v.is_integer()
            else v
            for i, v in enumerate(new)
        ]
    return new


def _check_cli_value(path: str, value: Any) -> Any:
    """The value as the config will hold it; a clearly invalid one is rejected, naming the flag."""
    node = lookup(path)
    if isinstance(node, Field) and node.kind not in ("coins", "bounds", "limits", "scenarios", "aggregate"):
        try:
            return check_value(value, node)
        except (ValueError, TypeError) as exc:
            raise ValueError(f"--{path} {value!r}: {exc}") from None
    return value


def apply_cli_overrides(config: dict[str, Any], args: argparse.Namespace, *, now: Any = None) -> dict[str, Any]:
    """A new config with the given flags applied, then re-checked and re-normalised."""
    leaves = {path for path, _ in template_leaves()}
    given = {k: v for k, v in vars(args).items() if k in leaves}
    if not given:
        return config
    new = copy.deepcopy(config)
    sources = dict(new.get("_coins_sources") or {})
    problems: list[str] = []
    for path in sorted(given):
        parts = path.split(".")
        parent = new
        for part in parts[:-1]:
            parent = parent.setdefault(part, {})
        old = parent.get(parts[-1])
        value = _coerce(given[path], old)
        try:
            value = _check_cli_value(path, value)
        except ValueError as exc:
            problems.append(str(exc))
            continue
        if parts[0] == "live" and parts[-1] in COIN_KEYS:
            sources[parts[-1]] = copy.deepcopy(value)
        parent[parts[-1]] = value
        log.info("[config] changed %s %r -> %r", path, old, value)
    if problems:
        raise ConfigError(problems)
    # Coin lists are re-derived from their sources (files re-read, approved minus ignored again).
    for key in COIN_KEYS:
        if key in sources:
            new["live"][key] = copy.deepcopy(sources[key])
    return format_config(new, source=new.get("_source_path"), now=now, live_only=bool(new.get("_live_only")))


def exit_on_config_error(fn: F) -> F:
    """Decorator for entry points: a ConfigError prints its lines to stderr and exits with 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except ConfigError as exc:
            for line in exc.problems:
                print(f"config error: {line}", file=sys.stderr)
            raise SystemExit(2) from None

    return wrapper  # type: ignore[return-value]
