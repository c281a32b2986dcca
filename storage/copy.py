"""Copying every table from one database to another (SQLite to PostgreSQL, say), resumably.

The target gets its schema from the Alembic migrations, then each table's rows in primary-key
order, in batches of one transaction each, with their ids kept so every reference still holds. A
rerun starts each table from the highest key already copied and skips rows already there, so an
interrupted copy simply continues. Counts per table are compared at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Table, func, select, text, tuple_
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import SQLAlchemyError

from storage.db import Database, StorageError, safe_url
from storage.models import Base


@dataclass(frozen=True)
class TableCopy:
    table: str
    source_rows: int
    target_rows: int
    copied: int

    @property
    def matches(self) -> bool:
        return self.source_rows == self.target_rows


def _count(connection: Connection, table: Table) -> int:
    return int(connection.scalar(select(func.count()).select_from(table)) or 0)


def _insert_skipping_present(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    connection.execute(dialect.insert(table).on_conflict_do_nothing(), rows)


def _refuse_other_data(connection: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Rows the target already has in this batch's key range must be these very rows (a rerun),
    never other data that the copy would otherwise skip, tying copied rows to the wrong parent."""
    keys = list(table.primary_key.columns)
    first, last = (tuple(row[key.name] for key in keys) for row in (rows[0], rows[-1]))
    present = connection.execute(select(table).where(tuple_(*keys) >= first, tuple_(*keys) <= last))
    stored = {tuple(row._mapping[key.name] for key in keys): dict(row._mapping) for row in present}
    for row in rows:
        key = tuple(row[column.name] for column in keys)
        if key in stored and stored[key] != row:
            raise StorageError(f"the target already holds other data ({table.name} {key} differs): "
                               "copy into an empty database, or rerun a copy into its own target")


def _resume_point(connection: Connection, table: Table) -> Any:
    """The first key column's highest value already in the target (None: start at the beginning)."""
    first = list(table.primary_key.columns)[0]
    return connection.scalar(select(func.max(first)))


def _advance_sequences(connection: Connection, table: Table) -> None:
    """Explicit ids leave PostgreSQL's serial counter behind; move it past the copied rows."""
    column = table.autoincrement_column
    if column is None:
        return
    highest = connection.scalar(select(func.max(column))) or 0
    connection.execute(text("SELECT setval(pg_get_serial_sequence(:table, :column), :next, false)"),
                       {"table": table.name, "column": column.name, "next": highest + 1})


def copy_table(source: Database, target: Database, table: Table, batch_size: int) -> int:
    """Copy the rows of `table` not yet in the target; returns how many rows were read for it."""
    keys = list(table.primary_key.columns)
    with target.engine.connect() as connection:
        start = _resume_point(connection, table)
    query = select(table).order_by(*keys)
    if start is not None:
        query = query.where(keys[0] >= start)
    read = 0
    last: tuple[Any, ...] | None = None
    with source.engine.connect() as reader:
        while True:
            page = query if last is None else query.where(tuple_(*keys) > tuple_(*last))
            rows = [dict(row._mapping) for row in reader.execute(page.limit(batch_size))]
            if not rows:
                break
            with target.engine.begin() as writer:
                _refuse_other_data(writer, table, rows)
                _insert_skipping_present(writer, table, rows)
            read += len(rows)
            last = tuple(rows[-1][key.name] for key in keys)
    return read


def copy_database(source: Database, target: Database, batch_size: int = 2000,
                  progress: Callable[[TableCopy], None] | None = None) -> list[TableCopy]:
    """Every table of `source` into `target` (migrated first); the counts of both, per table."""
    if source.engine.url == target.engine.url:
        raise StorageError("the target is the source database")
    target.upgrade()
    results = []
    for table in Base.metadata.sorted_tables:  # parents before the tables that refer to them
        try:
            with target.engine.connect() as connection:
                before = _count(connection, table)
            copy_table(source, target, table, batch_size)
            with source.engine.connect() as reader, target.engine.begin() as writer:
                if writer.dialect.name == "postgresql":
                    _advance_sequences(writer, table)
                result = TableCopy(table.name, _count(reader, table), _count(writer, table),
                                   _count(writer, table) - before)
        except StorageError:
            raise
        except SQLAlchemyError as exc:
            raise StorageError(f"copying table {table.name} to {safe_url(target.url)} failed "
                               f"(rerun to continue): {getattr(exc, 'orig', exc)}") from exc
        results.append(result)
        if progress:
            progress(result)
    return results
