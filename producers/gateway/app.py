"""The aiohttp application: authenticate, rate-limit, read, check the whole batch, publish, answer.

Order of the answers: 401 (no/unknown key), 429 (rate), 413 (size), 400 (not JSON, or an EDIFACT/X12
interchange that cannot become events), 422 (contract),
403 (role); then 503 when the idempotency memory cannot be brought up to date (tail.py: nothing published);
then 202 once the broker acknowledged every event, or 503 naming those it did not. Every error is a problem
details object (infra/http/problems.py) of one of the types below; docs/gateway.md lists them.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from baystream.infra.http.app import health_handler, web_app
from baystream.infra.http.problems import ProblemType, problem
from baystream.infra.metrics import EVENTS_REJECTED, GATEWAY_EVENTS, GATEWAY_REQUESTS
from baystream.infra.settings import Settings
from baystream.producers.gateway.batch import BadBody, BadInterchange, ItemProblem, check_batch, split_body
from baystream.producers.gateway.delivery import AsyncPublisher
from baystream.producers.gateway.idempotency import IdempotencyWindow
from baystream.producers.gateway.identities import Identity, KeyRefused, KeyRing
from baystream.producers.gateway.openapi import document
from baystream.producers.gateway.rate_limit import RateLimiter
from baystream.producers.gateway.tail import AcceptedTail, MemoryUnavailable

SERVICE = "gateway"
log = logging.getLogger(__name__)

UNAUTHENTICATED = ProblemType("unauthenticated", "Missing or unknown API key")
CHALLENGE = {"WWW-Authenticate": 'Bearer realm="baystream"'}
"""What a 401 carries (RFC 9110): the gateway's and the dashboard's."""
RATE_LIMITED = ProblemType("rate-limited", "Rate limit of the API key exceeded")
TOO_LARGE = ProblemType("body-too-large", "Body larger than the limit")
BAD_BODY = ProblemType("bad-body", "Body is not JSON or NDJSON")
BAD_INTERCHANGE = ProblemType("bad-interchange", "EDI interchange cannot become events")
SLOW_BODY = ProblemType("slow-body", "Body not received in time")
INVALID_EVENTS = ProblemType("invalid-events", "Events break the contract")
FORBIDDEN_EVENTS = ProblemType("forbidden-events", "Events outside the party's role")
NOT_ACKNOWLEDGED = ProblemType("not-acknowledged", "Broker did not acknowledge every event")
MEMORY_UNAVAILABLE = ProblemType("memory-unavailable", "Events accepted before cannot be checked")
PROBLEM_TYPES = (
    *(UNAUTHENTICATED, RATE_LIMITED, TOO_LARGE, BAD_BODY, BAD_INTERCHANGE, SLOW_BODY),
    *(INVALID_EVENTS, FORBIDDEN_EVENTS, NOT_ACKNOWLEDGED, MEMORY_UNAVAILABLE),
)
PARTY = web.RequestKey("party", str)
"""The party a request was authenticated as, for the request metrics when its handling fails."""


@dataclass(frozen=True)
class GatewayConfig:
    max_body_bytes: int = 1_048_576
    rate_per_s: float = 20.0
    burst: int = 40
    idempotency_window_s: float = 900.0
    ack_timeout_s: float = 30.0
    sync_timeout_s: float | None = None
    body_timeout_s: float = 10.0
    """How long a client may take to send its body once its headers are in: a slower one gets 408 (a body
    at 1 byte/s would otherwise hold a connection and its buffer for as long as it likes)."""
    """How long a request waits for the idempotency memory to catch up before 503 (None: ack_timeout_s)."""

    @property
    def sync_timeout(self) -> float:
        return self.ack_timeout_s if self.sync_timeout_s is None else self.sync_timeout_s

    @classmethod
    def from_settings(cls, settings: Settings) -> GatewayConfig:
        return cls(
            settings.gateway.max_body_bytes,
            settings.gateway.rate_per_s,
            settings.gateway.burst,
            settings.gateway.idempotency_window_s,
            settings.gateway.ack_timeout_s,
        )


def api_key(request: web.Request) -> str | None:
    """The key from `X-API-Key`, or from `Authorization: Bearer <key>`."""
    key = request.headers.get("X-API-Key")
    if key:
        return key.strip()
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    return credentials.strip() if scheme.lower() == "bearer" and credentials.strip() else None


class Gateway:
    """The state of one gateway process: identities, rate limits, idempotency, and the publisher.

    Idempotency keys are `(source, event_id)`: the party's code as stamped in `source`, which is what the
    memory reads back from the topics (tail.py). `clock` paces the rate limits; `wall_clock` is the
    window's, in the time of the records' timestamps.
    """

    def __init__(
        self,
        keyring: KeyRing,
        config: GatewayConfig,
        clock: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], float] = time.time,
    ):
        self.keyring = keyring
        self.config = config
        self.clock = clock
        self.wall_clock = wall_clock
        self.limiter = RateLimiter(config.rate_per_s, config.burst)
        self.window = IdempotencyWindow(config.idempotency_window_s)
        self.in_flight: dict[tuple[str, str], asyncio.Future[str | None]] = {}
        """(source, event_id) being published by some request right now -> its outcome (None when acked)."""
        self.publisher: AsyncPublisher | None = None
        self.memory: AcceptedTail | None = None
        """Keeps `window` current with what is on the input topics; None: this process's acceptances only."""

    async def handle(self, request: web.Request) -> tuple[str, web.Response]:
        """(party label, response) of one POST /v1/events."""
        try:
            identity = self.keyring.identify(api_key(request))
        except KeyRefused as exc:
            return "unauthenticated", problem(401, str(exc), UNAUTHENTICATED, CHALLENGE)
        request[PARTY] = identity.party
        wait = self.limiter.acquire(identity.party, self.clock())
        if wait > 0:
            retry = {"Retry-After": str(max(1, math.ceil(wait)))}
            return identity.party, problem(429, f"rate limit of {identity.party} exceeded", RATE_LIMITED, retry)
        too_large = problem(413, f"body larger than {self.config.max_body_bytes} bytes", TOO_LARGE)
        if (request.content_length or 0) > self.config.max_body_bytes:
            return identity.party, too_large
        try:
            async with asyncio.timeout(self.config.body_timeout_s):
                body = await request.read()
        except web.HTTPRequestEntityTooLarge:
            return identity.party, too_large
        except TimeoutError:
            detail = f"body not received within {self.config.body_timeout_s:g} s"
            return identity.party, problem(408, detail, SLOW_BODY, {"Connection": "close"})
        try:
            items = split_body(body, request.content_type)
        except BadInterchange as exc:
            detail = f"{exc}; nothing published"
            return identity.party, problem(400, detail, BAD_INTERCHANGE, where=exc.where, reason=exc.reason)
        except BadBody as exc:
            return identity.party, problem(400, str(exc), BAD_BODY)
        return identity.party, await self.accept(identity, items)

    async def accept(self, identity: Identity, items: list[Any]) -> web.Response:
        checked = check_batch(items, identity)
        for outcome, status, kind, problems, what in (
            ("invalid", 422, INVALID_EVENTS, checked.invalid, "break the contract"),
            ("forbidden", 403, FORBIDDEN_EVENTS, checked.forbidden, f"are not {identity.party}'s to publish"),
        ):
            if problems:
                self._count_rejected(identity, outcome, problems)
                bad = len({p.index for p in problems})
                message = f"{bad} of {len(items)} event(s) {what}; nothing published"
                return problem(status, message, kind, **_listed(problems))
        return await self.publish(identity, checked.records)

    def _count_rejected(self, identity: Identity, outcome: str, problems: list[ItemProblem]) -> None:
        types = {p.index: p.event_type for p in problems}
        for event_type in types.values():
            EVENTS_REJECTED.labels(SERVICE, event_type).inc()
        GATEWAY_EVENTS.labels(identity.party, outcome).inc(len(types))

    async def publish(self, identity: Identity, records: list[dict[str, Any]]) -> web.Response:
        """Publish the events not accepted before; 202 when all are acknowledged, else 503 naming the failed."""
        assert self.publisher is not None, "the gateway's publisher starts with the app"
        if self.memory is not None:
            try:
                await self.memory.sync()
            except MemoryUnavailable as exc:
                return self._unavailable(identity, records, str(exc))
        now = self.wall_clock()
        loop = asyncio.get_running_loop()
        fresh: list[tuple[int, dict[str, Any]]] = []
        waiting: list[tuple[int, asyncio.Future[str | None]]] = []
        duplicates: list[int] = []
        mine: set[tuple[str, str]] = set()
        for index, record in enumerate(records):
            key = (identity.code, record["event_id"])
            if key in mine or self.window.seen(key, now):
                duplicates.append(index)
            elif key in self.in_flight:  # a concurrent retry of this batch: share its outcome
                waiting.append((index, self.in_flight[key]))
            else:
                mine.add(key)
                self.in_flight[key] = loop.create_future()
                fresh.append((index, record))
        try:
            outcomes = await self.publisher.publish([r for _, r in fresh], self.config.ack_timeout_s)
        except BaseException as exc:
            outcomes = [f"the request ended before the broker answered: {exc!r}"] * len(fresh)
            raise
        finally:
            acked = []
            for (_, record), outcome in zip(fresh, outcomes, strict=True):
                key = (identity.code, record["event_id"])
                self.in_flight.pop(key).set_result(outcome)
                if outcome is None:
                    acked.append(key)
            self.window.remember(acked, self.wall_clock())
        failed = [
            {"index": i, "event_id": r["event_id"], "reason": outcome}
            for (i, r), outcome in zip(fresh, outcomes, strict=True)
            if outcome is not None
        ]
        for index, future in waiting:
            outcome = await asyncio.shield(future)
            if outcome is not None:
                failed.append({"index": index, "event_id": records[index]["event_id"], "reason": outcome})
            else:
                duplicates.append(index)
        published = len(fresh) - sum(o is not None for o in outcomes)
        GATEWAY_EVENTS.labels(identity.party, "accepted").inc(published)
        GATEWAY_EVENTS.labels(identity.party, "duplicate").inc(len(duplicates))
        if failed:
            GATEWAY_EVENTS.labels(identity.party, "failed").inc(len(failed))
            log.warning("%s: broker did not acknowledge %d event(s): %s", identity.party, len(failed), failed[0])
            failed.sort(key=lambda f: f["index"])
            message = (
                f"the broker did not acknowledge {len(failed)} of {len(records)} event(s); "
                "retry the whole batch (event ids already accepted are not published twice)"
            )
            return problem(503, message, NOT_ACKNOWLEDGED, {"Retry-After": "1"}, items=failed)
        ids = [r["event_id"] for r in records]
        body = {"event_ids": ids, "published": published, "duplicates": [ids[i] for i in sorted(duplicates)]}
        return web.json_response(body, status=202)

    def _unavailable(self, identity: Identity, records: list[dict[str, Any]], why: str) -> web.Response:
        """503 for a batch the memory could not vouch for: nothing was published, all of it is to retry."""
        GATEWAY_EVENTS.labels(identity.party, "unavailable").inc(len(records))
        log.warning("%s: idempotency memory not current, batch of %d refused: %s", identity.party, len(records), why)
        reason = f"cannot tell which events were accepted before: {why}"
        items = [{"index": i, "event_id": r["event_id"], "reason": reason} for i, r in enumerate(records)]
        message = (
            f"the gateway could not check {len(records)} event(s) against those already accepted; nothing "
            "published; retry the whole batch (event ids already accepted are not published twice)"
        )
        return problem(503, message, MEMORY_UNAVAILABLE, {"Retry-After": "1"}, items=items)


