"""Webhook subscriptions: the record, a request turned into one, and the compacted topic that keeps them.

A subscription belongs to the party (gateway key) that made it. It is kept on `webhook-subscriptions`
(infra/topics.py) as JSON keyed by its id, a tombstone when deleted, so every dashboard replica and every
delivering process knows every subscription by reading the topic whole (`SubscriptionBook`); nothing
lives only in one process's memory. The secret is on the topic too: whoever may read that topic may sign
as Baystream (docs/webhooks.md, "Security").
"""

from __future__ import annotations

import base64
import binascii
import fnmatch
import json
import logging
import re
import secrets
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from confluent_kafka import Consumer, KafkaError, KafkaException, Message, Producer, TopicPartition

from baystream.infra.kafka_config import consumer_config, producer_config
from baystream.infra.metrics import CONSUMER_DECODE_ERRORS
from baystream.infra.reader import read_until_stopped
from baystream.infra.settings import Settings
from baystream.schemas.json_form import format_time

LEVELS = ("GREEN", "AMBER", "RED")
SECRET_PREFIX = "whsec_"
SECRET_BYTES = (24, 64)
"""A secret's key is 24 to 64 random bytes (Standard Webhooks); a generated one has 32."""
MAX_URL = 2048
MAX_SCOPES = 50
MAX_PER_PARTY = 20
"""Subscriptions one party may hold: each one is an HTTP call per matching alert from every delivery."""
_SCOPE_PATTERN = re.compile(r"[A-Za-z0-9/*?\[\]_.-]{1,64}")
_FIELDS = {"url", "secret", "scopes", "levels", "containers"}
NOTICES = ("available_for_pickup", "last_free_day_tomorrow")
"""Notices about a party's own containers (docs/webhooks.md, "My containers")."""
NOTICE_ROLES = ("carrier", "trucker")
"""Roles that may ask for them: the carrier of the call that brought a box, the trucker who holds it."""

log = logging.getLogger(__name__)


class SubscriptionError(ValueError):
    """A subscription request that cannot be used: the message names the field and what was expected."""


def new_secret() -> str:
    """A fresh signing secret, `whsec_` and the base64 of 32 random bytes."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def secret_key(secret: str) -> bytes:
    """The HMAC key of a `whsec_<base64>` secret, or a SubscriptionError saying what is wrong with it."""
    if not secret.startswith(SECRET_PREFIX):
        raise SubscriptionError(f"secret must start with {SECRET_PREFIX!r} followed by base64")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)
    except (binascii.Error, ValueError):
        raise SubscriptionError("secret: the part after 'whsec_' is not base64") from None
    low, high = SECRET_BYTES
    if not low <= len(key) <= high:
        raise SubscriptionError(f"secret must hold {low} to {high} bytes, not {len(key)} (omit it to get one)")
    return key


@dataclass(frozen=True)
class Subscription:
    """Where to POST alerts, signed with `secret`, and which ones: scope patterns and levels."""

    id: str
    owner: str
    """The party (gateway keys) that made it: the only one that sees or deletes it."""
    url: str
    secret: str
    scopes: tuple[str, ...] | None
    """Scope ids or shell patterns (`USLGB/*`); None: every scope."""
    levels: tuple[str, ...]
    """An alert matches when the level it enters or leaves is one of these; none: no alerts."""
    created_at: datetime
    containers: tuple[str, ...] = ()
    """Notices (NOTICES) about the owner's own containers; none: no container notices."""

    def matches(self, alert: Mapping[str, Any], written_at: datetime | None = None) -> bool:
        """Scope and level match, and the alert was written after the subscription was made.

        Alerts from before a subscription (read late, after an outage) are not its news.
        """
        if not self.fresh(written_at):
            return False
        if self.scopes is not None and not any(fnmatch.fnmatchcase(str(alert["scope"]), p) for p in self.scopes):
            return False
        return alert.get("level") in self.levels or alert.get("previous_level") in self.levels

    def fresh(self, written_at: datetime | None) -> bool:
        """Whether a record written then is news to this subscription (made before it was written)."""
        return written_at is None or written_at >= self.created_at

    @property
    def display_url(self) -> str:
        """The URL without credentials or query string (they may hold tokens): safe to show and log."""
        parts = urlsplit(self.url)
        host = parts.hostname or ""
        netloc = f"{host}:{parts.port}" if parts.port else host
        return urlunsplit((parts.scheme, netloc, parts.path, "", ""))

    def public(self) -> dict[str, Any]:
        """The API's form: everything but the secret."""
        return {
            "id": self.id,
            "url": self.url,
            "scopes": list(self.scopes) if self.scopes is not None else None,
            "levels": list(self.levels),
            "containers": list(self.containers),
            "created_at": format_time(self.created_at),
        }

    def to_record(self) -> bytes:
        """The value on `webhook-subscriptions`."""
        created_ms = int(self.created_at.timestamp() * 1000)
        return json.dumps(
            {**self.public(), "owner": self.owner, "secret": self.secret, "created_ms": created_ms}
        ).encode()

    @classmethod
    def from_record(cls, value: bytes) -> Subscription:
        data = json.loads(value)
        return cls(
            id=str(data["id"]),
            owner=str(data["owner"]),
            url=str(data["url"]),
            secret=str(data["secret"]),
            scopes=tuple(data["scopes"]) if data.get("scopes") is not None else None,
            levels=tuple(data["levels"]),
            created_at=datetime.fromtimestamp(int(data["created_ms"]) / 1000, UTC),
            containers=tuple(data.get("containers") or ()),
        )


