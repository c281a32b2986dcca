"""Running collectors: load each source's cursor, fetch, and store every batch of mentions
together with the cursor that covers it, in one transaction.

A crash repeats work and never skips it: a cursor is only ever saved with its mentions, and
the unique key (source, external id) makes repeated mentions harmless. A failing source
records its error and failure count and leaves its cursor as its last stored batch left it;
the other sources carry on.
"""

from __future__ import annotations

import logging
import os
import threading
import traceback
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from pydantic import ValidationError

from collector import registry
from collector.base import Batch, BrandTerms, Collector, CollectorParams
from collector.errors import CollectorError, FatalError
from collector.http import HostPacer, Http, HttpSettings, SystemClock, build_http
from repwatch.config import BrandConfig, Config, NetworkConfig, SourceConfig
from storage import Database, StorageError
from storage.sources import record_failure, record_success, start_attempt, store_batch

log = logging.getLogger(__name__)

HttpFactory = Callable[[SourceConfig], Http]


@dataclass
class SourceRun:
    """What one run of one source did; `progress` callbacks get it after every batch."""

    name: str
    kind: str
    new: int = 0
    duplicates: int = 0
    skipped: int = 0
    batches: int = 0
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    retriable: bool | None = None
    consecutive_failures: int = 0
    finished: bool = False

    @property
    def ok(self) -> bool:
        return self.finished and self.error is None


Progress = Callable[[SourceRun], None]


def http_settings(network: NetworkConfig) -> HttpSettings:
    return HttpSettings(
        timeout_seconds=network.timeout_seconds,
        max_retries=network.max_retries,
        retry_budget=max(network.max_retries * 5, 1),
        max_response_bytes=int(network.max_response_mb * 2**20),
        min_seconds_between_requests=network.min_seconds_between_requests,
        allow_private_hosts=network.allow_private_hosts,
        request_deadline_seconds=network.request_deadline_seconds,
        run_deadline_seconds=network.source_deadline_seconds,
    )


def brand_terms(brand: BrandConfig) -> BrandTerms:
    return BrandTerms(
        name=brand.name,
        keywords=tuple(brand.keywords),
        hashtags=tuple(brand.hashtags),
        apple_app_ids=tuple(brand.apple_app_ids),
        google_play_ids=tuple(brand.google_play_ids),
    )


def read_secrets(params: CollectorParams, env: Mapping[str, str]) -> dict[str, str]:
    """Each `*_env` field's secret, read from the environment now, at run time."""
    secrets = {}
    for name, variable in params.secret_names().items():
        value = env.get(variable)
        if not value:
            raise FatalError(f"environment variable {variable} is not set")
        secrets[name] = value
    return secrets


def redact(message: str, secrets: Mapping[str, str]) -> str:
    for value in secrets.values():
        if value:
            message = message.replace(value, "***")
    return message


