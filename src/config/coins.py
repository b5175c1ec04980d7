"""Approved / ignored coin lists (python spec §2.4) and the offline symbol -> coin heuristic.

Accepted forms for `live.approved_coins` and `live.ignored_coins`:
  * a list of coins or symbols, or a comma-separated string;
  * a `{long, short}` dict, each side any of these forms;
  * a path to a file (string, or a one-element list holding it). The file may hold a JSON/HJSON
    list (both sides), a `{long, short}` dict, or plain text (bracketed comma list, one quoted item
    per line, or whitespace/comma separated tokens).
Everything is normalised to `{"long": [...], "short": [...]}` of bare coins, order kept,
duplicates removed.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path
from typing import Any

from .errors import ConfigError
from .files import parse_text, read_text, type_name

log = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_COINS_FILE = "configs/approved_coins.json"
LEGACY_COINS_FILES = ("approved_coins_topmcap.json", "approved_coins_topmcap.txt")
COIN_FILE_SUFFIXES = (".json", ".hjson", ".txt", ".csv")

QUOTES = ("USDT", "USDC", "BUSD", "FDUSD")
_POWER_OF_TEN_PREFIX = re.compile(r"^10{3,}(?=[A-Za-z])")
_HL_K_PREFIX = re.compile(r"^k(?=[A-Z0-9])")
_SPLIT = re.compile(r"[\s,]+")
_BAD_COIN_CHARS = re.compile(r"[\s,\[\]{}'\"]|[^\x20-\U0010ffff]")

Sides = dict[str, list[str]]


def _strip_once(s: str) -> str:
    s = s.strip().strip("'\"").strip()
    for sep in ("/", ":"):
        if sep in s:
            s = s.split(sep, 1)[0]
    s = s.removesuffix("-SWAP").removesuffix("_PERP")
    for quote in QUOTES:
        for sep in ("-", "_", ""):
            tail = sep + quote
            if s.upper().endswith(tail) and len(s) > len(tail):
                s = s[: -len(tail)]
                break
    s = _HL_K_PREFIX.sub("", s)  # Hyperliquid kPEPE -> PEPE (lower-case k only: KAVA stays)
    s = _POWER_OF_TEN_PREFIX.sub("", s)  # 1000PEPE -> PEPE, 1000000MOG -> MOG (1INCH stays)
    return s.upper()


def symbol_to_coin(symbol: str) -> str:
    """Bare coin of a symbol or coin name: `ETH/USDT:USDT` -> `ETH`, `1000PEPE` -> `PEPE`.

    Offline heuristic (python spec §3.12): cut at `/` or `:`, drop a quote suffix (`BTCUSDT`,
    `BTC-USDT`), a Hyperliquid `k` prefix and a `1000…` multiplier prefix. Idempotent.
    Raises ValueError when nothing usable is left.
    """
    if not isinstance(symbol, str):
        raise TypeError(f"expected a coin name, got {type_name(symbol)}")
    coin = symbol
    for _ in range(len(symbol) + 4):  # iterate to a fixed point so that the function is idempotent
        nxt = _strip_once(coin)
        if nxt == coin:
            break
        coin = nxt
    if not coin or _BAD_COIN_CHARS.search(coin):
        raise ValueError(f"cannot tell which coin {symbol!r} refers to")
    return coin


def _dedupe(coins: list[str]) -> list[str]:
    return list(dict.fromkeys(coins))


def _tokens_to_coins(tokens: list[Any], key: str) -> list[str]:
    coins = []
    for token in tokens:
        if not isinstance(token, str):
            raise ConfigError(f"{key}: coin names must be strings, got {type_name(token)} {token!r}")
        if not token.strip():
            continue
        try:
            coins.append(symbol_to_coin(token))
        except ValueError as exc:
            raise ConfigError(f"{key}: {exc}") from None
    return _dedupe(coins)


def _looks_like_path(s: str) -> bool:
    low = s.lower()
    if low.endswith(COIN_FILE_SUFFIXES) or s.startswith(("./", "../", "~", "/")):
        return True
    return ("/" in s or "\\" in s) and ":" not in s  # `ETH/USDT:USDT` is a symbol, not a path


def resolve_coins_path(value: str, base_dir: Path | None) -> Path | None:
    """An existing file named by `value`, or None. Tried: absolute, cwd, repo root, config dir."""
    raw = Path(value).expanduser()
    if raw.name in LEGACY_COINS_FILES and not raw.exists():
        log.warning("[config] coins file %s is a legacy name; using %s instead", value, DEFAULT_COINS_FILE)
        raw = Path(DEFAULT_COINS_FILE)
    candidates = [raw] if raw.is_absolute() else [Path.cwd() / raw, REPO_ROOT / raw]
    if base_dir is not None and not raw.is_absolute():
        candidates.append(base_dir / raw)
    for candidate in candidates:
        if candidate.is_file():
            return candidate
    return None


def parse_coins_text(text: str, source: str) -> Any:
    """A coins file's content: a list, a `{long, short}` dict, or plain-text tokens (a list)."""
    stripped = text.strip()
    if not stripped:
        return []
    try:
        data = parse_text(stripped, source, prefer_json=True)
    except ConfigError:
        data = None
    if isinstance(data, (list, dict)):
        return data
    # Plain text: "[BTC, ETH]", '"BTC"\n"ETH"', or "BTC ETH,SOL".
    body = stripped.strip("[]")
    return [t.strip("'\"") for t in _SPLIT.split(body) if t.strip("'\"")]


