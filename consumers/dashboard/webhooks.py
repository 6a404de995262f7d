"""Alert webhooks: each subscriber gets every matching alert POSTed as JSON, retried with backoff.

One queue and one task per subscriber, so a slow or dead subscriber delays only itself. A delivery is
done at the first 2xx (never repeated after one); every attempt carries the alert id in
`X-Baystream-Delivery` (and the attempt number in `X-Baystream-Attempt`) so receivers can deduplicate.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import aiohttp

from baystream.infra.errors import ConfigurationError
from baystream.infra.metrics import WEBHOOK_DELIVERIES, WEBHOOK_QUEUE_DEPTH

LEVELS = ("GREEN", "AMBER", "RED")
DELIVERY_HEADER = "X-Baystream-Delivery"
ATTEMPT_HEADER = "X-Baystream-Attempt"
_KEYS = {"url", "scopes", "min_level", "max_attempts", "timeout_s"}

log = logging.getLogger(__name__)


class WebhookConfigError(ConfigurationError):
    """A webhook subscription in the settings cannot be used; the message says which and why."""


@dataclass(frozen=True)
class Subscription:
    """Where to POST alerts and which ones: scope patterns (`USLAX/*`) and a minimum level."""

    url: str
    scopes: tuple[str, ...] | None = None
    min_level: str = "GREEN"
    max_attempts: int = 8
    timeout_s: float = 10.0

    def matches(self, alert: Mapping[str, Any]) -> bool:
        """The scope matches a pattern, and the level left or entered is at least `min_level`.

        Both sides count, so a RED-only subscriber also hears when RED ends.
        """
        if self.scopes is not None and not any(fnmatch.fnmatchcase(alert["scope"], p) for p in self.scopes):
            return False
        touched = [LEVELS.index(x) for x in (alert.get("level"), alert.get("previous_level")) if x in LEVELS]
        return max(touched, default=-1) >= LEVELS.index(self.min_level)

    @property
    def display_url(self) -> str:
        """The URL without credentials or query string (they may hold tokens): safe to show and log."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def parse_subscriptions(raw: Sequence[Mapping[str, Any]]) -> list[Subscription]:
    """The `webhooks` setting to subscriptions, or a WebhookConfigError naming the bad entry."""
    subscriptions = []
    for n, entry in enumerate(raw, 1):
        where = f"webhooks[{n}]"
        unknown = set(entry) - _KEYS
        if unknown:
            raise WebhookConfigError(f"{where}: unknown keys {sorted(unknown)}; allowed: {sorted(_KEYS)}")
        url = entry.get("url")
        if not isinstance(url, str) or urlsplit(url).scheme not in {"http", "https"} or not urlsplit(url).hostname:
            raise WebhookConfigError(f"{where}: url must be an http(s) URL, got {url!r}")
        scopes = entry.get("scopes")
        if scopes is not None and (not isinstance(scopes, list) or not all(isinstance(s, str) for s in scopes)):
            raise WebhookConfigError(f"{where}: scopes must be a list of scope ids or patterns, got {scopes!r}")
        min_level = str(entry.get("min_level", "GREEN")).upper()
        if min_level not in LEVELS:
            raise WebhookConfigError(f"{where}: min_level must be one of {', '.join(LEVELS)}, got {min_level!r}")
        try:
            max_attempts = int(entry.get("max_attempts", 8))
            timeout_s = float(entry.get("timeout_s", 10.0))
        except (TypeError, ValueError):
            raise WebhookConfigError(f"{where}: max_attempts and timeout_s must be numbers") from None
        if max_attempts < 1 or timeout_s <= 0:
            raise WebhookConfigError(f"{where}: max_attempts must be >= 1 and timeout_s > 0")
        subscriptions.append(
            Subscription(url, tuple(scopes) if scopes is not None else None, min_level, max_attempts, timeout_s)
        )
    return subscriptions


def backoff_s(attempt: int, initial_s: float, cap_s: float) -> float:
    """Pause after failed attempt number `attempt` (1-based): initial, doubling, never above the cap."""
    return float(min(cap_s, initial_s * 2 ** (attempt - 1)))


@dataclass
class SubscriberStats:
    delivered: int = 0
    failed_attempts: int = 0
    gave_up: int = 0
    dropped: int = 0


