"""Fixtures for report tests: seeded databases and real SMTP servers on loopback."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from reporting import Inbox, Seeder, SmtpServer, authenticator, free_port, make_config

from repwatch.config import Config
from storage.db import Database


@pytest.fixture
def config() -> Config:
    return make_config()


@pytest.fixture
def seed(database: Database) -> Seeder:
    return Seeder(database)


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """A plain SMTP server on 127.0.0.1 (no TLS, no login)."""
    inbox = Inbox()
    port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield SmtpServer(port, inbox)
    controller.stop()


@pytest.fixture(scope="session")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A throwaway self-signed certificate for 127.0.0.1, made with the openssl tool."""
    if shutil.which("openssl") is None:
        pytest.skip("the openssl command is needed to make a test certificate")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
         "-out", str(cert), "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


@pytest.fixture(params=["starttls", "tls"])
def tls_smtp_server(request: pytest.FixtureRequest, certificate: tuple[Path, Path]
                    ) -> Iterator[tuple[str, SmtpServer]]:
    """An SMTP server that wants TLS (STARTTLS, or TLS from the first byte) and a login."""
    cert, key = certificate
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    inbox = Inbox()
    port = free_port()
    if request.param == "starttls":
        controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                                tls_context=server_context, require_starttls=True,
                                auth_required=True)
    else:  # aiosmtpd cannot tell the socket is TLS here, so it must not insist on STARTTLS
        controller = Controller(inbox, hostname="127.0.0.1", port=port, authenticator=authenticator,
                                ssl_context=server_context, auth_require_tls=False)
    controller.start()
    yield request.param, SmtpServer(port, inbox, ssl.create_default_context(cafile=str(cert)))
    controller.stop()

