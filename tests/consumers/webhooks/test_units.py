"""Subscriptions, signatures and one delivery, without a broker: requests checked field by field, every
signature verified by the `standardwebhooks` package, retries as specified against a real HTTP receiver."""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import aiohttp
import pytest
from prometheus_client import REGISTRY
from standardwebhooks import Webhook

from baystream.consumers.webhooks.delivery import (
    Outcome,
    RetryPolicy,
    deliver,
    message_id,
    payload,
    retry_after_s,
    signed_headers,
)
from baystream.consumers.webhooks.subscriptions import (
    LEVELS,
    Subscription,
    SubscriptionError,
    from_request,
    new_secret,
)
from tests.consumers.dashboard.helpers import BASE_TIME, alert
from tests.consumers.webhooks.receiver import Receiver, always, failing_first

NOW = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


def _alert(scope: str = "USLAX/APMT", level: str = "RED", previous: str | None = "AMBER") -> dict:
    return alert(scope, level, previous, 72.0, BASE_TIME)


def test_a_request_becomes_a_subscription_with_a_fresh_secret() -> None:
    sub = from_request({"url": "https://ops.example/hooks?token=t", "levels": ["red"]}, "demo-abcd", NOW)
    assert sub.id.startswith("wh_") and sub.owner == "demo-abcd" and sub.levels == ("RED",) and sub.scopes is None
    assert sub.secret.startswith("whsec_") and sub.secret != new_secret()
    assert sub.display_url == "https://ops.example/hooks"
    assert "secret" not in sub.public() and "owner" not in sub.public()
    assert Subscription.from_record(sub.to_record()) == sub
    everything = from_request({"url": "http://h:8/x", "scopes": ["USLGB/*", "SPB", "SPB"]}, "p", NOW)
    assert everything.levels == LEVELS and everything.scopes == ("USLGB/*", "SPB")
    given = "whsec_" + "A" * 32  # 24 bytes
    assert from_request({"url": "http://h/x", "secret": given}, "p").secret == given


@pytest.mark.parametrize(
    ("body", "complaint"),
    [
        ([], "must be a JSON object"),
        ({}, "url must be an http(s) URL"),
        ({"url": "ftp://h/x"}, "url must be an http(s) URL"),
        ({"url": "http:///x"}, "url must be an http(s) URL"),
        ({"url": "http://h:99999999/x"}, "url:"),
        ({"url": "http://h/x#frag"}, "fragment"),
        ({"url": "http://h/" + "x" * 2048}, "at most 2048"),
        ({"url": "http://h/x", "secret": "hunter2"}, "must start with 'whsec_'"),
        ({"url": "http://h/x", "secret": "whsec_%%%"}, "not base64"),
        ({"url": "http://h/x", "secret": "whsec_QUJD"}, "24 to 64 bytes, not 3"),
        ({"url": "http://h/x", "secret": 5}, "secret must be a string"),
        ({"url": "http://h/x", "scopes": "USLAX"}, "scopes must be a list"),
        ({"url": "http://h/x", "scopes": []}, "scopes must be a list"),
        ({"url": "http://h/x", "scopes": ["US LAX"]}, "is not a scope id or pattern"),
        ({"url": "http://h/x", "levels": ["PURPLE"]}, "PURPLE not one of GREEN, AMBER, RED"),
        ({"url": "http://h/x", "levels": []}, "levels must be a non-empty list"),
        ({"url": "http://h/x", "min_level": "RED"}, "unknown field(s) min_level"),
    ],
)
def test_bad_requests_are_refused_naming_the_field(body: object, complaint: str) -> None:
    with pytest.raises(SubscriptionError) as caught:
        from_request(body, "p")
    assert complaint in str(caught.value)


def test_matching_by_scope_pattern_level_entered_or_left_and_time() -> None:
    red_lax = from_request({"url": "http://h/", "scopes": ["USLAX/*", "SPB"], "levels": ["RED"]}, "p", NOW)
    assert red_lax.matches(_alert("USLAX/APMT", "RED", "AMBER"))
    assert red_lax.matches(_alert("USLAX/APMT", "AMBER", "RED"))  # leaving RED is news too
    assert not red_lax.matches(_alert("USLAX/APMT", "AMBER", "GREEN"))
    assert not red_lax.matches(_alert("USLGB/TTI", "RED", "AMBER"))
    assert not red_lax.matches(_alert("USLAX", "RED", "AMBER"))  # the port is not one of its terminals
    assert red_lax.matches(_alert("SPB", "RED", None))
    assert red_lax.matches(_alert(), NOW) and not red_lax.matches(_alert(), NOW - timedelta(seconds=1))


