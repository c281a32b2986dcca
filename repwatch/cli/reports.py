"""`repwatch digest` and `repwatch alerts check|list|snooze|unsnooze`."""

from __future__ import annotations

import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import click
import httpx

from reports.alert_message import EVENT_NAMES, THEME_PREFIX, headline
from reports.alerts import check_alerts, metric_of
from reports.digest import build_digest, send_digest
from reports.notify import (
    DeliveryError,
    DryRunNotifier,
    NotConfigured,
    Notifier,
    email_notifier,
    notifiers_for,
)
from reports.periods import parse_week
from repwatch.cli.app import AppContext, cli, pass_app
from repwatch.config import parse_duration
from repwatch.emerging import find_for_digest
from repwatch.report_settings import alert_channels, alert_settings
from repwatch.tagging import load_tagger
from storage import reports as queries
from storage.mentions import as_utc, utc_naive

now_option = click.option(
    "--now", "now_text", hidden=True,
    help="Pretend it is this time (ISO, UTC if no zone); for demos and tests.",
)


def _now(text: str | None) -> datetime:
    if text is None:
        return datetime.now(UTC)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError as exc:
        raise click.BadParameter(f"{text!r} is not an ISO time", param_hint="--now") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _brands(app: AppContext, brand: str | None) -> list[str]:
    names = app.config.digest_brands()
    if brand is None:
        return names
    if brand not in names:
        raise click.BadParameter(f"{brand!r} is not a brand in the config (brands: "
                                 f"{', '.join(names)})", param_hint="--brand")
    return [brand]


@cli.command("digest")
@click.option("--brand", help="One brand (default: every brand).")
@click.option("--week", help="ISO week such as 2026-W47 (default: the last full week).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path),
              help="Archive folder (default: digest.output_dir).")
@click.option("--send", is_flag=True, help="Email the digest to digest.recipients.")
@click.option("--dry-run", is_flag=True,
              help="With --send: write the email as .eml under OUT/outbox instead of sending.")
@now_option
@pass_app
def digest(app: AppContext, brand: str | None, week: str | None, out: Path | None, send: bool,
           dry_run: bool, now_text: str | None) -> None:
    """Build the weekly digest: stored, archived as HTML, text, Markdown and JSON, optionally sent."""
    config = app.config
    now = _now(now_text)
    try:
        period = parse_week(week) if week else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--week") from exc
    brands = _brands(app, brand)
    out = out or Path(config.digest.output_dir)
    notifier: Notifier | None = None
    if send:
        if dry_run:
            notifier = DryRunNotifier(out / "outbox",
                                      config.smtp.sender if config.smtp else "repwatch@localhost")
        else:
            try:
                notifier = email_notifier(config)
            except NotConfigured as exc:
                raise click.UsageError(f"--send: {exc}") from exc
            if not config.digest.recipients:
                raise click.UsageError("--send: digest.recipients is empty")
    failed = False
    settings = config.digest_settings()
    tagger = load_tagger(config.model, config.themes)
    for name in brands:
        find_for_digest(app.database, tagger, config, name, period, now)
        report = build_digest(app.database, settings, name, period, now, out)
        problems = len(report.data["source_problems"])
        note = f", {problems} source problem(s)" if problems else ""
        click.echo(f"{name} {report.period_label}: {report.archive_path}{note}")
        if notifier is not None:
            try:
                send_digest(app.database, report, settings.recipients, notifier, now, resend=True)
            except DeliveryError as exc:
                click.echo(f"error: {name} {report.period_label} not sent: {exc}", err=True)
                failed = True
                continue
            if isinstance(notifier, DryRunNotifier):
                click.echo(f"  written to {notifier.written[-1]} (not sent)")
            else:
                click.echo(f"  sent to {', '.join(config.digest.recipients)}")
    if failed:
        sys.exit(1)


@cli.group("alerts")
def alerts_group() -> None:
    """Spike alerts: check now, list, snooze and unsnooze."""


@alerts_group.command("check")
@click.option("--dry-run", is_flag=True,
              help="Show what would be sent; change nothing and send nothing.")
@now_option
@pass_app
def alerts_check(app: AppContext, dry_run: bool, now_text: str | None) -> None:
    """Evaluate every brand now, record alert changes, and deliver pending notifications."""
    config = app.config
    now = _now(now_text)
    if not config.alerts.enabled:
        click.echo("alerts are disabled in the config (alerts.enabled: false)")
        return
    with httpx.Client(timeout=20.0) as http:
        if dry_run:
            preview = DryRunNotifier()
            summary = check_alerts(app.database, alert_settings(config), now, [preview],
                                   preview=True)
            for message in preview.sent:
                click.echo(f"--- would send: {message.subject}\n{message.text}")
        else:
            try:
                notifiers = notifiers_for(alert_channels(config), http=http)
            except NotConfigured as exc:
                raise click.UsageError(str(exc)) from exc
            summary = check_alerts(app.database, alert_settings(config), now, notifiers)
    click.echo(f"checked {summary.evaluated} metrics: {len(summary.fired)} fired, "
               f"{len(summary.repeated)} reminders, {len(summary.resolved)} resolved, "
               f"{len(summary.muted)} muted; {summary.delivered} sent")
    if summary.waiting:
        click.echo(f"{summary.waiting} notification(s) wait for a channel not configured now")
    for failure in summary.failed:
        click.echo(f"error: delivery failed (will retry on the next check): {failure}", err=True)
    if summary.failed:
        sys.exit(1)


