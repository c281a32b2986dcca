"""`repwatch init` and `repwatch config check`."""

from __future__ import annotations

import click

from repwatch.cli.app import AppContext, cli, pass_app
from repwatch.config import example_config_text, load_config
from storage.db import safe_url


@cli.command()
@pass_app
def init(app: AppContext) -> None:
    """Write config.yaml from the example (if absent) and create the database."""
    if app.config_path.exists():
        click.echo(f"{app.config_path} exists; leaving it as it is")
    else:
        app.config_path.write_text(example_config_text(), encoding="utf-8")
        click.echo(f"wrote {app.config_path}: edit brands and sources, then `repwatch config check`")
    database = app.database
    click.echo(f"database ready: {safe_url(database.url)}")


@cli.group("config")
def config_group() -> None:
    """Inspect the configuration."""


@config_group.command("check")
@pass_app
def config_check(app: AppContext) -> None:
    """Validate the config file and report every problem at once, unset secret variables included."""
    config = load_config(app.config_path, check_secrets=True)
    enabled = sum(source.enabled for source in config.sources)
    brands, sources = len(config.brands), len(config.sources)
    rivals = len(config.competitors)
    competitors = f"{rivals} competitor{'s' * (rivals != 1)}, " if rivals else ""
    click.echo(f"{app.config_path}: ok ({brands} brand{'s' * (brands != 1)}, {competitors}"
               f"{sources} source{'s' * (sources != 1)}, {enabled} enabled)")