def test_signatures_verify_with_the_standardwebhooks_package() -> None:
    for secret in (new_secret(), "whsec_" + "MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"):
        body = payload(_alert(), NOW)
        headers = signed_headers(secret, "msg_1", int(time.time()), body)
        assert Webhook(secret).verify(body, headers)["data"]["alert_id"] == _alert()["alert_id"]
        assert headers["webhook-signature"].startswith("v1,")
        with pytest.raises(Exception, match="No matching signature"):
            Webhook(new_secret()).verify(body, headers)


def test_the_message_id_is_stable_per_alert_and_subscription() -> None:
    one, two = (from_request({"url": "http://h/"}, "p") for _ in range(2))
    assert message_id(one, "a") == message_id(one, "a") != message_id(two, "a") != message_id(one, "b")


def test_pauses_double_with_jitter_up_to_the_cap_and_honour_retry_after() -> None:
    policy, rng = RetryPolicy(max_attempts=10, initial_s=1.0, cap_s=8.0), random.Random(7)
    for failed, backoff in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (5, 8.0), (9, 8.0)]:
        pauses = [policy.pause_s(failed, None, rng) for _ in range(200)]
        assert backoff / 2 <= min(pauses) and max(pauses) <= backoff and len(set(pauses)) > 100
    assert policy.pause_s(1, 5.0, rng) == 5.0  # Retry-After longer than the backoff wins
    assert policy.pause_s(1, 3600.0, rng) == 8.0  # ... up to the cap
    assert retry_after_s("7") == 7.0 and retry_after_s(None) is None and retry_after_s("soon") is None
    later = datetime.now(UTC) + timedelta(seconds=30)
    assert 28 <= (retry_after_s(format_datetime(later, usegmt=True)) or 0) <= 30
    with pytest.raises(ValueError, match="max_attempts must be >= 1"):
        RetryPolicy(max_attempts=0)


def _failures(outcome: str) -> float:
    return REGISTRY.get_sample_value("baystream_webhook_attempt_failures_total", {"outcome": outcome}) or 0.0


def _deliver(receiver_answer: object, attempts: int = 4) -> tuple[Outcome, Receiver, float]:
    async def scenario() -> tuple[Outcome, Receiver, float]:
        sub = from_request({"url": "http://127.0.0.1:9/"}, "p")
        receiver = Receiver(sub.secret, receiver_answer)  # type: ignore[arg-type]
        url = await receiver.start()
        sub = Subscription(sub.id, sub.owner, url, sub.secret, None, LEVELS, sub.created_at)
        policy = RetryPolicy(max_attempts=attempts, initial_s=0.01, cap_s=1.5, timeout_s=5)
        started = time.monotonic()
        async with aiohttp.ClientSession() as session:
            outcome = await deliver(session, sub, "msg_x", payload(_alert(), NOW), policy, random.Random(1))
        await receiver.stop()
        return outcome, receiver, time.monotonic() - started

    return asyncio.run(scenario())


def test_server_errors_are_retried_until_a_2xx() -> None:
    before = _failures("http_5xx")
    outcome, receiver, _ = _deliver(failing_first(2, 503))
    assert outcome == Outcome(True, 3, "HTTP 204")
    assert [c.status for c in receiver.calls] == [503, 503, 204] and all(c.verified for c in receiver.calls)
    assert {c.msg_id for c in receiver.calls} == {"msg_x"}
    assert _failures("http_5xx") - before == 2


@pytest.mark.parametrize("status", [400, 401, 404, 410, 422])
def test_a_4xx_is_not_retried(status: int) -> None:
    outcome, receiver, _ = _deliver(always(status))
    assert not outcome.delivered and outcome.attempts == 1 and len(receiver.calls) == 1
    assert f"HTTP {status}" in outcome.reason and "not retried" in outcome.reason


@pytest.mark.parametrize("status", [408, 429])
def test_408_and_429_are_retried_and_retry_after_is_honoured(status: int) -> None:
    outcome, receiver, _ = _deliver(failing_first(1, status, **{"Retry-After": "1"}))
    assert outcome.delivered and [c.status for c in receiver.calls] == [status, 204]
    gap = receiver.calls[1].at - receiver.calls[0].at
    assert gap >= 0.95, f"retried after {gap:.2f} s despite Retry-After: 1"  # the backoff alone is ~0.01 s


def test_the_last_attempt_gives_up_with_the_reason() -> None:
    outcome, receiver, _ = _deliver(always(500), attempts=3)
    assert outcome == Outcome(False, 3, "HTTP 500 Internal Server Error, after 3 attempt(s)")
    assert len(receiver.calls) == 3
