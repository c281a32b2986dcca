"""CLI filters are checked names and bound parameters: an injection string breaks nothing.

`repwatch mentions export` takes --brand, --source, --theme as free text, on a SQLite file and
on PostgreSQL. A name that exists nowhere is refused with a "did you mean" (exit 2) instead of
exporting zero rows; the same hostile values passed straight to the query match nothing and leave
every table as it was; honest values still find their rows (so the test would notice a filter
that matched nothing at all).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from reliability_kit import config_text
from sqlalchemy import func, select

from collector.mention import Mention
from repwatch.cli import cli
from storage.db import Database
from storage.mentions import MentionFilter, ensure_source, export_rows, upsert_mentions
from storage.models import Base, MentionRow, MentionTheme, Source, Tag

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
INJECTIONS = [
    "' OR '1'='1",
    "Acme' OR 1=1 --",
    "Acme'; DROP TABLE mentions; --",
    "x\"; DELETE FROM sources; --",
    "') UNION SELECT name, name, name FROM sources --",
    "Acme%",
    "%",
    "_",
    "*",
    "\\",
    "1; SELECT pg_sleep(5)",
]


@pytest.fixture
def config_file(tmp_path: Path, database: Database) -> Path:
    with database.session() as session:
        for brand, source_name, count in (("Acme", "acme-feed", 3), ("Globex", "globex-feed", 2)):
            source = ensure_source(session, source_name, "rss", brand)
            upsert_mentions(session, source, [
                Mention(external_id=f"{source_name}-{i}", text=f"{brand} mention {i}",
                        published_at=NOW - timedelta(hours=i)) for i in range(count)], NOW)
        session.flush()
        for row in session.scalars(select(MentionRow)):
            session.add(Tag(mention_id=row.id, sentiment="negative", model_version="test", tagged_at=NOW))
            session.add(MentionTheme(mention_id=row.id, theme="billing", score=0.9))
    path = tmp_path / "config.yaml"
    path.write_text(config_text(database.url, [{"name": "acme-feed", "kind": "rss",
                                                "params": {"urls": ["https://news.example/feed.xml"]}}]))
    return path


def export(config_file: Path, *options: str) -> tuple[int, int, str]:
    result = CliRunner().invoke(cli, ["--config", str(config_file), "mentions", "export", *options])
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    return result.exit_code, len(lines), result.stderr


def table_counts(database: Database) -> dict[str, int]:
    with database.session() as session:
        return {table.name: session.scalar(select(func.count()).select_from(table)) or 0
                for table in Base.metadata.sorted_tables}


def test_honest_filters_find_their_rows(config_file: Path) -> None:
    assert export(config_file)[:2] == (0, 5)
    assert export(config_file, "--brand", "Acme")[:2] == (0, 3)
    assert export(config_file, "--source", "globex-feed")[:2] == (0, 2)
    assert export(config_file, "--theme", "billing", "--sentiment", "negative")[:2] == (0, 5)


@pytest.mark.parametrize("option", ["--brand", "--source", "--theme"])
def test_injection_strings_are_refused_as_names_and_match_nothing_as_parameters(
    config_file: Path, database: Database, option: str
) -> None:
    before = table_counts(database)
    what = option.removeprefix("--")
    for value in INJECTIONS:
        exit_code, rows, stderr = export(config_file, option, value)
        assert (exit_code, rows) == (2, 0), f"{option} {value!r}: {stderr}"
        assert f"no {what} named" in stderr
        with database.session() as session:
            assert list(export_rows(session, MentionFilter(**{what: value}))) == []
    assert table_counts(database) == before
    assert export(config_file, "--brand", "Acme")[:2] == (0, 3)  # and everything still works


@pytest.mark.parametrize(("option", "typo", "meant"), [
    ("--theme", "slow_respnse", "slow_response"),
    ("--theme", "biling", "billing"),  # a stored theme, not a default one
    ("--source", "globex-fed", "globex-feed"),  # a stored source, not in the config
    ("--brand", "acme", "Acme"),
])
def test_a_misspelt_name_is_refused_with_the_near_one(config_file: Path, option: str, typo: str,
                                                      meant: str) -> None:
    exit_code, rows, stderr = export(config_file, option, typo)
    assert (exit_code, rows) == (2, 0)
    assert f"no {option[2:]} named {typo!r}; did you mean {meant!r}?" in stderr


def test_an_unknown_name_lists_the_known_ones(config_file: Path) -> None:
    exit_code, _, stderr = export(config_file, "--source", "zzz")
    assert exit_code == 2 and "no source named 'zzz' (sources: acme-feed, globex-feed)" in stderr


def test_config_may_come_after_the_subcommand_or_from_the_environment(
    config_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path / "..")  # no config.yaml here
    for args in (["mentions", "export", "--brand", "Acme", "--config", str(config_file)],
                 ["mentions", "--config", str(config_file), "export", "--brand", "Acme"],
                 ["mentions", "export", f"--config={config_file}", "--brand", "Acme"]):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code == 0, result.stderr
        assert len(result.stdout.splitlines()) == 3
    result = CliRunner(env={"REPWATCH_CONFIG": str(config_file)}).invoke(
        cli, ["mentions", "export", "--brand", "Acme"])
    assert result.exit_code == 0 and len(result.stdout.splitlines()) == 3


@pytest.mark.parametrize("option", ["--since", "--until"])
def test_a_hostile_date_is_a_clear_error(config_file: Path, option: str) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config_file), "mentions", "export",
                                      option, "2026-01-01' OR '1'='1"])
    assert result.exit_code == 2
    assert "is not ISO 8601 or epoch seconds" in result.stderr


def test_collect_names_no_source_for_an_injection_string(config_file: Path, database: Database) -> None:
    before = table_counts(database)
    result = CliRunner().invoke(cli, ["--config", str(config_file), "collect", "--source", "x' OR '1'='1"])
    assert result.exit_code == 2
    assert "no source named \"x' OR '1'='1\"" in result.stderr
    assert table_counts(database) == before
    with database.session() as session:
        assert session.scalar(select(func.count()).select_from(Source)) == 2
