"""`repwatch serve`: the web dashboard over the configured database."""

from __future__ import annotations

import ipaddress
import os
import sys

import click

from repwatch.cli.app import AppContext, cli, pass_app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@cli.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback needs web.password_hash or "
                   "web.proxy_user_header in the config.")
@click.option("--port", default=8787, show_default=True, type=click.IntRange(1, 65535))
@click.option("--hash-password", is_flag=True,
              help="Ask for a password and print its hash for web.password_hash, then exit.")
@pass_app
def serve(app: AppContext, host: str, port: int, hash_password: bool) -> None:
    """Serve the dashboard: overview, themes, mentions, corrections, alerts, sources."""
    from repwatch.web.security import check_password_hash
    from repwatch.web.security import hash_password as make_hash

    if hash_password:
        password = click.prompt("Password", hide_input=True, confirmation_prompt=True)
        click.echo(make_hash(password))
        return
    web = app.config.web
    password_hash = web.password_hash or (os.environ.get(web.password_hash_env or "") or None)
    if password_hash:
        try:
            check_password_hash(password_hash)
        except ValueError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(2)
    if not is_loopback(host) and not (password_hash or web.proxy_user_header):
        click.echo(f"error: serving on {host} would let anyone on the network in: set "
                   "web.password_hash (see `repwatch serve --hash-password`) or "
                   "web.proxy_user_header in the config, or keep --host 127.0.0.1", err=True)
        sys.exit(2)

    import uvicorn

    from reports.quotes import enabled_themes
    from repwatch.web.app import Settings, create_app
    from repwatch.web.security import Access

    settings = Settings(
        brands=[brand.name for brand in app.config.brands], themes=enabled_themes(app.config),
        access=Access(web.user, password_hash, web.proxy_user_header),
        competitors={brand.name: [c.name for c in app.config.competitors_of(brand.name)]
                     for brand in app.config.brands},
        timezone=app.config.digest.timezone)
    dashboard = create_app(app.database, settings)
    click.echo(f"repwatch dashboard on http://{host}:{port}/ (Ctrl-C stops it)", err=True)
    uvicorn.run(dashboard, host=host, port=port, log_level="warning")
