"""Levelled logs with [tag] prefixes: 0 warning, 1 info (default), 2 debug, 3 trace."""

from __future__ import annotations

import logging

TRACE = 5
logging.addLevelName(TRACE, "TRACE")
LEVELS = {0: logging.WARNING, 1: logging.INFO, 2: logging.DEBUG, 3: TRACE}
NAMES = {"warning": 0, "warn": 0, "w": 0, "info": 1, "i": 1, "debug": 2, "d": 2, "trace": 3, "t": 3}


def parse_level(value: str | int | None, default: int = 1) -> int:
    if value is None:
        return default
    if isinstance(value, int):
        return max(0, min(3, value))
    text = str(value).strip().lower()
    if text in NAMES:
        return NAMES[text]
    try:
        return max(0, min(3, int(float(text))))
    except ValueError:
        raise ValueError(f"unknown log level '{value}'; use warning|info|debug|trace or 0-3") from None


def configure(level: str | int | None = None) -> None:
    logging.basicConfig(
        level=LEVELS[parse_level(level)],
        format="%(asctime)s %(levelname)-5s %(message)s",
        datefmt="%Y-%m-%dT%H:%M:%S",
        force=True,
    )
