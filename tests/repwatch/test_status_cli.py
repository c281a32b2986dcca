"""`repwatch status` shows stored text as it is: a source error quoting a payload is not rich markup."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from repwatch.cli import cli
from storage import Database
from storage.sources import record_failure

HOSTILE_ERROR = "source feed: bad XML near <b>[/x]</b> [bold]not bold[/bold]"


def test_status_prints_a_bracketed_source_error_verbatim(tmp_path: Path) -> None:
    database_url = f"sqlite:///{tmp_path / 'repwatch.db'}"
    config = tmp_path / "config.yaml"
    config.write_text(f"""\
database:
  url: {database_url}
brands:
  - name: Acme [EU]
    keywords: ["Acme"]
sources:
  - name: feed
    kind: rss
    brand: Acme [EU]
    params: {{urls: ["https://example.com/feed.rss"]}}
""", encoding="utf-8")
    database = Database(database_url)
    database.upgrade()
    with database.session() as session:
        record_failure(session, "feed", "rss", "Acme [EU]", HOSTILE_ERROR)
    database.dispose()

    result = CliRunner().invoke(cli, ["--config", str(config), "status"], env={"COLUMNS": "250"})

    assert result.exit_code == 0, result.output
    assert HOSTILE_ERROR in result.stdout
