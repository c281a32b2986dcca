"""`repwatch run` (the scheduler) and `repwatch status`."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType

import click

from repwatch.cli.app import AppContext, cli, pass_app
from repwatch.lock import AlreadyRunning, acquire_scheduler_lock
from repwatch.logs import configure_logging, secret_values
from repwatch.pipeline import Pipeline
from repwatch.scheduler import Scheduler, job_specs


@cli.command("run")
@click.option("--log-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--log-level", type=click.Choice(["DEBUG", "INFO", "WARNING", "ERROR"], case_sensitive=False),
              default="INFO", show_default=True)
@pass_app
def run(app: AppContext, log_format: str, log_level: str) -> None:
    """Collect, tag, alert and send digests on the configured schedules until stopped."""
    config = app.config
    configure_logging(log_level, log_format, secrets=secret_values(config.secret_env_names()))
    database = app.database
    try:
        lock = acquire_scheduler_lock(database)
    except AlreadyRunning as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(3)
    pipeline = Pipeline(config, database)
    scheduler = Scheduler(database, job_specs(config, pipeline))
    stopped = threading.Event()

    def request_stop(signum: int, _frame: FrameType | None) -> None:
        click.echo(f"{signal.Signals(signum).name}: finishing the batch in flight, then stopping", err=True)
        pipeline.stop.set()
        scheduler.stopping.set()
        stopped.set()

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)
    try:
        scheduler.catch_up()
        if not stopped.is_set():
            scheduler.start()
            click.echo(f"repwatch running: {len(scheduler.specs)} jobs; Ctrl-C or SIGTERM stops", err=True)
            while not stopped.wait(1.0):
                pass
    finally:
        scheduler.stop()
        lock.release()
    click.echo("stopped cleanly", err=True)
