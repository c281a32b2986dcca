"""`repwatch demo`: the whole pipeline on bundled data, offline, in one command."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click
from rich.console import Console
from rich.markup import escape

from repwatch.cli.app import cli

if TYPE_CHECKING:
    from repwatch.demo.run import DemoResult


@cli.command("demo")
@click.option("--workspace", type=click.Path(file_okay=False, path_type=Path),
              default=Path("repwatch-demo"), show_default=True,
              help="Throwaway folder for the demo's database, digests and emails (rebuilt each run).")
def demo(workspace: Path) -> None:
    """Run the real pipeline on a bundled twelve-week data set, served on loopback: no config, no network."""
    from repwatch.demo.run import WorkspaceInUse, run_demo

    console = Console(stderr=True)
    try:
        result = run_demo(workspace, console)
    except WorkspaceInUse as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    print_summary(result, Console())


def print_summary(result: DemoResult, out: Console) -> None:
    """Where everything went, one path per line: never wrapped, so each can be copied whole."""
    out.print(f"\n[bold]repwatch demo finished[/bold]: {result.collected} mentions collected, "
              f"{result.tagged} tagged.")

    def show(label: str, path: Path) -> None:
        out.print(f"  {label + ':':<15} {escape(str(path))}", soft_wrap=True)

    for path in result.digest_paths:
        show("weekly digest", path)
    index = result.workspace / "digests" / "index.html"
    if index.exists():
        show("digest archive", index)
    for email in result.emails:
        show("email", email)
    if not result.emails:
        out.print("  [yellow]no email was sent[/yellow]")
    show("database", result.workspace / "repwatch.db")
    show("config used", result.config_path)
    out.print("\nExplore it in the dashboard (then open http://127.0.0.1:8787/):")
    out.print(f"  repwatch --config {escape(str(result.config_path))} serve", soft_wrap=True)
    out.print("\nNext: `repwatch init` writes a config.yaml for your own brand (see README).")
