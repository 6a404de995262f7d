"""The party panel in headless Chromium: a demo carrier signs in with its key and sees its own containers on
terminal (dwell, last free day) beside the public figures, never another carrier's; a trucker sees its visits;
a wrong key is refused; signing out forgets the key. With `require_key`, the figures come only after sign-in."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from confluent_kafka import Producer

from baystream.consumers.dashboard.feed import FeedTopics
from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.kafka_config import producer_config
from baystream.infra.settings import Settings
from baystream.producers.gateway.identities import hash_key
from baystream.producers.gateway.keys import DEMO_KEYS
from baystream.schemas.wire import Codec
from tests.consumers.dashboard.cdp import Chromium, chromium_binary
from tests.consumers.dashboard.helpers import (
    BASE_TIME,
    Publisher,
    ServedDashboard,
    indicator,
    private_topics,
    served_dashboard,
)
from tests.consumers.dashboard.parties_data import gate_move, hours, status
from tests.consumers.webhooks.helpers import private_webhook_topics

pytestmark = [
    pytest.mark.browser,
    pytest.mark.integration,
    pytest.mark.skipif(chromium_binary() is None, reason="chromium not installed (make test installs it)"),
]

CARRIER_KEY, TRUCKER_KEY = DEMO_KEYS["demo-maeu"][0], DEMO_KEYS["demo-abcd"][0]
MAEU_ON_TERMINAL = ["MSCU1234566", "MRKU2604016", "MAEU8117630"]
"""The demo carrier's boxes on terminal, longest dwell first."""
OTHERS = ["CMAU5061223", "TGHU7654321"]  # another carrier's box on APMT; MAEU's box gated out


def demo_keys() -> str:
    """The gateway's demo parties as `gateway_keys` (docs/gateway.md), for any broker the tests run on."""
    return json.dumps({party: {**entry, "key_sha256": hash_key(key)} for party, (key, entry) in DEMO_KEYS.items()})


def feed(settings: Settings, topics: FeedTopics) -> None:
    """Public figures, and statuses and gate moves through the real topics."""
    at = BASE_TIME
    Publisher(settings, topics).indicators(
        [
            indicator("SPB", "congestion_index", 38.0, "GREEN", at),
            indicator("USLAX/APMT", "congestion_index", 42.0, "AMBER", at),
        ]
    )
    records = [
        status(
            MAEU_ON_TERMINAL[0],
            "ON_TERMINAL",
            terminal="APMT",
            carrier="MAEU",
            since=at - hours(130),
            last_free_day="2024-04-30",
        ),
        status(
            MAEU_ON_TERMINAL[1],
            "ON_TERMINAL",
            terminal="TTI",
            port="USLGB",
            carrier="MAEU",
            since=at - hours(60),
            last_free_day="2024-05-02",
            available=True,
        ),
        status(
            MAEU_ON_TERMINAL[2],
            "ON_TERMINAL",
            terminal="APMT",
            carrier="MAEU",
            since=at - hours(6),
            last_free_day="2024-05-05",
            available=True,
        ),
        status(OTHERS[0], "ON_TERMINAL", terminal="APMT", carrier="CMDU", since=at - hours(200)),
        status(OTHERS[1], "GATED_OUT", terminal="APMT", carrier="MAEU", trucker="ABCD", since=at - hours(30)),
    ]
    moves = [
        gate_move("V-1001", "IN", "ABCD", "APMT", at - hours(2), OTHERS[1]),
        gate_move("V-1001", "OUT", "ABCD", "APMT", at - hours(1.2), OTHERS[1]),
        gate_move("V-1002", "IN", "ABCD", "TTI", at - hours(0.5)),
        gate_move("V-2001", "IN", "EFGH", "APMT", at - hours(0.4)),
    ]
    codec, producer = Codec(), Producer(producer_config(settings))
    for record in records:
        producer.produce(topics.container_status, codec.encode(record), key=record["container_id"])
    for move in moves:
        producer.produce(topics.gate_moves, codec.encode(move), key=move["facility"])
    assert producer.flush(15) == 0


