"""Collector discovery through the `repwatch.collectors` entry-point group.

Built-in collectors are registered in pyproject.toml exactly as a third-party package would
register its own, so there is one way in for both.
"""

from __future__ import annotations

import logging
from functools import cache
from importlib.metadata import entry_points

from collector.base import Collector

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "repwatch.collectors"


class UnknownSourceKind(KeyError):
    def __str__(self) -> str:
        return str(self.args[0])


@cache
def collectors() -> dict[str, type[Collector]]:
    """Kind name -> collector class, for every installed collector."""
    found: dict[str, type[Collector]] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        loaded = entry.load()
        if isinstance(loaded, type) and issubclass(loaded, Collector):
            found[entry.name] = loaded
        else:
            log.warning("entry point %s = %s is not a Collector class; ignored", entry.name, entry.value)
    return found


def get(kind: str) -> type[Collector]:
    known = collectors()
    if kind not in known:
        names = ", ".join(sorted(known)) or "none installed"
        raise UnknownSourceKind(f"unknown source kind {kind!r} (known: {names})")
    return known[kind]
