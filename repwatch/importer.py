"""Reading help-desk, survey or ticket exports (CSV or JSONL) into mentions."""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import json
import re
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes
from charset_normalizer.utils import is_multi_byte_encoding

from collector.mention import Mention

MAX_FIELD_CHARS = 100_000
_UNDECODABLE = re.compile("[\udc80-\udcff]")  # bytes that were not UTF-8, kept by surrogateescape
_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF32_LE, "utf-32"),
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)
# Let the csv module read a huge field whole, so the row holding it can be refused alone.
csv.field_size_limit(min(sys.maxsize, 2**31 - 1))


class UnreadableExport(ValueError):
    """The file as a whole cannot be imported: its encoding, or a column that is not there."""


@dataclass(frozen=True)
class Columns:
    """Which input column holds each field; `external_id` None derives one from the row.

    `source` and `brand` are read only when set: a repwatch export carries both, so rows go back
    to the source and brand they came from.
    """

    text: str = "text"
    published_at: str = "published_at"
    external_id: str | None = "id"
    author: str | None = "author"
    url: str | None = "url"
    title: str | None = "title"
    rating: str | None = "rating"
    language: str | None = "language"
    metrics: str | None = None
    source: str | None = None
    brand: str | None = None

    def required(self) -> dict[str, str]:
        """What each required column is for -> its name (an absent id column derives ids)."""
        return {"text": self.text, "date": self.published_at}


@dataclass(frozen=True)
class ImportedRow:
    mention: Mention
    source: str | None = None
    brand: str | None = None


@dataclass
class ImportResult:
    rows: list[ImportedRow] = field(default_factory=list)
    bad_rows: list[tuple[int, str]] = field(default_factory=list)

    @property
    def mentions(self) -> list[Mention]:
        return [row.mention for row in self.rows]


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def _looks_escaped(value: str) -> bool:
    unquoted = value[1:] if value.startswith("'") else value
    return unquoted.startswith(_FORMULA_START)


def escape_formula(value: str) -> str:
    """A CSV cell a spreadsheet will not run as a formula (OWASP: a leading ')."""
    return "'" + value if _looks_escaped(value) else value


def unescape_formula(value: str) -> str:
    """The inverse of `escape_formula`, for reading a repwatch CSV export back."""
    return value[1:] if value.startswith("'") and _looks_escaped(value[1:]) else value


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


def _parse_metrics(value: Any) -> dict[str, Any]:
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise ValueError(f"metrics are not JSON ({exc.msg})") from exc
    if not isinstance(value, dict):
        raise ValueError("metrics are not a JSON object")
    return value


def _optional(row: Mapping[str, Any], column: str | None) -> str | None:
    if column is None:
        return None
    value = row.get(column)
    return None if value is None or str(value).strip() == "" else str(value).strip()


def row_to_mention(row: Mapping[str, Any], columns: Columns) -> Mention:
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
        metrics=_parse_metrics(row.get(columns.metrics)) if columns.metrics else {},
    )


def _check_values(row: Mapping[Any, Any]) -> None:
    """Refuse a row holding bytes that were not text, or a field too long to be one mention."""
    for value in row.values():
        for text in value if isinstance(value, list) else [value]:
            if not isinstance(text, str):
                continue
            if _UNDECODABLE.search(text):
                raise ValueError("not valid UTF-8 (if the whole file is in another encoding, "
                                 "pass --encoding)")
            if len(text) > MAX_FIELD_CHARS:
                raise ValueError(f"a field is {len(text):,} characters long "
                                 f"(the limit is {MAX_FIELD_CHARS:,})")


