"""`baystream webhooks` on a real broker with real receivers that verify every signature (standardwebhooks).

Retries are shortened through the settings (webhooks.retry_initial_s 0.05 s, retry_cap_s 0.5 s) so that a
receiver that is away for several seconds costs the test seconds, not minutes; the schedule's shape is the
production one (exponential, jittered, capped), checked in test_units.py.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from prometheus_client import REGISTRY

from baystream.consumers.webhooks.delivery import DeliveryTopics
from baystream.consumers.webhooks.subscriptions import Subscription, SubscriptionWriter, from_request
from baystream.infra.settings import Settings
from tests.consumers.dashboard.helpers import BASE_TIME, alert, background_loop, minutes
from tests.consumers.webhooks.helpers import (
    AlertWriter,
    dead_letters,
    delivering,
    private_webhook_topics,
    wait_all_committed,
)
from tests.consumers.webhooks.receiver import Receiver, always
from tests.polling import eventually

SCOPES = ("USLAX/APMT", "USLAX/TRAPAC", "USLGB/TTI", "USLGB/LBCT", "USLAX", "SPB")


def _alerts(count: int, start: int = 0) -> list[dict[str, Any]]:
    levels = ("GREEN", "AMBER", "RED")
    return [
        alert(SCOPES[n % len(SCOPES)], levels[(n + 1) % 3], levels[n % 3], 40.0 + n, BASE_TIME + minutes(n))
        for n in range(start, start + count)
    ]


def _setup(broker_settings: Settings, name: str, **more: Any) -> tuple[Settings, DeliveryTopics, AlertWriter]:
    """Shortened retries, a group and topics of the test's own, and a writer of alerts."""
    settings = broker_settings.with_overrides(
        webhooks_group_id=f"{name}-group", webhooks_retry_initial_s=0.05, webhooks_retry_cap_s=0.5, **more
    )
    topics = private_webhook_topics(settings, name)
    return settings, topics, AlertWriter(settings, topics.alerts)


def _sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@contextmanager
def receivers(*made: Receiver) -> Iterator[asyncio.AbstractEventLoop]:
    """The receivers listening, on a loop of their own, for the block."""
    with background_loop() as loop:
        for r in made:
            asyncio.run_coroutine_threadsafe(r.start(), loop).result(10)
        try:
            yield loop
        finally:
            for r in made:
                asyncio.run_coroutine_threadsafe(r.stop(), loop).result(10)


def subscribe(settings: Settings, topics: DeliveryTopics, receiver: Receiver, **request: Any) -> Subscription:
    subscription = from_request({"url": receiver.url, **request}, "test-party")
    receiver.secret = subscription.secret
    writer = SubscriptionWriter(settings, topics.subscriptions)
    writer.put(subscription)
    writer.close()
    return subscription


def _exactly_once(receiver: Receiver, alerts: list[dict[str, Any]]) -> None:
    assert all(c.verified for c in receiver.calls), "a call whose signature standardwebhooks refused"
    assert dict(receiver.accepted_alerts()) == {a["alert_id"]: 1 for a in alerts}


def test_alerts_written_while_no_deliverer_runs_are_sent_once_after_a_restart(
    broker_settings: Settings, fresh_name: str
) -> None:
    settings, topics, writer = _setup(broker_settings, fresh_name)
    receiver, red_only = Receiver(), Receiver()
    with receivers(receiver, red_only):
        subscribe(settings, topics, receiver)
        subscribe(settings, topics, red_only, levels=["RED"], scopes=["USLGB/*"])
        first, while_down, after = _alerts(6), _alerts(6, start=6), _alerts(3, start=12)
        with delivering(settings, topics):
            writer.write(first)
            eventually(lambda: len(receiver.accepted()) >= 6, 60, "the first six alerts")
        writer.write(while_down)  # no deliverer anywhere
        with delivering(settings, topics):
            writer.write(after)
            wait_all_committed(settings, topics, writer)
    everything = first + while_down + after
    _exactly_once(receiver, everything)
    wanted = [a for a in everything if a["scope"].startswith("USLGB/") and "RED" in (a["level"], a["previous_level"])]
    assert wanted and dict(red_only.accepted_alerts()) == {a["alert_id"]: 1 for a in wanted}
    body = next(c.body for c in receiver.calls if c.body["data"]["alert_id"] == first[0]["alert_id"])
    assert body["type"] == "congestion.alert" and body["data"]["scope"] == first[0]["scope"]


