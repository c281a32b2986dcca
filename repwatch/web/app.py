"""The dashboard's Starlette app: pages over the database, and the few actions (corrections, snoozes)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Awaitable, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import jinja2
from sqlalchemy.exc import OperationalError, ProgrammingError
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.base import BaseHTTPMiddleware
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse, Response, StreamingResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.templating import Jinja2Templates

from reports import competitors
from reports.alert_message import THEME_PREFIX, headline, metric_title
from reports.periods import last_full_week, parse_week, week_edges
from reports.render import theme_label
from repwatch.web import charts, views
from repwatch.web.security import (
    CSRF_COOKIE,
    CSRF_FIELD,
    SECURITY_HEADERS,
    Access,
    BasicAuth,
    checked_form,
    csrf_token,
)
from storage import Database
from storage import dashboard as queries
from storage import reports as report_queries
from storage.corrections import SENTIMENTS, correct_sentiment, correct_theme, corrections_of
from storage.mentions import EXPORT_FIELDS, export_rows

HERE = Path(__file__).parent
PER_PAGE = 25
SNOOZE_CHOICES = {"1h": timedelta(hours=1), "24h": timedelta(hours=24), "7d": timedelta(days=7)}
ALERT_HISTORY = timedelta(days=30)
LOOPBACK_NAMES = ["127.0.0.1", "localhost", "[::1]"]


@dataclass(frozen=True)
class Settings:
    brands: Sequence[str]
    themes: Sequence[str]
    access: Access = Access()
    competitors: Mapping[str, Sequence[str]] = field(default_factory=dict)  # brand -> competitors
    timezone: str = "UTC"  # weeks start at midnight here, as in the digest


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_app(database: Database, settings: Settings) -> Starlette:
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
        undefined=jinja2.StrictUndefined)
    templates = Jinja2Templates(env=environment)
    environment.globals.update(theme_label=theme_label, metric_title=metric_title, headline=headline,
                               csrf_field=CSRF_FIELD, sentiments=SENTIMENTS)
    auth = BasicAuth(settings.access)

    def page(request: Request, name: str, **context: Any) -> Response:
        context.update(brands=settings.brands, themes=settings.themes, user=request.state.user,
                       csrf=csrf_token(request), path=request.url.path)
        return templates.TemplateResponse(request, name, context)

    def brand_of(request: Request) -> str:
        brand = request.query_params.get("brand") or settings.brands[0]
        if brand not in settings.brands:
            raise HTTPException(404, f"no brand named {brand!r} in the config")
        return brand

    def period_of(request: Request) -> views.DateRange:
        return views.DateRange.parse(request.query_params, _now().date())

    def home(request: Request) -> Response:
        return RedirectResponse(request.url_for("overview"), 303)

    def overview(request: Request) -> Response:
        brand, period = brand_of(request), period_of(request)
        with database.reading() as session:
            model = views.overview(session, brand, period, settings.themes)
        return page(request, "overview.html", brand=brand, period=period, **model)

    def theme(request: Request) -> Response:
        brand, period, name = brand_of(request), period_of(request), request.path_params["theme"]
        if name not in settings.themes:
            raise HTTPException(404, f"no theme named {name!r} in the config")
        query = views.BrowseQuery.parse(
            {**request.query_params, "brand": brand, "theme": name,
             "start": period.first.isoformat(), "end": period.last.isoformat()}, _now().date())
        with database.reading() as session:
            model = views.theme_page(session, brand, name, period)
            results = queries.browse(session, query.filters, query.sort,
                                     (query.page - 1) * PER_PAGE, PER_PAGE)
        return page(request, "theme.html", brand=brand, period=period, theme=name, query=query,
                    results=results, pages=_pages(results.total), **model)

    def mentions(request: Request) -> Response:
        query = views.BrowseQuery.parse(request.query_params, _now().date())
        with database.reading() as session:
            results = queries.browse(session, query.filters, query.sort,
                                     (query.page - 1) * PER_PAGE, PER_PAGE)
            source_names = sorted(s.name for s in queries.sources(session))
        return page(request, "mentions.html", query=query, results=results,
                    pages=_pages(results.total), source_names=source_names,
                    sorts=list(queries.SORTS), export_query=urlencode(query.params))

    def export(request: Request) -> Response:
        fmt = request.path_params["fmt"]
        if fmt not in ("csv", "jsonl"):
            raise HTTPException(404, "export as mentions/export.csv or mentions/export.jsonl")
        query = views.BrowseQuery.parse(request.query_params, _now().date())

        def lines() -> Iterator[str]:
            if fmt == "csv":
                yield _csv_line(EXPORT_FIELDS)
            with database.reading() as session:
                for row in export_rows(session, query.filters):
                    if fmt == "jsonl":
                        yield json.dumps(row, ensure_ascii=False) + "\n"
                    else:  # as `repwatch mentions export --format csv` writes them
                        yield _csv_line([";".join(row["themes"]) if name == "themes"
                                         else json.dumps(row["metrics"], sort_keys=True)
                                         if name == "metrics" else row[name]
                                         for name in EXPORT_FIELDS])

        media = "text/csv" if fmt == "csv" else "application/x-ndjson"
        return StreamingResponse(lines(), media_type=media, headers={
            "content-disposition": f'attachment; filename="mentions.{fmt}"'})

    def mention(request: Request) -> Response:
        mention_id = request.path_params["mention_id"]
        with database.reading() as session:
            item = queries.mention_item(session, mention_id)
            if item is None:
                raise HTTPException(404, f"no mention {mention_id}")
            history = corrections_of(session, mention_id)
        return page(request, "mention.html", item=item, history=history,
                    back=_safe_back(request.query_params.get("back")))

    async def correct(request: Request) -> Response:
        form = await checked_form(request)
        mention_id = request.path_params["mention_id"]
        who, when = request.state.user, _now()
        sentiment, theme_name = str(form.get("sentiment", "")), str(form.get("theme", ""))
        action = str(form.get("action", ""))
        if sentiment and sentiment != "model" and sentiment not in SENTIMENTS:
            raise HTTPException(400, f"unknown sentiment {sentiment!r}")
        if theme_name and theme_name not in settings.themes:
            raise HTTPException(400, f"unknown theme {theme_name!r}")
        if theme_name and action not in ("add", "remove"):
            raise HTTPException(400, "action must be add or remove")

        def write() -> None:
            with database.session() as session:
                if queries.mention_item(session, mention_id) is None:
                    raise HTTPException(404, f"no mention {mention_id}")
                if sentiment:
                    correct_sentiment(session, mention_id, None if sentiment == "model" else sentiment,
                                      who, when)
                if theme_name:
                    correct_theme(session, mention_id, theme_name, action == "add", who, when)

        await run_in_threadpool(_refused_as_503, write)
        back = _safe_back(str(form.get("back", "")))
        target = request.url_for("mention", mention_id=mention_id).include_query_params(back=back) \
            if back else request.url_for("mention", mention_id=mention_id)
        return RedirectResponse(str(target), 303)

    def compare(request: Request) -> Response:
        brand, zone = brand_of(request), ZoneInfo(settings.timezone)
        try:
            week = (parse_week(request.query_params["week"]) if request.query_params.get("week")
                    else last_full_week(datetime.now(UTC), zone))
        except ValueError as exc:
            raise HTTPException(400, str(exc)) from exc
        _, edges = week_edges(week, 2, zone)
        rivals = settings.competitors.get(brand, ())
        model = competitors.comparison(database, brand, rivals, edges, settings.themes, zone)
        return page(request, "compare.html", brand=brand, week=week.label, c=model)

    def sources(request: Request) -> Response:
        with database.reading() as session:
            rows = queries.sources(session)
            digests = queries.digests(session)
        return page(request, "sources.html", sources=rows, digests=digests)

    def digest(request: Request) -> Response:
        with database.reading() as session:
            found = report_queries.get_digest(session, request.path_params["digest_id"])
        if found is None:
            raise HTTPException(404, "no such digest")
        return page(request, "digest.html", digest=found)

    def alerts(request: Request) -> Response:
        now = _now()
        with database.reading() as session:
            rows = report_queries.recent_alerts(session, now - ALERT_HISTORY)
            snoozes = report_queries.active_snoozes(session, now)
            alert_charts = {alert.id: _alert_chart(session, alert) for alert in rows}
        return page(request, "alerts.html", alerts=rows, snoozes=snoozes, charts=alert_charts,
                    choices=list(SNOOZE_CHOICES), now=now)

    async def snooze(request: Request) -> Response:
        form = await checked_form(request)
        brand, metric = str(form.get("brand", "")), str(form.get("metric", ""))
        if brand not in settings.brands:
            raise HTTPException(400, f"no brand named {brand!r} in the config")
        known = {"negative_volume", "negative_share", *(THEME_PREFIX + t for t in settings.themes)}
        if metric not in known:
            raise HTTPException(400, f"unknown alert metric {metric!r}")
        duration = SNOOZE_CHOICES.get(str(form.get("for", "")))
        now = _now()

        def write() -> None:
            with database.session() as session:
                if request.url.path.endswith("/unsnooze"):
                    report_queries.remove_snooze(session, brand, metric)
                elif duration is None:
                    raise HTTPException(400, f"snooze for one of {', '.join(SNOOZE_CHOICES)}")
                else:
                    report_queries.set_snooze(session, brand, metric, now + duration, now)

        await run_in_threadpool(_refused_as_503, write)
        return RedirectResponse(str(request.url_for("alerts")), 303)

    async def guard(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        user = await run_in_threadpool(auth.user_of, request)
        if user is None:
            headers = {} if settings.access.proxy_user_header else {
                "www-authenticate": 'Basic realm="repwatch", charset="UTF-8"'}
            response: Response = PlainTextResponse("login required", 401, headers=headers)
        else:
            request.state.user = user
            response = await call_next(request)
        response.headers.update(SECURITY_HEADERS)
        token = getattr(request.state, "new_csrf", None)
        if token:
            response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict")
        return response

    routes = [
        Route("/", home),
        Route("/overview", overview, name="overview"),
        Route("/themes/{theme}", theme, name="theme"),
        Route("/mentions", mentions, name="mentions"),
        Route("/mentions/export.{fmt:str}", export, name="export"),
        Route("/mentions/{mention_id:int}", mention, name="mention"),
        Route("/mentions/{mention_id:int}/correct", correct, methods=["POST"], name="correct"),
        Route("/competitors", compare, name="competitors"),
        Route("/sources", sources, name="sources"),
        Route("/digests/{digest_id:int}", digest, name="digest"),
        Route("/alerts", alerts, name="alerts"),
        Route("/alerts/snooze", snooze, methods=["POST"], name="snooze"),
        Route("/alerts/unsnooze", snooze, methods=["POST"], name="unsnooze"),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]
    middleware = [Middleware(BaseHTTPMiddleware, dispatch=guard)]
    if settings.access.open:
        # Open only to this machine: refuse other Host names, so a web page cannot reach the
        # dashboard through DNS rebinding.
        middleware.insert(0, Middleware(TrustedHostMiddleware, allowed_hosts=LOOPBACK_NAMES))
    return Starlette(routes=routes, middleware=middleware,
                     exception_handlers={views.BadRequest: _bad_request})


async def _bad_request(request: Request, exc: Exception) -> Response:
    return PlainTextResponse(f"bad request: {exc}", 400)


def _csv_line(values: Sequence[Any]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue()


def _refused_as_503(write: Callable[[], None]) -> None:
    """Run a change; a database that refuses it (a read-only role) gets one clear line, not a 500."""
    try:
        write()
    except (ProgrammingError, OperationalError) as exc:
        raise HTTPException(503, "the database refused the change (is the dashboard using a "
                                 f"read-only role?): {str(exc.orig).strip().splitlines()[0]}") from exc


def _pages(total: int) -> int:
    return max((total + PER_PAGE - 1) // PER_PAGE, 1)


def _safe_back(value: str | None) -> str:
    """A same-site path to return to after an action; anything else is dropped."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return ""


def _alert_chart(session: Any, alert: Any) -> Any:
    """The alert's metric per day over the two weeks up to its window's end."""
    end = datetime.fromisoformat((alert.detail or {}).get("window_end") or alert.last_spike_at.isoformat())
    last = (end - timedelta(microseconds=1)).date()  # a window ending at midnight ends the day before
    period = views.DateRange(last - timedelta(days=13), last)
    days = period.days
    values = [0] * len(days)
    position = {day: i for i, day in enumerate(days)}
    if alert.metric.startswith(THEME_PREFIX):
        for theme_day in queries.daily_themes(session, alert.brand, period.start, period.end,
                                              theme=alert.metric.removeprefix(THEME_PREFIX)):
            if theme_day.day in position:
                values[position[theme_day.day]] = theme_day.count
    else:
        for row in queries.daily_volume(session, alert.brand, period.start, period.end):
            if row.sentiment == "negative" and row.day in position:
                values[position[row.day]] += row.count
    return charts.stacked_bars(days, {"negative": values}, metric_title(alert.metric) + " per day")