def decode_export(data: bytes, encoding: str | None = None) -> tuple[str, str]:
    """The file's text and the encoding it was read in.

    UTF-8 (with or without a BOM) and UTF-16/32 with a BOM are read as they are; a few lines that
    are not UTF-8 are kept as undecodable bytes and refused row by row. A file where most lines
    are not UTF-8 is in some other encoding: charset-normalizer names it, or the file is refused.
    """
    if encoding:
        try:
            return data.decode(encoding), encoding
        except (LookupError, UnicodeDecodeError) as exc:
            raise UnreadableExport(f"cannot read the file as {encoding}: {exc}") from exc
    for bom, name in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(name), name
            except UnicodeDecodeError as exc:
                raise UnreadableExport(f"the file starts with a {name} mark but is not {name}: "
                                       f"{exc.reason} at byte {exc.start}") from exc
    text = data.decode("utf-8", errors="surrogateescape")
    lines = text.splitlines()
    undecodable = sum(1 for line in lines if _UNDECODABLE.search(line))
    if b"\x00" not in data[:4096] and undecodable <= max(1, len(lines) // 10):
        return text, "utf-8"
    return _detected(data)


def _detected(data: bytes) -> tuple[str, str]:
    """The encoding charset-normalizer finds, when its close candidates all read the same text."""
    candidates = [match for match in from_bytes(data) if match.encoding not in ("utf_8", "ascii")]
    if not candidates:
        raise UnreadableExport("the file is not UTF-8 and its encoding cannot be told; "
                               "save it as UTF-8 or pass --encoding")
    best = candidates[0]
    if is_multi_byte_encoding(best.encoding):
        return str(best), best.encoding
    close = [match for match in candidates if match.chaos <= best.chaos + 0.01]
    if len({str(match) for match in close}) == 1:
        return str(best), best.encoding
    names = list(dict.fromkeys(name for match in close for name in match.could_be_from_charset))
    raise UnreadableExport(f"the file is not UTF-8; it may be {', '.join(names[:4])}, which read it "
                           "differently: pass --encoding (Excel on Windows usually writes cp1252) "
                           "or save it as UTF-8")


def _csv_rows(text: str, must_have: Mapping[str, str]) -> Iterator[tuple[int, dict[str, Any] | str]]:
    reader = csv.DictReader(io.StringIO(text, newline=""))
    try:
        header = reader.fieldnames or []
    except csv.Error as exc:
        raise UnreadableExport(f"cannot read the header: {exc}") from exc
    _check_header(must_have, header)
    start = 2
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield start, f"not valid CSV ({exc})"
        else:
            yield start, row
        start = reader.line_num + 1


def _jsonl_rows(text: str) -> Iterator[tuple[int, dict[str, Any] | str]]:
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        if _UNDECODABLE.search(line):
            yield number, "not valid UTF-8 (if the whole file is in another encoding, pass --encoding)"
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            yield number, f"not valid JSON ({exc.msg})"
            continue
        except RecursionError:
            yield number, "JSON nested too deeply"
            continue
        yield number, value if isinstance(value, dict) else "not a JSON object"


def _check_header(must_have: Mapping[str, str], present: Sequence[str]) -> None:
    missing = [f"{column!r} (the {role})" for role, column in must_have.items() if column not in present]
    if missing:
        shown = ", ".join(list(present)[:40]) + (", ..." if len(present) > 40 else "")
        raise UnreadableExport(f"no column {' or '.join(missing)}; the columns are: {shown or '(none)'}")


def detect_format(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".ndjson", ".json"):
        return "jsonl"
    if suffix in (".csv", ".tsv"):
        return "csv"
    raise ValueError(f"cannot tell the format of {path.name}; pass --format csv or jsonl")


@dataclass(frozen=True)
class ExportFile:
    """An export's text, read once: its format, and the encoding it was read in."""

    text: str
    fmt: str
    encoding: str

    @property
    def header(self) -> list[str]:
        """The column names: a CSV's header, or the keys of the first JSON object."""
        if self.fmt == "csv":
            try:
                return next(csv.reader(io.StringIO(self.text, newline="")), [])
            except csv.Error:
                return []
        for _, row in _jsonl_rows(self.text):
            if isinstance(row, dict):
                return list(row)
        return []


def open_export(path: Path, fmt: str, encoding: str | None = None) -> ExportFile:
    text, used = decode_export(path.read_bytes(), encoding)
    return ExportFile(text, fmt, used)


def read_export(export: ExportFile, columns: Columns, must_have: Mapping[str, str] | None = None,
                formulas_escaped: bool = False) -> ImportResult:
    """Every good row as a mention, every bad row as (line number, reason).

    `must_have` (what each is for -> column) is checked once, against the CSV header or the keys
    of every JSON object: a wrong mapping is one UnreadableExport, not one error per row.
    `formulas_escaped`: the file is a repwatch CSV export, whose formula-like cells carry a '.
    """
    must_have = columns.required() if must_have is None else must_have
    result = ImportResult()
    rows = _csv_rows(export.text, must_have) if export.fmt == "csv" else _jsonl_rows(export.text)
    keys: set[str] = set()
    for line, row in rows:
        if isinstance(row, str):
            result.bad_rows.append((line, row))
            continue
        keys.update(str(key) for key in row)
        if formulas_escaped:
            row = {key: unescape_formula(value) if isinstance(value, str) else value
                   for key, value in row.items()}
        try:
            _check_values(row)
            result.rows.append(ImportedRow(row_to_mention(row, columns),
                                           _optional(row, columns.source), _optional(row, columns.brand)))
        except ValueError as exc:
            result.bad_rows.append((line, str(exc)))
    if export.fmt == "jsonl" and keys:
        _check_header(must_have, sorted(keys))
    return result