@contextmanager
def party_dashboard(settings: Settings, name: str, require_key: bool = False) -> Iterator[ServedDashboard]:
    topics = private_topics(settings, name)
    feed(settings, topics)
    subscriptions = private_webhook_topics(settings, f"{name}-wh").subscriptions
    configured = settings.with_overrides(gateway_keys=demo_keys(), dashboard_require_key=require_key)
    with served_dashboard(configured, DashboardOptions(topics=topics, subscriptions_topic=subscriptions)) as dash:
        dash.wait_ready(90)
        yield dash


ROWS = "[...document.querySelectorAll('#party [data-container]')].map((r) => r.dataset.container)"


async def sign_in(page: Chromium, key: str) -> None:
    """Click the key field, type the key, click Sign in: as a person would."""
    await page.click("#api-key")
    await page.send("Input.insertText", {"text": key})
    await page.click("#signin button")


def test_a_demo_carrier_signs_in_and_sees_its_containers_and_not_anothers(
    broker_settings: Settings, fresh_name: str
) -> None:
    async def drive(url: str) -> None:
        async with Chromium(width=1280, height=900) as page:
            await page.open(url)
            await page.wait_for(
                "document.querySelector('#complex [data-indicator=congestion_index]')?.textContent === '38'"
            )
            assert await page.evaluate("document.getElementById('party').hidden") is True
            assert await page.evaluate("document.getElementById('signin').hidden") is False

            await sign_in(page, "not-a-key-of-anyone-at-all")
            await page.wait_for("document.getElementById('signin-error').textContent === 'That key is not known.'")
            assert await page.evaluate("sessionStorage.length") == 0

            await sign_in(page, CARRIER_KEY)
            await page.wait_for(f"{ROWS}.length === 3")
            assert await page.evaluate(ROWS) == MAEU_ON_TERMINAL  # longest dwell first; no one else's box
            assert await page.evaluate("document.getElementById('party-name').textContent") == "demo-maeu · carrier"
            first = await page.evaluate(
                "[...document.querySelectorAll('#party [data-container]')[0].cells].map((c) => c.textContent)"
            )
            assert first == [MAEU_ON_TERMINAL[0], "APMT", "5.4 d", "2024-04-30", "held"]
            text = await page.evaluate("document.getElementById('party').textContent")
            assert all(other not in text for other in OTHERS)
            assert await page.evaluate("document.getElementById('api-key').value") == ""  # not left in the form
            # the public figures stay beside the panel
            apmt = "document.querySelector('.tile[data-scope=\"USLAX/APMT\"] [data-indicator=congestion_index]')"
            assert await page.evaluate(f"{apmt}.textContent") == "42"

            await page.open(url)  # the key lives in this tab's session: still signed in after a reload
            await page.wait_for(f"{ROWS}.length === 3")
            await page.click("#signout")
            await page.wait_for("document.getElementById('party').hidden")
            assert await page.evaluate("sessionStorage.length") == 0

            await sign_in(page, TRUCKER_KEY)
            visits = "[...document.querySelectorAll('#party [data-visit]')].map((r) => r.dataset.visit)"
            await page.wait_for(f"{visits}.length === 2")
            assert await page.evaluate(visits) == ["V-1002", "V-1001"]  # open first; never EFGH's V-2001
            turn = "document.querySelector('#party [data-visit=\"V-1001\"]').cells[4].textContent"
            assert await page.evaluate(turn) == "48 min"

    with party_dashboard(broker_settings, fresh_name) as dash:
        asyncio.run(drive(dash.url))


def test_with_require_key_the_figures_come_after_sign_in(broker_settings: Settings, fresh_name: str) -> None:
    async def drive(url: str) -> None:
        async with Chromium(width=1280, height=900) as page:
            await page.open(url)
            await page.wait_for("document.getElementById('live').textContent.includes('sign in')")
            tile = "document.querySelector('#complex [data-indicator=congestion_index]')?.textContent"
            assert await page.evaluate(tile) != "38"
            await sign_in(page, CARRIER_KEY)
            await page.wait_for(f"{ROWS}.length === 3")
            await page.wait_for(f"{tile} === '38'", 30)

    with party_dashboard(broker_settings, fresh_name, require_key=True) as dash:
        asyncio.run(drive(dash.url))
