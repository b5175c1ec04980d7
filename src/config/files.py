"""Reading config files (JSON or HJSON) and writing them back.

Parse errors become a one-line `ConfigError` naming the file, line and column. JSON is tried
first for `.json` files so that numbers keep their exact type (the HJSON parser turns `1.0` into
`1`); anything else, and JSON files with comments, go through HJSON.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import hjson

from .errors import ConfigError

INLINE_WIDTH = 60  # containers whose one-line form is at most this long stay on one line


def read_text(path: Path, what: str = "config file") -> str:
    if not path.exists():
        raise ConfigError(f"{what} not found: {path}")
    if path.is_dir():
        raise ConfigError(f"{what} {path} is a directory, expected a JSON or HJSON file")
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{what} {path}: not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise ConfigError(f"{what} {path}: cannot be read ({exc.strerror})") from exc


def parse_text(text: str, source: str, prefer_json: bool) -> Any:
    """Parse JSON or HJSON text; syntax errors name `source`, line and column."""
    if prefer_json:
        try:
            return json.loads(text)
        except json.JSONDecodeError as json_exc:
            try:  # a .json file with comments or trailing commas
                return hjson.loads(text, object_pairs_hook=dict)
            except hjson.HjsonDecodeError:
                raise ConfigError(
                    f"{source}: line {json_exc.lineno}, column {json_exc.colno}: invalid JSON: {json_exc.msg}"
                ) from None
    try:
        return hjson.loads(text, object_pairs_hook=dict)
    except hjson.HjsonDecodeError as exc:
        raise ConfigError(f"{source}: line {exc.lineno}, column {exc.colno}: invalid HJSON: {exc.msg}") from None


def read_config_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """The top-level object of a JSON/HJSON config file."""
    p = Path(path)
    data = parse_text(read_text(p), str(p), prefer_json=p.suffix.lower() == ".json")
    if not isinstance(data, dict):
        raise ConfigError(f"{p}: the top level must be an object {{...}} of config sections, got {type_name(data)}")
    return data


def type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def strip_metadata(obj: Any) -> Any:
    """A copy without the underscore-prefixed bookkeeping keys the loader attaches."""
    if isinstance(obj, dict):
        return {k: strip_metadata(v) for k, v in obj.items() if not (isinstance(k, str) and k.startswith("_"))}
    if isinstance(obj, (list, tuple)):
        return [strip_metadata(v) for v in obj]
    return obj


def format_json(obj: Any, indent: int = 4, inline_width: int = INLINE_WIDTH) -> str:
    """JSON with sorted keys, `indent` spaces, and short containers kept on one line."""

    def render(value: Any, level: int) -> str:
        one_line = json.dumps(value, sort_keys=True, allow_nan=False, separators=(", ", ": "))
        if not isinstance(value, (dict, list)) or not value or len(one_line) <= inline_width:
            return one_line
        pad = " " * (indent * (level + 1))
        end_pad = " " * (indent * level)
        if isinstance(value, dict):
            items = [f"{pad}{json.dumps(k)}: {render(value[k], level + 1)}" for k in sorted(value)]
            return "{\n" + ",\n".join(items) + "\n" + end_pad + "}"
        items = [f"{pad}{render(v, level + 1)}" for v in value]
        return "[\n" + ",\n".join(items) + "\n" + end_pad + "]"

    return render(obj, 0) + "\n"


def dump_config(config: dict[str, Any], path: str | os.PathLike[str]) -> None:
    """Write `config` as JSON: keys sorted, metadata stripped, parent folders created."""
    p = Path(path)
    p.parent.mkdir(parents=True, exist_ok=True)
    text = format_json(strip_metadata(config))
    tmp = p.with_name(p.name + ".tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, p)
