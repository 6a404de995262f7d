"""Delivering alerts to subscriptions: signed as Standard Webhooks says, retried, dead-lettered, committed.

`WebhookDeliverer` is one member of the consumer group `webhooks.group_id` on `congestion-alerts`:
replicas split the partitions, so each alert is sent by one of them. It takes one alert at a time, sends it
to every matching subscription at once, and commits the alert's offset only when every one of those
deliveries is done: a 2xx, or a DeadLetter record on `dead-letter` that the broker acknowledged. An alert
written while no deliverer runs is sent when one starts; a stop mid-delivery leaves the offset where it
was, so the alert is sent again (same `webhook-id`) by whoever reads it next.
"""

from __future__ import annotations

import asyncio
import base64
import email.utils
import functools
import hashlib
import hmac
import json
import logging
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import aiohttp
from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from baystream.consumers.dashboard.containers import ON_TERMINAL, box_from_record, may_see
from baystream.consumers.dashboard.store import ALERT_FIELDS, api_form
from baystream.consumers.webhooks.subscriptions import Subscription, SubscriptionBook, secret_key, wait_caught_up
from baystream.infra.kafka_config import consumer_config, producer_config
from baystream.infra.metrics import (
    WEBHOOK_ATTEMPT_FAILURES,
    WEBHOOK_DELIVERIES,
    WEBHOOK_QUEUE_DEPTH,
    WEBHOOK_RETRIES,
)
from baystream.infra.settings import Settings
from baystream.infra.topics import CONGESTION_ALERTS, CONTAINER_STATUS, DEAD_LETTER, WEBHOOK_SUBSCRIPTIONS
from baystream.producers.gateway.keys import load_keyring
from baystream.schemas.errors import DecodeError
from baystream.schemas.json_form import format_time
from baystream.schemas.wire import codec_for
from baystream.streams.containers.status import PORT_TIME
from baystream.streams.dead_letter import dead_letter

PRODUCER = "webhooks"
EVENT_TYPE = "congestion.alert"
USER_AGENT = "baystream-webhooks"
NEVER_RETRIED = frozenset(range(400, 500)) - {408, 429}
"""A 4xx says the request itself is wrong (or unwelcome): sending it again changes nothing. 408 and 429 are
about timing, so they are retried."""
BOOK_SYNC_S = 5.0
"""Longest wait, per alert, for the subscriptions read to catch up with the topic's end (then: what it has)."""
RECENT_ALERTS = 10_000
"""Alert ids remembered as sent: the worker may write an alert twice (a replay after a restart)."""

log = logging.getLogger(__name__)


# --- signing (https://www.standardwebhooks.com/) --------------------------------------------------------


