"""Sources made of several streams (feeds, queries, countries), and where each stream stopped.

A source's cursor is `{"streams": {key: state}}`. A stream's state changes only on a `Page`
that carries one, and the runner saves it together with that page's mentions, so a saved state
never claims more than what is stored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

from collector.base import Batch
from collector.errors import CollectorError, MalformedRecord, StreamsFailed
from collector.mention import Mention
from collector.text import parse_iso


@dataclass
class Page:
    """Mentions from one request, and the stream's new state if it may be saved with them."""

    mentions: list[Mention] = field(default_factory=list)
    skipped: int = 0
    state: dict[str, Any] | None = None
    notes: list[str] = field(default_factory=list)


StreamFetch = Callable[[dict[str, Any] | None], Iterator[Page]]
PageCursor = TypeVar("PageCursor")


def run_streams(cursor: dict[str, Any] | None, streams: Mapping[str, StreamFetch]) -> Iterator[Batch]:
    """Fetch every stream; one failing stream does not stop the others, but fails the run."""
    saved = (cursor or {}).get("streams")
    saved = saved if isinstance(saved, dict) else {}
    states = {key: saved[key] for key in streams if isinstance(saved.get(key), dict)}
    failures: list[tuple[str, CollectorError]] = []
    for key, fetch in streams.items():
        try:
            for page in fetch(states.get(key)):
                if page.state is not None:
                    states[key] = page.state
                yield Batch(
                    mentions=page.mentions,
                    cursor={"streams": dict(states)} if page.state is not None else None,
                    skipped=page.skipped,
                    notes=[f"{_label(key)}: {note}" for note in page.notes],
                )
        except CollectorError as exc:
            failures.append((_label(key), exc))
    if failures:
        raise StreamsFailed(failures, len(streams))


def _label(key: str) -> str:
    """A stream key for messages: feed URLs lose their query string, which may hold a token."""
    return key.split("?", 1)[0]


class Mark:
    """The newest publication time collected in a stream, and the ids collected at that time.

    Listings are compared with it: older items were collected (or fall before the backfill
    window), items at the same time are told apart by id.
    """

    def __init__(self, time: datetime, ids: Iterable[str] = ()) -> None:
        self.time = time
        self.ids = set(ids)

    @classmethod
    def load(cls, state: dict[str, Any] | None, since: datetime) -> Mark:
        if not state or "newest" not in state:
            return cls(since)
        try:
            return cls(parse_iso(state["newest"]), [str(i) for i in state.get("ids", [])])
        except MalformedRecord:
            return cls(since)

    def copy(self) -> Mark:
        return Mark(self.time, self.ids)

    def is_older(self, mention: Mention) -> bool:
        return mention.published_at < self.time

    def covers(self, mention: Mention) -> bool:
        return self.is_older(mention) or (
            mention.published_at == self.time and mention.external_id in self.ids
        )

    def see(self, mention: Mention) -> None:
        if mention.published_at > self.time:
            self.time, self.ids = mention.published_at, {mention.external_id}
        elif mention.published_at == self.time:
            self.ids.add(mention.external_id)

    def state(self) -> dict[str, Any]:
        return {"newest": self.time.isoformat(), "ids": sorted(self.ids)}


def newest_first(pages: Iterable[Page], mark: Mark) -> Iterator[Page]:
    """Walk a newest-first listing until it reaches items older than `mark`.

    The new mark is saved only with the final page: pages in between cover a range whose
    older end is not stored yet. A whole page is filtered before stopping, because stores
    (Google Play especially) do not keep a page strictly in order.
    """
    newest = mark.copy()
    for page in pages:
        fresh = [mention for mention in page.mentions if not mark.covers(mention)]
        for mention in fresh:
            newest.see(mention)
        yield Page(fresh, page.skipped, notes=page.notes)
        if any(mark.is_older(mention) for mention in page.mentions):
            break
    yield Page(state=newest.state())


def oldest_first(pages: Iterable[Page], mark: Mark) -> Iterator[Page]:
    """Walk an oldest-first listing: every page is a closed range, so each carries its state."""
    newest = mark.copy()
    for page in pages:
        fresh = [mention for mention in page.mentions if not mark.covers(mention)]
        for mention in fresh:
            newest.see(mention)
        yield Page(fresh, page.skipped, state=newest.state(), notes=page.notes)


def parse_each(records: Iterable[Any], parse: Callable[[Any], Mention | None]) -> Page:
    """Parse a page's records; malformed ones are counted, `None` ones (not reviews) dropped.

    This is every collector's one gate for a record of the wrong shape (a field missing, or a
    string where an object belongs): it is skipped and counted, and the rest of the page kept.
    """
    page = Page()
    for record in records:
        try:
            mention = parse(record)
        except (MalformedRecord, LookupError, TypeError, ValueError, AttributeError):
            page.skipped += 1
            continue
        if mention is not None:
            page.mentions.append(mention)
    return page


def page_limit_note(max_pages: int, rest: str = "any older items were not collected") -> Page:
    return Page(notes=[f"stopped after max_pages={max_pages} pages; {rest}"])


def walk_pages(
    fetch_page: Callable[[PageCursor], tuple[Page | None, PageCursor | None]],
    first: PageCursor,
    max_pages: int,
    rest: str = "any older items were not collected",
) -> Iterator[Page]:
    """Every page of a listing, as dlt's paginators walk one: `fetch_page(cursor)` makes one
    request and answers (its page, the next page's cursor or None at the end). Cursors are
    whatever the API pages by: a page number, a next token, an `after` or `min_id`.

    A page of None (an empty answer with nothing to pass on) is not yielded. After
    `max_pages` pages with more to come, the walk stops with a note saying so.
    """
    cursor = first
    for _ in range(max_pages):
        page, following = fetch_page(cursor)
        if page is not None:
            yield page
        if following is None:
            return
        cursor = following
    yield page_limit_note(max_pages, rest)
