"""Checking a config against the schema: unknown keys (warnings) and field values (errors).

Unknown keys are dropped with a warning naming the closest known key. Field problems are
collected by an `ErrorCollector`, one line each (`key: what is wrong (what is allowed)`).
"""

from __future__ import annotations

import difflib
import logging
import math
from datetime import datetime, timedelta, timezone
from typing import Any

from .errors import ConfigError, ErrorCollector
from .files import type_name
from .optimize_keys import normalize_bound, normalize_limits, normalize_scoring
from .schema import (
    AGGREGATE_MODES,
    BOUND_KEYS,
    LOG_LEVELS,
    MODE_ALIASES,
    SCHEMA,
    Field,
    Node,
    iter_fields,
)

log = logging.getLogger(__name__)

UTC = timezone(timedelta(0))  # datetime.UTC needs Python 3.11

_ALL_PATHS = [path for path, _ in iter_fields()]
# Top-level keys of result files (Pareto members, backtest/optimizer dumps) next to the config
# sections: not config, dropped without a warning.
ARTIFACT_KEYS = frozenset(
    ["analysis", "analyses", "analyses_combined", "metrics", "suite_metrics", "results_dir", "results_filename"]
)


def closest_key(name: str, siblings: list[str], full_path: str) -> str | None:
    """The known key most similar to an unknown one: a sibling first, else any dotted path."""
    match = difflib.get_close_matches(name, siblings, n=1, cutoff=0.6)
    if match:
        parent = full_path.rsplit(".", 1)[0] if "." in full_path else ""
        return f"{parent}.{match[0]}" if parent else match[0]
    match = difflib.get_close_matches(full_path, _ALL_PATHS, n=1, cutoff=0.75)
    if not match:
        leaf_matches = difflib.get_close_matches(name, [p.rsplit(".", 1)[-1] for p in _ALL_PATHS], n=1, cutoff=0.8)
        if leaf_matches:
            match = [p for p in _ALL_PATHS if p.endswith("." + leaf_matches[0])][:1]
    return match[0] if match else None


def warn_unknown(path: str, siblings: list[str], what: str = "unknown config key") -> str:
    name = path.rsplit(".", 1)[-1]
    suggestion = closest_key(name, siblings, path)
    hint = f"did you mean '{suggestion}'?" if suggestion else "no similar key is known"
    message = f"{what} '{path}' ignored; {hint}"
    log.warning("[config] %s", message)
    return message


def drop_unknown_keys(cfg: dict[str, Any], errors: ErrorCollector, node: Node = SCHEMA, prefix: str = "") -> list[str]:
    """Remove keys the schema does not know (warning each); report non-object sections."""
    warnings: list[str] = []
    assert isinstance(node, dict)
    for key in list(cfg):
        path = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(key, str) and key.startswith("_"):
            continue  # loader metadata
        if not isinstance(key, str) or key not in node:
            del cfg[key]
            if prefix or key not in ARTIFACT_KEYS:
                warnings.append(warn_unknown(path, list(node)))
            continue
        child = node[key]
        if isinstance(child, dict):
            if not isinstance(cfg[key], dict):
                errors.add(f"{path}: expected an object {{...}} (a config section), got {type_name(cfg[key])}")
                del cfg[key]
                continue
            warnings += drop_unknown_keys(cfg[key], errors, child, path)
        elif child.kind == "bounds" and isinstance(cfg[key], dict):
            for bound in list(cfg[key]):
                if bound not in BOUND_KEYS:
                    del cfg[key][bound]
                    warnings.append(warn_unknown(f"{path}.{bound}", list(BOUND_KEYS), "unknown bound"))
    return warnings


# ---------------------------------------------------------------------------- value checks
# Each checker returns the (possibly normalised) value or raises ValueError with a message that
# says what is allowed; the caller prefixes the key.


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _range_text(field: Field) -> str:
    if field.min is not None and field.max is not None:
        return f"between {_fmt(field.min)} and {_fmt(field.max)}"
    if field.min is not None:
        return f"> {_fmt(field.min)}" if field.min_exclusive else f">= {_fmt(field.min)}"
    return f"<= {_fmt(field.max)}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def check_number(value: Any, field: Field) -> Any:
    if value is None and field.nullable:
        return None
    if isinstance(value, str) and field.numeric_string:
        text = value.strip()
        if field.nullable and text.lower() in ("", "none", "null"):
            return None
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"expected a number{' or null' if field.nullable else ''}, got {value!r}") from None
    if not _is_number(value):
        null = " or null" if field.nullable else ""
        raise ValueError(f"expected a number{null}, got {type_name(value)} {value!r}")
    if not math.isfinite(value):
        raise ValueError(f"expected a finite number, got {value}")
    if field.kind == "int":
        if not float(value).is_integer():
            raise ValueError(f"expected a whole number, got {value}")
        value = int(value)
    too_low = field.min is not None and (value <= field.min if field.min_exclusive else value < field.min)
    too_high = field.max is not None and value > field.max
    if too_low or too_high:
        raise ValueError(f"must be {_range_text(field)}, got {value}")
    return value


