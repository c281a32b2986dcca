"""`repwatch demo`: the real pipeline against the bundled data, served on loopback, offline.

Creates ./repwatch-demo/ (a fresh one each run), starts the demo API server and a capturing SMTP
server on 127.0.0.1, writes a config pointing the real collectors at them, then collects, tags,
builds and sends the weekly digest, and runs the alert check.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import yaml
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from repwatch.collect import SourceRun
from repwatch.config import parse_config
from repwatch.demo.data import DemoItem
from repwatch.demo.mailbox import Mailbox
from repwatch.demo.server import DemoServer
from repwatch.pipeline import Pipeline
from storage import Database
from storage.locks import acquire_scheduler_lock

MARKER = ".repwatch-demo"
RECIPIENTS = {"digest": "brand-team@tidewell.example", "alerts": "support-lead@tidewell.example"}


class WorkspaceInUse(RuntimeError):
    """The demo folder exists but was not made by the demo; we never delete someone's files."""


@dataclass
class DemoResult:
    workspace: Path
    config_path: Path
    digest_paths: list[Path] = field(default_factory=list)
    emails: list[Path] = field(default_factory=list)
    collected: int = 0
    tagged: int = 0
    alerts: Any = None


def fresh_workspace(folder: Path) -> Path:
    if folder.exists():
        if not (folder / MARKER).exists():
            raise WorkspaceInUse(f"{folder} exists and was not created by `repwatch demo`; "
                                 "move it away or pass --workspace")
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    (folder / MARKER).write_text("created by `repwatch demo`; deleted and rebuilt on the next run\n")
    return folder


def demo_config(server: DemoServer, workspace: Path, smtp_port: int) -> dict[str, Any]:
    return {
        "database": {"url": f"sqlite:///{workspace / 'repwatch.db'}"},
        "brands": [server.brand_config()],
        "competitors": [server.competitor_config()],
        "sources": server.sources_config() + server.competitor_sources_config(),
        "network": {"allow_private_hosts": True, "min_seconds_between_requests": 0},
        "collection": {"backfill_days": 100},
        "digest": {"timezone": "UTC", "recipients": [RECIPIENTS["digest"]],
                   "output_dir": str(workspace / "digests")},
        "alerts": {"recipients": [RECIPIENTS["alerts"]]},
        "smtp": {"host": "127.0.0.1", "port": smtp_port, "tls": "none",
                 "sender": "repwatch-demo@tidewell.example"},
        "model": {"cache_dir": str(workspace / "cache")},
    }


def _progress(console: Console) -> Progress:
    return Progress(TextColumn("{task.description:<28}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("{task.fields[note]}"), TimeElapsedColumn(), console=console)


def run_demo(
    workspace: Path,
    console: Console | None = None,
    now: datetime | None = None,
    items: Sequence[DemoItem] | None = None,
) -> DemoResult:
    console = console or Console(stderr=True)
    now = now or datetime.now(UTC)
    workspace = fresh_workspace(workspace.resolve())
    with DemoServer(now, items) as server, Mailbox(workspace / "emails") as mailbox:
        env = {**os.environ, **server.environment()}
        config_text = yaml.safe_dump(demo_config(server, workspace, mailbox.port), sort_keys=False)
        config_path = workspace / "config.yaml"
        config_path.write_text("# Written by `repwatch demo`; its servers stop when the demo ends.\n"
                               + config_text, encoding="utf-8")
        config = parse_config(config_text, str(config_path), env=env)
        database = Database(config.database.url)
        database.upgrade()
        lock = acquire_scheduler_lock(database)
        try:
            result = DemoResult(workspace, config_path)
            pipeline = Pipeline(config, database, env=env, clock=lambda: now,
                                digest_dir=Path(config.digest.output_dir))
            _collect(pipeline, console, result)
            _tag(pipeline, console, result)
            with console.status("building and sending the weekly digest"):
                reports = pipeline.weekly_digest(send=True)
            result.digest_paths = [r.archive_path for r in reports if r.archive_path]
            with console.status("checking for spikes"):
                result.alerts = pipeline.check_alerts()
        finally:
            lock.release()
            database.dispose()
        result.emails = mailbox.received
    return result


def _collect(pipeline: Pipeline, console: Console, result: DemoResult) -> None:
    sources = [source.name for source in pipeline.config.sources if source.enabled]
    with _progress(console) as progress:
        tasks = {name: progress.add_task(f"collect {name}", total=None, note="") for name in sources}

        def show(run: SourceRun) -> None:
            note = f"{run.new} new" + (f", failed: {escape(run.error)}" if run.error else "")
            progress.update(tasks[run.name], completed=run.new, total=run.new if run.finished else None,
                            note=note)

        runs = pipeline.collection.run_all(sources, progress=show)
    failed = [run for run in runs if run.error]
    for run in failed:
        console.print(f"[red]{escape(run.error or '')}[/red]")
    result.collected = sum(run.new for run in runs)


def _tag(pipeline: Pipeline, console: Console, result: DemoResult) -> None:
    with console.status("loading the bundled model"):
        pipeline.tagger  # noqa: B018 - load before the progress bar starts
    with _progress(console) as progress:
        task = progress.add_task("tag sentiment and themes", total=None, note="")

        def show(done: int, total: int) -> None:
            progress.update(task, completed=done, total=total)

        result.tagged = pipeline.tag(progress=show)
