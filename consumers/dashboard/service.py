"""The dashboard service: the store and the live hub, fed by the reader thread; the webhook subscriptions.

Everything here runs on the event loop; the reader hands batches over with `call_soon_threadsafe`.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field
from typing import Any

from baystream.consumers.dashboard.containers import ContainerBook, VisitBook
from baystream.consumers.dashboard.feed import FeedBatch, FeedTopics, IndicatorFeed, PartyBatch, PartyFeed
from baystream.consumers.dashboard.live import LiveHub
from baystream.consumers.dashboard.parties import Parties
from baystream.consumers.dashboard.store import ALERT_FIELDS, INDICATOR_FIELDS, DashboardStore, api_form
from baystream.consumers.dashboard.webhooks import WebhookSubscriptions
from baystream.infra.metrics import set_indicator
from baystream.infra.settings import DashboardSettings, Settings
from baystream.infra.topics import WEBHOOK_SUBSCRIPTIONS

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DashboardOptions:
    """Knobs the settings do not carry (command-line flags; tests use private topics)."""

    topics: FeedTopics = field(default_factory=FeedTopics)
    history_hours: float = DashboardSettings.history_hours
    """How far back the charts start: `congestion-indicators` is read from this many hours ago."""
    resolution_s: float = 60.0
    """One chart point per indicator per this many seconds of event time."""
    history_points: int = 480
    alert_capacity: int = 200
    subscriptions_topic: str = WEBHOOK_SUBSCRIPTIONS
    container_capacity: int = 200_000
    """Most container statuses held (the ones updated longest ago go first): docs/dashboard.md, "Parties"."""
    visit_capacity: int = 100_000


class DashboardService:
    """Owns the state of one dashboard process; start it on the loop that serves the HTTP app."""

    def __init__(self, settings: Settings, options: DashboardOptions | None = None):
        self.options = options or DashboardOptions()
        self.store = DashboardStore(self.options.history_points, self.options.resolution_s, self.options.alert_capacity)
        self.hub = LiveHub()
        self.parties = Parties(settings)
        self.webhooks = WebhookSubscriptions(settings, self.parties, self.options.subscriptions_topic)
        self.feed = IndicatorFeed(settings, self._from_thread, self.options.topics, self.options.history_hours)
        self.containers = ContainerBook(self.options.container_capacity)
        self.visits = VisitBook(settings.dashboard.visit_hours, self.options.visit_capacity)
        self.party_feed = PartyFeed(
            settings, self._party_from_thread, self.options.topics, settings.dashboard.visit_hours
        )
        self.warmed_up = False
        self.containers_ready = False
        self._loop: asyncio.AbstractEventLoop | None = None

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        await self.webhooks.start()
        self.feed.start()
        self.party_feed.start()

    async def stop(self) -> None:
        await asyncio.get_running_loop().run_in_executor(None, self.feed.stop)
        await asyncio.get_running_loop().run_in_executor(None, self.party_feed.stop)
        self.hub.close_all()
        await self.webhooks.stop()

    def _from_thread(self, batch: FeedBatch) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self.apply, batch)

    def _party_from_thread(self, batch: PartyBatch) -> None:
        assert self._loop is not None
        self._loop.call_soon_threadsafe(self.apply_party, batch)

    def apply_party(self, batch: PartyBatch) -> None:
        """Take one batch of container statuses and gate moves."""
        for key, record in batch.statuses:
            self.containers.apply(key, record)
        self.visits.apply(batch.gate_moves)
        if batch.warmed_up and not self.containers_ready:
            self.containers_ready = True
            log.info("dashboard: %d container status(es), %d visit(s) read", len(self.containers), len(self.visits))

    def apply(self, batch: FeedBatch) -> None:
        """Take one batch from the reader: update the store, tell the browsers."""
        newest = {(r["scope"], r["indicator"]): r for r in batch.indicators if self.store.add_indicator(r)}
        changed = [api_form(r, INDICATOR_FIELDS) for r in newest.values()]  # the last value per key is enough
        for record in changed:
            set_indicator(record["scope"], record["indicator"], record["value"], record["level"])
        if changed:
            self.hub.broadcast("indicators", changed)
        for record, _new in batch.alerts:
            if self.store.add_alert(record):
                self.hub.broadcast("alert", api_form(record, ALERT_FIELDS))
        if batch.warmed_up and not self.warmed_up:
            self.warmed_up = True
            log.info("dashboard: warmed up with %s", self.store.counts())
            self.hub.broadcast("status", self.health())

    def health(self) -> dict[str, Any]:
        newest = self.store.newest_as_of()
        return {
            "status": "ok" if self.warmed_up else "warming up",
            "reader": self.feed.status,
            "broker_trouble": self.feed.broker_trouble,
            "as_of": api_form({"as_of": newest}, ["as_of"])["as_of"],
            "live_clients": self.hub.client_count,
            "containers_reader": self.party_feed.status,
            "containers": len(self.containers),
            "visits": len(self.visits),
            **self.store.counts(),
        }