def _read_coins_file(path: Path, key: str, base_dir: Path | None) -> Sides:
    data = parse_coins_text(read_text(path, what=f"{key} file"), str(path))
    if isinstance(data, dict):
        return _sides_from_dict(data, f"{key} (file {path})", base_dir, allow_files=False)
    coins = _tokens_to_coins(data, f"{key} (file {path})")
    return {"long": list(coins), "short": list(coins)}


def _side_list(value: Any, key: str, base_dir: Path | None, allow_files: bool) -> list[str] | Sides:
    """One side's value: a list of coins, or (for a file path) both sides read from that file."""
    if value is None:
        return []
    if isinstance(value, str):
        if "," in value:
            return _tokens_to_coins(value.split(","), key)
        if not value.strip():
            return []
        if allow_files:
            path = resolve_coins_path(value.strip(), base_dir)
            if path is not None:
                return _read_coins_file(path, key, base_dir)
            if _looks_like_path(value.strip()):
                raise ConfigError(
                    f"{key}: coins file not found: {value} (looked in the current directory, the repository root"
                    + (f" and {base_dir}" if base_dir else "")
                    + ")"
                )
        return _tokens_to_coins([value], key)
    if isinstance(value, (list, tuple)):
        if len(value) == 1 and isinstance(value[0], str) and allow_files:
            return _side_list(value[0], key, base_dir, allow_files)
        return _tokens_to_coins(list(value), key)
    raise ConfigError(
        f"{key}: expected a list of coins, a comma-separated string, a file path or a "
        f"{{long, short}} object, got {type_name(value)}"
    )


def _sides_from_dict(value: dict[str, Any], key: str, base_dir: Path | None, allow_files: bool) -> Sides:
    extra = sorted(set(value) - {"long", "short"})
    if extra:
        raise ConfigError(f"{key}: a per-side object may only have the keys 'long' and 'short', got {extra}")
    out: Sides = {}
    for pside in ("long", "short"):
        side = _side_list(value.get(pside), f"{key}.{pside}", base_dir, allow_files)
        out[pside] = side[pside] if isinstance(side, dict) else side
    return out


def normalize_coins(value: Any, key: str = "coins", base_dir: Path | None = None) -> Sides:
    """Any accepted form (see module doc) -> `{"long": [...], "short": [...]}`; files are read."""
    if isinstance(value, dict):
        return _sides_from_dict(value, key, base_dir, allow_files=True)
    side = _side_list(value, key, base_dir, allow_files=True)
    if isinstance(side, dict):
        return side
    return {"long": list(side), "short": list(side)}


def approved_minus_ignored(approved: Sides, ignored: Sides) -> Sides:
    return {pside: [c for c in approved[pside] if c not in set(ignored[pside])] for pside in ("long", "short")}


def resolve_approved_coins(config: dict[str, Any]) -> dict[str, Sides]:
    """Re-read the coin sources of a loaded config (the live bot calls this every cycle).

    Returns `{"approved": {long, short}, "ignored": {long, short}}` with approved minus ignored.
    """
    sources = config.get("_coins_sources") or {}
    live = config.get("live", {})
    base = config.get("_base_dir")
    base_dir = Path(base) if base else None
    approved = normalize_coins(
        sources.get("approved_coins", live.get("approved_coins")), "live.approved_coins", base_dir
    )
    ignored = normalize_coins(sources.get("ignored_coins", live.get("ignored_coins")), "live.ignored_coins", base_dir)
    return {"approved": approved_minus_ignored(approved, ignored), "ignored": ignored}
