"""`repwatch mentions export` and `repwatch mentions import`."""

from __future__ import annotations

import csv
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import click

from repwatch.cli.app import AppContext, cli, pass_app
from repwatch.importer import Columns, detect_format, parse_time, read_export
from storage.mentions import (
    EXPORT_FIELDS,
    MentionFilter,
    ensure_source,
    export_rows,
    upsert_mentions,
)
from storage.sources import record_success

IMPORT_KIND = "file_import"


@cli.group("mentions")
def mentions_group() -> None:
    """Export stored mentions, or import a CSV/JSONL export from a help desk or survey."""


def _time_option(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


@mentions_group.command("export")
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default="jsonl")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="File to write (default: standard output).")
@click.option("--brand")
@click.option("--source", help="Source name from the config.")
@click.option("--theme")
@click.option("--sentiment", type=click.Choice(["negative", "neutral", "positive"]))
@click.option("--since", help="Published at or after (ISO date or time, UTC if no zone).")
@click.option("--until", help="Published before (ISO date or time).")
@pass_app
def export(app: AppContext, fmt: str, output: Path | None, brand: str | None, source: str | None,
           theme: str | None, sentiment: str | None, since: str | None, until: str | None) -> None:
    """Write stored mentions as CSV or JSONL, filtered."""
    filters = MentionFilter(brand=brand, source=source, theme=theme, sentiment=sentiment,
                            since=_time_option(since), until=_time_option(until))
    handle: IO[str] = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        with app.database.reading() as session:
            writer = csv.DictWriter(handle, fieldnames=EXPORT_FIELDS) if fmt == "csv" else None
            if writer:
                writer.writeheader()
            for row in export_rows(session, filters):
                count += 1
                if writer:
                    writer.writerow({**row, "themes": ";".join(row["themes"]),
                                     "metrics": json.dumps(row["metrics"], sort_keys=True)})
                else:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if output:
            handle.close()
    click.echo(f"exported {count} mentions", err=True)


@mentions_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="Default: from the file extension.")
@click.option("--source", "source_name", help="Name to store these under (default: import-FILESTEM).")
@click.option("--brand", help="Brand the rows belong to (default: the first brand in the config).")
@click.option("--text-column", default="text", show_default=True)
@click.option("--date-column", default="published_at", show_default=True)
@click.option("--id-column", default="id", show_default=True,
              help="Use '' to derive ids from date and text.")
@click.option("--author-column", default="author", show_default=True)
@click.option("--url-column", default="url", show_default=True)
@click.option("--title-column", default="title", show_default=True)
@click.option("--rating-column", default="rating", show_default=True)
@click.option("--language-column", default="language", show_default=True)
@pass_app
def import_(app: AppContext, path: Path, fmt: str | None, source_name: str | None,
            brand: str | None, text_column: str, date_column: str, id_column: str,
            author_column: str, url_column: str, title_column: str, rating_column: str,
            language_column: str) -> None:
    """Import FILE; bad rows are reported with their line numbers and skipped."""
    brands = [b.name for b in app.config.brands]
    brand = brand or brands[0]
    if brand not in brands:
        raise click.BadParameter(f"{brand!r} is not a brand in the config", param_hint="--brand")
    try:
        fmt = fmt or detect_format(path)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--format") from exc
    columns = Columns(text=text_column, published_at=date_column, external_id=id_column or None,
                      author=author_column, url=url_column, title=title_column,
                      rating=rating_column, language=language_column)
    result = read_export(path, fmt, columns)
    for line, reason in result.bad_rows:
        click.echo(f"{path}:{line}: skipped: {reason}", err=True)
    now = datetime.now(UTC)
    with app.database.session() as session:
        source = ensure_source(session, source_name or f"import-{path.stem}", IMPORT_KIND, brand)
        stored = upsert_mentions(session, source, result.mentions, now)
        # An import is a source run too: `repwatch sources` shows when and how much.
        record_success(session, source.name, IMPORT_KIND, brand, now, stored.new,
                       len(result.bad_rows) + len(stored.rejected))
    for external_id, reason in stored.rejected:
        click.echo(f"{path}: row {external_id!r} refused by the database: {reason}", err=True)
    click.echo(f"imported {stored.new} new mentions ({stored.duplicates} already stored, "
               f"{len(result.bad_rows) + len(stored.rejected)} bad rows skipped)")
