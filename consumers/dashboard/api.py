"""REST handlers of the dashboard: JSON views of the store, with clear 400s for bad parameters.

Errors are problem details (infra/http/problems.py) of the types below; docs/dashboard.md lists them.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from aiohttp import web

from baystream.consumers.dashboard import scopes
from baystream.consumers.dashboard.openapi import document
from baystream.consumers.dashboard.own import OwnViews, add_own_routes
from baystream.consumers.dashboard.service import DashboardService
from baystream.consumers.dashboard.store import ALERT_FIELDS, api_form
from baystream.consumers.dashboard.trade import trade_lanes
from baystream.consumers.dashboard.webhooks import add_webhook_routes
from baystream.infra.http.app import health_handler
from baystream.infra.http.problems import Problem, ProblemType, problem
from baystream.schemas.timerange import parse_time

MAX_ALERTS = 1000
MAX_HOURS = 8784.0
"""Longest `hours` of /api/history: a leap year (the store holds far less; more is a mistake or an attack)."""
BAD_PARAMETER = ProblemType("bad-parameter", "Missing or bad query parameter")
NO_DATA = ProblemType("no-data", "No values of this indicator yet")
PROBLEM_TYPES = (BAD_PARAMETER, NO_DATA)


def _many(request: web.Request, name: str) -> list[str] | None:
    """A filter given as `?name=a,b` and/or `?name=a&name=b`; None when absent."""
    values = [v.strip() for raw in request.query.getall(name, []) for v in raw.split(",") if v.strip()]
    return values or None


def _one(request: web.Request, name: str) -> str:
    value = request.query.get(name, "").strip()
    if not value:
        raise Problem(400, f"query parameter {name!r} is required", BAD_PARAMETER)
    return value


def _hours(text: str) -> float | None:
    """`hours` as a number in (0, MAX_HOURS], or None (inf, nan, 1e300 and words alike)."""
    try:
        hours = float(text)
    except ValueError:
        return None
    return hours if 0 < hours <= MAX_HOURS else None


class DashboardApi:
    """The handlers, bound to one service."""

    def __init__(self, service: DashboardService):
        self.service = service

    async def indicators(self, request: web.Request) -> web.Response:
        records = self.service.store.latest(_many(request, "scope"), _many(request, "indicator"))
        return web.json_response({"indicators": [api_form(r, r.keys()) for r in records]})

    async def history(self, request: web.Request) -> web.Response:
        scope, indicator = _one(request, "scope"), _one(request, "indicator")
        since: datetime | None = None
        if "since" in request.query:
            try:
                since = parse_time(request.query["since"])
            except ValueError as exc:
                return problem(400, f"since: {exc}", BAD_PARAMETER)
        elif "hours" in request.query:
            hours = _hours(request.query["hours"])
            if hours is None:
                return problem(400, f"hours must be a number above 0 and at most {MAX_HOURS:g}", BAD_PARAMETER)
            newest = self.service.store.newest_as_of() or datetime.now(UTC)
            since = newest - timedelta(hours=hours)
        points = self.service.store.history(scope, indicator, since)
        if points is None:
            return problem(404, f"no values of {indicator!r} for scope {scope!r} yet", NO_DATA)
        return web.json_response({"scope": scope, "indicator": indicator, "points": [p.as_json() for p in points]})

    async def alerts(self, request: web.Request) -> web.Response:
        try:
            limit = int(request.query.get("limit", "50"))
            if not 1 <= limit <= MAX_ALERTS:
                raise ValueError(limit)
        except ValueError:
            return problem(400, f"limit must be an integer from 1 to {MAX_ALERTS}", BAD_PARAMETER)
        chosen = self.service.store.alerts(limit, _many(request, "scope"))
        return web.json_response({"alerts": [api_form(a, ALERT_FIELDS) for a in chosen]})

    async def scopes(self, request: web.Request) -> web.Response:
        seen = self.service.store.scopes()
        listed = []
        for scope in scopes.ordered(seen | set(scopes.known_scopes())):
            info = scopes.describe(scope)
            listed.append({**info.__dict__, "has_data": scope in seen})
        return web.json_response({"scopes": listed})

    async def trade_lanes(self, request: web.Request) -> web.Response:
        scope = _one(request, "scope")
        lanes = trade_lanes(self.service.store.latest([scope]), scope)
        if lanes is None:
            return problem(404, f"no trade lanes for scope {scope!r} yet", NO_DATA)
        return web.json_response(lanes)

    async def openapi(self, request: web.Request) -> web.Response:
        return web.json_response(document())


def add_routes(app: web.Application, api: DashboardApi) -> None:
    app.router.add_get("/api/indicators", api.indicators)
    app.router.add_get("/api/history", api.history)
    app.router.add_get("/api/alerts", api.alerts)
    app.router.add_get("/api/scopes", api.scopes)
    app.router.add_get("/api/trade-lanes", api.trade_lanes)
    add_webhook_routes(app, api.service.webhooks)
    service = api.service
    views = OwnViews(service.parties, service.containers, service.visits, lambda: service.containers_ready)
    add_own_routes(app, views)
    app.router.add_get("/api/events", api.service.hub.stream)
    app.router.add_get("/api/openapi.json", api.openapi)
    app.router.add_get("/healthz", health_handler(api.service.health, lambda: api.service.warmed_up))
