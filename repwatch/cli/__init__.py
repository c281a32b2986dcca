"""The `repwatch` command. Each area adds its commands from its own module below."""

from repwatch.cli import db, mentions, setup
from repwatch.cli.app import cli, main

__all__ = ["cli", "main", "db", "mentions", "setup"]