def _url(raw: Any) -> str:
    if not isinstance(raw, str) or len(raw) > MAX_URL:
        raise SubscriptionError(f"url must be an http(s) URL of at most {MAX_URL} characters")
    try:
        parts = urlsplit(raw)
        parts.port  # noqa: B018 - raises on a port that is not a number
    except ValueError as exc:
        raise SubscriptionError(f"url: {exc}") from None
    if parts.scheme not in {"http", "https"} or not parts.hostname:
        raise SubscriptionError(f"url must be an http(s) URL with a host, got {raw!r}")
    if parts.fragment:
        raise SubscriptionError("url must not have a #fragment (it is never sent)")
    return raw


def _scopes(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list) or not raw or len(raw) > MAX_SCOPES:
        raise SubscriptionError(f"scopes must be a list of 1 to {MAX_SCOPES} scope ids or patterns, or null")
    for scope in raw:
        if not isinstance(scope, str) or not _SCOPE_PATTERN.fullmatch(scope):
            raise SubscriptionError(f"scopes: {scope!r} is not a scope id or pattern (e.g. USLAX/APMT, USLGB/*, SPB)")
    return tuple(dict.fromkeys(raw))


def _levels(raw: Any, containers: tuple[str, ...]) -> tuple[str, ...]:
    """The levels; left out: all three, or none when the subscription asks for container notices."""
    if raw is None:
        return () if containers else LEVELS
    if raw == [] and containers:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
        raise SubscriptionError(f"levels must be a non-empty list of {', '.join(LEVELS)}")
    wanted = {x.upper() for x in raw}
    unknown = sorted(wanted - set(LEVELS))
    if unknown:
        raise SubscriptionError(f"levels: {', '.join(unknown)} not one of {', '.join(LEVELS)}")
    return tuple(level for level in LEVELS if level in wanted)


def _containers(raw: Any, role: str | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, list) or not raw or not all(isinstance(x, str) for x in raw):
        raise SubscriptionError(f"containers must be a non-empty list of {', '.join(NOTICES)}")
    unknown = sorted(set(raw) - set(NOTICES))
    if unknown:
        raise SubscriptionError(f"containers: {', '.join(unknown)} not one of {', '.join(NOTICES)}")
    if role not in NOTICE_ROLES:
        raise SubscriptionError(f"containers: notices about containers go to a carrier or a trucker, not a {role}")
    return tuple(n for n in NOTICES if n in raw)


