"""Crash soak: the collector killed with SIGKILL at random moments, restarted, and checked.

Two collectors are soaked, each with its own cursor shape. By default, Stack Exchange (a
time-and-ids mark, oldest first, a closed range per page); with `--collector mastodon`, a
Mastodon hashtag timeline (a first run newest first by `max_id` that saves `min_id` only at
its end, then `min_id` walks forward, a closed range per page), described at the end.

A loopback server answers Stack Exchange's `/2.3/search/advanced` (sort=creation, order=asc,
`fromdate` inclusive) for two sites, 5,000 questions in all, 25 to a page (the collector asks
for 100 and follows `has_more`; smaller pages mean more page breaks and more commits to be
killed between). About a third of the questions share their creation second with the one
before them, so many page breaks fall inside a group of equal timestamps (the server counts
them). The questions are revealed in chunks, as if they were being posted. Each chunk is
collected by the real command, `repwatch collect --source soak`, in its own OS process against
a real SQLite file (or PostgreSQL database); the process is killed with SIGKILL at a random
moment (seeded) and started again until the chunk is stored, then the next one is revealed.

After every kill and every run the database is checked (`Checker.problems`):
- nothing doubled: each external id is stored once;
- nothing invented: every stored id was served;
- no gap: per stream, the stored questions are a prefix of the served order (creation, id);
- the cursor is not ahead of the data. The source's cursor is
  {"streams": {"<site>:<query>": {"newest": ISO time, "ids": [ids at that time]}}}; for each
  stream it claims every question created before `newest`, and those created at `newest`
  whose id is in `ids` (what `collector.streams.Mark.covers` skips on the next run). Every
  claimed question must be stored.
After every completed run the stored ids equal the ids revealed so far; at the end, all served.

Mastodon: one instance (the loopback server) and hashtag, 40 statuses to a page (Mastodon's
largest, and the collector takes a shorter page for the end); ids grow with time, as
Mastodon's do. Each attempt sends its own access token, so requests are told apart by their
`Authorization` header (the stream's key holds the instance URL, which cannot change). The
cursor is {"streams": {"<instance>#acme": {"min_id": id}}} and claims every status up to that
id. There is no gap check: a first run killed half-way has stored the newest statuses and
not the oldest, which the next first run fetches again.

    python bench/soak_crash.py [--collector stack_exchange|mastodon] [--kills 100] [--items 5000]
                               [--seed 1] [--latency 0.05] [--page-size 25]
                               [--database-url URL | --postgres] [--json]

SOAK_VERBOSE=1 prints every attempt.
"""

from __future__ import annotations

import argparse
import bisect
import json
import math
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

REPOSITORY = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(REPOSITORY))

from loopback import Call, LoopbackServer  # noqa: E402
from sqlalchemy import create_engine, inspect, select, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from storage import Database  # noqa: E402
from storage.models import MentionRow, Source  # noqa: E402

