"""The `repwatch` command. Each area adds its commands from its own module below."""

from repwatch.cli import collect, db, demo, mentions, model, reports, run, serve, setup
from repwatch.cli.app import cli, main

__all__ = ["cli", "main", "collect", "db", "demo", "mentions", "model", "run", "setup", "reports", "serve"]
