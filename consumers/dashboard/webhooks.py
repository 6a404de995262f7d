"""The dashboard's /api/webhooks: each party manages its own alert subscriptions with its gateway API key.

Who: any party of the gateway's keys (`gateway.keys_file` / `BAYSTREAM_GATEWAY_KEYS`, the same store as
`POST /v1/events`; the demo parties on the embedded broker), whatever its role, since alerts are public
aggregates. A party sees and deletes only its own subscriptions; another's id is a 404, as one that does
not exist. The dashboard only keeps subscriptions (on `webhook-subscriptions`); `baystream webhooks`
delivers (consumers/webhooks/). docs/webhooks.md describes both.
"""

from __future__ import annotations

import asyncio
import json
import logging

from aiohttp import web
from confluent_kafka import KafkaException

from baystream.consumers.dashboard.parties import Parties
from baystream.consumers.webhooks.subscriptions import (
    MAX_PER_PARTY,
    Subscription,
    SubscriptionBook,
    SubscriptionError,
    SubscriptionWriter,
    from_request,
)
from baystream.infra.http.problems import Problem, ProblemType
from baystream.infra.settings import Settings
from baystream.infra.topics import WEBHOOK_SUBSCRIPTIONS
from baystream.producers.gateway.app import UNAUTHENTICATED
from baystream.producers.gateway.identities import Identity

BAD_SUBSCRIPTION = ProblemType("bad-subscription", "Subscription cannot be used")
NO_SUBSCRIPTION = ProblemType("no-subscription", "No such subscription of yours")
TOO_MANY = ProblemType("too-many-subscriptions", "Subscription limit reached")
NOT_READY = ProblemType("subscriptions-unavailable", "Subscriptions cannot be read or written right now")
PROBLEM_TYPES = (UNAUTHENTICATED, BAD_SUBSCRIPTION, NO_SUBSCRIPTION, TOO_MANY, NOT_READY)

log = logging.getLogger(__name__)


class WebhookSubscriptions:
    """The dashboard's part: who may manage (the parties), every subscription (the book), and the writer."""

    def __init__(self, settings: Settings, parties: Parties, topic: str = WEBHOOK_SUBSCRIPTIONS):
        self.parties = parties
        self.book = SubscriptionBook(settings, topic, name="dashboard")
        self._settings = settings
        self._topic = topic
        self._writer: SubscriptionWriter | None = None

    async def start(self) -> None:
        self._writer = SubscriptionWriter(self._settings, self._topic)
        self.book.start()

    async def stop(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.book.stop)
        if self._writer is not None:
            await asyncio.get_running_loop().run_in_executor(None, self._writer.close)

    @property
    def writer(self) -> SubscriptionWriter:
        if self._writer is None:
            raise Problem(503, "the dashboard is starting", NOT_READY)
        return self._writer


class WebhookApi:
    """POST, GET and DELETE on /api/webhooks, each for the party whose key the request carries."""

    def __init__(self, subscriptions: WebhookSubscriptions):
        self.subscriptions = subscriptions

    def _party(self, request: web.Request) -> Identity:
        return self.subscriptions.parties.of(request)

    def _book(self) -> SubscriptionBook:
        book = self.subscriptions.book
        if not book.caught_up.is_set():
            raise Problem(503, f"subscriptions are still being read ({book.status})", NOT_READY)
        return book

    def _own(self, request: web.Request, party: str) -> Subscription:
        subscription_id = request.match_info["id"]
        found = self._book().get(subscription_id)
        if found is None or found.owner != party:
            raise Problem(404, f"you have no subscription {subscription_id!r}", NO_SUBSCRIPTION)
        return found

    async def _write(self, action: str, call: object, *args: object) -> None:
        try:
            await asyncio.get_running_loop().run_in_executor(None, call, *args)  # type: ignore[arg-type]
        except KafkaException as exc:
            log.warning("webhooks: %s not stored: %s", action, exc)
            raise Problem(503, f"the broker did not store the {action}: {exc}", NOT_READY) from None

    async def create(self, request: web.Request) -> web.Response:
        identity = self._party(request)
        try:
            body = json.loads(await request.read())
        except (ValueError, UnicodeDecodeError):
            raise Problem(400, "the body is not JSON", BAD_SUBSCRIPTION) from None
        try:
            subscription = from_request(body, identity.party, role=identity.role.value)
        except SubscriptionError as exc:
            raise Problem(400, str(exc), BAD_SUBSCRIPTION) from None
        book = self._book()
        if len(book.of(identity.party)) >= MAX_PER_PARTY:
            detail = f"{identity.party} holds {MAX_PER_PARTY} subscriptions, the most one party may; delete one first"
            raise Problem(409, detail, TOO_MANY)
        await self._write("subscription", self.subscriptions.writer.put, subscription)
        book.remember(subscription)
        log.info("webhooks: %s subscribed %s as %s", identity.party, subscription.display_url, subscription.id)
        answer = {**subscription.public(), "secret": subscription.secret}
        return web.json_response(answer, status=201, headers={"Location": f"/api/webhooks/{subscription.id}"})

    async def list(self, request: web.Request) -> web.Response:
        identity = self._party(request)
        return web.json_response({"subscriptions": [s.public() for s in self._book().of(identity.party)]})

    async def get(self, request: web.Request) -> web.Response:
        return web.json_response(self._own(request, self._party(request).party).public())

    async def delete(self, request: web.Request) -> web.Response:
        identity = self._party(request)
        subscription = self._own(request, identity.party)
        await self._write("deletion", self.subscriptions.writer.delete, subscription.id)
        self.subscriptions.book.forget(subscription.id)
        log.info("webhooks: %s deleted %s", identity.party, subscription.id)
        return web.Response(status=204)


def add_webhook_routes(app: web.Application, subscriptions: WebhookSubscriptions) -> None:
    api = WebhookApi(subscriptions)
    app.router.add_post("/api/webhooks", api.create)
    app.router.add_get("/api/webhooks", api.list)
    app.router.add_get("/api/webhooks/{id}", api.get)
    app.router.add_delete("/api/webhooks/{id}", api.delete)
