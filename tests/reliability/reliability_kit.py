"""Shared pieces for the reliability tests: the bench modules (loopback server, crash soak,
hostile feeds) loaded by path, a fake clock so retries never really sleep, and configs."""

from __future__ import annotations

import importlib.util
import sys
import threading
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

BENCH = Path(__file__).resolve().parents[2] / "bench"


def load_bench(name: str) -> ModuleType:
    """bench/<name>.py as a module (the soak and the hostile-feed measurements live there)."""
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


class FakeClock:
    """Time that moves only when someone sleeps; every sleep is kept."""

    def __init__(self, start: float = 1_795_700_000.0) -> None:
        self.now = start
        self.sleeps: list[float] = []
        self._lock = threading.Lock()

    def time(self) -> float:
        with self._lock:
            return self.now

    def sleep(self, seconds: float) -> None:
        with self._lock:
            self.sleeps.append(seconds)
            self.now += seconds


def config_text(database_url: str, sources: list[dict[str, Any]], **network: Any) -> str:
    """A config for sources on loopback servers: private hosts allowed, no pacing."""
    return yaml.safe_dump({
        "database": {"url": database_url},
        "brands": [{"name": "Acme", "keywords": ["acme"], "hashtags": ["acme"],
                    "apple_app_ids": ["1234567890"]}],
        "sources": [{"brand": "Acme", **source} for source in sources],
        "network": {"allow_private_hosts": True, "min_seconds_between_requests": 0, "max_retries": 3,
                    **network},
        "collection": {"backfill_days": 3650},
    }, sort_keys=False)
