"""`repwatch collect` and `repwatch sources` end to end, against a real loopback server."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner
from conftest import FIXTURES

from repwatch.cli import cli


class FakeServices(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802
        parts = urlsplit(self.path)
        if parts.path == "/api/v1/search_by_date":
            page = parse_qs(parts.query)["page"][0]
            self.answer(200, (FIXTURES / "hacker_news" / f"page{page}.json").read_bytes())
        elif parts.path == "/broken.rss":
            self.answer(500, b"oops")
        else:
            self.answer(404, b"{}")

    def answer(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def base_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeServices)
    threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def config_file(tmp_path: Path, base_url: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(f"""\
database:
  url: sqlite:///{tmp_path / 'repwatch.db'}
brands:
  - name: Acme Telecom
    keywords: ["AcmeTel"]
sources:
  - name: hacker-news
    kind: hacker_news
    brand: Acme Telecom
    params: {{base_url: "{base_url}"}}
  - name: broken-feed
    kind: rss
    brand: Acme Telecom
    params: {{urls: ["{base_url}/broken.rss"]}}
network:
  allow_private_hosts: true
  min_seconds_between_requests: 0
  max_retries: 0
collection:
  backfill_days: 3650
""")
    return path


def test_collect_then_sources_show_each_source_health(config_file: Path) -> None:
    runner = CliRunner()
    collected = runner.invoke(cli, ["--config", str(config_file), "collect"])
    assert collected.exit_code == 1  # one source failed
    assert "collected 4 new mentions from 1 of 2 sources" in collected.stdout
    assert "error: source broken-feed: http" in collected.stderr
    assert "HTTP 500" in collected.stderr

    health = runner.invoke(cli, ["--config", str(config_file), "sources"])
    assert health.exit_code == 0, health.output
    lines = health.stdout.splitlines()
    hn = lines.index("hacker-news (hacker_news, enabled)")
    assert lines[hn + 1].startswith("  last success: ")
    assert lines[hn + 2] == "  items last run: 4, skipped: 1"
    assert lines[hn + 3] == "  consecutive failures: 0"
    broken = lines.index("broken-feed (rss, enabled)")
    assert lines[broken + 1] == "  last success: never"
    assert lines[broken + 3] == "  consecutive failures: 1"
    assert lines[broken + 4].startswith("  last error: source broken-feed:")

    again = runner.invoke(cli, ["--config", str(config_file), "collect", "--source", "hacker-news"])
    assert again.exit_code == 0
    assert "collected 0 new mentions from 1 of 1 sources" in again.stdout


def test_collect_names_an_unknown_source(config_file: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config_file), "collect", "--source", "nope"])
    assert result.exit_code == 2
    assert "no source named 'nope' (sources: broken-feed, hacker-news)" in result.stderr


def test_a_help_desk_import_shows_up_as_a_source(config_file: Path, tmp_path: Path) -> None:
    export = tmp_path / "zendesk.csv"
    export.write_text(
        "id,text,published_at,rating\n"
        "z1,Waited 40 minutes on hold,2026-11-19T10:00:00Z,1\n"
        "z2,,2026-11-19T11:00:00Z,2\n"
        "z3,Agent fixed it quickly,2026-11-19T12:00:00Z,5\n"
    )
    runner = CliRunner()
    imported = runner.invoke(cli, ["--config", str(config_file), "mentions", "import", str(export),
                                   "--source", "zendesk"])
    assert imported.exit_code == 1, imported.output  # one row skipped
    health = runner.invoke(cli, ["--config", str(config_file), "sources"]).stdout.splitlines()
    row = health.index("zendesk (file_import, not in the config)")
    assert health[row + 2] == "  items last run: 2, skipped: 1"
    assert health[row + 3] == "  consecutive failures: 0"


BAD_NETWORK_AND_URLS = r"""
database: {url: "sqlite:///unused.db"}
brands: [{name: Acme, keywords: [acme], hashtags: [acme]}]
sources:
  - {name: feeds, kind: rss, brand: Acme, params: {urls: ['http:\\news.example\feed']}}
  - {name: toots, kind: mastodon, brand: Acme, params: {instances: ['http:\\mastodon.social']}}
  - {name: hn, kind: hacker_news, brand: Acme, params: {base_url: 'https://hn.algolia .com'}}
network: {max_response_mb: .inf, timeout_seconds: .nan, request_deadline_seconds: -1}
"""


def test_config_check_refuses_backslash_urls_and_endless_numbers_one_line_each(tmp_path: Path) -> None:
    path = tmp_path / "config.yaml"
    path.write_text(BAD_NETWORK_AND_URLS)
    result = CliRunner().invoke(cli, ["--config", str(path), "config", "check"])
    assert result.exit_code == 2
    assert result.output.splitlines()[1:] == [
        r"  line 5: sources[0].params.urls[0]: http:\\news.example\feed is not an http:// or https:// URL "
        "(it has a backslash; URLs use forward slashes)",
        r"  line 6: sources[1].params.instances[0]: http:\\mastodon.social is not an http:// or https:// URL "
        "(it has a backslash; URLs use forward slashes)",
        "  line 7: sources[2].params.base_url: https://hn.algolia .com is not an http:// or https:// URL "
        "(it has a space)",
        "  line 8: network.max_response_mb: Input should be a finite number",
        "  line 8: network.request_deadline_seconds: Input should be greater than 0",
        "  line 8: network.timeout_seconds: Input should be a finite number",
    ]
