"""`repwatch mentions import` and `export` through the real CLI on a SQLite file: re-imports match
by the export's own ids, bad rows are skipped alone, encodings are read or refused, CSV cells are
safe to open in a spreadsheet, and an export reads back into the sources and brands it came from."""

from __future__ import annotations

import csv
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from collector.mention import Mention
from repwatch.cli import cli
from repwatch.importer import escape_formula, unescape_formula
from storage.db import Database
from storage.mentions import ensure_source, upsert_mentions
from storage.models import MentionRow, MentionTheme, Source, Tag

CONFIG = """\
database:
  url: sqlite:///{db}
brands:
  - name: Acme
  - name: Globex
sources:
  - name: acme-feed
    kind: rss
    brand: Acme
    params:
      urls: ["https://news.example/feed.xml"]
"""
NOW = datetime(2026, 12, 6, tzinfo=UTC)


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(CONFIG.format(db=tmp_path / "r.db"))
    return tmp_path


@pytest.fixture
def database(workspace: Path) -> Database:
    database = Database(f"sqlite:///{workspace / 'r.db'}")
    database.upgrade()
    return database


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def tickets(count: int, edited: dict[int, str] | None = None, prefix: str = "Z") -> str:
    edited = edited or {}
    lines = ["ticket_id,subject,body,created_at"]
    for n in range(1, count + 1):
        body = edited.get(n, f"Ticket {n}: the refund has not arrived after {n} days")
        lines.append(f"{prefix}{n},Refund,{body},2026-11-{n % 28 + 1:02d}T09:00:00Z")
    return "\n".join(lines) + "\n"


HELP_DESK = ["--source", "zendesk", "--brand", "Acme", "--id-column", "ticket_id",
             "--text-column", "body", "--date-column", "created_at", "--title-column", "subject"]


def count(database: Database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count()).select_from(MentionRow)) or 0


def test_the_same_export_under_another_file_name_adds_nothing(workspace: Path, database: Database) -> None:
    (workspace / "tickets-2026-12-05.csv").write_text(tickets(64))
    code, out, err = run("mentions", "import", "tickets-2026-12-05.csv", *HELP_DESK)
    assert code == 0, err
    assert "imported 64 new mentions (0 updated, 0 already stored, 0 bad rows skipped)" in out
    (workspace / "tickets-2026-12-06.csv").write_text(tickets(64))
    code, out, _ = run("mentions", "import", "tickets-2026-12-06.csv", *HELP_DESK)
    assert code == 0
    assert "imported 0 new mentions (0 updated, 64 already stored" in out
    assert count(database) == 64
    with database.session() as session:
        assert [s.name for s in session.scalars(select(Source))] == ["zendesk"]


def test_an_updated_ticket_replaces_the_stored_text_and_is_tagged_again(
    workspace: Path, database: Database
) -> None:
    (workspace / "monday.csv").write_text(tickets(5))
    assert run("mentions", "import", "monday.csv", *HELP_DESK)[0] == 0
    with database.session() as session:  # as the tagger would have left them
        for row in session.scalars(select(MentionRow)):
            session.add(Tag(mention_id=row.id, sentiment="negative", model_version="m1", tagged_at=NOW))
            session.add(MentionTheme(mention_id=row.id, theme="refunds", score=0.9))
    (workspace / "tuesday.csv").write_text(tickets(6, edited={2: "Refund arrived today; thanks"}))
    code, out, _ = run("mentions", "import", "tuesday.csv", *HELP_DESK)
    assert code == 0
    assert "imported 1 new mentions (1 updated, 4 already stored" in out
    with database.session() as session:
        rows = {row.external_id: row for row in session.scalars(select(MentionRow))}
        assert rows["Z2"].text == "Refund arrived today; thanks"
        tagged = set(session.scalars(select(Tag.mention_id)))
        themed = set(session.scalars(select(MentionTheme.mention_id)))
    assert len(rows) == 6
    assert rows["Z2"].id not in tagged and rows["Z2"].id not in themed
    assert {rows[f"Z{n}"].id for n in (1, 3, 4, 5)} == tagged == themed


def test_import_needs_a_source_and_will_not_take_over_a_collector_source(
    workspace: Path, database: Database
) -> None:
    (workspace / "t.csv").write_text(tickets(2))
    code, _, err = run("mentions", "import", "t.csv", "--brand", "Acme", "--id-column", "ticket_id")
    assert code == 2 and "--source is required" in err
    code, _, err = run("mentions", "import", "t.csv", "--source", "zendesk", "--text-column", "body",
                       "--date-column", "created_at")
    assert code == 2 and "--brand is required: the config has 2 brands (Acme, Globex)" in err
    args = [a if a != "zendesk" else "acme-feed" for a in HELP_DESK]
    code, _, err = run("mentions", "import", "t.csv", *args)
    assert code == 2 and "'acme-feed' is a collector source in the config" in err
    assert run("mentions", "import", "t.csv", *HELP_DESK)[0] == 0
    args = [a if a != "Acme" else "Globex" for a in HELP_DESK]
    code, _, err = run("mentions", "import", "t.csv", *args)
    assert code == 2 and "'zendesk' already holds file_import mentions of 'Acme'" in err
    assert count(database) == 2