MAX_ITEMS = 100
"""Problems listed in a 403 or 422 answer; the rest are counted in `items_omitted` (a 200 KB body of 10,000
bad events would otherwise get a 9 MB answer: an amplifier)."""


def _listed(problems: list[ItemProblem]) -> dict[str, Any]:
    """The `items` of an answer: the first MAX_ITEMS problems, in body order, and how many more there were."""
    listed: dict[str, Any] = {"items": [p.as_dict() for p in problems[:MAX_ITEMS]]}
    if len(problems) > MAX_ITEMS:
        listed["items_omitted"] = len(problems) - MAX_ITEMS
    return listed


GATEWAY = web.AppKey("gateway", Gateway)


async def post_events(request: web.Request) -> web.Response:
    """Handle one POST /v1/events and count it per party and status, an unexpected failure as a 500."""
    try:
        party, response = await request.app[GATEWAY].handle(request)
    except Exception:
        GATEWAY_REQUESTS.labels(request.get(PARTY, "unauthenticated"), "500").inc()
        raise  # the problem middleware answers 500 and logs it
    GATEWAY_REQUESTS.labels(party, str(response.status)).inc()
    return response


async def get_openapi(request: web.Request) -> web.Response:
    return web.json_response(document())


def make_app(settings: Settings, keyring: KeyRing, config: GatewayConfig | None = None) -> web.Application:
    """The gateway app; its Publisher starts with the app and flushes when it stops."""
    from baystream.producers.publisher import Publisher

    config = config or GatewayConfig.from_settings(settings)
    gateway = Gateway(keyring, config)
    app = web_app(SERVICE, client_max_size=config.max_body_bytes)
    app[GATEWAY] = gateway

    async def start_publisher(app: web.Application) -> None:
        timeout_ms = max(1000, int(config.ack_timeout_s * 1000))
        overrides: dict[str, Any] = {"message.timeout.ms": timeout_ms}
        publisher = Publisher(settings, validate=False, **overrides)
        gateway.publisher = AsyncPublisher(publisher, asyncio.get_running_loop())

    async def start_memory(app: web.Application) -> None:
        """Read the window back from the input topics; listen once caught up (or after the sync timeout)."""
        if config.idempotency_window_s <= 0:
            return
        sources = {identity.code for identity in keyring.identities}
        loop = asyncio.get_running_loop()
        started = time.monotonic()
        gateway.memory = memory = AcceptedTail(settings, gateway.window, sources, loop, config.sync_timeout)
        memory.start()
        try:
            await memory.sync()
        except MemoryUnavailable as exc:
            log.warning("gateway: idempotency memory not caught up at start (answering 503 until it is): %s", exc)
        else:
            log.info(
                "gateway: idempotency memory caught up in %.2fs: %d records read, %d ids remembered",
                time.monotonic() - started,
                memory.records_read,
                len(gateway.window),
            )

    async def stop(app: web.Application) -> None:
        loop = asyncio.get_running_loop()
        if gateway.memory is not None:
            await loop.run_in_executor(None, gateway.memory.close)
        if gateway.publisher is not None:
            await loop.run_in_executor(None, gateway.publisher.close)

    app.on_startup.append(start_publisher)
    app.on_startup.append(start_memory)
    app.on_cleanup.append(stop)
    app.router.add_post("/v1/events", post_events)
    app.router.add_get("/v1/openapi.json", get_openapi)
    app.router.add_get("/v1/health", health_handler(lambda: {"status": "ok"}))
    return app