class _Subscriber:
    def __init__(self, subscription: Subscription, queue_size: int):
        self.subscription = subscription
        self.queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue(maxsize=queue_size)
        self.stats = SubscriberStats()
        self.task: asyncio.Task[None] | None = None


class WebhookDispatcher:
    """Fans alerts out to subscribers; `submit` never blocks, delivery happens in per-subscriber tasks."""

    def __init__(
        self,
        subscriptions: Sequence[Subscription],
        retry_initial_s: float = 1.0,
        retry_cap_s: float = 60.0,
        queue_size: int = 1000,
    ):
        self._subscribers = [_Subscriber(s, queue_size) for s in subscriptions]
        self._retry = (retry_initial_s, retry_cap_s)
        self._session: aiohttp.ClientSession | None = None

    async def start(self) -> None:
        if not self._subscribers:
            return
        self._session = aiohttp.ClientSession(headers={"User-Agent": "baystream-webhooks"})
        for subscriber in self._subscribers:
            subscriber.task = asyncio.create_task(self._deliver_forever(subscriber))

    async def close(self) -> None:
        for subscriber in self._subscribers:
            if subscriber.task is not None:
                subscriber.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await subscriber.task
            WEBHOOK_QUEUE_DEPTH.dec(subscriber.queue.qsize())
        if self._session is not None:
            await self._session.close()

    def submit(self, alert: Mapping[str, Any]) -> None:
        """Queue a JSON-ready alert for every subscriber it matches; a full queue drops it (counted)."""
        for subscriber in self._subscribers:
            if not subscriber.subscription.matches(alert):
                continue
            try:
                subscriber.queue.put_nowait(dict(alert))
                WEBHOOK_QUEUE_DEPTH.inc()
            except asyncio.QueueFull:
                subscriber.stats.dropped += 1
                WEBHOOK_DELIVERIES.labels("dropped").inc()
                log.warning("webhook %s: queue full, alert %s dropped", subscriber.subscription.display_url, alert)

    def stats(self) -> list[dict[str, Any]]:
        return [
            {
                "url": s.subscription.display_url,
                "scopes": list(s.subscription.scopes) if s.subscription.scopes is not None else None,
                "min_level": s.subscription.min_level,
                "queued": s.queue.qsize(),
                **s.stats.__dict__,
            }
            for s in self._subscribers
        ]

    async def _deliver_forever(self, subscriber: _Subscriber) -> None:
        while True:
            alert = await subscriber.queue.get()
            try:
                await self._deliver(subscriber, alert)
            finally:
                WEBHOOK_QUEUE_DEPTH.dec()

    async def _deliver(self, subscriber: _Subscriber, alert: dict[str, Any]) -> None:
        assert self._session is not None
        subscription = subscriber.subscription
        timeout = aiohttp.ClientTimeout(total=subscription.timeout_s)
        for attempt in range(1, subscription.max_attempts + 1):
            headers = {DELIVERY_HEADER: str(alert["alert_id"]), ATTEMPT_HEADER: str(attempt)}
            try:
                async with self._session.post(subscription.url, json=alert, headers=headers, timeout=timeout) as reply:
                    await reply.read()
                    if 200 <= reply.status < 300:
                        subscriber.stats.delivered += 1
                        WEBHOOK_DELIVERIES.labels("delivered").inc()
                        return
                    problem = f"HTTP {reply.status}"
            except (aiohttp.ClientError, TimeoutError) as exc:
                problem = f"{type(exc).__name__}: {exc}"
            subscriber.stats.failed_attempts += 1
            WEBHOOK_DELIVERIES.labels("failed").inc()
            log.info(
                "webhook %s: attempt %d for %s failed (%s)",
                subscription.display_url,
                attempt,
                alert["alert_id"],
                problem,
            )
            if attempt < subscription.max_attempts:
                await asyncio.sleep(backoff_s(attempt, *self._retry))
        subscriber.stats.gave_up += 1
        WEBHOOK_DELIVERIES.labels("gave_up").inc()
        log.warning(
            "webhook %s: gave up on alert %s after %d attempts",
            subscription.display_url,
            alert["alert_id"],
            subscription.max_attempts,
        )