def test_a_wrong_column_mapping_is_one_line_naming_the_missing_and_present_columns(
    workspace: Path, database: Database
) -> None:
    (workspace / "t.csv").write_text(tickets(73))
    code, out, err = run("mentions", "import", "t.csv", "--source", "zendesk", "--brand", "Acme",
                         "--id-column", "ticket_id", "--text-column", "message")
    assert code == 2
    assert err.strip().splitlines() == [
        "error: t.csv: no column 'message' (the text) or 'published_at' (the date); "
        "the columns are: ticket_id, subject, body, created_at"]
    assert out == "" and count(database) == 0
    (workspace / "t.jsonl").write_text('{"ticket": 1, "body": "x", "published_at": "2026-11-01"}\n' * 3)
    code, _, err = run("mentions", "import", "t.jsonl", "--source", "zendesk", "--brand", "Acme",
                       "--id-column", "ticket_id", "--text-column", "body")
    assert code == 2
    assert "no column 'ticket_id' (the id); the columns are: body, published_at, ticket" in err
    assert count(database) == 0


def test_a_huge_field_and_an_invalid_utf8_row_are_skipped_alone(workspace: Path, database: Database) -> None:
    lines = tickets(40).encode().splitlines(keepends=True)
    lines[3] = b'Z3,Refund,"' + b"A" * 1_000_000 + b'",2026-11-04T09:00:00Z\n'
    lines[10] = b"Z10,Refund,caf\xe9 \xff\xfe broken,2026-11-11T09:00:00Z\n"
    (workspace / "t.csv").write_bytes(b"".join(lines))
    code, out, err = run("mentions", "import", "t.csv", *HELP_DESK)
    assert code == 1
    assert "imported 38 new mentions (0 updated, 0 already stored, 2 bad rows skipped)" in out
    assert "t.csv:4: skipped: a field is 1,000,000 characters long (the limit is 100,000)" in err
    assert "t.csv:11: skipped: not valid UTF-8" in err
    assert count(database) == 38


def test_a_file_in_another_encoding_is_detected_or_refused_clearly(
    workspace: Path, database: Database
) -> None:
    text = tickets(3, edited={1: "Le délai de réponse était très long", 2: "Ça m'a énervé; trop cher"})
    (workspace / "utf16.csv").write_bytes(text.encode("utf-16"))
    code, out, err = run("mentions", "import", "utf16.csv", *HELP_DESK)
    assert code == 0, err
    assert "imported 3 new mentions" in out
    (workspace / "excel.csv").write_bytes(tickets(3, edited={1: "Le délai de réponse était très long", 2: "Ça m'a énervé; trop cher"},
                prefix="X").encode("cp1252"))
    code, out, err = run("mentions", "import", "excel.csv", *HELP_DESK)
    assert code == 2 and out == ""
    assert "error: excel.csv: the file is not UTF-8; it may be " in err and "cp1252" in err
    assert len(err.strip().splitlines()) == 1
    code, out, _ = run("mentions", "import", "excel.csv", *HELP_DESK, "--encoding", "cp1252")
    assert code == 0 and "imported 3 new mentions" in out
    with database.session() as session:
        texts = set(session.scalars(select(MentionRow.text)))
    assert {"Le délai de réponse était très long", "Ça m'a énervé; trop cher"} <= texts


def test_an_empty_file_is_not_success(workspace: Path, database: Database) -> None:
    (workspace / "t.csv").write_text("ticket_id,subject,body,created_at\n")
    code, _, err = run("mentions", "import", "t.csv", *HELP_DESK)
    assert code == 1 and "the file holds no rows" in err


FORMULAS = ['=HYPERLINK("http://x","click")', "+1+2", "-5+cmd|' /C calc'!A0", "@SUM(A1)",
            "'=already quoted", "plain text", "'quoted but harmless"]


