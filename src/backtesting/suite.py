"""Suite mode: one config, several scenarios (other dates, coins or parameter overrides), one
shared dataset, and metrics aggregated across the scenarios (python spec §5.5)."""

from __future__ import annotations

import copy
import logging
import math
import statistics
from datetime import UTC, datetime
from typing import Any

from config import ConfigError
from config.loader import format_config

log = logging.getLogger(__name__)
AGGREGATES = ("mean", "max", "min", "std", "median")


def set_dotted(config: dict[str, Any], path: str, value: Any) -> None:
    """`config["a"]["b"]["c"] = value` for `path` "a.b.c", creating intermediate dicts."""
    node = config
    parts = path.split(".")
    for part in parts[:-1]:
        child = node.setdefault(part, {})
        if not isinstance(child, dict):
            raise ConfigError(f"scenario override {path}: {part} is not a section")
        node = child
    node[parts[-1]] = value


def build_scenarios(config: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """`(label, config)` per scenario, each config re-validated after its changes."""
    suite = config["backtest"]["suite"]
    raw = [dict(s) for s in suite["scenarios"]]
    if suite["include_base_scenario"]:
        raw.insert(0, {"label": suite["base_label"]})
    if not raw:
        raise ConfigError("config.backtest.suite.scenarios must contain at least one scenario.")
    out: list[tuple[str, dict[str, Any]]] = []
    for i, scenario in enumerate(raw, start=1):
        label = str(scenario.get("label") or f"scenario_{i:02d}")
        if any(label == existing for existing, _ in out):
            raise ConfigError(f"backtest.suite.scenarios: label '{label}' is used twice")
        cfg = copy.deepcopy(config)
        for key in ("start_date", "end_date"):
            if scenario.get(key):
                cfg["backtest"][key] = scenario[key]
        if scenario.get("coins"):
            cfg["live"]["approved_coins"] = scenario["coins"]
        if scenario.get("ignored_coins"):
            cfg["live"]["ignored_coins"] = scenario["ignored_coins"]
        for unsupported in ("exchanges", "coin_sources"):
            if scenario.get(unsupported):
                log.warning("[suite] scenario %s: %s ignored (one data source per suite)", label, unsupported)
        overrides = scenario.get("overrides") or {}
        if not isinstance(overrides, dict):
            raise ConfigError(f"Scenario overrides for '{label}' must be a mapping")
        for path, value in overrides.items():
            set_dotted(cfg, str(path), value)
        out.append((label, format_config(cfg, source=f"scenario {label}")))
    return out


def _stats(values: list[float]) -> dict[str, float]:
    if not values:
        return dict.fromkeys(AGGREGATES, 0.0)
    return {
        "mean": statistics.fmean(values),
        "min": min(values),
        "max": max(values),
        "std": statistics.pstdev(values),
        "median": statistics.median(values),
    }


def aggregate_mode(metric: str, aggregate: dict[str, str]) -> str:
    """`aggregate[metric]`, else `aggregate[metric without its last _segment]`, else the default."""
    mode = aggregate.get(metric) or aggregate.get(metric.rsplit("_", 1)[0]) or aggregate.get("default", "mean")
    if mode not in AGGREGATES:
        raise ConfigError(f"Unsupported aggregation mode '{mode}' for metric '{metric}'.")
    return mode


def summarize(
    per_scenario: dict[str, dict[str, float | None]],
    aggregate: dict[str, str],
    runs: dict[str, dict[str, Any]],
    suite_id: str,
) -> dict[str, Any]:
    """The suite summary: per metric the value in each scenario, stats across scenarios (finite
    values only) and the aggregated value chosen by `backtest.suite.aggregate`."""
    labels = list(per_scenario)
    metrics: dict[str, Any] = {}
    for metric in sorted({m for analysis in per_scenario.values() for m in analysis}):
        by_label = {label: per_scenario[label].get(metric) for label in labels}
        finite = [float(v) for v in by_label.values() if v is not None and math.isfinite(v)]
        stats = _stats(finite)
        metrics[metric] = {
            "stats": stats,
            "aggregated": stats[aggregate_mode(metric, aggregate)],
            "scenarios": by_label,
        }
    return {
        "suite_id": suite_id,
        "meta": {"scenarios": labels, "timestamp": datetime.now(UTC).isoformat(timespec="seconds")},
        "suite_metrics": {"metrics": metrics, "scenario_labels": labels},
        "per_scenario": runs,
    }