def test_two_replicas_split_the_partitions_and_send_each_alert_once(broker_settings: Settings, fresh_name: str) -> None:
    settings, topics, writer = _setup(broker_settings, fresh_name)
    receiver = Receiver()
    with receivers(receiver):
        subscribe(settings, topics, receiver)
        with delivering(settings, topics) as one, delivering(settings, topics) as two:
            eventually(
                lambda: one.assigned and two.assigned and one.assigned | two.assigned == {0, 1, 2},
                60,
                "both replicas in the group, every partition held",
            )
            alerts = _alerts(30)
            writer.write(alerts)  # ten on each partition
            wait_all_committed(settings, topics, writer)
            shares = (one.delivered, two.delivered)
    _exactly_once(receiver, alerts)
    assert sum(shares) == 30 and min(shares) >= 10, shares


def test_nothing_is_lost_while_the_receiver_is_away(broker_settings: Settings, fresh_name: str) -> None:
    # up to 200 attempts, 0.25 to 0.5 s apart: the receiver may stay away for a minute on a busy machine
    settings, topics, writer = _setup(broker_settings, fresh_name, webhooks_max_attempts=200)
    receiver = Receiver()
    retries = _sample("baystream_webhook_retries_total")
    with receivers(receiver) as loop:
        subscribe(settings, topics, receiver)
        asyncio.run_coroutine_threadsafe(receiver.stop(), loop).result(10)  # away: connections refused
        alerts = _alerts(4)
        with delivering(settings, topics):
            writer.write(alerts)
            eventually(lambda: _sample("baystream_webhook_retries_total") - retries >= 12, 60, "a dozen retries")
            asyncio.run_coroutine_threadsafe(receiver.start(), loop).result(10)  # back, same port
            wait_all_committed(settings, topics, writer)
    _exactly_once(receiver, alerts)
    assert dead_letters(settings, topics) == []


def test_a_4xx_is_dead_lettered_at_once_and_a_5xx_after_the_last_try(
    broker_settings: Settings, fresh_name: str
) -> None:
    settings, topics, writer = _setup(broker_settings, fresh_name, webhooks_max_attempts=3)
    gone, broken, fine = Receiver(answer=always(410)), Receiver(answer=always(503)), Receiver()
    with receivers(gone, broken, fine):
        gone_sub = subscribe(settings, topics, gone)
        broken_sub = subscribe(settings, topics, broken)
        subscribe(settings, topics, fine)
        [one] = _alerts(1)
        with delivering(settings, topics):
            writer.write([one], partition=1)
            wait_all_committed(settings, topics, writer)
    _exactly_once(fine, [one])
    assert [c.status for c in gone.calls] == [410] and [c.status for c in broken.calls] == [503] * 3
    letters = sorted(dead_letters(settings, topics), key=lambda d: d["reason"])
    assert len(letters) == 2
    reasons = {gone_sub.id: "HTTP 410 Gone, not retried", broken_sub.id: "HTTP 503 Service Unavailable, after 3"}
    for letter in letters:
        sub_id = next(i for i in reasons if i in letter["reason"])
        assert reasons[sub_id] in letter["reason"]
        assert (letter["topic"], letter["partition"], letter["offset"]) == (topics.alerts, 1, 0)
        assert letter["stage"] == "deliver" and letter["producer"] == "webhooks"
        assert writer.codec.decode(letter["value"])["alert_id"] == one["alert_id"]


@pytest.mark.parametrize("junk", [b"not avro at all"])
def test_an_undecodable_alert_is_dead_lettered_and_passed(
    broker_settings: Settings, fresh_name: str, junk: bytes
) -> None:
    settings, topics, writer = _setup(broker_settings, fresh_name)
    receiver = Receiver()
    with receivers(receiver):
        subscribe(settings, topics, receiver)
        with delivering(settings, topics):
            writer.raw(junk, b"SPB", 0)
            writer.write(_alerts(1), partition=0)
            wait_all_committed(settings, topics, writer)
    _exactly_once(receiver, _alerts(1))
    [letter] = dead_letters(settings, topics)
    assert letter["stage"] == "decode" and letter["value"] == junk and letter["offset"] == 0


def test_a_subscription_made_while_delivering_gets_the_very_next_alert(
    broker_settings: Settings, fresh_name: str
) -> None:
    settings, topics, writer = _setup(broker_settings, fresh_name)
    early, late = Receiver(), Receiver()
    with receivers(early, late):
        subscribe(settings, topics, early)
        with delivering(settings, topics) as deliverer:
            eventually(lambda: deliverer.assigned == {0, 1, 2}, 60, "the deliverer in its group")
            before = _alerts(3)
            writer.write(before)
            eventually(lambda: len(early.accepted()) >= 3, 60, "the first alerts")
            subscribe(settings, topics, late)  # and at once an alert: the deliverer must know it by then
            after = _alerts(3, start=3)
            writer.write(after)
            wait_all_committed(settings, topics, writer)
    _exactly_once(early, before + after)
    _exactly_once(late, after)
