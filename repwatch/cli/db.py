"""`repwatch db upgrade` and `repwatch db copy`."""

from __future__ import annotations

import sys

import click

from repwatch.cli.app import AppContext, cli, pass_app
from storage import Database
from storage.copy import TableCopy, copy_database
from storage.db import safe_url
from storage.locks import AlreadyRunning, SchedulerLock, acquire_scheduler_lock


@cli.group("db")
def db_group() -> None:
    """Manage the database schema, or copy the database elsewhere."""


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Apply every pending migration (safe to run again)."""
    database = app.database
    click.echo(f"{safe_url(database.url)}: schema is current")


@db_group.command("copy")
@click.option("--to", "target_url", required=True,
              help="Database URL to copy into, such as postgresql+psycopg://repwatch@localhost/repwatch.")
@click.option("--batch-size", default=2000, show_default=True, type=click.IntRange(1, 100_000))
@pass_app
def db_copy(app: AppContext, target_url: str, batch_size: int) -> None:
    """Copy every table (sources, cursors, mentions, tags, alerts, digests, ...) to another database.

    The target's schema comes from the migrations; rows keep their ids. Rerunning after an
    interruption continues where it stopped. Refused while `repwatch run` uses either database;
    point database.url at the target once the counts match.
    """
    source = app.database
    target = Database(target_url)
    if target.engine.url == source.engine.url:
        raise click.BadParameter("the target is the source database", param_hint="--to")
    click.echo(f"copying {safe_url(source.url)} -> {safe_url(target.url)}")

    def report(table: TableCopy) -> None:
        verdict = "ok" if table.matches else "MISMATCH"
        click.echo(f"  {table.table:<16} {table.copied:>9,} copied  {table.source_rows:>9,} in source  "
                   f"{table.target_rows:>9,} in target  {verdict}")

    locks: list[SchedulerLock] = []
    try:
        # Hold both databases as a scheduler would: `repwatch run` cannot write while they are copied.
        for database in (source, target):
            database.check()
            try:
                locks.append(acquire_scheduler_lock(database))
            except AlreadyRunning as exc:
                raise click.ClickException(f"{exc}: stop `repwatch run` before copying") from exc
        tables = copy_database(source, target, batch_size, progress=report)
    finally:
        for lock in locks:
            lock.release()
        target.dispose()
    wrong = [table.table for table in tables if not table.matches]
    if wrong:
        click.echo(f"error: the counts differ for {', '.join(wrong)}: was the target in use, or "
                   "repwatch still running on the source?", err=True)
        sys.exit(1)
    click.echo(f"done: {len(tables)} tables, every count matches; set database.url to "
               f"{safe_url(target.url)}")
