"""The small settings objects reports take, built from the config (reports never see Config)."""

from __future__ import annotations

from reports.alerts import AlertSettings
from reports.notify import Channels
from reports.quotes import enabled_themes
from repwatch.config import Config


def alert_settings(config: Config) -> AlertSettings:
    alerts = config.alerts
    return AlertSettings(
        brands=tuple(brand.name for brand in config.brands),
        themes=tuple(enabled_themes(config)),
        timezone=config.digest.timezone,
        enabled=alerts.enabled,
        sensitivity=alerts.sensitivity,
        min_count=alerts.min_count,
        repeat_every=alerts.repeat_every,
        recipients=tuple(alerts.recipients),
        digest_url=alerts.digest_url,
    )


def alert_channels(config: Config) -> Channels:
    alerts = config.alerts
    return Channels(smtp=config.smtp, recipients=tuple(alerts.recipients),
                    webhook_url=alerts.webhook_url, webhook_url_env=alerts.webhook_url_env,
                    apprise_urls_env=tuple(alerts.apprise_urls_env))