SITES = ("stackoverflow", "superuser")
DOMAINS = {"stackoverflow": "stackoverflow.com", "superuser": "superuser.com"}
FIRST_IDS = {"stackoverflow": 79_100_000, "superuser": 1_880_000}  # distinct ranges, as on the real sites
QUERY = "acme"
SOURCE = "soak"
PATH = "/2.3/search/advanced"
PAGE_SIZE = 100  # the API's largest page, which the collector asks for
SOAK_PAGE_SIZE = 25  # what the soak's server gives instead: more pages, more breaks, more commits
TIE_SHARE = 0.35  # share of questions created in the same second as the one before them
KILL_SHARE = 0.85  # attempts that are killed (while kills are still wanted); the rest run to the end
FROM_LAUNCH_SHARE = 0.2  # kills timed from the process start (start-up, migration, cursor load)
PAGE_WINDOW = 0.2  # seconds after a page is served in which the client parses and stores it
MASTODON = "mastodon"  # the "site" of every status
MASTODON_PATH = f"/api/v1/timelines/tag/{QUERY}"
MASTODON_PAGE_SIZE = 40
ACCESS_VARIABLE = "SOAK_MASTODON_ACCESS"
PG_ADMIN_URL = os.environ.get("REPWATCH_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True)
class Question:
    site: str
    id: int
    created: int  # Unix seconds, as the API gives creation_date

    @property
    def stream(self) -> str:
        return f"{self.site}:{QUERY}"

    @property
    def external_id(self) -> str:
        """The id the collector stores: question ids are per site; a status is its URI."""
        if self.site == MASTODON:
            return f"https://social.example/users/dev{self.id % 97}/statuses/{self.id}"
        return f"{self.site}:{self.id}"


def make_questions(total: int, rng: random.Random, now: float) -> list[Question]:
    """`total` questions over the sites, in the order they were posted (creation, site, id)."""
    counts = {SITES[0]: total * 3 // 5, SITES[1]: total - total * 3 // 5}
    questions = []
    for site, count in counts.items():
        created, ident = int(now) - count * 40, FIRST_IDS[site]
        for _ in range(count):
            if rng.random() > TIE_SHARE:
                created += rng.randint(1, 60)
            ident += rng.randint(1, 7)
            questions.append(Question(site, ident, created))
    questions.sort(key=lambda q: (q.created, q.site, q.id))
    return questions


def make_statuses(total: int, rng: random.Random, now: float) -> list[Question]:
    """`total` statuses in the order they were posted; ids grow with time (Mastodon's are
    time-based), several to a second."""
    statuses, created, ident = [], int(now) - total * 20, 113_500_000_000_000_000
    for _ in range(total):
        if rng.random() > TIE_SHARE:
            created += rng.randint(1, 30)
        ident += rng.randint(1, 2**16)
        statuses.append(Question(MASTODON, ident, created))
    return statuses


def status_json(status: Question) -> dict[str, Any]:
    name = f"dev{status.id % 97}"
    return {
        "id": str(status.id),
        "created_at": datetime.fromtimestamp(status.created, UTC).isoformat().replace("+00:00", ".000Z"),
        "in_reply_to_id": None, "sensitive": False, "spoiler_text": "", "visibility": "public",
        "language": "en", "uri": status.external_id, "url": f"https://social.example/@{name}/{status.id}",
        "replies_count": 0, "reblogs_count": 1, "favourites_count": 2,
        "content": f"<p>Acme's app logs me out again <a href=\"https://social.example/tags/{QUERY}\">"
                   f"#<span>{QUERY}</span></a> (case {status.id})</p>",
        "reblog": None,
        "account": {"id": str(status.id % 97), "username": name, "acct": name, "noindex": False},
    }


def question_json(question: Question) -> dict[str, Any]:
    return {
        "tags": ["acme", "api"],
        "owner": {"account_id": question.id % 9973, "reputation": 11, "user_id": question.id % 7919,
                  "user_type": "registered", "display_name": f"dev{question.id % 97}"},
        "is_answered": False,
        "view_count": 7,
        "answer_count": 0,
        "score": 0,
        "last_activity_date": question.created,
        "creation_date": question.created,
        "question_id": question.id,
        "content_license": "CC BY-SA 4.0",
        "link": f"https://{DOMAINS[question.site]}/questions/{question.id}/acme-api-timeout",
        "title": f"Acme API times out after the {question.id % 50}th request",
        "body": f"<p>Calling the Acme API from a cron job fails with a timeout (case {question.id}).</p>",
    }


class SoakServer:
    """A listing over the items revealed so far; records when each attempt's requests arrive."""

    def __init__(self, questions: list[Question], latency: float, page_size: int) -> None:
        self.questions = questions
        self.latency = latency
        self.page_size = page_size
        sites = sorted({q.site for q in questions})
        self.streams = {site: [q for q in questions if q.site == site] for site in sites}
        self.visible = dict.fromkeys(sites, 0)
        self.revealed = 0
        self.arrivals: dict[int, list[float]] = {}  # per attempt: when each request arrived
        self.breaks_inside_ties = 0
        self.on_request: Callable[[int, int], None] | None = None  # (attempt, request number), for tests
        self._changed = threading.Condition()
        self.loopback = LoopbackServer()

    def __enter__(self) -> SoakServer:
        self.loopback.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.loopback.stop()

    def source(self, attempt: int) -> tuple[str, dict[str, Any], dict[str, str]]:
        """(collector kind, params, environment) for one attempt's `soak` source."""
        raise NotImplementedError

    def stream_key(self, question: Question) -> str:
        """The key the collector's cursor gives the question's stream."""
        raise NotImplementedError

    def record(self, attempt: int) -> int:
        """Note a request of `attempt` arriving now; its number within the attempt."""
        with self._changed:
            self.arrivals.setdefault(attempt, []).append(time.monotonic())
            number = len(self.arrivals[attempt])
            self._changed.notify_all()
        if self.on_request is not None:
            self.on_request(attempt, number)
        return number

    def reveal(self, count: int) -> None:
        with self._changed:
            for question in self.questions[self.revealed:count]:
                self.visible[question.site] += 1
            self.revealed = count

    @property
    def requests(self) -> int:
        with self._changed:
            return sum(len(times) for times in self.arrivals.values())

    def arrival(self, attempt: int, number: int, timeout: float, alive: Callable[[], bool]) -> float | None:
        """When the attempt's `number`th request arrived; None if `alive()` turns false first."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self.arrivals.get(attempt, [])) < number:
                left = deadline - time.monotonic()
                if left <= 0 or not alive():
                    return None
                self._changed.wait(min(left, 0.02))
            return self.arrivals[attempt][number - 1]


class StackExchangeServer(SoakServer):
    """The search endpoint over the questions revealed so far; counts requests and the page
    breaks that fall inside a group of questions created in the same second."""

    def __init__(self, questions: list[Question], latency: float, page_size: int = PAGE_SIZE) -> None:
        super().__init__(questions, latency, page_size)

    def source(self, attempt: int) -> tuple[str, dict[str, Any], dict[str, str]]:
        params = {"sites": list(SITES), "query": QUERY, "max_pages": 100, "base_url": self.base_url(attempt)}
        return "stack_exchange", params, {}

    def stream_key(self, question: Question) -> str:
        return question.stream

    def base_url(self, attempt: int) -> str:
        """Each attempt gets its own path prefix, so a request still in flight from a killed
        process is never counted for the next one."""
        prefix = f"/attempt-{attempt}"
        self.loopback.route(prefix + PATH, lambda call: self.search(attempt, call))
        return self.loopback.url(prefix)

    def search(self, attempt: int, call: Call) -> None:
        self.record(attempt)
        time.sleep(self.latency)
        site = call.query.get("site", "")
        ordered = call.query.get("sort") == "creation" and call.query.get("order") == "asc"
        if site not in self.streams or not ordered:
            call.reply(400, json.dumps({"error_id": 400, "error_name": "bad_parameter",
                                        "error_message": "site, sort=creation, order=asc"}).encode())
            return
        from_date = int(call.query.get("fromdate", "0"))
        page = int(call.query.get("page", "1"))
        size = min(int(call.query.get("pagesize", "30")), self.page_size)
        with self._changed:
            visible = self.streams[site][: self.visible[site]]
            listing = visible[bisect.bisect_left(visible, from_date, key=lambda q: q.created):]
            start = (page - 1) * size
            chosen = listing[start: start + size]
            has_more = start + size < len(listing)
            if chosen and has_more and listing[start + size].created == chosen[-1].created:
                self.breaks_inside_ties += 1
        body = {"items": [question_json(q) for q in chosen], "has_more": has_more,
                "quota_max": 10000, "quota_remaining": 9000}
        call.reply(200, json.dumps(body).encode(), "application/json; charset=utf-8")


class MastodonServer(SoakServer):
    """A hashtag timeline as Mastodon serves it: newest first, `max_id` for older pages and
    `min_id` for the oldest chunk newer than an id; an attempt is known by its bearer token."""

    def __init__(self, statuses: list[Question], latency: float) -> None:
        super().__init__(statuses, latency, MASTODON_PAGE_SIZE)
        self.loopback.route(MASTODON_PATH, self.timeline)

    @property
    def instance(self) -> str:
        return self.loopback.base_url

    def source(self, attempt: int) -> tuple[str, dict[str, Any], dict[str, str]]:
        params = {"instances": [self.instance], "hashtags": [QUERY], "access_token_env": ACCESS_VARIABLE,
                  "max_pages": 100}
        return "mastodon", params, {ACCESS_VARIABLE: f"attempt-{attempt}"}

    def stream_key(self, question: Question) -> str:
        return f"{self.instance}#{QUERY}"

    def timeline(self, call: Call) -> None:
        token = call.headers.get("authorization", "")
        if not token.startswith("Bearer attempt-"):
            call.reply(401, b'{"error": "The access token is invalid"}')
            return
        self.record(int(token.removeprefix("Bearer attempt-")))
        time.sleep(self.latency)
        limit = min(int(call.query.get("limit", "20")), self.page_size)
        with self._changed:
            visible = self.streams[MASTODON][: self.visible[MASTODON]]
        if "min_id" in call.query:
            chosen = [q for q in visible if q.id > int(call.query["min_id"])][:limit]
        else:
            older = [q for q in visible if "max_id" not in call.query or q.id < int(call.query["max_id"])]
            chosen = older[-limit:]
        body = [status_json(q) for q in reversed(chosen)]
        call.reply(200, json.dumps(body).encode(), "application/json; charset=utf-8")


Claim = Callable[[dict[str, Any], list[Question]], tuple[str, list[Question]]]


def _claimed_but_missing(cursor: Any, stored: set[str], streams: dict[str, list[Question]],
                         claim: Claim, noun: str) -> list[str]:
    """What a `{'streams': {key: state}}` cursor claims as collected but is not stored; `claim`
    reads one stream's state as (how to name it, the items it claims)."""
    if cursor is None:
        return []
    states = cursor.get("streams") if isinstance(cursor, dict) else None
    if not isinstance(states, dict):
        return [f"the cursor {cursor!r} is not {{'streams': {{key: state}}}}"]
    problems = []
    for key, state in states.items():
        if key not in streams:
            problems.append(f"the cursor has a stream nobody asked for: {key!r}")
            continue
        try:
            named, claimed = claim(state, streams[key])
        except (KeyError, TypeError, ValueError):
            problems.append(f"{key}: unreadable cursor state {state!r}")
            continue
        missing = [q.external_id for q in claimed if q.external_id not in stored]
        if missing:
            problems.append(f"{key}: the cursor ({named}) claims {len(claimed)} {noun}, "
                            f"{len(missing)} of them not stored, e.g. {missing[:3]}")
    return problems


def _up_to_min_id(state: dict[str, Any], stream: list[Question]) -> tuple[str, list[Question]]:
    min_id = int(state["min_id"])
    return f"min_id {min_id}", [q for q in stream if q.id <= min_id]


def _up_to_newest(state: dict[str, Any], stream: list[Question]) -> tuple[str, list[Question]]:
    newest = int(datetime.fromisoformat(state["newest"]).timestamp())
    ids = {str(i) for i in state["ids"]}
    return f"newest {state['newest']}", [
        q for q in stream if q.created < newest or (q.created == newest and q.external_id in ids)]


def min_id_problems(cursor: Any, stored: set[str], streams: dict[str, list[Question]]) -> list[str]:
    """What a Mastodon cursor claims as collected (every status up to `min_id`) but is not stored."""
    return _claimed_but_missing(cursor, stored, streams, _up_to_min_id, "statuses")


def cursor_problems(cursor: Any, stored: set[str], streams: dict[str, list[Question]]) -> list[str]:
    """What the saved cursor claims as collected that is not stored (see the module docstring)."""
    return _claimed_but_missing(cursor, stored, streams, _up_to_newest, "questions")


class Checker:
    """Reads what the collector left in the database and says what is wrong with it."""

    def __init__(self, url: str, questions: list[Question], server: SoakServer | None = None) -> None:
        """`server` says how the collector names each stream; Stack Exchange's by default."""
        postgres = make_url(url).get_backend_name() == "postgresql"
        # The cursor is read before the mentions, and on PostgreSQL in one snapshot, so a commit
        # still landing after a kill can never show a cursor newer than the mentions read.
        self.database = Database(url, **({"isolation_level": "REPEATABLE READ"} if postgres else {}))
        self.questions = questions
        self.mastodon = isinstance(server, MastodonServer)
        self.streams: dict[str, list[Question]] = {}
        for question in questions:
            key = server.stream_key(question) if server else question.stream
            self.streams.setdefault(key, []).append(question)

    def read(self) -> tuple[Any, list[str]]:
        if not inspect(self.database.engine).has_table("mentions"):
            return None, []  # killed before the first migration committed
        with self.database.session() as session:
            source = session.scalar(select(Source).where(Source.name == SOURCE))
            if source is None:
                return None, []
            ids = list(session.scalars(
                select(MentionRow.external_id).where(MentionRow.source_id == source.id)))
            return source.cursor, ids

    def problems(self, revealed: int, complete: bool) -> tuple[list[str], list[str]]:
        """(problems, stored ids)."""
        cursor, ids = self.read()
        stored = set(ids)
        served = {q.external_id for q in self.questions[:revealed]}
        problems = []
        doubled = [i for i, n in Counter(ids).items() if n > 1]
        if doubled:
            problems.append(f"{len(doubled)} ids stored more than once, e.g. {doubled[:3]}")
        invented = stored - served
        if invented:
            problems.append(f"{len(invented)} stored ids were never served, e.g. {sorted(invented)[:3]}")
        for key, stream in self.streams.items():
            if self.mastodon:
                break  # a first run walks newest first (see the module docstring)
            flags = [q.external_id in stored for q in stream if q.external_id in served]
            first_missing = flags.index(False) if False in flags else len(flags)
            if any(flags[first_missing:]):
                problems.append(f"{key}: a gap: question {first_missing + 1} in served order is missing "
                                "but later ones are stored")
        check = min_id_problems if self.mastodon else cursor_problems
        problems += check(cursor, stored, self.streams)
        if complete and stored != served:
            problems.append(f"a completed run left {len(served - stored)} served questions unstored")
        return problems, ids

    def close(self) -> None:
        self.database.dispose()


@dataclass
class Figures:
    collector: str
    database: str
    items_served: int
    kills_wanted: int
    seed: int
    kills: int = 0
    kills_in_startup: int = 0  # before the attempt's first request reached the server
    kills_while_collecting: int = 0
    kills_mid_chunk: int = 0  # the killed attempt had stored part of its chunk, not all of it
    kills_with_work_pending: int = 0  # revealed questions were not all stored when it started
    completed_runs: int = 0
    chunks: int = 0
    attempts: int = 0
    checks: int = 0
    requests: int = 0
    page_breaks_inside_ties: int = 0
    items_stored: int = 0
    items_lost: int = 0
    duplicates: int = 0
    wall_seconds: float = 0.0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and self.items_lost == 0 and self.duplicates == 0


def child_environment(extra: dict[str, str]) -> dict[str, str]:
    """The collector process's environment: this checkout first on its path, so the code
    soaked is the code beside this script (a relative PYTHONPATH would not survive the
    process starting in the work folder)."""
    paths = [str(REPOSITORY), *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths), **extra}


class SoakError(RuntimeError):
    """The collector process failed on its own (it was not killed)."""


class Soak:
    def __init__(self, database_url: str, kills: int, items: int, seed: int, latency: float,
                 page_size: int, workdir: Path, say: Callable[[str], None],
                 collector: str = "stack_exchange") -> None:
        self.rng = random.Random(seed)
        self.collector = collector
        make = make_statuses if collector == MASTODON else make_questions
        self.questions = make(items, self.rng, time.time() - 3600)
        self.kills_wanted = kills
        self.database_url = database_url
        self.latency = latency
        self.page_size = page_size
        self.workdir = workdir
        self.say = say
        self.verbose = bool(os.environ.get("SOAK_VERBOSE"))
        self.startup = 1.0  # running estimate of the seconds from launch to the first request
        self.figures = Figures(collector=collector, database=make_url(database_url).get_backend_name(),
                               items_served=items, kills_wanted=kills, seed=seed)

    def run(self) -> Figures:
        started = time.monotonic()
        server: SoakServer = (MastodonServer(self.questions, self.latency) if self.collector == MASTODON
                              else StackExchangeServer(self.questions, self.latency, self.page_size))
        with server:
            checker = Checker(self.database_url, self.questions, server)
            try:
                self._loop(server, checker)
                self.figures.requests = server.requests
                self.figures.page_breaks_inside_ties = server.breaks_inside_ties
                if server.loopback.errors:
                    self.figures.problems.append(f"server errors: {server.loopback.errors[:1]}")
                problems, ids = checker.problems(len(self.questions), complete=True)
                self.figures.problems += problems
                served = {q.external_id for q in self.questions}
                self.figures.items_stored = len(set(ids))
                self.figures.items_lost = len(served - set(ids))
                self.figures.duplicates = len(ids) - len(set(ids))
            finally:
                checker.close()
        self.figures.wall_seconds = round(time.monotonic() - started, 1)
        return self.figures

    def _loop(self, server: SoakServer, checker: Checker) -> None:
        figures, complete = self.figures, True
        while figures.kills < self.kills_wanted or server.revealed < len(self.questions) or not complete:
            stored = set(checker.read()[1])
            stored_before = len(stored)
            if (complete or stored_before == server.revealed) and server.revealed < len(self.questions):
                server.reveal(server.revealed + self._chunk_size(server.revealed))
                figures.chunks += 1
            pending = server.revealed - stored_before
            kill = figures.kills < self.kills_wanted and self.rng.random() < KILL_SHARE
            killed, collecting = self._attempt(server, kill, pending, self._pages(server, stored))
            complete = not killed
            problems, ids = checker.problems(server.revealed, complete)
            figures.checks += 1
            if killed:
                figures.kills += 1
                figures.kills_while_collecting += collecting
                figures.kills_in_startup += not collecting
                figures.kills_with_work_pending += pending > 0
                figures.kills_mid_chunk += stored_before < len(set(ids)) < server.revealed
            else:
                figures.completed_runs += 1
            if problems:
                figures.problems += [f"after attempt {figures.attempts}: {p}" for p in problems]
                return
            if figures.attempts % 10 == 0:
                self.say(f"  {figures.attempts} attempts, {figures.kills} kills, "
                         f"{len(set(ids))} of {server.revealed} revealed questions stored")

    def _chunk_size(self, revealed: int) -> int:
        """Spread what is left over the kills still wanted, unevenly (log-uniform around the mean)."""
        left = len(self.questions) - revealed
        kills_left = self.kills_wanted - self.figures.kills
        if kills_left <= 0:
            return left
        per_chunk = self.figures.kills / self.figures.chunks if self.figures.chunks else 5.0
        chunks_left = max(1, math.ceil(kills_left / max(1.0, per_chunk)))
        factor = math.exp(self.rng.uniform(math.log(0.25), math.log(2.5)))
        return max(1, min(left, round(left / chunks_left * factor)))

    def _pages(self, server: SoakServer, stored: set[str]) -> int:
        """About how many requests the next run makes: every site's unstored questions, by page."""
        pages = 0
        for site, stream in server.streams.items():
            unstored = sum(q.external_id not in stored for q in stream[: server.visible[site]])
            pages += max(1, math.ceil(unstored / server.page_size))
        return pages

    def _attempt(
        self, server: SoakServer, kill: bool, pending: int, pages: int
    ) -> tuple[bool, bool]:
        """One collector process: (killed, whether it had reached the server when killed)."""
        self.figures.attempts += 1
        attempt = self.figures.attempts
        kind, params, env = server.source(attempt)
        config = self._write_config(kind, params)
        log = self.workdir / "collect.log"
        command = [sys.executable, "-c", "from repwatch.cli import main; main()",
                   "--config", str(config), "collect", "--source", SOURCE]
        launched = time.monotonic()
        with log.open("wb") as output:
            process = subprocess.Popen(command, stdout=output, stderr=output, cwd=self.workdir,
                                       env=child_environment(env))
            try:
                if kill:
                    self._wait_then_kill(server, attempt, process, launched, pages)
                process.wait(timeout=300)
            finally:
                if process.poll() is None:
                    process.kill()
                    process.wait()
        ended = time.monotonic()
        arrivals = server.arrivals.get(attempt, [])
        if self.verbose:
            self.say(f"    attempt {attempt}: {pending} pending, about {pages} pages, kill={kill}, "
                     f"exit {process.returncode}, {len(arrivals)} requests, {ended - launched:.2f} s")
        if process.returncode == -signal.SIGKILL:
            return True, bool(arrivals)
        if process.returncode != 0:
            raise SoakError(f"the collector exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        if arrivals:
            self.startup = 0.7 * self.startup + 0.3 * (arrivals[0] - launched)
        return False, bool(arrivals)

    def _wait_then_kill(self, server: SoakServer, attempt: int, process: subprocess.Popen[bytes],
                        launched: float, pages: int) -> None:
        """SIGKILL at a random moment. Some during start-up (imports, migration check, cursor
        load); the others while collecting: once a random one of the run's requests has reached
        the server, within the time that page takes to be served, parsed and stored (the last
        page's window also covers recording the run and exiting)."""
        if self.rng.random() < FROM_LAUNCH_SHARE:
            moment = launched + self.rng.uniform(0, self.startup)
        else:
            number = self.rng.randint(1, pages)
            arrived = server.arrival(attempt, number, 60, lambda: process.poll() is None)
            if arrived is None:
                return
            moment = arrived + self.rng.uniform(0, self.latency + PAGE_WINDOW)
        try:
            process.wait(timeout=max(0.0, moment - time.monotonic()))
        except subprocess.TimeoutExpired:
            process.send_signal(signal.SIGKILL)

    def _write_config(self, kind: str, params: dict[str, Any]) -> Path:
        path = self.workdir / "soak.yaml"
        path.write_text(json.dumps({  # JSON is YAML
            "database": {"url": self.database_url},
            "brands": [{"name": "Acme", "keywords": [QUERY]}],
            "sources": [{"name": SOURCE, "kind": kind, "brand": "Acme", "params": params}],
            "network": {"allow_private_hosts": True, "min_seconds_between_requests": 0,
                        "max_retries": 2, "timeout_seconds": 30},
            "collection": {"backfill_days": 3650},
        }, indent=2))
        return path


def run_soak(database_url: str, *, kills: int = 100, items: int = 5000, seed: int = 1,
             latency: float = 0.05, page_size: int = SOAK_PAGE_SIZE, workdir: Path,
             say: Callable[[str], None] = print, collector: str = "stack_exchange") -> Figures:
    return Soak(database_url, kills, items, seed, latency, page_size, workdir, say, collector).run()


class TemporaryPostgres:
    """A fresh database on the PostgreSQL server, dropped afterwards."""

    def __init__(self, admin_url: str) -> None:
        self.admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        self.name = f"repwatch_soak_{uuid.uuid4().hex[:10]}"
        self.url = make_url(admin_url).set(database=self.name).render_as_string(hide_password=False)

    def __enter__(self) -> str:
        with self.admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{self.name}"'))
        return self.url

    def __exit__(self, *exc: object) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)'))
        self.admin.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--collector", choices=["stack_exchange", MASTODON], default="stack_exchange")
    parser.add_argument("--kills", type=int, default=100)
    parser.add_argument("--items", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--latency", type=float, default=0.05, help="seconds the server takes per page")
    parser.add_argument("--page-size", type=int, default=SOAK_PAGE_SIZE,
                        help="items per page the server gives")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--database-url", help="an empty database (default: a new SQLite file)")
    where.add_argument("--postgres", action="store_true", help=f"a new database on {PG_ADMIN_URL}")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    say = (lambda line: print(line, file=sys.stderr)) if args.json else print
    with tempfile.TemporaryDirectory(prefix="repwatch-soak-") as tmp:
        workdir = Path(tmp)
        if args.postgres:
            with TemporaryPostgres(PG_ADMIN_URL) as url:
                figures = run_soak(url, kills=args.kills, items=args.items, seed=args.seed,
                                   latency=args.latency, page_size=args.page_size, workdir=workdir, say=say,
                                   collector=args.collector)
        else:
            url = args.database_url or f"sqlite:///{workdir / 'soak.db'}"
            figures = run_soak(url, kills=args.kills, items=args.items, seed=args.seed,
                               latency=args.latency, page_size=args.page_size, workdir=workdir, say=say,
                               collector=args.collector)
    if args.json:
        print(json.dumps(asdict(figures) | {"ok": figures.ok}, indent=2))
    else:
        print(f"collector: {figures.collector}; database: {figures.database}; seed {figures.seed}; "
              f"{figures.wall_seconds} s")
        print(f"kills survived: {figures.kills} ({figures.kills_in_startup} during start-up, "
              f"{figures.kills_while_collecting} while collecting; {figures.kills_with_work_pending} "
              f"with questions pending, {figures.kills_mid_chunk} after storing part of a chunk)")
        print(f"runs completed: {figures.completed_runs}; chunks revealed: {figures.chunks}; "
              f"checks: {figures.checks}; requests: {figures.requests}")
        print(f"page breaks inside a same-second group: {figures.page_breaks_inside_ties}")
        print(f"served {figures.items_served}, stored {figures.items_stored}, lost {figures.items_lost}, "
              f"duplicates {figures.duplicates}")
        for problem in figures.problems:
            print(f"PROBLEM: {problem}")
        print("OK" if figures.ok else "FAILED")
    sys.exit(0 if figures.ok else 1)


if __name__ == "__main__":
    main()