@alerts_group.command("list")
@click.option("--days", default=7, show_default=True, help="Also show alerts resolved this recently.")
@now_option
@pass_app
def alerts_list(app: AppContext, days: int, now_text: str | None) -> None:
    """Firing and recently resolved alerts, their notifications, and active snoozes."""
    now = utc_naive(_now(now_text))
    zone = ZoneInfo(app.config.digest.timezone)

    def local(moment: datetime | None) -> str:
        return "-" if moment is None else as_utc(moment).astimezone(zone).strftime("%Y-%m-%d %H:%M")

    with app.database.reading() as session:
        alerts = queries.recent_alerts(session, now - timedelta(days=days))
        notes = queries.notifications_of(session, [a.id for a in alerts])
        snoozes = queries.active_snoozes(session, now)
        if not alerts:
            click.echo("no alerts")
        for alert in alerts:
            resolved = f"; back to normal {local(alert.resolved_at)}" if alert.resolved_at else ""
            click.echo(f"{alert.state.upper():9} {alert.brand}: {headline(alert)} "
                       f"(since {local(alert.started_at)}{resolved})")
            for note in (n for n in notes if n.alert_id == alert.id):
                name = EVENT_NAMES[note.event] + (f" {note.sequence + 1}" if note.event == "repeat" else "")
                extra = f" ({note.attempts} attempts: {note.last_error})" if note.last_error else ""
                click.echo(f"          {name} by {note.channel}: {note.status} "
                           f"{local(note.sent_at or note.created_at)}{extra}")
        for snooze in snoozes:
            name = snooze.metric.removeprefix(THEME_PREFIX)
            click.echo(f"snoozed   {name} for {snooze.brand or 'every brand'} until "
                       f"{local(snooze.until)}")


def _until(for_text: str | None, until_text: str | None, now: datetime, zone: ZoneInfo) -> datetime:
    if (for_text is None) == (until_text is None):
        raise click.UsageError("give exactly one of --for and --until")
    if for_text is not None:
        try:
            return now + parse_duration(for_text)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--for") from exc
    assert until_text is not None
    try:
        moment = datetime.fromisoformat(until_text)
    except ValueError as exc:
        raise click.BadParameter(f"{until_text!r} is not an ISO date or time",
                                 param_hint="--until") from exc
    moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
    if moment <= now:
        raise click.BadParameter("must be in the future", param_hint="--until")
    return moment


def _metric(app: AppContext, theme: str) -> str:
    try:
        return metric_of(theme, alert_settings(app.config).themes)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="THEME") from exc


@alerts_group.command("snooze")
@click.argument("theme")
@click.option("--brand", help="Only this brand (default: every brand).")
@click.option("--for", "for_text", help="How long, e.g. 2h, 2d, 1w.")
@click.option("--until", "until_text", help="Until this time (ISO; digest.timezone if no zone).")
@now_option
@pass_app
def alerts_snooze(app: AppContext, theme: str, brand: str | None, for_text: str | None,
                  until_text: str | None, now_text: str | None) -> None:
    """Mute notifications for THEME (or negative_volume, negative_share) for a while."""
    metric = _metric(app, theme)
    if brand is not None:
        _brands(app, brand)
    now = _now(now_text)
    until = _until(for_text, until_text, now, ZoneInfo(app.config.digest.timezone))
    with app.database.session() as session:
        queries.set_snooze(session, brand, metric, utc_naive(until), utc_naive(now))
    click.echo(f"snoozed {theme} for {brand or 'every brand'} until "
               f"{until.astimezone(ZoneInfo(app.config.digest.timezone)):%Y-%m-%d %H:%M %Z}")


@alerts_group.command("unsnooze")
@click.argument("theme")
@click.option("--brand", help="The brand given to snooze (default: the every-brand snooze).")
@pass_app
def alerts_unsnooze(app: AppContext, theme: str, brand: str | None) -> None:
    """End a snooze now."""
    metric = _metric(app, theme)
    with app.database.session() as session:
        removed = queries.remove_snooze(session, brand, metric)
    click.echo(f"unsnoozed {theme}" if removed else f"{theme} was not snoozed")
