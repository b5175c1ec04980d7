"""Fault injection: rules set through `POST /_sim/faults`, applied to matching requests.

A rule has a `type`, a `path` (exact, or a prefix ending in `*`; default `*` = every exchange
path), an optional `method`, and a scope: `count` (the next K matching requests), `seconds` (a
wall-clock window from now) and/or `sim_start_ms`/`sim_end_ms` (a window of market time). With no
scope the rule stays until cleared. Types:

| type        | what the client gets                                                            |
|-------------|---------------------------------------------------------------------------------|
| latency     | the normal answer after `latency_ms`                                           |
| http_5xx    | HTTP `status` (default 503) with `body` (default Binance's gateway text)        |
| rate_limit  | HTTP 429, `{"code":-1003,...}` and a `Retry-After` header                       |
| drop        | the connection is closed without an answer                                     |
| malformed   | HTTP 200 with the real answer's JSON cut in half                               |
| late_order  | order placement: the order is booked at once, but the answer comes `delay_ms`   |
|             | later and the order stays invisible to queries until then                      |
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

TYPES = ("latency", "http_5xx", "rate_limit", "drop", "malformed", "late_order")


class FaultError(ValueError):
    pass


@dataclass
class FaultRule:
    rule_id: int
    type: str
    path: str = "*"
    method: str | None = None
    count: int | None = None
    until_wall_ms: int | None = None
    sim_start_ms: int | None = None
    sim_end_ms: int | None = None
    latency_ms: int = 0
    status: int = 503
    body: str | None = None
    delay_ms: int = 2000
    hits: int = 0

    def matches(self, method: str, path: str, wall_ms: int, sim_ms: int) -> bool:
        if self.method and self.method.upper() != method.upper():
            return False
        if self.path.endswith("*"):
            if not path.startswith(self.path[:-1]):
                return False
        elif path != self.path:
            return False
        if self.until_wall_ms is not None and wall_ms > self.until_wall_ms:
            return False
        if self.sim_start_ms is not None and sim_ms < self.sim_start_ms:
            return False
        if self.sim_end_ms is not None and sim_ms > self.sim_end_ms:
            return False
        return not (self.count is not None and self.hits >= self.count)

    def expired(self, wall_ms: int, sim_ms: int) -> bool:
        return (
            (self.count is not None and self.hits >= self.count)
            or (self.until_wall_ms is not None and wall_ms > self.until_wall_ms)
            or (self.sim_end_ms is not None and sim_ms > self.sim_end_ms)
        )

    def describe(self) -> dict:
        return {k: v for k, v in self.__dict__.items() if v is not None}


class Faults:
    def __init__(self):
        self.rules: list[FaultRule] = []
        self._ids = itertools.count(1)

    def add(self, spec: dict, wall_ms: int) -> FaultRule:
        kind = spec.get("type")
        if kind not in TYPES:
            raise FaultError(f"fault type must be one of {', '.join(TYPES)}, got {kind!r}")
        known = {
            "type",
            "path",
            "method",
            "count",
            "seconds",
            "sim_start_ms",
            "sim_end_ms",
            "latency_ms",
            "status",
            "body",
            "delay_ms",
        }
        unknown = set(spec) - known
        if unknown:
            raise FaultError(f"unknown fault keys {sorted(unknown)}; allowed: {sorted(known)}")
        try:
            rule = FaultRule(
                rule_id=next(self._ids),
                type=kind,
                path=str(spec.get("path", "*")),
                method=spec.get("method"),
                count=int(spec["count"]) if spec.get("count") is not None else None,
                until_wall_ms=wall_ms + int(float(spec["seconds"]) * 1000) if spec.get("seconds") is not None else None,
                sim_start_ms=int(spec["sim_start_ms"]) if spec.get("sim_start_ms") is not None else None,
                sim_end_ms=int(spec["sim_end_ms"]) if spec.get("sim_end_ms") is not None else None,
                latency_ms=int(spec.get("latency_ms", 0)),
                status=int(spec.get("status", 503)),
                body=spec.get("body"),
                delay_ms=int(spec.get("delay_ms", 2000)),
            )
        except (TypeError, ValueError) as e:
            raise FaultError(f"bad fault value: {e}") from None
        if rule.type == "http_5xx" and not 500 <= rule.status <= 599:
            raise FaultError(f"http_5xx status must be 500-599, got {rule.status}")
        self.rules.append(rule)
        return rule

    def take(self, method: str, path: str, wall_ms: int, sim_ms: int) -> FaultRule | None:
        """The first rule matching this request (its hit counted); expired rules are dropped."""
        self.rules = [r for r in self.rules if not r.expired(wall_ms, sim_ms)]
        for rule in self.rules:
            if rule.matches(method, path, wall_ms, sim_ms):
                rule.hits += 1
                return rule
        return None

    def clear(self) -> None:
        self.rules = []
