"""`repwatch init`, `config check`, `db upgrade` and `mentions import/export` through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from repwatch.cli import cli

CONFIG = """\
database:
  url: sqlite:///{db}
brands:
  - name: Acme
  - name: Globex
"""


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "config.yaml").write_text(CONFIG.format(db=tmp_path / "r.db"))
    return tmp_path


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def test_init_writes_the_example_and_creates_the_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("init")
    assert code == 0, out
    assert (tmp_path / "config.yaml").read_text().startswith("# repwatch configuration.")
    assert (tmp_path / "repwatch.db").exists()
    code, out, _ = run("init")
    assert code == 0 and "exists; leaving it" in out


def test_config_check_lists_every_problem_and_exits_non_zero(workspace: Path) -> None:
    (workspace / "config.yaml").write_text("brands:\n  - name: Acme\n    colour: red\nnetwork:\n  max_retries: many\n")
    code, _, err = run("config", "check")
    assert code == 2
    assert "2 problems" in err
    assert "line 3: brands[0].colour: Extra inputs are not permitted" in err
    assert "line 5: network.max_retries: Input should be a valid integer" in err


def test_missing_config_file_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run("--config", "nope.yaml", "config", "check")
    assert code == 2 and "nope.yaml" in err and "file not found" in err


def test_dead_database_is_a_clear_error(workspace: Path) -> None:
    (workspace / "config.yaml").write_text(
        "database:\n  url: postgresql+psycopg://postgres@127.0.0.1:1/none\nbrands:\n  - name: Acme\n"
    )
    code, _, err = run("db", "upgrade")
    assert code == 2 and "cannot reach database postgresql+psycopg://postgres@127.0.0.1:1/none" in err


def test_import_keeps_good_rows_and_reports_bad_ones_by_line(workspace: Path) -> None:
    (workspace / "tickets.csv").write_text(
        "ticket,body,created,stars,agent_lang\n"
        "T1,Waited three weeks for a reply,2026-11-02T10:00:00Z,2,en\n"
        'T2,"Multi-line\nbody, still fine",2026-11-03 09:00,,en\n'
        "T3,,2026-11-03 09:00,3,en\n"
        "T4,Rating out of range,2026-11-04,9,en\n"
        "T5,Bad date,yesterday,1,en\n"
        "T6,Agent could not understand me,1762250000,1,en\n"
    )
    args = ["mentions", "import", "tickets.csv", "--brand", "Globex", "--source", "helpscout",
            "--id-column", "ticket",
            "--text-column", "body", "--date-column", "created", "--rating-column", "stars",
            "--language-column", "agent_lang"]
    code, out, err = run(*args)
    assert code == 1, err  # not everything was imported
    assert "imported 3 new mentions (0 updated, 0 already stored, 3 bad rows skipped)" in out
    assert "tickets.csv:5: skipped: column 'body' is missing or empty" in err
    assert "tickets.csv:6: skipped: rating '9' is not a whole number from 1 to 5" in err
    assert "tickets.csv:7: skipped: date 'yesterday' is not ISO 8601 or epoch seconds" in err
    code, out, _ = run(*args)
    assert "imported 0 new mentions (0 updated, 3 already stored" in out

    code, out, _ = run("mentions", "export", "--format", "jsonl", "--brand", "Globex")
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r["external_id"] for r in rows] == ["T6", "T1", "T2"]
    assert rows[0]["published_at"] == "2025-11-04T09:53:20+00:00"
    assert rows[1]["rating"] == 2 and rows[1]["source"] == "helpscout"
    assert rows[2]["text"] == "Multi-line\nbody, still fine"


def test_jsonl_import_without_ids_and_csv_export(workspace: Path) -> None:
    (workspace / "survey.jsonl").write_text(
        '{"text": "The chatbot kept looping", "published_at": "2026-11-05T08:00:00+01:00"}\n'
        "not json\n"
        '["a list"]\n'
        '{"text": "The chatbot kept looping", "published_at": "2026-11-05T08:00:00+01:00"}\n'
    )
    code, out, err = run("mentions", "import", "survey.jsonl", "--id-column", "", "--source", "survey",
                         "--brand", "Acme")
    assert code == 1
    assert "imported 1 new mentions (0 updated, 1 already stored, 2 bad rows skipped)" in out
    assert "survey.jsonl:2: skipped: not valid JSON" in err
    assert "survey.jsonl:3: skipped: not a JSON object" in err
    code, _, _ = run("mentions", "export", "--format", "csv", "-o", "out.csv", "--since", "2026-11-05")
    lines = (workspace / "out.csv").read_text().splitlines()
    assert lines[0].startswith("source,external_id,brand")
    assert len(lines) == 2 and "2026-11-05T07:00:00+00:00" in lines[1]


def test_export_rejects_a_bad_date(workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["mentions", "export", "--since", "last week"])
    assert result.exit_code == 2 and "not ISO 8601" in result.stderr


def test_a_missing_output_folder_is_one_clear_line(workspace: Path) -> None:
    (workspace / "texts.jsonl").write_text('{"id": 1, "text": "slow"}\n')
    (workspace / "taken").write_text("a file, not a folder")
    for args, message in (
        (["mentions", "export", "-o", "missing/out.csv"], "Invalid value for --output: folder 'missing' does not exist"),
        (["model", "predict", "--input", "texts.jsonl", "--output", "missing/tags.jsonl"],
         "Invalid value for --output: folder 'missing' does not exist"),
        (["digest", "--out", "taken/digests", "--now", "2026-12-01T09:00:00Z"], "Not a directory"),
    ):
        result = CliRunner().invoke(cli, args)
        assert result.exit_code in (1, 2), result.output
        assert message in result.stderr, result.output
        assert "Traceback" not in result.output and result.exception is None or isinstance(
            result.exception, SystemExit)


def test_digest_takes_a_lower_case_week(workspace: Path) -> None:
    result = CliRunner().invoke(cli, ["digest", "--week", "2026-w48", "--brand", "Acme", "--out", "d"])
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Acme 2026-W48: ")
