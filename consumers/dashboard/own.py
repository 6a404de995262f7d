"""The parties' own views: one container, a party's containers, a trucker's visits (docs/dashboard.md, "Parties").

A container's details answer only the parties `containers.may_see` names; anyone else, with or without a
key, gets the very answer a container that does not exist gets (404, same body), so nobody learns that a box
is there. Every read is logged (party, endpoint, container) and counted per party (DETAIL_READS).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from baystream.consumers.dashboard.containers import ContainerBook, VisitBook
from baystream.consumers.dashboard.parties import Parties
from baystream.infra.http.problems import Problem, ProblemType
from baystream.infra.metrics import DETAIL_READS
from baystream.producers.gateway.app import api_key
from baystream.producers.gateway.identities import Identity, KeyRefused
from baystream.schemas.json_form import format_time

NO_CONTAINER = ProblemType("no-container", "No such container of yours")
CONTAINERS_UNAVAILABLE = ProblemType("containers-unavailable", "Container statuses are still being read")
PROBLEM_TYPES = (NO_CONTAINER, CONTAINERS_UNAVAILABLE)
ANONYMOUS = "anonymous"
Ready = Callable[[], bool]

log = logging.getLogger(__name__)


class OwnViews:
    """The handlers, over the books the party reader fills; `ready()` says whether it has read them whole."""

    def __init__(self, parties: Parties, containers: ContainerBook, visits: VisitBook, ready: Ready):
        self.parties = parties
        self.containers = containers
        self.visits = visits
        self.ready = ready

    def _check_ready(self) -> None:
        if not self.ready():
            raise Problem(503, "the container statuses are still being read; try again shortly", CONTAINERS_UNAVAILABLE)

    def _now(self) -> datetime:
        """Dwell is counted to the newest status held (event time), so a replayed week reads as it happened."""
        return self.containers.newest_as_of() or datetime.now(UTC)

    async def container(self, request: web.Request) -> web.Response:
        self._check_ready()
        container_id = request.match_info["id"].strip().upper()
        try:
            identity: Identity | None = self.parties.keyring.identify(api_key(request))
        except KeyRefused:
            identity = None
        box = self.containers.readable(identity, container_id) if identity is not None else None
        _count(identity, "container", container_id, box is not None)
        if box is None:
            raise Problem(404, f"no container {container_id} of yours", NO_CONTAINER)
        return web.json_response(box.public(self._now()))

    async def my_containers(self, request: web.Request) -> web.Response:
        identity = self.parties.of(request)
        self._check_ready()
        now = self._now()
        boxes = [b.public(now) for b in self.containers.mine(identity, now)]
        return _listing(identity, "my_containers", "containers", boxes, now)

    async def my_visits(self, request: web.Request) -> web.Response:
        identity = self.parties.of(request)
        self._check_ready()
        now = self.visits.newest or datetime.now(UTC)
        visits = [v.public(now) for v in self.visits.mine(identity)]
        return _listing(identity, "my_visits", "visits", visits, now)


def _listing(identity: Identity, endpoint: str, name: str, items: list[dict[str, Any]], now: datetime) -> web.Response:
    """A party's own list, counted and logged like every detail read."""
    _count(identity, endpoint, f"{len(items)} {name}", True)
    body = {"party": identity.party, "role": identity.role.value, "as_of": format_time(now), name: items}
    return web.json_response(body)


def _count(identity: Identity | None, endpoint: str, what: str, shown: bool) -> None:
    party = identity.party if identity is not None else ANONYMOUS
    outcome = "shown" if shown else "not_found"
    DETAIL_READS.labels(party, endpoint, outcome).inc()
    log.info("detail read: party=%s endpoint=%s what=%s outcome=%s", party, endpoint, what, outcome)


def add_own_routes(app: web.Application, views: OwnViews) -> None:
    app.router.add_get("/api/containers/{id}", views.container)
    app.router.add_get("/api/my/containers", views.my_containers)
    app.router.add_get("/api/my/visits", views.my_visits)
