"""/api/webhooks on a real broker: each party manages its own subscriptions with its gateway API key; they live
on the compacted topic (tombstone on delete), so every dashboard replica and `baystream webhooks` see them."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from baystream.consumers.dashboard.service import DashboardOptions
from baystream.consumers.webhooks.subscriptions import MAX_PER_PARTY
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.producers.gateway.identities import hash_key
from tests.consumers.dashboard.helpers import BASE_TIME, alert, served_dashboard
from tests.consumers.webhooks.helpers import AlertWriter, delivering, private_webhook_topics, wait_all_committed
from tests.consumers.webhooks.receiver import Receiver
from tests.consumers.webhooks.test_delivery import receivers
from tests.polling import eventually

CARRIER_KEY, TRUCKER_KEY = "carrier-key-3f9a1c77e2b04d5e8a6b", "trucker-key-9d2e4b6a1f3c5e7a9b0d"
KEYS = {
    "maeu": {"key_sha256": hash_key(CARRIER_KEY), "role": "carrier", "scac": "MAEU"},
    "abcd": {"key_sha256": hash_key(TRUCKER_KEY), "role": "trucker", "scac": "ABCD"},
}


def call(base: str, method: str, path: str, key: str | None = None, body: Any = None) -> tuple[int, Any, dict]:
    data = body if isinstance(body, bytes) else (json.dumps(body).encode() if body is not None else None)
    request = urllib.request.Request(base + path, data=data, method=method)
    if key:
        request.add_header("X-API-Key", key)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            raw = answer.read()
            return answer.status, json.loads(raw) if raw else None, dict(answer.headers)
    except urllib.error.HTTPError as exc:
        raw = exc.read()
        return exc.code, json.loads(raw) if raw else None, dict(exc.headers)


def test_parties_manage_their_own_subscriptions_which_every_replica_and_the_deliverer_see(
    broker_settings: Settings, fresh_name: str
) -> None:
    settings = broker_settings.with_overrides(
        gateway_keys=json.dumps(KEYS), webhooks_group_id=f"{fresh_name}-g", webhooks_max_attempts=2
    )
    topics = private_webhook_topics(settings, fresh_name)
    options = DashboardOptions(subscriptions_topic=topics.subscriptions)
    receiver = Receiver()
    with receivers(receiver), served_dashboard(settings, options) as dash:
        url = dash.url
        status, problem, headers = call(url, "GET", "/api/webhooks")
        assert status == 401 and problem["type"] == "tag:baystream,2026:unauthenticated"
        assert headers["WWW-Authenticate"].startswith("Bearer") and headers["Content-Type"].startswith(
            "application/problem+json"
        )
        assert call(url, "GET", "/api/webhooks", "not-a-key-of-anyone-at-all")[1]["detail"] == "unknown API key"
        eventually(lambda: call(url, "GET", "/api/webhooks", CARRIER_KEY)[0] == 200, 30, "subscriptions read")

        status, problem, _ = call(url, "POST", "/api/webhooks", CARRIER_KEY, {"url": "gopher://x", "levels": ["RED"]})
        assert status == 400 and problem["type"].endswith("bad-subscription") and "url must be" in problem["detail"]
        assert call(url, "POST", "/api/webhooks", CARRIER_KEY, b"{not json")[1]["detail"] == "the body is not JSON"

        status, made, headers = call(
            url, "POST", "/api/webhooks", CARRIER_KEY, {"url": receiver.url, "scopes": ["USLAX/*"], "levels": ["RED"]}
        )
        assert status == 201 and headers["Location"] == f"/api/webhooks/{made['id']}"
        assert made["secret"].startswith("whsec_") and made["levels"] == ["RED"] and made["scopes"] == ["USLAX/*"]
        receiver.secret = made["secret"]
        own_secret = "whsec_" + "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0"
        status, theirs, _ = call(
            url, "POST", "/api/webhooks", TRUCKER_KEY, {"url": "http://127.0.0.1:9/h", "secret": own_secret}
        )
        assert status == 201 and theirs["secret"] == own_secret

        public = {k: v for k, v in made.items() if k != "secret"}
        assert call(url, "GET", "/api/webhooks", CARRIER_KEY)[1] == {"subscriptions": [public]}
        assert [s["id"] for s in call(url, "GET", "/api/webhooks", TRUCKER_KEY)[1]["subscriptions"]] == [theirs["id"]]
        assert call(url, "GET", f"/api/webhooks/{made['id']}", CARRIER_KEY)[:2] == (200, public)
        for method in ("GET", "DELETE"):  # another party's subscription is not there for it
            status, problem, _ = call(url, method, f"/api/webhooks/{made['id']}", TRUCKER_KEY)
            assert status == 404 and problem["type"].endswith("no-subscription")

        with served_dashboard(settings, options) as replica:  # every replica reads the topic
            eventually(
                lambda: (
                    call(replica.url, "GET", "/api/webhooks", TRUCKER_KEY)[1]
                    == {"subscriptions": [{k: v for k, v in theirs.items() if k != "secret"}]}
                ),
                30,
                "the second replica lists the trucker's subscription",
            )

        writer = AlertWriter(settings, topics.alerts)
        red = alert("USLAX/APMT", "RED", "AMBER", 75.0, BASE_TIME)
        with delivering(settings, topics):
            writer.write(
                [
                    alert("USLGB/TTI", "RED", "AMBER", 75.0, BASE_TIME),
                    red,
                    alert("USLAX/APMT", "AMBER", "GREEN", 45.0, BASE_TIME),
                ]
            )
            wait_all_committed(settings, topics, writer)
        assert dict(receiver.accepted_alerts()) == {red["alert_id"]: 1} and receiver.calls[0].verified

        assert call(url, "DELETE", f"/api/webhooks/{made['id']}", CARRIER_KEY)[0] == 204
        assert call(url, "GET", f"/api/webhooks/{made['id']}", CARRIER_KEY)[0] == 404
        assert call(url, "GET", "/api/webhooks", CARRIER_KEY)[1] == {"subscriptions": []}

        for n in range(MAX_PER_PARTY - 1):
            assert call(url, "POST", "/api/webhooks", TRUCKER_KEY, {"url": f"http://t.example/{n}"})[0] == 201
        status, problem, _ = call(url, "POST", "/api/webhooks", TRUCKER_KEY, {"url": "http://t.example/more"})
        assert status == 409 and problem["type"].endswith("too-many-subscriptions")

    records = [(m.key().decode(), m.value()) for m in read_topic(settings, topics.subscriptions, idle_timeout=5)]
    assert (made["id"], None) in records  # the tombstone
    kept = json.loads(next(v for k, v in records if k == theirs["id"] and v is not None))
    assert kept["owner"] == "abcd" and kept["secret"] == own_secret and kept["url"] == "http://127.0.0.1:9/h"
