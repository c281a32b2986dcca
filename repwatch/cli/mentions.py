"""`repwatch mentions export` and `repwatch mentions import`."""

from __future__ import annotations

import csv
import json
import sys
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, NoReturn

import click
from click.core import ParameterSource
from sqlalchemy.orm import Session

from collector.mention import Mention
from repwatch.cli.app import AppContext, cli, pass_app
from repwatch.config import did_you_mean
from repwatch.importer import (
    Columns,
    ImportResult,
    UnreadableExport,
    detect_format,
    escape_formula,
    open_export,
    parse_time,
    read_export,
)
from storage.corrections import CORRECTION_FIELDS, corrected_mentions
from storage.mentions import (
    EXPORT_FIELDS,
    MentionFilter,
    UpsertResult,
    ensure_source,
    export_rows,
    find_source,
    stored_themes,
    upsert_imported,
)
from storage.models import Source
from storage.sources import all_sources, record_success

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


def _known(value: str | None, names: list[str], what: str, option: str) -> None:
    """A filter naming nothing that exists is a typo, not a query for zero rows."""
    if value is None or value in names:
        return
    hint = did_you_mean(value, names) or f" ({what}s: {', '.join(sorted(set(names))) or 'none yet'})"
    raise click.BadParameter(f"no {what} named {value!r}{hint}", param_hint=option)


def _csv_cells(row: dict[str, Any]) -> dict[str, Any]:
    """One export row as CSV cells (theme lists joined by ';', metrics as JSON); text a
    spreadsheet would run as a formula is defused."""
    cells = {name: ";".join(value) if isinstance(value, list) else value for name, value in row.items()}
    if "metrics" in row:
        cells["metrics"] = json.dumps(row["metrics"], sort_keys=True)
    return {name: escape_formula(value) if isinstance(value, str) else value
            for name, value in cells.items()}


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
@click.option("--corrections", is_flag=True,
              help="Only mentions a person corrected, with their corrected and model tags "
                   "(labelled data for retraining).")
@click.option("--competitors", "with_competitors", is_flag=True,
              help="Include the configured competitors' mentions (default: brands only).")
@pass_app
def export(app: AppContext, fmt: str, output: Path | None, brand: str | None, source: str | None,
           theme: str | None, sentiment: str | None, since: str | None, until: str | None,
           corrections: bool, with_competitors: bool) -> None:
    """Write stored mentions as CSV or JSONL, filtered."""
    if output and not output.parent.is_dir():
        raise click.BadParameter(f"folder {str(output.parent)!r} does not exist", param_hint="--output")
    with app.database.reading() as session:
        stored = all_sources(session)
        themes = app.config.theme_names
        if theme and theme not in themes:
            themes += stored_themes(session)
    configured = [b.name for b in app.config.brands] + [c.name for c in app.config.competitors]
    _known(brand, configured + [s.brand for s in stored], "brand", "--brand")
    _known(source, [s.name for s in app.config.sources] + [s.name for s in stored], "source", "--source")
    _known(theme, themes, "theme", "--theme")
    rivals = () if with_competitors or brand else tuple(c.name for c in app.config.competitors)
    filters = MentionFilter(brand=brand, source=source, theme=theme, sentiment=sentiment,
                            since=_time_option(since), until=_time_option(until),
                            exclude_brands=rivals)
    if corrections:
        _write_rows(app, fmt, output, CORRECTION_FIELDS,
                    lambda session: corrected_mentions(session, filters), "corrected mentions")
    else:
        _write_rows(app, fmt, output, EXPORT_FIELDS, lambda session: export_rows(session, filters),
                    "mentions")


