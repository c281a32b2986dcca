"""Reading help-desk, survey or ticket exports (CSV or JSONL) into mentions."""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from collector.mention import Mention


@dataclass(frozen=True)
class Columns:
    """Which input column holds each field; `external_id` None derives one from the row."""

    text: str = "text"
    published_at: str = "published_at"
    external_id: str | None = "id"
    author: str | None = "author"
    url: str | None = "url"
    title: str | None = "title"
    rating: str | None = "rating"
    language: str | None = "language"


@dataclass
class ImportResult:
    mentions: list[Mention] = field(default_factory=list)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)


def parse_time(value: Any) -> datetime:
    """ISO 8601 text or epoch seconds; a time without a zone is taken as UTC."""
    if isinstance(value, int | float) or (isinstance(value, str) and value.strip().isdigit()):
        return datetime.fromtimestamp(float(value), tz=UTC)
    if not isinstance(value, str) or not value.strip():
        raise ValueError("missing date")
    text = value.strip().replace("Z", "+00:00").replace("z", "+00:00")
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise ValueError(f"date {value!r} is not ISO 8601 or epoch seconds") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def parse_rating(value: Any) -> int | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"rating {value!r} is not a number") from exc
    if not 1 <= number <= 5 or number != round(number):
        raise ValueError(f"rating {value!r} is not a whole number from 1 to 5")
    return int(number)


def _optional(row: dict[str, Any], column: str | None) -> str | None:
    if column is None:
        return None
    value = row.get(column)
    return None if value is None or str(value).strip() == "" else str(value).strip()


def row_to_mention(row: dict[str, Any], columns: Columns) -> Mention:
    text = _optional(row, columns.text)
    if text is None:
        raise ValueError(f"column {columns.text!r} is missing or empty")
    if columns.published_at not in row:
        raise ValueError(f"column {columns.published_at!r} is missing")
    published = parse_time(row[columns.published_at])
    external_id = _optional(row, columns.external_id)
    if external_id is None:
        if columns.external_id is not None and columns.external_id in row:
            raise ValueError(f"column {columns.external_id!r} is empty")
        digest = hashlib.sha256(f"{published.isoformat()}\n{text}".encode()).hexdigest()
        external_id = f"sha256:{digest[:32]}"
    return Mention(
        external_id=external_id,
        text=text,
        published_at=published,
        url=_optional(row, columns.url),
        author=_optional(row, columns.author),
        title=_optional(row, columns.title),
        rating=parse_rating(row.get(columns.rating) if columns.rating else None),
        language=_optional(row, columns.language),
    )


def _csv_rows(path: Path) -> Iterator[tuple[int, dict[str, Any]]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        reader = csv.DictReader(handle)
        start = 2
        for row in reader:
            yield start, row
            start = reader.line_num + 1


def _jsonl_rows(path: Path) -> Iterator[tuple[int, dict[str, Any] | str]]:
    with path.open(encoding="utf-8-sig") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                value = json.loads(line)
            except json.JSONDecodeError as exc:
                yield number, f"not valid JSON ({exc.msg})"
                continue
            yield number, value if isinstance(value, dict) else "not a JSON object"


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise ValueError(f"cannot tell the format of {path.name}; pass --format csv or jsonl")


def read_export(path: Path, fmt: str, columns: Columns) -> ImportResult:
    """Every good row as a mention, every bad row as (line number, reason)."""
    result = ImportResult()
    rows = _csv_rows(path) if fmt == "csv" else _jsonl_rows(path)
    try:
        for line, row in rows:
            if isinstance(row, str):
                result.bad_rows.append((line, row))
                continue
            try:
                result.mentions.append(row_to_mention(row, columns))
            except ValueError as exc:
                result.bad_rows.append((line, str(exc)))
    except (UnicodeDecodeError, csv.Error) as exc:
        result.bad_rows.append((0, f"cannot read the rest of the file: {exc}"))
    return result