class Collection:
    """Runs the configured sources against one database.

    Keep one for the life of a process (the scheduler does): collectors are kept between
    runs, so a Bluesky session is created once and then refreshed, and one pacer spaces
    requests to each host across every source.
    """

    def __init__(
        self,
        database: Database,
        config: Config,
        *,
        http_factory: HttpFactory | None = None,
        env: Mapping[str, str] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.database = database
        self.config = config
        self.env = os.environ if env is None else env
        self.now = now or (lambda: datetime.now(UTC))
        self.pacer = HostPacer(config.network.min_seconds_between_requests, SystemClock())
        self.http_factory = http_factory or self._default_http
        self._collectors: dict[str, Collector] = {}

    def _default_http(self, source: SourceConfig) -> Http:
        return build_http(http_settings(self.config.network), pacer=self.pacer)

    def collector(self, source: SourceConfig) -> Collector:
        """The collector for a source, built once and kept while its params stay the same."""
        collector_class = registry.get(source.kind)
        params = source.params
        if not isinstance(params, CollectorParams):
            try:
                params = collector_class.Params.model_validate(params or {}, context={"check_env": False})
            except ValidationError as exc:
                raise FatalError(f"invalid params: {exc}") from exc
        cached = self._collectors.get(source.name)
        if cached is None or type(cached) is not collector_class or cached.params != params:
            brand = brand_terms(self.config.brand(source.brand))
            cached = collector_class(params, brand, read_secrets(params, self.env))
            self._collectors[source.name] = cached
        return cached

    def run_source(
        self, name: str, progress: Progress | None = None, stop: threading.Event | None = None
    ) -> SourceRun:
        """One run of one source. Setting `stop` ends it after the batch in flight is stored."""
        source = self.config.source(name)
        run = SourceRun(source.name, source.kind)
        report = progress or (lambda _run: None)
        report(run)
        started = self.now()
        with self.database.session() as session:
            cursor = start_attempt(session, source.name, source.kind, source.brand, started)
        since = started - timedelta(days=self.config.collection.backfill_days)
        secrets: Mapping[str, str] = {}
        try:
            collector = self.collector(source)
            secrets = collector.secrets
            with self.http_factory(source) as http:
                for batch in collector.fetch(http, cursor, since):
                    self._store(source, batch, run)
                    report(run)
                    if stop is not None and stop.is_set():
                        run.notes.append("stopped early on shutdown; the next run continues from here")
                        break
        except StorageError:
            raise
        except CollectorError as exc:
            self._fail(source, run, redact(str(exc), secrets), exc.retriable)
        except Exception as exc:
            # A bug in one collector must not stop the others: it is recorded on the source
            # and logged with its traceback (secrets masked), never swallowed.
            trace = redact("".join(traceback.format_exception(exc)), secrets)
            log.error("source %s: unexpected error in the %s collector\n%s", source.name, source.kind, trace)
            message = f"unexpected {type(exc).__name__} in the {source.kind} collector: {exc}"
            self._fail(source, run, redact(message, secrets), retriable=False)
        else:
            with self.database.session() as session:
                record_success(
                    session, source.name, source.kind, source.brand, self.now(), run.new, run.skipped
                )
        run.finished = True
        report(run)
        return run

    def _store(self, source: SourceConfig, batch: Batch, run: SourceRun) -> None:
        with self.database.session() as session:
            result = store_batch(
                session, source.name, source.kind, source.brand, batch.mentions, batch.cursor,
                self.now(),
            )
        run.batches += 1
        run.new += result.new
        run.duplicates += result.duplicates
        run.skipped += batch.skipped + len(result.rejected)
        run.notes += batch.notes
        for note in batch.notes:
            log.info("source %s: %s", source.name, note)
        for external_id, reason in result.rejected:
            log.warning("source %s: mention %s refused by the database: %s", source.name, external_id, reason)

    def _fail(self, source: SourceConfig, run: SourceRun, message: str, retriable: bool) -> None:
        run.error = f"source {source.name}: {message}"
        run.retriable = retriable
        with self.database.session() as session:
            run.consecutive_failures = record_failure(
                session, source.name, source.kind, source.brand, run.error
            )
        log.warning("%s (%s, failure %d in a row)", run.error,
                    "will retry next run" if retriable else "needs attention", run.consecutive_failures)

    def run_all(
        self,
        names: list[str] | None = None,
        progress: Progress | None = None,
        workers: int | None = None,
    ) -> list[SourceRun]:
        """Run the named sources (default: every enabled one) concurrently; results in order."""
        if names is None:
            names = [source.name for source in self.config.sources if source.enabled]
        if not names:
            return []
        with ThreadPoolExecutor(max_workers=workers or min(8, len(names)),
                                thread_name_prefix="collect") as pool:
            futures = [pool.submit(self.run_source, name, progress) for name in names]
            return [future.result() for future in futures]


def collect_source(
    database: Database,
    config: Config,
    source_name: str,
    *,
    http_factory: HttpFactory | None = None,
    env: Mapping[str, str] | None = None,
    now: Callable[[], datetime] | None = None,
    progress: Progress | None = None,
) -> SourceRun:
    """One run of one source."""
    collection = Collection(database, config, http_factory=http_factory, env=env, now=now)
    return collection.run_source(source_name, progress)


def collect_all(
    database: Database,
    config: Config,
    *,
    names: list[str] | None = None,
    http_factory: HttpFactory | None = None,
    env: Mapping[str, str] | None = None,
    now: Callable[[], datetime] | None = None,
    progress: Progress | None = None,
    workers: int | None = None,
) -> list[SourceRun]:
    """Every enabled source (or `names`), concurrently."""
    collection = Collection(database, config, http_factory=http_factory, env=env, now=now)
    return collection.run_all(names, progress, workers)
