"""The `repwatch` command. Each area adds its commands from its own module below."""

from repwatch.cli import collect, db, demo, emerging, mentions, model, reports, run, serve, setup
from repwatch.cli.app import cli, main

__all__ = ["cli", "main", "collect", "db", "demo", "emerging", "mentions", "model", "run", "serve",
           "setup", "reports"]
