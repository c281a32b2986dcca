"""Engines, sessions and migrations for SQLite files and PostgreSQL."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.engine import ExceptionContext, make_url
from sqlalchemy.exc import InterfaceError, OperationalError
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"
# How long a SQLite write waits for another process's write to finish before it fails;
# `?timeout=SECONDS` on the URL overrides it. Writers in one process queue without a limit.
SQLITE_BUSY_SECONDS = 30.0
READ_ONLY = "repwatch_read_only"  # execution option: open the transaction without the write lock
# Alembic announces each of its plugins at INFO whenever the migration scripts are read, that is on
# every start; `repwatch run` logs at INFO, so quiet them.
logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)


class StorageError(RuntimeError):
    """The database could not be reached or used; the message names the database, never a password."""


def safe_url(url: str) -> str:
    """The URL with any password masked, for messages and logs."""
    return make_url(url).render_as_string(hide_password=True)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the driver, open transactions: pysqlite's own implicit BEGIN comes only
    # before a write, so a savepoint opened first would commit on release, splitting the batch
    # from its cursor. With the driver out of the way, _sqlite_begin opens every transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA cache_size=-65536")
    # Checkpoints are where WAL mode pays for fsync; 10,000 pages (~40 MB) between them
    # rather than 1,000 roughly doubles bulk ingest on slow disks.
    cursor.execute("PRAGMA wal_autocheckpoint=10000")
    cursor.close()


def _sqlite_begin(connection: Any) -> None:
    # A deferred BEGIN that later writes cannot wait for the write lock: SQLite answers "database
    # is locked" at once when another connection wrote since this one first read. Taking the
    # write lock up front (IMMEDIATE) makes the busy timeout apply, so writers queue instead.
    read_only = connection.get_execution_options().get(READ_ONLY)
    connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _reason(exc: BaseException) -> str:
    lines = str(exc).strip().splitlines()
    return lines[0] if lines else type(exc).__name__


def _translate_errors(url: str) -> Any:
    """An error hook that turns a database fault (unreachable, locked, connection killed) into
    StorageError naming the database, so every caller reports it in one line."""
    def handle_error(context: ExceptionContext) -> None:
        if context.is_pre_ping or not isinstance(context.sqlalchemy_exception,
                                                 (OperationalError, InterfaceError)):
            return
        reason = _reason(context.original_exception)
        if context.connection is None:
            raise StorageError(f"cannot reach database {safe_url(url)}: {reason}")
        raise StorageError(f"database {safe_url(url)} failed: {reason} (the transaction in flight "
                           "was rolled back; what was committed before it is kept)")
    return handle_error


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for `url`; SQLite files get WAL mode, foreign keys and a busy timeout."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        if "timeout" not in parsed.query:
            kwargs.setdefault("connect_args", {}).setdefault("timeout", SQLITE_BUSY_SECONDS)
        engine = create_engine(url, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() in ("", "psycopg2"):
            url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
        engine = create_engine(url, pool_pre_ping=True, **kwargs)
    event.listen(engine, "handle_error", _translate_errors(url))
    return engine


_writer_lanes: dict[str, threading.RLock] = {}
_lanes_guard = threading.Lock()


def writer_lane(url: str) -> threading.RLock:
    """The one lock that every writer to this SQLite file in this process queues on."""
    path = make_url(url).database or ""
    key = str(Path(path).expanduser().resolve()) if path and path != ":memory:" else url
    with _lanes_guard:
        return _writer_lanes.setdefault(key, threading.RLock())


def alembic_config(engine: Engine) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig  # alembic is slow to import; only here

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.attributes["engine"] = engine
    return cfg


def upgrade(engine: Engine) -> None:
    """Bring the schema to the newest migration (creates it on an empty database)."""
    from alembic import command

    if is_current(engine):
        return
    command.upgrade(alembic_config(engine), "head")


def is_current(engine: Engine) -> bool:
    """True when the database has our tables at the newest migration."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config(engine)).get_current_head()
    with engine.execution_options(**{READ_ONLY: True}).connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return False
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head


class Database:
    """One engine and its session factories.

    Every database fault surfaces as StorageError with one line naming the database. On SQLite,
    `session()` writers queue: threads of this process on one writer lane, other processes on
    the busy timeout.
    """

    def __init__(self, url: str, **engine_kwargs: Any) -> None:
        self.url = url
        self.engine = make_engine(url, **engine_kwargs)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self.read_sessions = sessionmaker(self.engine.execution_options(**{READ_ONLY: True}),
                                          expire_on_commit=False)
        self._lane = writer_lane(url) if self.dialect == "sqlite" else None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    def check(self) -> None:
        """Raise StorageError with a clear message if the database is unreachable."""
        with self.engine.connect():
            pass

    def upgrade(self) -> None:
        self.check()
        upgrade(self.engine)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session in one write transaction: committed on success, rolled back on any error."""
        with self._lane or nullcontext(), self.sessions() as session, session.begin():
            yield session

    @contextmanager
    def reading(self) -> Iterator[Session]:
        """A session for reads only; on SQLite it neither waits for nor blocks writers."""
        with self.read_sessions() as session:
            yield session

    def dispose(self) -> None:
        self.engine.dispose()
