"""`repwatch run` (the scheduler) and `repwatch status`."""

from __future__ import annotations

import signal
import sys
import threading
from datetime import UTC, datetime
from types import FrameType

import click
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from reports.alert_message import headline
from repwatch.cli.app import AppContext, cli, pass_app
from repwatch.logs import configure_logging, secret_values
from repwatch.pipeline import Pipeline
from repwatch.scheduler import Scheduler, job_specs
from storage.alerts import release_stale_claims
from storage.db import safe_url
from storage.locks import AlreadyRunning, acquire_scheduler_lock, scheduler_holder
from storage.mentions import as_utc


@cli.command("run")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              default="INFO", show_default=True)
@click.option("--lock-check-every", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              metavar="SECONDS", help="How often to confirm this process still holds the scheduler lock.")
@pass_app
def run(app: AppContext, log_format: str, log_level: str, lock_check_every: float) -> None:
    """Collect, tag, alert and send digests on the configured schedules until stopped."""
    config = app.config
    configure_logging(log_level, log_format, secrets=secret_values(config.secret_env_names()))
    database = app.database
    try:
        lock = acquire_scheduler_lock(database)
    except AlreadyRunning as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(3)
    with database.session() as session:
        # Claims left by a scheduler that died mid-delivery: it will never finish them, and this
        # one would otherwise wait out the claim timeout before the alert is sent again.
        released = release_stale_claims(session, datetime.now(UTC).replace(tzinfo=None))
    if released:
        click.echo(f"{released} alert notification(s) left mid-delivery by a stopped run will be "
                   "sent again", err=True)
    pipeline = Pipeline(config, database)
    scheduler = Scheduler(database, job_specs(config, pipeline))
    stopped = threading.Event()

    def stop_jobs() -> None:
        pipeline.stop.set()
        scheduler.stopping.set()
        stopped.set()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"{signal.Signals(signum).name}: finishing the batch in flight, then stopping", err=True)
        stop_jobs()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    lost = threading.Event()

    def watch_lock() -> None:
        while not stopped.wait(lock_check_every):
            if not lock.keep():
                lost.set()
                click.echo("error: this scheduler lost its lock on the database and another scheduler "
                           "holds it now; finishing the batch in flight, then stopping", err=True)
                stop_jobs()

    watcher = threading.Thread(target=watch_lock, name="lock-watch", daemon=True)
    watcher.start()
    try:
        scheduler.catch_up()
        if not stopped.is_set():
            scheduler.start()
            click.echo(f"repwatch running: {len(scheduler.specs)} jobs; Ctrl-C or SIGTERM stops", err=True)
            while not stopped.wait(1.0):
                pass
    finally:
        stop_jobs()
        scheduler.stop()
        watcher.join()
        lock.release()
    if lost.is_set():
        sys.exit(3)
    click.echo("stopped cleanly", err=True)


def _when(moment: datetime | None) -> str:
    return "never" if moment is None else f"{as_utc(moment):%Y-%m-%d %H:%M} UTC"


@cli.command("status")
@pass_app
def status(app: AppContext) -> None:
    """The database, each source's health, the tagging backlog, firing alerts and the last digest."""
    from storage import status as queries
    from storage.sources import all_sources

    config, database = app.config, app.database
    console = Console()
    holder = scheduler_holder(database)
    with database.reading() as session:
        console.print(f"[bold]database[/bold]  {escape(safe_url(database.url))} (schema current), "
                      f"{queries.mention_count(session)} mentions")
        console.print(f"[bold]scheduler[/bold] {escape('running ' + holder) if holder else 'not running'}")
        sources = Table("source", "kind", "last success", "items last run", "failures", "last error",
                        title="sources")
        stored = {source.name: source for source in all_sources(session)}
        for configured in config.sources:
            row = stored.get(configured.name)
            name = escape(configured.name) + ("" if configured.enabled else " (disabled)")
            if row is None:
                sources.add_row(name, escape(configured.kind), "never run", "", "", "")
                continue
            failures = row.consecutive_failures
            sources.add_row(name, escape(row.kind), _when(row.last_success_at),
                            str(row.items_last_run or 0), f"[red]{failures}[/red]" if failures else "0",
                            escape(row.last_error or ""))
        console.print(sources)
        console.print(f"[bold]tagging backlog[/bold] {queries.tagging_backlog(session)} mentions")
        alerts = queries.firing_alerts(session)
        console.print(f"[bold]firing alerts[/bold] {len(alerts) or 'none'}")
        for alert in alerts:
            console.print(f"  {escape(alert.brand)}: {escape(headline(alert))} "
                          f"(since {_when(alert.started_at)})")
        digests = queries.latest_digests(session)
        for digest in digests:
            sent = f"sent {_when(digest.sent_at)}" if digest.sent_at else "not sent"
            console.print(f"[bold]last digest[/bold] {escape(digest.brand)} {digest.period_label}, built "
                          f"{_when(digest.created_at)}, {sent}: {escape(digest.archive_path or '')}")
        if not digests:
            console.print("[bold]last digest[/bold] none yet")
        for job in queries.latest_job_runs(session):
            console.print(f"  job {escape(job.job_id)}: {job.status} for {_when(job.fire_time)}"
                          + (f" ({escape(job.error)})" if job.error else ""))