def _write_rows(app: AppContext, fmt: str, output: Path | None, fields: Sequence[str],
                rows: Callable[[Session], Iterable[dict[str, Any]]], what: str) -> None:
    """Rows read in one read transaction, written as CSV (formulas defused) or JSONL."""
    handle: IO[str] = output.open("w", newline="", encoding="utf-8") if output else sys.stdout
    count = 0
    try:
        with app.database.reading() as session:
            writer = csv.DictWriter(handle, fieldnames=fields) if fmt == "csv" else None
            if writer:
                writer.writeheader()
            for row in rows(session):
                count += 1
                if writer:
                    writer.writerow(_csv_cells(row))
                else:
                    handle.write(json.dumps(row, ensure_ascii=False) + "\n")
    finally:
        if output:
            handle.close()
    click.echo(f"exported {count} {what}", err=True)


ROUND_TRIP_COLUMNS = {"source", "brand", "external_id"}
SHOWN_BAD_ROWS = 20


@mentions_group.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["csv", "jsonl"]), default=None,
              help="Default: from the file extension.")
@click.option("--source", "source_name",
              help="The system the export came from, such as zendesk: re-imports match by id within it. "
                   "Not needed for a repwatch export, whose rows keep their own source and brand.")
@click.option("--brand", help="Brand the rows belong to (needed when the config has several).")
@click.option("--encoding", help="The file's encoding (default: UTF-8, or detected).")
@click.option("--text-column", default="text", show_default=True)
@click.option("--date-column", default="published_at", show_default=True)
@click.option("--id-column", default="id", show_default=True,
              help="Without such a column (or with ''), ids are derived from date and text.")
@click.option("--author-column", default="author", show_default=True)
@click.option("--url-column", default="url", show_default=True)
@click.option("--title-column", default="title", show_default=True)
@click.option("--rating-column", default="rating", show_default=True)
@click.option("--language-column", default="language", show_default=True)
@pass_app
@click.pass_context
def import_(ctx: click.Context, app: AppContext, path: Path, fmt: str | None, source_name: str | None,
            brand: str | None, encoding: str | None, text_column: str, date_column: str,
            id_column: str, author_column: str, url_column: str, title_column: str,
            rating_column: str, language_column: str) -> None:
    """Import FILE: new ids are added, changed ones updated; bad rows are reported and skipped.

    Exits 1 when any row was skipped or the file held no rows, 2 when it cannot be read at all.
    """
    try:
        fmt = fmt or detect_format(path)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--format") from exc
    try:
        export_file = open_export(path, fmt, encoding)
    except UnreadableExport as exc:
        _fail(path, str(exc))
    header = export_file.header
    chosen = {name: ctx.get_parameter_source(name) == ParameterSource.COMMANDLINE
              for name in ctx.params}
    round_trip = set(header) >= ROUND_TRIP_COLUMNS and not source_name and not brand
    if round_trip and not chosen["id_column"]:
        id_column = "external_id"
    columns = Columns(text=text_column, published_at=date_column, external_id=id_column or None,
                      author=author_column, url=url_column, title=title_column,
                      rating=rating_column, language=language_column,
                      metrics="metrics" if round_trip else None,
                      source="source" if round_trip else None, brand="brand" if round_trip else None)
    must_have = {**columns.required(), **{
        option.removesuffix("_column"): value for option, value in ctx.params.items()
        if option.endswith("_column") and value and chosen[option]}}
    target = None
    if not round_trip:
        if not source_name:
            raise click.UsageError(
                "--source is required: name the system the export came from (such as zendesk), "
                "so importing its next export updates these rows instead of adding them again")
        target = (source_name, _import_brand(app, brand))
    try:
        result = read_export(export_file, columns, must_have, formulas_escaped=round_trip and fmt == "csv")
    except UnreadableExport as exc:
        _fail(path, str(exc))
    if export_file.encoding not in ("utf-8", "utf-8-sig") and not encoding:
        click.echo(f"{path}: read as {export_file.encoding} (detected; pass --encoding to choose)",
                   err=True)
    if columns.external_id and columns.external_id not in header and fmt == "csv":
        click.echo(f"{path}: no {columns.external_id!r} column; ids derived from date and text "
                   "(pass --id-column to match updated rows by their own id)", err=True)
    now = datetime.now(UTC)
    with app.database.session() as session:
        if target is None:
            stored = _store_by_origin(app, session, result, now)
        else:
            source = _help_desk_source(app, session, *target)
            stored = upsert_imported(session, source, result.mentions, now)
            # An import is a source run too: `repwatch sources` shows when and how much.
            record_success(session, source.name, IMPORT_KIND, source.brand, now, stored.new,
                           len(result.bad_rows) + len(stored.rejected))
    _report(path, result, stored)


