"""Shared fixtures: a migrated database on a SQLite file and on the real PostgreSQL server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from storage.db import Database

PG_ADMIN_URL = os.environ.get(
    "REPWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REQUIRE_PG = os.environ.get("REPWATCH_REQUIRE_POSTGRES") == "1"


@pytest.fixture(scope="session")
def postgres_server_url() -> Iterator[str]:
    """URL of a fresh database on the PostgreSQL server, dropped after the test session."""
    try:
        import psycopg  # noqa: F401
    except ImportError:
        reason = "PostgreSQL tests need psycopg: pip install -e '.[dev]'"
        if REQUIRE_PG:
            pytest.fail(reason)
        pytest.skip(reason)
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    name = f"repwatch_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as exc:
        admin.dispose()
        reason = f"PostgreSQL not reachable at {make_url(PG_ADMIN_URL)!s}: {exc.orig}"
        if REQUIRE_PG:
            pytest.fail(reason)
        pytest.skip(reason)
    yield make_url(PG_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _reset(database: Database) -> None:
    from storage.models import Base

    with database.engine.begin() as conn:
        for table in reversed(Base.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    """A migrated, empty database: a SQLite file, then the real PostgreSQL server."""
    if request.param == "sqlite":
        db = Database(f"sqlite:///{tmp_path / 'repwatch.db'}")
        db.upgrade()
    else:
        db = Database(request.getfixturevalue("postgres_server_url"))
        db.upgrade()
        _reset(db)
    yield db
    db.dispose()


@pytest.fixture
def sqlite_database(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite:///{tmp_path / 'repwatch.db'}")
    db.upgrade()
    yield db
    db.dispose()
