"""The three kinds of collector failure, so the runner can treat every source alike.

Library exceptions (httpx, json, feedparser) are translated into these once, where they happen;
the runner never sees a library exception from a well-behaved collector.
"""

from __future__ import annotations


class CollectorError(Exception):
    """A source could not be collected this run. `retriable` says whether trying later may help."""

    retriable = False


class RetriableError(CollectorError):
    """Throttled, a server error or a timeout: the next scheduled run may well succeed."""

    retriable = True


class FatalError(CollectorError):
    """A refused request, bad credentials, a bad URL or a payload we cannot read: fix the config."""


class MalformedRecord(ValueError):
    """One record in an otherwise good payload could not be read; it is skipped and counted."""


class StreamsFailed(CollectorError):
    """Some of a source's streams (feeds, queries, countries) failed; the others were collected."""

    def __init__(self, failures: list[tuple[str, CollectorError]], total: int) -> None:
        self.failures = failures
        self.retriable = all(error.retriable for _, error in failures)
        details = "; ".join(f"{key}: {error}" for key, error in failures)
        super().__init__(details if total == 1 else f"{len(failures)} of {total} streams failed: {details}")