def _report(path: Path, result: ImportResult, stored: UpsertResult) -> None:
    """Bad rows (the first few), the counts, and exit 1 unless every row of a non-empty file went in."""
    bad = [(f"{path}:{line}", reason) for line, reason in result.bad_rows]
    bad += [(f"{path}: row {external_id!r}", reason) for external_id, reason in stored.rejected]
    for where, reason in bad[:SHOWN_BAD_ROWS]:
        click.echo(f"{where}: skipped: {reason}", err=True)
    if len(bad) > SHOWN_BAD_ROWS:
        click.echo(f"{path}: ... and {len(bad) - SHOWN_BAD_ROWS} more bad rows", err=True)
    click.echo(f"imported {stored.new} new mentions ({stored.updated} updated, "
               f"{stored.duplicates} already stored, {len(bad)} bad rows skipped)")
    if not result.rows and not bad:
        click.echo(f"error: {path}: the file holds no rows", err=True)
        sys.exit(1)
    if bad:
        sys.exit(1)


def _fail(path: Path, message: str) -> NoReturn:
    click.echo(f"error: {path}: {message}", err=True)
    sys.exit(2)


def _import_brand(app: AppContext, brand: str | None) -> str:
    brands = [b.name for b in app.config.brands]
    if brand is None:
        if len(brands) > 1:
            raise click.UsageError(f"--brand is required: the config has {len(brands)} brands "
                                   f"({', '.join(brands)})")
        return brands[0]
    if brand not in brands:
        raise click.BadParameter(f"{brand!r} is not a brand in the config ({', '.join(brands)})",
                                 param_hint="--brand")
    return brand


def _help_desk_source(app: AppContext, session: Session, name: str, brand: str) -> Source:
    """The import source NAME for BRAND; a collector's source or another brand's is refused."""
    if any(source.name == name for source in app.config.sources):
        raise click.BadParameter(f"{name!r} is a collector source in the config; name the system "
                                 "the export came from instead", param_hint="--source")
    stored = find_source(session, name)
    if stored is not None and (stored.kind != IMPORT_KIND or stored.brand != brand):
        raise click.BadParameter(f"{name!r} already holds {stored.kind} mentions of {stored.brand!r}",
                                 param_hint="--source")
    return ensure_source(session, name, IMPORT_KIND, brand)


def _store_by_origin(app: AppContext, session: Session, result: ImportResult,
                     now: datetime) -> UpsertResult:
    """A repwatch export read back: each row to the source and brand it was exported from."""
    brands = {b.name for b in app.config.brands}
    configured = {source.name: source for source in app.config.sources}
    groups: dict[tuple[str, str], list[Mention]] = {}
    for row in result.rows:
        groups.setdefault((row.source or "", row.brand or ""), []).append(row.mention)
    total = UpsertResult()
    for (name, brand), mentions in groups.items():
        stored = find_source(session, name) if name else None
        holder = configured.get(name) or stored
        problem = None
        if not name:
            problem = "the source is empty"
        elif brand not in brands:
            problem = f"brand {brand!r} is not in the config"
        elif holder is not None and holder.brand != brand:
            problem = f"source {name!r} belongs to brand {holder.brand!r}"
        if problem:
            total.rejected += [(mention.external_id[:80], problem) for mention in mentions]
            continue
        kind = holder.kind if holder else IMPORT_KIND
        part = upsert_imported(session, ensure_source(session, name, kind, brand), mentions, now)
        total.new += part.new
        total.updated += part.updated
        total.duplicates += part.duplicates
        total.rejected += part.rejected
    return total
