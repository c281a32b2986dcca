"""The pipeline: the one place that wires collecting, tagging, alerting and the digest together."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from reports.alerts import CheckSummary, check_alerts
from reports.digest import DigestReport, build_digest, send_digest
from reports.notify import Notifier, email_notifier, notifiers_for
from repwatch.collect import Collection, HttpFactory, Progress
from repwatch.config import Config
from repwatch.emerging import find_for_digest
from repwatch.logs import log_context
from repwatch.report_settings import alert_channels, alert_settings
from repwatch.tagging import load_tagger, tag_mentions
from storage import Database
from storage.tagging import count_pending

if TYPE_CHECKING:
    from sentiment import Tagger  # the model stack loads only when the first tag job needs it

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
        notifiers: list[Notifier] | None = None,
        digest_dir: Path | None = None,
        tagger: Tagger | None = None,
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
    def tagger(self) -> Tagger:
        with self._tagger_lock:
            if self._tagger is None:
                self._tagger = load_tagger(self.config.model, self.config.themes)
            return self._tagger

    def tag(self, progress: Callable[[int, int], None] | None = None) -> int:
        with self.database.reading() as session:
            if not count_pending(session):
                return 0  # nothing to tag: leave the model unloaded
        tagged = tag_mentions(self.database, self.tagger, self.config.model.languages,
                              self.config.model.batch_size, progress=progress,
                              stop=self.stop).total
        if tagged:
            log.info("tagged %d mentions", tagged)
        return tagged

    # ---- alerts and digests ---------------------------------------------------------------

    def notifiers(self) -> list[Notifier]:
        if self._notifiers is None:
            self._notifiers = notifiers_for(alert_channels(self.config), env=self.env)
        return self._notifiers

    def check_alerts(self) -> CheckSummary:
        summary = check_alerts(self.database, alert_settings(self.config), self.clock(),
                               self.notifiers())
        log.info("alert check: %d evaluated, fired %s, resolved %s, %d delivered, %d failed",
                 summary.evaluated, summary.fired or "none", summary.resolved or "none",
                 summary.delivered, len(summary.failed))
        for failure in summary.failed:
            log.warning("alert delivery failed, will retry on the next check: %s", failure)
        return summary

    def weekly_digest(self, send: bool = True) -> list[DigestReport]:
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
