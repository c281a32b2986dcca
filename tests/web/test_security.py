"""Who gets in, and `repwatch serve` refusing to open the dashboard to a network unprotected."""

from __future__ import annotations

import base64
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from starlette.testclient import TestClient

from repwatch.cli import cli
from repwatch.web.app import Settings, create_app
from repwatch.web.security import Access, hash_password
from tests.web.conftest import BRAND, THEMES


def basic(user: str, password: str) -> dict[str, str]:
    return {"authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_a_password_protects_every_page(seeded) -> None:
    database, _ = seeded
    access = Access(user="ops", password_hash=hash_password("correct horse"))
    with TestClient(create_app(database, Settings([BRAND], THEMES, access))) as client:
        refused = client.get("/overview")
        assert refused.status_code == 401 and "Basic" in refused.headers["www-authenticate"]
        assert client.get("/static/style.css").status_code == 401
        assert client.get("/overview", headers=basic("ops", "wrong")).status_code == 401
        assert client.get("/overview", headers=basic("root", "correct horse")).status_code == 401
        page = client.get("/overview", headers=basic("ops", "correct horse"))
        assert page.status_code == 200 and ">ops<" in page.text


def test_a_proxy_header_names_the_user(seeded) -> None:
    database, ids = seeded
    access = Access(proxy_user_header="X-Forwarded-User")
    with TestClient(create_app(database, Settings([BRAND], THEMES, access))) as client:
        assert client.get("/overview").status_code == 401
        headers = {"X-Forwarded-User": "maria@example.com"}
        client.get("/alerts", headers=headers)
        token = client.cookies["repwatch_csrf"]
        client.post(f"/mentions/{ids['a1']}/correct", headers=headers,
                    data={"csrf_token": token, "sentiment": "neutral"})
        assert "maria@example.com" in client.get(f"/mentions/{ids['a1']}", headers=headers).text


def config_file(tmp_path: Path, **web: str) -> Path:
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump({"database": {"url": f"sqlite:///{tmp_path / 'r.db'}"},
                                    "brands": [{"name": BRAND}], "web": web}))
    return path


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::"])  # noqa: S104
def test_serve_refuses_a_network_address_without_a_password(tmp_path: Path, host: str) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config_file(tmp_path)), "serve", "--host", host])
    assert result.exit_code == 2
    assert result.output.startswith(f"error: serving on {host} would let anyone on the network in")
    assert "Traceback" not in result.output


def test_serve_names_a_malformed_password_hash(tmp_path: Path) -> None:
    config = config_file(tmp_path, password_hash="hunter2")
    result = CliRunner().invoke(cli, ["--config", str(config), "serve", "--host", "192.168.1.20"])
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        "error: web password hash must look like scrypt$SALT$HASH "
        "(make one with `repwatch serve --hash-password`)"]


def test_hash_password_prints_a_usable_hash(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["--config", str(config_file(tmp_path)), "serve", "--hash-password"],
                                input="s3cret\ns3cret\n")
    assert result.exit_code == 0, result.output
    stored = result.output.strip().splitlines()[-1]
    from repwatch.web.security import verify_password
    assert verify_password("s3cret", stored) and not verify_password("other", stored)


def test_without_a_password_only_loopback_host_names_are_served(client: TestClient) -> None:
    assert client.get("/overview").status_code == 200
    assert client.get("/overview", headers={"host": "localhost:8787"}).status_code == 200
    rebound = client.get("/overview", headers={"host": "attacker.example"})
    assert rebound.status_code == 400


@pytest.mark.postgres
def test_a_read_only_role_serves_pages_and_refuses_changes_clearly(postgres_server_url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from storage.db import Database
    from tests.conftest import _reset
    from tests.web.conftest import seed

    owner = Database(postgres_server_url)
    owner.upgrade()
    _reset(owner)
    ids = seed(owner)
    admin = create_engine(postgres_server_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP ROLE IF EXISTS repwatch_reader"))
        connection.execute(text("CREATE ROLE repwatch_reader LOGIN"))
        connection.execute(text("GRANT SELECT ON ALL TABLES IN SCHEMA public TO repwatch_reader"))
    reader = Database(make_url(postgres_server_url).set(username="repwatch_reader")
                      .render_as_string(hide_password=False))
    try:
        reader.upgrade()  # already current: no DDL is attempted
        with TestClient(create_app(reader, Settings([BRAND], THEMES)), base_url="http://127.0.0.1") as client:
            for path in ("/overview", "/mentions", "/themes/slow_response", "/alerts", "/sources"):
                assert client.get(path).status_code == 200, path
            token = client.cookies["repwatch_csrf"]
            refused = client.post(f"/mentions/{ids['a1']}/correct",
                                  data={"csrf_token": token, "sentiment": "positive"})
            assert refused.status_code == 503
            assert refused.text.startswith("the database refused the change (is the dashboard using "
                                           "a read-only role?): permission denied")
    finally:
        reader.dispose()
        owner.dispose()
        with admin.connect() as connection:
            connection.execute(text("DROP OWNED BY repwatch_reader"))
            connection.execute(text("DROP ROLE repwatch_reader"))
        admin.dispose()
