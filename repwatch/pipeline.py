"""The pipeline: the one place that wires collecting, tagging, alerting and the digest together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from repwatch.collect import Collection, HttpFactory, Progress
from repwatch.config import Config
from repwatch.logs import log_context
from storage import Database

log = logging.getLogger("repwatch.pipeline")
Clock = Callable[[], datetime]


class Pipeline:
    """Implements the scheduler's jobs; keep one per process (collectors and the model are reused)."""

    def __init__(
        self,
        config: Config,
        database: Database,
        *,
        http_factory: HttpFactory | None = None,
        env: Mapping[str, str] | None = None,
        clock: Clock | None = None,
        notifiers: list[Any] | None = None,
        digest_dir: Path | None = None,
        tagger: Any | None = None,
    ) -> None:
        self.config = config
        self.database = database
        self.clock = clock or (lambda: datetime.now(UTC))
        self.env = env
        self.collection = Collection(database, config, http_factory=http_factory, env=env, now=self.clock)
        self.digest_dir = digest_dir or Path(config.digest.output_dir)
        self._notifiers = notifiers
        self._tagger = tagger
        self._tagger_lock = threading.Lock()
        self.stop = threading.Event()

    # ---- collecting -----------------------------------------------------------------------

    def collect(self, source_name: str, progress: Progress | None = None) -> int:
        with log_context(source=source_name):
            run = self.collection.run_source(source_name, progress, stop=self.stop)
            if run.error is None:
                log.info("collected %d new mentions (%d already stored, %d skipped)",
                         run.new, run.duplicates, run.skipped)
        return run.new

    # ---- tagging --------------------------------------------------------------------------

    @property
    def tagger(self) -> Any:
        with self._tagger_lock:
            if self._tagger is None:
                from repwatch.tagging import load_tagger

                self._tagger = load_tagger(self.config.model, self.config.themes)
            return self._tagger

    def tag(self, progress: Callable[[int, int], None] | None = None) -> int:
        from repwatch.tagging import tag_mentions

        tagged = tag_mentions(self.database, self.tagger, self.config.model.languages,
                              self.config.model.batch_size, progress=progress,
                              stop=self.stop).total
        if tagged:
            log.info("tagged %d mentions", tagged)
        return tagged

    # ---- alerts and digests ---------------------------------------------------------------

    def notifiers(self) -> list[Any]:
        if self._notifiers is None:
            from reports.notify import notifiers_for
            from repwatch.report_settings import alert_channels

            self._notifiers = notifiers_for(alert_channels(self.config), env=self.env)
        return self._notifiers

    def check_alerts(self) -> Any:
        from reports.alerts import check_alerts
        from repwatch.report_settings import alert_settings

        summary = check_alerts(self.database, alert_settings(self.config), self.clock(),
                               self.notifiers())
        log.info("alert check: %d evaluated, fired %s, resolved %s, %d delivered, %d failed",
                 summary.evaluated, summary.fired or "none", summary.resolved or "none",
                 summary.delivered, len(summary.failed))
        for failure in summary.failed:
            log.warning("alert delivery failed, will retry on the next check: %s", failure)
        return summary

    def weekly_digest(self, send: bool = True) -> list[Any]:
        from reports.digest import build_digest, send_digest
        from reports.notify import email_notifier
        from repwatch.emerging import find_for_digest

        settings = self.config.digest_settings()
        reports = []
        for brand in settings.brands:
            with log_context(brand=brand):
                week, clusters = find_for_digest(self.database, self.tagger, self.config, brand,
                                                 None, self.clock())
                log.info("emerging complaints %s: %d groups, %d new or growing", week.label,
                         len(clusters), sum(c["emerging"] for c in clusters))
                report = build_digest(self.database, settings, brand, None, self.clock(),
                                      out_dir=self.digest_dir)
                log.info("digest %s written to %s", report.period_label, report.archive_path)
                if send and settings.recipients:
                    send_digest(self.database, report, settings.recipients,
                                email_notifier(self.config, self.env), self.clock())
                reports.append(report)
        return reports