def _to_ms(moment: datetime) -> datetime:
    """Milliseconds, as on the topic (and as Kafka timestamps the alerts it is compared with)."""
    return moment.replace(microsecond=moment.microsecond // 1000 * 1000)


def from_request(body: Any, owner: str, now: datetime | None = None, role: str | None = None) -> Subscription:
    """A POST /api/webhooks body to a new subscription (a secret is made when none is given); `role` is the
    owner's (a carrier or a trucker may ask for notices about its containers)."""
    if not isinstance(body, Mapping):
        raise SubscriptionError(
            "the body must be a JSON object with url, and optionally secret, scopes, levels, containers"
        )
    unknown = sorted(set(body) - _FIELDS)
    if unknown:
        raise SubscriptionError(f"unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(_FIELDS))}")
    secret = body.get("secret")
    if secret is None:
        secret = new_secret()
    elif not isinstance(secret, str):
        raise SubscriptionError("secret must be a string whsec_<base64>, or omitted")
    secret_key(secret)
    containers = _containers(body.get("containers"), role)
    return Subscription(
        id="wh_" + secrets.token_hex(10),
        owner=owner,
        url=_url(body.get("url")),
        secret=secret,
        scopes=_scopes(body.get("scopes")),
        levels=_levels(body.get("levels"), containers),
        created_at=_to_ms(now or datetime.now(UTC)),
        containers=containers,
    )


class SubscriptionWriter:
    """Puts subscriptions on the topic and deletes them (tombstones); each call waits for the broker's ack."""

    def __init__(self, settings: Settings, topic: str, timeout_s: float = 15.0):
        self._producer = Producer(producer_config(settings, **{"linger.ms": 0}))
        self._topic = topic
        self._timeout_s = timeout_s

    def put(self, subscription: Subscription) -> None:
        self._send(subscription.id, subscription.to_record())

    def delete(self, subscription_id: str) -> None:
        self._send(subscription_id, None)

    def _send(self, key: str, value: bytes | None) -> None:
        """Blocking: run it off the event loop. Raises KafkaException when the broker did not take it."""
        errors: list[KafkaError] = []
        self._producer.produce(
            self._topic, value, key=key, on_delivery=lambda err, _msg: errors.append(err) if err else None
        )
        if self._producer.flush(self._timeout_s) > 0:
            raise KafkaException(KafkaError(KafkaError._MSG_TIMED_OUT, "no acknowledgement from the broker"))
        if errors:
            raise KafkaException(errors[0])

    def close(self) -> None:
        self._producer.flush(self._timeout_s)


class SubscriptionBook:
    """Every subscription on the topic, kept current by a reader thread (group-less, from the beginning).

    `caught_up` is set once the topic has been read to the end it had at start: before that, the book may
    miss subscriptions, so delivery waits for it. `remember`/`forget` apply a change this process wrote at
    once, so an API client reads its own write; the reader then applies the same record again, harmlessly.
    """

    def __init__(self, settings: Settings, topic: str, name: str = "webhooks"):
        self._settings = settings
        self._topic = topic
        self._name = name
        self._by_id: dict[str, Subscription] = {}
        self._deleted: set[str] = set()
        self._positions: dict[int, int] = {}
        """Partition -> the next offset the reader will apply: what `covers` compares with the topic's ends."""
        """Ids this process deleted whose tombstone the reader has not reached: older records of them are stale."""
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self.caught_up = threading.Event()
        self.status = "starting"
        self._thread = threading.Thread(target=self._run, name=f"{name}-subscriptions", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def all(self) -> list[Subscription]:
        with self._lock:
            return sorted(self._by_id.values(), key=lambda s: (s.created_at, s.id))

    def of(self, owner: str) -> list[Subscription]:
        return [s for s in self.all() if s.owner == owner]

    def get(self, subscription_id: str) -> Subscription | None:
        with self._lock:
            return self._by_id.get(subscription_id)

    def covers(self, ends: Mapping[int, int]) -> bool:
        """Whether the reader has applied every record before these end offsets (partition -> offset)."""
        with self._lock:
            return all(self._positions.get(p, 0) >= end for p, end in ends.items())

    def remember(self, subscription: Subscription) -> None:
        with self._lock:
            if subscription.id not in self._deleted:
                self._by_id[subscription.id] = subscription

    def forget(self, subscription_id: str) -> None:
        with self._lock:
            self._deleted.add(subscription_id)
            self._by_id.pop(subscription_id, None)

    def _run(self) -> None:
        read_until_stopped(self._follow, self._stopping, self._failed)

    def _failed(self, exc: KafkaException) -> None:
        self.status = f"failed: {exc}; retrying"
        log.warning("%s: reading %s: %s; retrying in 2 s", self._name, self._topic, exc)

    def _follow(self) -> None:
        consumer = Consumer(consumer_config(self._settings, None, **{"enable.partition.eof": True}))
        try:
            partitions = self._partitions(consumer)
            if partitions is None:
                return
            consumer.assign(partitions)
            at_end: set[int] = set()
            self.status = "reading"
            while not self._stopping.is_set():
                message = consumer.poll(0.5)
                if message is None:
                    continue
                error = message.error()
                if error is not None:
                    if error.code() != KafkaError._PARTITION_EOF:
                        raise KafkaException(error)
                    at_end.add(message.partition() or 0)
                    self._advance(message)
                    if len(at_end) == len(partitions) and not self.caught_up.is_set():
                        self.status = "live"
                        self.caught_up.set()
                    continue
                self._apply(message)
        finally:
            consumer.close()

    def _partitions(self, consumer: Consumer) -> list[TopicPartition] | None:
        """The topic's partitions from the start, waiting (and saying so) until the topic exists."""
        while not self._stopping.is_set():
            metadata = consumer.list_topics(self._topic, timeout=10.0).topics.get(self._topic)
            if metadata is not None and metadata.error is None and metadata.partitions:
                return [TopicPartition(self._topic, p, -2) for p in metadata.partitions]  # -2: the beginning
            self.status = f"waiting for topic {self._topic} (baystream topics create)"
            self._stopping.wait(2.0)
        return None

    def _advance(self, message: Message) -> None:
        """Note how far a partition has been read: past a record, or to the end offset of an EOF event."""
        partition, offset = message.partition() or 0, message.offset() or 0
        past = offset if message.error() is not None else offset + 1
        with self._lock:
            self._positions[partition] = max(self._positions.get(partition, 0), past)

    def _apply(self, message: Message) -> None:
        self._advance(message)
        key = (message.key() or b"").decode("utf-8", "replace")
        value = message.value()
        if value is None:
            with self._lock:
                self._by_id.pop(key, None)
                self._deleted.discard(key)
            return
        try:
            subscription = Subscription.from_record(value)
            secret_key(subscription.secret)
        except (ValueError, KeyError, TypeError) as exc:
            CONSUMER_DECODE_ERRORS.labels(self._name, self._topic).inc()
            log.warning(
                "%s: %s[%s]@%s is not a subscription, skipped: %s",
                self._name,
                self._topic,
                message.partition(),
                message.offset(),
                exc,
            )
            return
        self.remember(subscription)


def wait_caught_up(book: SubscriptionBook, stopping: Callable[[], bool], every_s: float = 0.2) -> bool:
    """Block until the book has read its topic to the end (True), or `stopping()` says to give up (False)."""
    while not book.caught_up.wait(every_s):
        if stopping():
            return False
    return True
