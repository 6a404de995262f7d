"""Alert webhooks: configuration, matching, backoff, and delivery to local receivers."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Callable

import pytest
from prometheus_client import REGISTRY

from baystream.consumers.dashboard.service import DashboardOptions
from baystream.consumers.dashboard.store import ALERT_FIELDS, api_form
from baystream.consumers.dashboard.webhooks import (
    Subscription,
    WebhookConfigError,
    WebhookDispatcher,
    backoff_s,
    parse_subscriptions,
)
from baystream.infra.settings import Settings
from tests.consumers.dashboard.helpers import (
    BASE_TIME,
    Publisher,
    alert,
    background_loop,
    minutes,
    private_topics,
    served_dashboard,
    wait_for,
)
from tests.consumers.dashboard.receiver import Receiver


def _alert(scope: str, level: str, previous: str | None, minute: float = 0) -> dict:
    return api_form(alert(scope, level, previous, 50.0, BASE_TIME + minutes(minute)), ALERT_FIELDS)


async def until(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.01)


def _deliveries(outcome: str) -> float:
    return REGISTRY.get_sample_value("baystream_webhook_deliveries_total", {"outcome": outcome}) or 0.0


def test_subscriptions_from_settings() -> None:
    [sub] = parse_subscriptions([{"url": "https://ops:secret@hooks.example/x?token=t", "scopes": ["USLAX/*"]}])
    assert sub.scopes == ("USLAX/*",) and sub.min_level == "GREEN" and sub.max_attempts == 8
    assert sub.display_url == "https://hooks.example/x"
    [red] = parse_subscriptions([{"url": "http://h:9/", "min_level": "red", "max_attempts": 3, "timeout_s": 2}])
    assert (red.min_level, red.max_attempts, red.timeout_s) == ("RED", 3, 2.0)


@pytest.mark.parametrize(
    ("entry", "complaint"),
    [
        ({"url": "ftp://h/x"}, "url must be an http(s) URL"),
        ({"url": "http:///x"}, "url must be an http(s) URL"),
        ({"url": "http://h/x", "scopes": "USLAX"}, "scopes must be a list"),
        ({"url": "http://h/x", "min_level": "PURPLE"}, "min_level must be one of GREEN, AMBER, RED"),
        ({"url": "http://h/x", "max_attempts": 0}, "max_attempts must be >= 1"),
        ({"url": "http://h/x", "max_attempts": "many"}, "must be numbers"),
        ({"url": "http://h/x", "scope": ["SPB"]}, "unknown keys ['scope']"),
    ],
)
def test_bad_subscriptions_are_refused_with_the_reason(entry: dict, complaint: str) -> None:
    with pytest.raises(WebhookConfigError, match=r"webhooks\[2\]") as caught:
        parse_subscriptions([{"url": "http://ok/"}, entry])
    assert complaint in str(caught.value)


def test_matching_by_scope_pattern_and_level_entered_or_left() -> None:
    red_lax = Subscription("http://h/", scopes=("USLAX/*", "SPB"), min_level="RED")
    assert red_lax.matches(_alert("USLAX/APMT", "RED", "AMBER"))
    assert red_lax.matches(_alert("USLAX/APMT", "AMBER", "RED"))  # leaving RED is news too
    assert not red_lax.matches(_alert("USLAX/APMT", "AMBER", "GREEN"))
    assert not red_lax.matches(_alert("USLGB/TTI", "RED", "AMBER"))
    assert not red_lax.matches(_alert("USLAX", "RED", "AMBER"))  # the port is not one of its terminals
    assert red_lax.matches(_alert("SPB", "RED", None))
    everything = Subscription("http://h/")
    assert everything.matches(_alert("USLGB/TTI", "GREEN", None))


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [backoff_s(n, 0.5, 5.0) for n in range(1, 7)] == [0.5, 1.0, 2.0, 4.0, 5.0, 5.0]


def test_a_slow_subscriber_does_not_hold_up_the_others() -> None:
    async def scenario() -> tuple[float, list[str], Receiver]:
        slow, fast = Receiver(delay_s=1.5), Receiver()
        subs = [Subscription(await slow.start()), Subscription(await fast.start())]
        dispatcher = WebhookDispatcher(subs, retry_initial_s=0.01, retry_cap_s=0.05)
        await dispatcher.start()
        started = time.monotonic()
        alerts = [_alert(f"USLAX/T{n}", "AMBER", "GREEN", n) for n in range(5)]
        for a in alerts:
            dispatcher.submit(a)
        await until(lambda: len(fast.accepted_ids()) >= 5)
        fast_done = time.monotonic() - started
        await dispatcher.close()
        await slow.stop()
        await fast.stop()
        assert [a["alert_id"] for a in alerts] == fast.accepted_ids()
        return fast_done, slow.accepted_ids(), fast

    fast_done, slow_ids, _ = asyncio.run(scenario())
    assert fast_done < 1.0, f"the fast subscriber waited {fast_done:.2f} s behind the slow one"
    assert len(slow_ids) <= 1


def test_gives_up_after_max_attempts_and_counts_it() -> None:
    async def scenario() -> tuple[Receiver, list[dict]]:
        receiver = Receiver(fail_first=100)
        sub = Subscription(await receiver.start(), max_attempts=3)
        dispatcher = WebhookDispatcher([sub], retry_initial_s=0.01, retry_cap_s=0.02)
        await dispatcher.start()
        dispatcher.submit(_alert("SPB", "RED", "AMBER"))
        await until(lambda: dispatcher.stats()[0]["gave_up"] >= 1)
        stats = dispatcher.stats()
        await dispatcher.close()
        await receiver.stop()
        return receiver, stats

    gave_up, failed = _deliveries("gave_up"), _deliveries("failed")
    receiver, stats = asyncio.run(scenario())
    assert [c.attempt for c in receiver.calls] == [1, 2, 3]
    assert stats[0]["failed_attempts"] == 3 and stats[0]["delivered"] == 0
    assert _deliveries("gave_up") - gave_up == 1 and _deliveries("failed") - failed == 3


def test_unreachable_subscriber_is_retried_and_never_blocks_submit() -> None:
    async def scenario() -> list[dict]:
        dispatcher = WebhookDispatcher(
            [Subscription("http://127.0.0.1:9/nothing-listens", max_attempts=2, timeout_s=1)], 0.01, 0.01, queue_size=2
        )
        await dispatcher.start()
        for n in range(5):  # submit never waits: a queue of 2 keeps two, the other three are dropped, counted
            dispatcher.submit(_alert("SPB", "RED", "AMBER", n))
        await until(lambda: dispatcher.stats()[0]["gave_up"] >= 2)
        stats = dispatcher.stats()
        await dispatcher.close()
        return stats

    [stats] = asyncio.run(scenario())
    assert stats["gave_up"] == 2 and stats["dropped"] == 3 and stats["failed_attempts"] == 4


@pytest.mark.integration
def test_every_alert_from_the_broker_arrives_once_each(broker_settings: Settings, fresh_name: str) -> None:
    topics = private_topics(broker_settings, fresh_name)
    publish = Publisher(broker_settings, topics)
    before_start = alert("USLAX/APMT", "AMBER", "GREEN", 41.0, BASE_TIME)
    publish.alerts([before_start])
    flaky, red_only = Receiver(fail_first=3), Receiver()
    with background_loop() as loop:
        urls = [asyncio.run_coroutine_threadsafe(r.start(), loop).result(10) for r in (flaky, red_only)]
        settings = broker_settings.with_overrides(
            webhooks=({"url": urls[0]}, {"url": urls[1], "min_level": "RED", "scopes": ["USLGB/*"]})
        )
        options = DashboardOptions(topics=topics, retry_initial_s=0.05, retry_cap_s=0.2)
        delivered = _deliveries("delivered")
        with served_dashboard(settings, options) as dash:
            dash.wait_ready()
            alerts = [
                alert(scope, level, previous, index, BASE_TIME + minutes(n))
                for n, (scope, level, previous, index) in enumerate(
                    [
                        ("USLAX/APMT", "RED", "AMBER", 72.0),
                        ("USLGB/TTI", "AMBER", "GREEN", 45.0),
                        ("USLGB/TTI", "RED", "AMBER", 80.0),
                        ("SPB", "AMBER", "GREEN", 41.0),
                        ("USLAX/APMT", "AMBER", "RED", 66.0),
                    ],
                    start=1,
                )
            ]
            publish.alerts(alerts[:3])
            publish.alerts(alerts[:3] + alerts[3:])  # the worker retried: ids repeat
            wait_for(lambda: len(flaky.accepted_ids()) >= 5, timeout=30)
            wait_for(lambda: len(red_only.accepted_ids()) >= 1, timeout=10)
            time.sleep(0.5)  # anything extra would have arrived by now
            stats = dash.get("/api/webhooks")[1]["subscriptions"]
        for r in (flaky, red_only):
            asyncio.run_coroutine_threadsafe(r.stop(), loop).result(10)

    wanted = sorted(a["alert_id"] for a in alerts)
    assert sorted(flaky.accepted_ids()) == wanted
    assert Counter(flaky.accepted_ids()).most_common(1)[0][1] == 1
    assert [c.status for c in flaky.calls[:3]] == [500, 500, 500] and len(flaky.calls) == 8
    assert flaky.calls[0].alert_id == flaky.calls[3].alert_id and flaky.calls[3].attempt == 4
    retried = next(a for a in alerts if a["alert_id"] == flaky.calls[0].alert_id)
    assert flaky.calls[3].body == api_form(retried, ALERT_FIELDS)
    assert before_start["alert_id"] not in [c.alert_id for c in flaky.calls]
    assert red_only.accepted_ids() == [alerts[2]["alert_id"]]
    assert stats[0]["delivered"] == 5 and stats[0]["failed_attempts"] == 3 and stats[0]["queued"] == 0
    assert _deliveries("delivered") - delivered == 6
