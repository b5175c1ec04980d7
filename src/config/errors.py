"""The one exception type of the configuration layer.

A `ConfigError` carries one or more problems, each a single line that names the file, key or
line at fault and what would be accepted instead. Field errors are collected and raised
together so that a user fixes a config in one pass.
"""

from __future__ import annotations

from collections.abc import Iterable


class ConfigError(Exception):
    """Bad configuration input: missing or malformed file, wrong type, out-of-range value."""

    def __init__(self, problems: str | Iterable[str]) -> None:
        if isinstance(problems, str):
            lines = [problems]
        else:
            lines = list(problems)
        if not lines:
            raise ValueError("ConfigError needs at least one problem")
        # One line per problem: a newline inside a message would break that promise.
        self.problems: list[str] = [" ".join(line.split("\n")) for line in lines]
        super().__init__("\n".join(self.problems))


class ErrorCollector:
    """Gathers problems while a config is checked, then raises them all at once."""

    def __init__(self, source: str | None = None) -> None:
        self.source = source
        self.problems: list[str] = []

    def add(self, message: str) -> None:
        prefix = f"{self.source}: " if self.source else ""
        self.problems.append(prefix + message)

    def extend(self, error: ConfigError) -> None:
        """Adopt the problems of an already raised error."""
        for problem in error.problems:
            self.add(problem)

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(self.problems)