def parse_date(value: str) -> datetime:
    text = value.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"expected a date YYYY-MM-DD, got {value!r}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def check_value(value: Any, field: Field) -> Any:
    kind = field.kind
    if kind in ("number", "int"):
        return check_number(value, field)
    if value is None and field.nullable:
        return None
    if kind == "bool":
        if not isinstance(value, bool):
            raise ValueError(f"expected true or false, got {type_name(value)} {value!r}")
        return value
    if kind == "str":
        if not isinstance(value, str):
            raise ValueError(f"expected a string, got {type_name(value)} {value!r}")
        return value
    if kind == "choice":
        if value not in field.choices:
            raise ValueError(f"expected one of {', '.join(field.choices)}; got {value!r}")
        return value
    if kind == "mode":
        if not isinstance(value, str) or value.strip().lower() not in MODE_ALIASES:
            allowed = "'' (not forced), n/normal, m/manual, gs/graceful_stop, p/panic, t/tp_only"
            raise ValueError(f"unknown passivbot mode {value!r} (allowed: {allowed})")
        return value
    if kind == "coins":
        ok = isinstance(value, str) or (isinstance(value, list) and all(isinstance(v, str) for v in value))
        if not ok and not isinstance(value, dict):
            raise ValueError(
                "expected a list of coins, a comma-separated string, a file path or a "
                f"{{long, short}} object, got {type_name(value)}"
            )
        return value
    if kind == "str_list":
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ValueError(f"expected a list of strings, got {type_name(value)} {value!r}")
        bad = [v for v in value if field.choices and v not in field.choices]
        if bad:
            raise ValueError(f"unknown value(s) {bad} (allowed: {', '.join(field.choices)})")
        return value
    if kind in ("date", "end_date"):
        if not isinstance(value, str):
            raise ValueError(f"expected a date string YYYY-MM-DD, got {type_name(value)} {value!r}")
        if kind == "end_date" and value.strip().lower() in ("", "now", "today"):
            return value
        try:
            return parse_date(value).strftime("%Y-%m-%d")
        except ValueError as exc:
            extra = " or 'now'" if kind == "end_date" else ""
            raise ValueError(f"{exc}{extra}") from None
    if kind == "log_level":
        if isinstance(value, str) and value.strip().lower() in LOG_LEVELS:
            return LOG_LEVELS[value.strip().lower()]
        if _is_number(value) and float(value).is_integer() and 0 <= value <= 3:
            return int(value)
        raise ValueError(f"expected 0 (warning), 1 (info), 2 (debug) or 3 (trace), got {value!r}")
    if kind == "scenarios":
        if not isinstance(value, list) or not all(isinstance(s, dict) for s in value):
            raise ValueError(f"expected a list of scenario objects, got {type_name(value)}")
        for i, scenario in enumerate(value):
            overrides = scenario.get("overrides", {})
            if not isinstance(overrides, dict):
                raise TypeError(
                    f"scenario {scenario.get('label', i)!r}: overrides must be an object of dotted.key: value"
                )
        return value
    if kind == "aggregate":
        if not isinstance(value, dict):
            raise ValueError(f"expected an object of metric -> {'|'.join(AGGREGATE_MODES)}, got {type_name(value)}")
        bad = {k: v for k, v in value.items() if v not in AGGREGATE_MODES}
        if bad:
            raise ValueError(f"unsupported aggregation {bad} (allowed: {', '.join(AGGREGATE_MODES)})")
        return {"default": "mean", **value}
    if kind in ("bounds", "coin_sources", "coin_overrides"):
        if not isinstance(value, dict):
            raise ValueError(f"expected an object, got {type_name(value)}")
        return value
    return value  # "any"


_NORMALIZERS = {"optimize.scoring": normalize_scoring, "optimize.limits": normalize_limits}


def check_fields(cfg: dict[str, Any], errors: ErrorCollector) -> None:
    """Check and normalise every schema leaf present in `cfg` in place."""
    for path, field in iter_fields():
        parent = cfg
        parts = path.split(".")
        for part in parts[:-1]:
            parent = parent.get(part) if isinstance(parent, dict) else None
        if not isinstance(parent, dict) or parts[-1] not in parent:
            continue
        try:
            parent[parts[-1]] = check_value(parent[parts[-1]], field)
        except (ValueError, TypeError) as exc:
            errors.add(f"{path}: {exc}")
            continue
        normalizer = _NORMALIZERS.get(path)
        if normalizer is not None:
            try:
                parent[parts[-1]] = normalizer(parent[parts[-1]], path)
            except ConfigError as exc:
                errors.add(str(exc))
    bounds = cfg.get("optimize", {}).get("bounds")
    if isinstance(bounds, dict):
        for key in sorted(bounds):
            try:
                bounds[key] = normalize_bound(bounds[key], f"optimize.bounds.{key}")
            except ConfigError as exc:
                errors.add(str(exc))
