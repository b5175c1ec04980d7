"""Helpers shared by the config tests (no fixtures: plain functions)."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from config import template_config

NOW = datetime(2025, 6, 5, 12, 30, tzinfo=timezone(timedelta(0)))
REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLE_COINS = [
    "ADA",
    "AVAX",
    "BCH",
    "BNB",
    "BTC",
    "DOGE",
    "DOT",
    "ENA",
    "ETC",
    "ETH",
    "LAYER",
    "LINK",
    "LTC",
    "SOL",
    "SUI",
    "XLM",
    "XMR",
    "XRP",
]


def write(path: Path, data: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(data if isinstance(data, str) else json.dumps(data, indent=2), encoding="utf-8")
    return path


def v77_config(**changes: Any) -> dict[str, Any]:
    """A config shaped like passivbot v7.7's template, with dotted-key changes applied."""
    cfg = template_config()
    for dotted, value in changes.items():
        node = cfg
        parts = dotted.split("__")
        for part in parts[:-1]:
            node = node[part]
        node[parts[-1]] = value
    return cfg
