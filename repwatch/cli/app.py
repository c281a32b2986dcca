"""The root command group, shared options and error reporting."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path

import click

from repwatch import __version__
from repwatch.config import Config, ConfigError, load_config
from storage import Database, StorageError


@dataclass
class AppContext:
    config_path: Path
    _config: Config | None = field(default=None, repr=False)
    _database: Database | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            self._config = load_config(self.config_path, check_secrets=False)
        return self._config

    @property
    def database(self) -> Database:
        """The configured database, migrated to the newest schema."""
        if self._database is None:
            self._database = Database(self.config.database.url)
            self._database.upgrade()
        return self._database

    def close(self) -> None:
        """Let go of the database's connections when the command ends (also when run in-process)."""
        if self._database is not None:
            self._database.dispose()
            self._database = None


pass_app = click.make_pass_decorator(AppContext)


def config_first(args: list[str]) -> list[str]:
    """`--config PATH` moved to the front from wherever it was written (`mentions export ... --config
    old.yaml`), so it reaches the root group; nothing after `--` is touched."""
    end = args.index("--") if "--" in args else len(args)
    head, moved, index = [], [], 0
    while index < end:
        arg = args[index]
        if arg == "--config":
            moved = args[index:min(index + 2, end)]
            index += 2
            continue
        if arg.startswith("--config="):
            moved = [arg]
        else:
            head.append(arg)
        index += 1
    return [*moved, *head, *args[end:]]


class ReportedGroup(click.Group):
    """Turns expected failures (config, database) into one clear message and exit status 2."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        return super().parse_args(ctx, config_first(args) if ctx.parent is None else args)

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except ConfigError as exc:
            click.echo(f"error: invalid config {exc}", err=True)
            sys.exit(2)
        except StorageError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
        except OSError as exc:  # a file or folder a command reads or writes: missing, denied, full
            where = f"{exc.filename}: " if exc.filename else ""
            click.echo(f"error: {where}{exc.strerror or exc}", err=True)
            sys.exit(1)


@click.group(cls=ReportedGroup)
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=lambda: os.environ.get("REPWATCH_CONFIG", "config.yaml"),
    show_default="config.yaml, or $REPWATCH_CONFIG",
    help="Path of the config file.",
)
@click.version_option(__version__, prog_name="repwatch")
@click.pass_context
def cli(ctx: click.Context, config_path: Path) -> None:
    """repwatch: reviews and mentions in, complaint trends and spike alerts out."""
    ctx.obj = AppContext(config_path=config_path)
    ctx.call_on_close(ctx.obj.close)


def main() -> None:
    cli(prog_name="repwatch")
