"""Access to `configs/template.json`, the single source of default values."""

from __future__ import annotations

import copy
from functools import lru_cache
from pathlib import Path
from typing import Any

from .files import read_config_file

REPO_ROOT = Path(__file__).resolve().parents[2]
TEMPLATE_PATH = REPO_ROOT / "configs" / "template.json"


@lru_cache(maxsize=1)
def _template_cached() -> dict[str, Any]:
    return read_config_file(TEMPLATE_PATH)


def template_config() -> dict[str, Any]:
    """A fresh deep copy of the template's content (raw, as in the file)."""
    return copy.deepcopy(_template_cached())


def template_leaves(template: dict[str, Any] | None = None) -> list[tuple[str, Any]]:
    """(dotted path, template value) of every leaf, sorted by path.

    Leaves are the schema's fields: `live.ignored_coins` is one leaf even though its value is
    an object; `optimize.bounds` contributes one leaf per bound; `backtest.suite.aggregate`
    one per metric.
    """
    from .schema import SCHEMA, Field, Node

    tpl = template if template is not None else template_config()
    out: list[tuple[str, Any]] = []

    def walk(node: Node, value: Any, prefix: str) -> None:
        if isinstance(node, Field):
            if node.kind in ("bounds", "aggregate") and isinstance(value, dict):
                for key in sorted(value):
                    out.append((f"{prefix}.{key}", value[key]))
            elif node.kind not in ("coin_overrides", "coin_sources"):
                out.append((prefix, value))
            return
        if not isinstance(value, dict):
            return
        for key in sorted(node):
            if key in value:
                walk(node[key], value[key], f"{prefix}.{key}" if prefix else key)

    walk(SCHEMA, tpl, "")
    return out
