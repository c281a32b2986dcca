"""Fixtures for the demo kit: the bundled items, a fixed `now`, and a running demo server."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import httpx
import pytest

from repwatch.demo.data import DemoItem, load_items
from repwatch.demo.server import DemoServer

# A Wednesday afternoon: week 12 ended on Monday 00:00 UTC, two and a half days ago.
NOW = datetime(2026, 3, 18, 15, 30, tzinfo=UTC)


@pytest.fixture(scope="session")
def now() -> datetime:
    return NOW


@pytest.fixture(scope="session")
def all_items() -> list[DemoItem]:
    return load_items()


@pytest.fixture(scope="session")
def items(all_items: list[DemoItem]) -> list[DemoItem]:
    """The demo brand's items; its competitor's are tested in test_demo_competitor.py."""
    return [item for item in all_items if item.brand is None]


@pytest.fixture(scope="module")
def server(items: list[DemoItem]) -> Iterator[DemoServer]:
    with DemoServer(NOW, items) as running:
        yield running
        assert running.errors == [], "the demo server failed while answering"


@pytest.fixture
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10) as http:
        yield http
