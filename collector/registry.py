"""Collector discovery through the `repwatch.collectors` entry-point group.

Built-in collectors are registered in pyproject.toml exactly as a third-party package would
register its own, so there is one way in for both.
"""

from __future__ import annotations

from functools import cache
from importlib.metadata import entry_points
from typing import Any

ENTRY_POINT_GROUP = "repwatch.collectors"


class UnknownSourceKind(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


@cache
def collectors() -> dict[str, Any]:
    """Kind name -> collector class, for every installed collector."""
    found: dict[str, Any] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        found[entry.name] = entry.load()
    return found


def get(kind: str) -> Any:
    known = collectors()
    if kind not in known:
        names = ", ".join(sorted(known)) or "none installed"
        raise UnknownSourceKind(f"unknown source kind {kind!r} (known: {names})")
    return known[kind]
