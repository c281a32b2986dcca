"""`repwatch collect` and `repwatch sources`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime

import click
from rich.console import Console
from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

from repwatch.cli.app import AppContext, cli, pass_app
from repwatch.collect import Collection, SourceRun
from storage.mentions import as_utc
from storage.sources import all_sources


def _status(run: SourceRun) -> str:
    counts = f"{run.new} new, {run.duplicates} already stored, {run.skipped} skipped"
    if not run.finished:
        return f"running: {counts}" if run.batches else "waiting"
    if run.error:
        return f"[red]failed[/red]: {counts}"
    return f"[green]done[/green]: {counts}"


@cli.command("collect")
@click.option("--source", "source_name", help="Run only this source (by its name in the config).")
@pass_app
def collect(app: AppContext, source_name: str | None) -> None:
    """Fetch new mentions from every enabled source, concurrently, showing progress."""
    config = app.config
    if source_name is not None:
        known = {source.name: source for source in config.sources}
        if source_name not in known:
            listed = ", ".join(sorted(known)) or "none configured"
            raise click.BadParameter(f"no source named {source_name!r} (sources: {listed})",
                                     param_hint="--source")
        if not known[source_name].enabled:
            raise click.BadParameter(f"source {source_name!r} is disabled in the config",
                                     param_hint="--source")
        names = [source_name]
    else:
        names = [source.name for source in config.sources if source.enabled]
    if not names:
        click.echo("no enabled sources in the config")
        return
    collection = Collection(app.database, config)
    console = Console(stderr=True)
    with Progress(SpinnerColumn(), TextColumn("{task.description:<24}"), TextColumn("{task.fields[status]}"),
                  TimeElapsedColumn(), console=console, transient=False) as progress:
        tasks = {name: progress.add_task(name, total=None, status="waiting") for name in names}

        def show(run: SourceRun) -> None:
            progress.update(tasks[run.name], status=_status(run))
            if run.finished:
                progress.update(tasks[run.name], total=1, completed=1)

        runs = collection.run_all(names, progress=show)
    failed = [run for run in runs if not run.ok]
    for run in runs:
        for note in run.notes:
            click.echo(f"note: {run.name}: {note}", err=True)
        if run.error:
            click.echo(f"error: {run.error} (failure {run.consecutive_failures} in a row)", err=True)
    total = sum(run.new for run in runs)
    click.echo(f"collected {total} new mentions from {len(runs) - len(failed)} of {len(runs)} sources")
    if failed:
        sys.exit(1)


def _ago(moment: datetime | None, now: datetime) -> str:
    if moment is None:
        return "never"
    seconds = int((now - as_utc(moment)).total_seconds())
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{as_utc(moment):%Y-%m-%d %H:%M} UTC ({seconds // size}{unit} ago)"
    return f"{as_utc(moment):%Y-%m-%d %H:%M} UTC (just now)"


@cli.command("sources")
@pass_app
def sources(app: AppContext) -> None:
    """Each source's health: last success, items last run, last error, failures in a row."""
    config = app.config
    with app.database.reading() as session:
        stored = {row.name: row for row in all_sources(session)}
    now = datetime.now(UTC)
    names = [source.name for source in config.sources]
    names += sorted(name for name in stored if name not in names)  # imports, removed sources
    if not names:
        click.echo("no sources configured or stored")
        return
    for name in names:
        row = stored.get(name)
        configured = next((s for s in config.sources if s.name == name), None)
        kind = configured.kind if configured else (row.kind if row else "?")
        state = "enabled" if configured and configured.enabled else (
            "disabled" if configured else "not in the config")
        click.echo(f"{name} ({kind}, {state})")
        if row is None:
            click.echo("  never run")
            continue
        items = "-" if row.items_last_run is None else str(row.items_last_run)
        skipped = "-" if row.skipped_last_run is None else str(row.skipped_last_run)
        click.echo(f"  last success: {_ago(row.last_success_at, now)}")
        click.echo(f"  items last run: {items}, skipped: {skipped}")
        click.echo(f"  consecutive failures: {row.consecutive_failures}")
        if row.last_error:
            click.echo(f"  last error: {row.last_error}")