def signature(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,<base64 HMAC-SHA256 of "id.timestamp.body">` with the key of a `whsec_` secret."""
    digest = hmac.new(secret_key(secret), f"{msg_id}.{timestamp}.".encode() + body, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": signature(secret, msg_id, timestamp, body),
    }


def message_id(subscription: Subscription, alert_id: str) -> str:
    """The `webhook-id`: the same for every attempt and every resend of one alert to one subscription."""
    return "msg_" + hashlib.sha256(f"{subscription.id}|{alert_id}".encode()).hexdigest()[:32]


def container_notices(status: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(notice, id) of what a ContainerStatus tells its carrier and trucker: `available_for_pickup` once per
    terminal stay, `last_free_day_tomorrow` when the status's day (port time) is the eve of the last free day.
    The id names the news, so a status refreshed or read again is the same news (one `webhook-id`)."""
    if status.get("where") != ON_TERMINAL:
        return []
    container = status["container_id"]
    since = status.get("on_terminal_since")
    stay = format_time(since) if isinstance(since, datetime) else "?"
    found = []
    if status.get("available_for_pickup"):
        found.append(("available_for_pickup", f"{container}|available_for_pickup|{stay}"))
    last_free_day = status.get("last_free_day")
    as_of: datetime = status["as_of"]
    if last_free_day and last_free_day == (as_of.astimezone(PORT_TIME).date() + timedelta(days=1)).isoformat():
        found.append(("last_free_day_tomorrow", f"{container}|last_free_day_tomorrow|{last_free_day}"))
    return found


def notice_payload(notice: str, status: Mapping[str, Any], written_at: datetime) -> bytes:
    """`type` container.<notice>, `timestamp` (when the status was written), the status as GET /api/containers
    shows it."""
    data = box_from_record(status).public(status["as_of"])
    envelope = {"type": f"container.{notice}", "timestamp": format_time(written_at), "data": data}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


def payload(alert: Mapping[str, Any], written_at: datetime) -> bytes:
    """The body: `type`, `timestamp` (when the alert was written) and the alert as the REST API shows it."""
    envelope = {"type": EVENT_TYPE, "timestamp": format_time(written_at), "data": api_form(alert, ALERT_FIELDS)}
    return json.dumps(envelope, separators=(",", ":"), ensure_ascii=False).encode()


# --- one delivery ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how patiently: exponential backoff from `initial_s` to `cap_s`, with jitter."""

    max_attempts: int = 10
    initial_s: float = 1.0
    cap_s: float = 60.0
    timeout_s: float = 10.0

    def __post_init__(self) -> None:
        if self.max_attempts < 1 or self.initial_s <= 0 or self.cap_s < self.initial_s or self.timeout_s <= 0:
            raise ValueError(
                "webhooks settings: max_attempts must be >= 1, retry_initial_s > 0, retry_cap_s >= retry_initial_s "
                f"and timeout_s > 0; got {self}"
            )

    @classmethod
    def from_settings(cls, settings: Settings) -> RetryPolicy:
        w = settings.webhooks
        return cls(w.max_attempts, w.retry_initial_s, w.retry_cap_s, w.timeout_s)

    def pause_s(self, failed: int, retry_after_s: float | None, rng: random.Random) -> float:
        """Pause after failed attempt number `failed` (1-based): half the backoff plus a random part of the
        other half (receivers that failed together do not come back together), at least what `Retry-After`
        asked, never more than `cap_s`."""
        backoff = min(self.cap_s, self.initial_s * 2 ** (failed - 1))
        pause = backoff / 2 + rng.random() * backoff / 2
        if retry_after_s is not None:
            pause = max(pause, min(retry_after_s, self.cap_s))
        return pause

    def longest_s(self) -> float:
        """The longest one delivery can take: every attempt timing out, every pause at the cap."""
        return self.max_attempts * self.timeout_s + (self.max_attempts - 1) * self.cap_s


def retry_after_s(value: str | None, now: float | None = None) -> float | None:
    """A `Retry-After` header in seconds: delta-seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def failure_kind(status: int) -> str:
    """The `outcome` label of a failed attempt with this status."""
    if status in (408, 429):
        return f"http_{status}"
    if 400 <= status < 500:
        return "http_4xx"
    return "http_5xx" if 500 <= status < 600 else "http_other"


@dataclass(frozen=True)
class Outcome:
    delivered: bool
    attempts: int
    reason: str
    """Why it ended: the status, or the last problem when it was given up."""
    wanted: bool = True
    """False when the subscription was deleted meanwhile (nothing to dead-letter)."""


Sleep = Callable[[float], Awaitable[None]]


async def deliver(
    session: aiohttp.ClientSession,
    subscription: Subscription,
    msg_id: str,
    body: bytes,
    policy: RetryPolicy,
    rng: random.Random,
    sleep: Sleep = asyncio.sleep,
    still_wanted: Callable[[], bool] = lambda: True,
) -> Outcome:
    """POST `body` until a 2xx, a 4xx other than 408 and 429, or the last attempt; each attempt signed anew
    (the timestamp is the attempt's). Redirects are not followed: a receiver that moved says so with a 3xx,
    which counts as a failure like a 5xx."""
    timeout = aiohttp.ClientTimeout(total=policy.timeout_s)
    problem = "not tried"
    for attempt in range(1, policy.max_attempts + 1):
        if attempt > 1:
            WEBHOOK_RETRIES.inc()
        headers = signed_headers(subscription.secret, msg_id, int(time.time()), body)
        wait_at_least: float | None = None
        try:
            async with session.post(
                subscription.url, data=body, headers=headers, timeout=timeout, allow_redirects=False
            ) as reply:
                reply.release()  # the answer's body is not needed, and a receiver might send a huge one
                if 200 <= reply.status < 300:
                    return Outcome(True, attempt, f"HTTP {reply.status}")
                WEBHOOK_ATTEMPT_FAILURES.labels(failure_kind(reply.status)).inc()
                problem = f"HTTP {reply.status} {reply.reason or ''}".rstrip()
                if reply.status in NEVER_RETRIED:
                    return Outcome(False, attempt, f"{problem}, not retried (a 4xx other than 408 and 429)")
                wait_at_least = retry_after_s(reply.headers.get("Retry-After"))
        except TimeoutError:
            WEBHOOK_ATTEMPT_FAILURES.labels("timeout").inc()
            problem = f"no answer within {policy.timeout_s:g} s"
        except aiohttp.ClientError as exc:
            WEBHOOK_ATTEMPT_FAILURES.labels("connection").inc()
            problem = f"{type(exc).__name__}: {exc}".replace(subscription.url, subscription.display_url)
        log.info("webhook %s %s: attempt %d failed (%s)", subscription.id, subscription.display_url, attempt, problem)
        if attempt < policy.max_attempts:
            await sleep(policy.pause_s(attempt, wait_at_least, rng))
            if not still_wanted():
                return Outcome(False, attempt, "subscription deleted", wanted=False)
    return Outcome(False, policy.max_attempts, f"{problem}, after {policy.max_attempts} attempt(s)")


# --- the consumer group -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class DeliveryTopics:
    """Which topics (the catalog's by default; tests use private ones)."""

    alerts: str = CONGESTION_ALERTS
    subscriptions: str = WEBHOOK_SUBSCRIPTIONS
    dead_letter: str = DEAD_LETTER
    container_status: str = CONTAINER_STATUS


class _Stopping(Exception):
    """Raised inside a delivery when the process is asked to stop: the alert stays uncommitted."""


class WebhookDeliverer:
    """One delivering member of the group; `run()` blocks until `stop()` (from another thread or a signal)."""

    def __init__(self, settings: Settings, topics: DeliveryTopics | None = None, seed: int | None = None):
        self.settings = settings
        self.topics = topics or DeliveryTopics()
        self.policy = RetryPolicy.from_settings(settings)
        self.group_id = settings.webhooks.group_id
        self._rng = random.Random(seed)
        self._codec = codec_for(settings.kafka.schema_registry)
        self._stopping = threading.Event()
        self._recent: OrderedDict[str, None] = OrderedDict()
        self.book = SubscriptionBook(settings, self.topics.subscriptions)
        self.parties = {i.party: i for i in load_keyring(settings)[0].identities}
        """Who owns which subscription: a container notice goes only to the box's own carrier or trucker."""
        self.assigned: set[int] = set()
        """Partitions of the alerts topic this member holds now."""
        self.delivered = 0
        self.dead_lettered = 0
        self.status = "starting"

    def stop(self) -> None:
        self._stopping.set()

    def run(self) -> None:
        """Read every subscription, then join the group and deliver until stopped."""
        self.book.start()
        try:
            self.status = "reading subscriptions"
            if not wait_caught_up(self.book, self._stopping.is_set):
                return
            asyncio.run(self._consume())
        finally:
            self.book.stop()
            self.status = "stopped"

    def _consumer(self) -> Consumer:
        # The group must not think this member is gone while it retries one alert for minutes.
        poll_interval_ms = max(300_000, int((self.policy.longest_s() + 60) * 1000))
        config = consumer_config(
            self.settings,
            self.group_id,
            **{"enable.auto.commit": False, "max.poll.interval.ms": poll_interval_ms},
        )
        return Consumer(config)

    async def _consume(self) -> None:
        consumer = self._consumer()
        dead_letters = Producer(producer_config(self.settings))
        watermarks = Consumer(consumer_config(self.settings, None))

        def assigned(_: Consumer, partitions: list[TopicPartition]) -> None:
            self.assigned |= {p.partition for p in partitions if p.topic == self.topics.alerts}
            log.info("webhooks: assigned %s", sorted(self.assigned))

        def revoked(_: Consumer, partitions: list[TopicPartition]) -> None:
            self.assigned -= {p.partition for p in partitions if p.topic == self.topics.alerts}

        topics = [self.topics.alerts, self.topics.container_status]
        consumer.subscribe(topics, on_assign=assigned, on_revoke=revoked, on_lost=revoked)
        self.status = "live"
        try:
            async with aiohttp.ClientSession(headers={"User-Agent": USER_AGENT}) as session:
                while not self._stopping.is_set():
                    message = consumer.poll(0.5)  # nothing else runs on this loop between alerts
                    if message is None:
                        continue
                    error = message.error()
                    if error is not None:
                        if error.code() != KafkaError._PARTITION_EOF:
                            log.warning("webhooks: %s", error)
                        continue
                    self._sync_book(watermarks)
                    try:
                        await self._handle(session, dead_letters, message)
                    except _Stopping:
                        log.info("webhooks: stopped during a delivery; the alert will be sent again")
                        return
                    self._commit(consumer, message)
        finally:
            consumer.close()
            watermarks.close()
            dead_letters.flush(10)

    def _sync_book(self, watermarks: Consumer) -> None:
        """Wait until the book holds every subscription on the topic now, so that one made a moment before
        an alert is not missed by it (alerts are rare: a round trip each is cheap)."""
        topic = self.topics.subscriptions
        try:
            metadata = watermarks.list_topics(topic, timeout=BOOK_SYNC_S).topics[topic]
            ends = {
                p: watermarks.get_watermark_offsets(TopicPartition(topic, p), BOOK_SYNC_S)[1]
                for p in metadata.partitions
            }
        except (KafkaException, KeyError) as exc:
            log.warning("webhooks: end of %s unknown (%s); delivering with the subscriptions read so far", topic, exc)
            return
        deadline = time.monotonic() + BOOK_SYNC_S
        while not self.book.covers(ends):
            if time.monotonic() > deadline:
                log.warning(
                    "webhooks: %s not read to its end in %g s; delivering with what is read", topic, BOOK_SYNC_S
                )
                return
            time.sleep(0.02)

    def _commit(self, consumer: Consumer, message: Message) -> None:
        offset = TopicPartition(
            message.topic() or self.topics.alerts, message.partition() or 0, (message.offset() or 0) + 1
        )
        try:
            consumer.commit(offsets=[offset], asynchronous=False)
        except KafkaException as exc:  # the partition moved to another member meanwhile: it resends
            log.warning("webhooks: commit of %s failed: %s (the next owner may send it again)", offset, exc)

    def _subscribed(self, subscription_id: str) -> bool:
        return self.book.get(subscription_id) is not None

    async def _sleep(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            if self._stopping.is_set():
                raise _Stopping
            await asyncio.sleep(min(left, 0.1))

    async def _handle(self, session: aiohttp.ClientSession, dead_letters: Producer, message: Message) -> None:
        """Deliver one record (an alert, or a container status with notices) to every matching subscription;
        return once each is delivered or dead-lettered."""
        if message.topic() == self.topics.container_status and message.value() is None:
            return  # a tombstone: a box forgotten, nothing to tell
        try:
            record = self._codec.decode(message.value())
        except DecodeError as exc:
            self._dead_letter(dead_letters, message, f"not an alert or a container status: {exc}", "decode")
            self._flush(dead_letters)
            return
        _, written_ms = message.timestamp()
        written_at = datetime.fromtimestamp(written_ms / 1000, UTC)
        if message.topic() == self.topics.container_status:
            box = box_from_record(record)
            for notice, notice_id in container_notices(record):
                matching = [
                    s
                    for s in self.book.all()
                    if notice in s.containers
                    and s.fresh(written_at)
                    and s.owner in self.parties
                    and may_see(self.parties[s.owner], box)
                ]
                body = notice_payload(notice, record, written_at)
                await self._send(session, dead_letters, message, matching, notice_id, body)
            return
        alert_id = str(record.get("alert_id"))
        matching = [s for s in self.book.all() if s.matches(record, written_at)]
        await self._send(session, dead_letters, message, matching, alert_id, payload(record, written_at))

    async def _send(
        self,
        session: aiohttp.ClientSession,
        dead_letters: Producer,
        message: Message,
        matching: list[Subscription],
        news_id: str,
        body: bytes,
    ) -> None:
        """One piece of news (an alert, a notice) to its subscriptions at once; failures dead-lettered."""
        if news_id in self._recent:
            return  # the same news written again: it was sent
        WEBHOOK_QUEUE_DEPTH.inc(len(matching))
        try:
            outcomes = await asyncio.gather(
                *(
                    deliver(
                        session,
                        s,
                        message_id(s, news_id),
                        body,
                        self.policy,
                        self._rng,
                        self._sleep,
                        functools.partial(self._subscribed, s.id),
                    )
                    for s in matching
                )
            )
        finally:
            WEBHOOK_QUEUE_DEPTH.dec(len(matching))
        failed = False
        for subscription, outcome in zip(matching, outcomes, strict=True):
            if outcome.delivered:
                self.delivered += 1
                WEBHOOK_DELIVERIES.labels("delivered").inc()
            elif outcome.wanted:
                failed = True
                reason = f"webhook {subscription.id} ({subscription.display_url}): {outcome.reason}"
                log.warning("webhooks: %s dead-lettered: %s", news_id, reason)
                self._dead_letter(dead_letters, message, reason, "deliver")
                self.dead_lettered += 1
                WEBHOOK_DELIVERIES.labels("dead_lettered").inc()
        if failed:
            self._flush(dead_letters)
        self._recent[news_id] = None
        if len(self._recent) > RECENT_ALERTS:
            self._recent.popitem(last=False)

    def _dead_letter(self, producer: Producer, message: Message, reason: str, stage: str) -> None:
        letter = dead_letter(
            topic=message.topic() or self.topics.alerts,
            reason=reason,
            stage=stage,
            producer=PRODUCER,
            partition=message.partition() or 0,
            offset=message.offset() or 0,
            key=message.key(),
            value=message.value(),
        )
        key = message.key()
        producer.produce(self.topics.dead_letter, self._codec.encode(letter, self.topics.dead_letter), key=key)

    def _flush(self, producer: Producer) -> None:
        """Until the broker has every dead letter: only then may the alert's offset be committed."""
        while producer.flush(5) > 0:
            log.warning("webhooks: dead letters not acknowledged yet; waiting for the broker")
            if self._stopping.is_set():
                raise _Stopping