def test_csv_export_defuses_formulas_and_reads_back_exactly(workspace: Path, database: Database) -> None:
    rows = [{"id": f"F{n}", "text": text, "published_at": f"2026-11-0{n + 1}T10:00:00Z", "author": text}
            for n, text in enumerate(FORMULAS)]
    (workspace / "in.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
    assert run("mentions", "import", "in.jsonl", "--source", "survey", "--brand", "Acme")[0] == 0
    code, _, _ = run("mentions", "export", "--format", "csv", "-o", "out.csv")
    assert code == 0
    with (workspace / "out.csv").open(newline="") as handle:
        cells = list(csv.DictReader(handle))
    assert [cell["text"] for cell in cells] == [
        "'=HYPERLINK(\"http://x\",\"click\")", "'+1+2", "'-5+cmd|' /C calc'!A0", "'@SUM(A1)",
        "''=already quoted", "plain text", "'quoted but harmless"]
    assert cells[0]["author"].startswith("'=")
    assert not any(value.startswith(("=", "+", "-", "@", "\t", "\r"))
                   for cell in cells for value in cell.values())
    code, out, _ = run("mentions", "export", "--format", "jsonl")  # JSONL is data, not a sheet
    assert [json.loads(line)["text"] for line in out.splitlines()] == FORMULAS

    (workspace / "r2.db").unlink(missing_ok=True)
    (workspace / "config.yaml").write_text(CONFIG.format(db=workspace / "r2.db"))
    code, out, err = run("mentions", "import", "out.csv")
    assert code == 0, err
    code, out, _ = run("mentions", "export", "--format", "jsonl")
    assert [json.loads(line)["text"] for line in out.splitlines()] == FORMULAS


def test_tab_and_carriage_return_cells_are_defused_too() -> None:
    # Imported text is stripped, so these two can only come from a collector; the rule is shared.
    assert [escape_formula(v) for v in ("\tcmd", "\rcmd", "a-b", "")] == ["'\tcmd", "'\rcmd", "a-b", ""]
    assert [unescape_formula(escape_formula(v)) for v in ("\tcmd", "'\rx", "'")] == ["\tcmd", "'\rx", "'"]


@pytest.mark.parametrize("fmt", ["jsonl", "csv"])
def test_an_export_reads_back_into_its_own_sources_and_brands(
    workspace: Path, database: Database, fmt: str
) -> None:
    (workspace / "a.csv").write_text(tickets(3))
    assert run("mentions", "import", "a.csv", *HELP_DESK)[0] == 0
    (workspace / "g.csv").write_text(tickets(2, prefix="G"))
    globex = [a if a not in ("Acme", "zendesk") else {"Acme": "Globex", "zendesk": "freshdesk"}[a]
              for a in HELP_DESK]
    assert run("mentions", "import", "g.csv", *globex)[0] == 0

    with database.session() as session:  # a collected mention, with metrics
        upsert_mentions(session, ensure_source(session, "acme-feed", "rss", "Acme"), [
            Mention("rss-1", "Acme outage again", NOW, url="https://news.example/1",
                    metrics={"comments": 4})], NOW)
    code, before, _ = run("mentions", "export", "--format", "jsonl")
    assert run("mentions", "export", "--format", fmt, "-o", f"all.{fmt}")[0] == 0

    (workspace / "config.yaml").write_text(CONFIG.format(db=workspace / "new.db"))
    code, out, err = run("mentions", "import", f"all.{fmt}")
    assert code == 0, err
    assert "imported 6 new mentions" in out
    code, after, _ = run("mentions", "export", "--format", "jsonl")
    keep = ("source", "external_id", "brand", "text", "title", "url", "published_at", "metrics")
    assert [{k: json.loads(line)[k] for k in keep} for line in after.splitlines()] == \
        [{k: json.loads(line)[k] for k in keep} for line in before.splitlines()]
    fresh = Database(f"sqlite:///{workspace / 'new.db'}")
    with fresh.session() as session:
        kinds = {s.name: (s.kind, s.brand) for s in session.scalars(select(Source))}
    assert kinds == {"zendesk": ("file_import", "Acme"), "freshdesk": ("file_import", "Globex"),
                     "acme-feed": ("rss", "Acme")}
    code, out, _ = run("mentions", "import", f"all.{fmt}")  # once more: nothing doubles
    assert code == 0 and "imported 0 new mentions (0 updated, 6 already stored" in out
    fresh.dispose()


def test_jsonl_bad_lines_are_skipped_alone(workspace: Path, database: Database) -> None:
    good = [json.dumps({"id": f"S{n}", "text": f"survey answer {n}", "published_at": "2026-11-20"}).encode()
            for n in range(5)]
    lines = [good[0], b"[" * 100_000 + b"]" * 100_000, good[1], b'{"id": "S9", "text": "caf\xe9"}', good[2],
             json.dumps({"id": "S8", "text": "x" * 200_000, "published_at": "2026-11-20"}).encode(), *good[3:]]
    (workspace / "s.jsonl").write_bytes(b"\n".join(lines) + b"\n")
    code, out, err = run("mentions", "import", "s.jsonl", "--source", "survey", "--brand", "Acme")
    assert code == 1
    assert "imported 5 new mentions (0 updated, 0 already stored, 3 bad rows skipped)" in out
    assert "s.jsonl:2: skipped: JSON nested too deeply" in err
    assert "s.jsonl:4: skipped: not valid UTF-8" in err
    assert "s.jsonl:6: skipped: a field is 200,000 characters long" in err
