"""`repwatch demo`: the whole pipeline on bundled data, offline, in one command."""

from __future__ import annotations

import sys
from pathlib import Path

import click
from rich.console import Console

from repwatch.cli.app import cli


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
    out = Console()
    out.print(f"\n[bold]repwatch demo finished[/bold]: {result.collected} mentions collected, "
              f"{result.tagged} tagged.")
    for path in result.digest_paths:
        out.print(f"  weekly digest:  {path}")
    index = result.config_path.parent / "digests" / "index.html"
    if index.exists():
        out.print(f"  digest archive: {index}")
    for email in result.emails:
        out.print(f"  email:          {email}")
    if not result.emails:
        out.print("  [yellow]no email was sent[/yellow]")
    out.print(f"  database:       {result.config_path.parent / 'repwatch.db'}")
    out.print(f"  config used:    {result.config_path}")
    out.print("\nNext: `repwatch init` writes a config.yaml for your own brand (see README).")
