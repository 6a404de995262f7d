"""Webhooks about a party's own containers (docs/webhooks.md, "My containers"): a carrier's or a trucker's
subscription hears "available for pickup" and "last free day tomorrow" of its own boxes only, once per news,
signed (every call checked with the `standardwebhooks` package), and only news written after it subscribed."""

from __future__ import annotations

from typing import Any

import pytest

from baystream.consumers.webhooks.delivery import container_notices
from baystream.consumers.webhooks.subscriptions import SubscriptionError, SubscriptionWriter, from_request
from baystream.infra.settings import Settings
from tests.consumers.dashboard.helpers import BASE_TIME
from tests.consumers.dashboard.parties_data import hours, identity, keys_json, status
from tests.consumers.webhooks.helpers import AlertWriter, delivering, private_webhook_topics, wait_all_committed
from tests.consumers.webhooks.receiver import Receiver
from tests.consumers.webhooks.test_delivery import receivers

NOTICES = ["available_for_pickup", "last_free_day_tomorrow"]
EVE = BASE_TIME  # 2024-05-01 12:00 UTC is 05:00 on 1 May in port time: the eve of a last free day of 2 May


def test_notices_of_a_status() -> None:
    ready = status("A", "ON_TERMINAL", terminal="APMT", since=BASE_TIME - hours(30), available=True)
    assert [n for n, _ in container_notices(ready)] == ["available_for_pickup"]
    eve = status("B", "ON_TERMINAL", terminal="APMT", since=BASE_TIME, last_free_day="2024-05-02", as_of=EVE)
    assert [n for n, _ in container_notices(eve)] == ["last_free_day_tomorrow"]
    late_evening = {**eve, "as_of": BASE_TIME + hours(13)}  # 06:00 UTC on 2 May is still 1 May in port time
    assert [n for n, _ in container_notices(late_evening)] == ["last_free_day_tomorrow"]
    assert container_notices({**eve, "as_of": BASE_TIME + hours(20)}) == []  # the day itself: too late for "tomorrow"
    gone = status("A", "GATED_OUT", since=BASE_TIME, available=True)
    assert container_notices(gone) == []
    refreshed = {**ready, "as_of": BASE_TIME + hours(5)}
    assert container_notices(refreshed) == container_notices(ready)  # the same news, the same id


def test_only_carriers_and_truckers_ask_for_container_notices() -> None:
    made = from_request({"url": "https://x.example/h", "containers": NOTICES}, "maeu", role="carrier")
    assert made.containers == tuple(NOTICES) and made.levels == ()  # container notices only, no alerts
    both = from_request(
        {"url": "https://x.example/h", "containers": NOTICES[:1], "levels": ["RED"]}, "abcd", role="trucker"
    )
    assert both.levels == ("RED",) and both.public()["containers"] == NOTICES[:1]
    for role in ("terminal", "chassis_provider", "railroad", None):
        with pytest.raises(SubscriptionError, match="carrier or a trucker"):
            from_request({"url": "https://x.example/h", "containers": NOTICES}, "p", role=role)
    with pytest.raises(SubscriptionError, match="not one of"):
        from_request({"url": "https://x.example/h", "containers": ["gate_out"]}, "maeu", role="carrier")
    with pytest.raises(SubscriptionError, match="levels must be"):
        from_request({"url": "https://x.example/h", "levels": []}, "maeu", role="carrier")


def _subscribe(settings: Settings, topic: str, party: str, receiver: Receiver, **request: Any) -> None:
    subscription = from_request({"url": receiver.url, **request}, party, role=identity(party).role.value)
    receiver.secret = subscription.secret
    writer = SubscriptionWriter(settings, topic)
    writer.put(subscription)
    writer.close()


def _heard(receiver: Receiver) -> list[tuple[str, str]]:
    assert all(c.verified for c in receiver.calls), "a call whose signature standardwebhooks refused"
    return sorted((c.body["type"], c.body["data"]["container_id"]) for c in receiver.accepted())


def test_each_party_hears_of_its_own_containers_once(broker_settings: Settings, fresh_name: str) -> None:
    settings = broker_settings.with_overrides(
        gateway_keys=keys_json(),
        webhooks_group_id=f"{fresh_name}-group",
        webhooks_retry_initial_s=0.05,
        webhooks_retry_cap_s=0.5,
    )
    topics = private_webhook_topics(settings, fresh_name)
    statuses = AlertWriter(settings, topics.container_status, key="container_id")
    since = BASE_TIME - hours(20)
    statuses.write([status("OLDU0000001", "ON_TERMINAL", terminal="APMT", carrier="MAEU", since=since, available=True)])
    maeu, abcd, cmdu, maeu_alerts = Receiver(), Receiver(), Receiver(), Receiver()
    with receivers(maeu, abcd, cmdu, maeu_alerts):
        _subscribe(settings, topics.subscriptions, "maeu", maeu, containers=NOTICES)
        _subscribe(settings, topics.subscriptions, "abcd", abcd, containers=["available_for_pickup"])
        _subscribe(settings, topics.subscriptions, "cmdu", cmdu, containers=NOTICES)
        _subscribe(settings, topics.subscriptions, "maeu", maeu_alerts)  # alerts only
        mine = status(
            "MSCU1234566", "ON_TERMINAL", terminal="APMT", carrier="MAEU", trucker="ABCD", since=since, available=True
        )
        eve = status(
            "MRKU2604016",
            "ON_TERMINAL",
            terminal="APMT",
            carrier="MAEU",
            since=since,
            last_free_day="2024-05-02",
            as_of=EVE,
        )
        theirs = status(
            "CMAU5061223", "ON_TERMINAL", terminal="TTI", port="USLGB", carrier="CMDU", since=since, available=True
        )
        gone = status("TGHU7654321", "GATED_OUT", terminal="APMT", carrier="MAEU", trucker="ABCD", since=since)
        with delivering(settings, topics):
            statuses.write([mine, eve, theirs, gone], partition=0)
            statuses.write([{**mine, "as_of": BASE_TIME + hours(1)}], partition=0)  # refreshed: no news
            wait_all_committed(settings, topics, statuses)
    assert _heard(maeu) == [
        ("container.available_for_pickup", "MSCU1234566"),
        ("container.last_free_day_tomorrow", "MRKU2604016"),
    ]
    assert _heard(abcd) == [("container.available_for_pickup", "MSCU1234566")]
    assert _heard(cmdu) == [("container.available_for_pickup", "CMAU5061223")]
    assert maeu_alerts.calls == []
    body = next(c.body for c in maeu.accepted() if c.body["type"] == "container.last_free_day_tomorrow")
    assert body["data"]["last_free_day"] == "2024-05-02" and body["data"]["carrier"] == "MAEU"
