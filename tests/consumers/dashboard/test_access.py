"""Who may read what, against the real app over HTTP: every endpoint x every role x own / other party's data x
no key, with and without `dashboard.require_key`; container statuses and gate moves fed through the real topics
on the test broker. Then hypothesis over random ownership, fed through the store, read over HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from confluent_kafka import Producer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from baystream.consumers.dashboard.feed import FeedTopics, PartyBatch
from baystream.consumers.dashboard.service import DashboardOptions
from baystream.infra.kafka_config import producer_config
from baystream.infra.settings import Settings
from baystream.schemas.wire import Codec
from tests.consumers.dashboard.helpers import (
    BASE_TIME,
    Publisher,
    ServedDashboard,
    indicator,
    private_topics,
    served_dashboard,
    wait_for,
)
from tests.consumers.dashboard.parties_data import PARTIES, gate_move, hours, key_of, keys_json, status
from tests.consumers.webhooks.helpers import private_webhook_topics

ROLES = [*PARTIES, None, "stranger"]
"""Every party (two terminals, truckers and carriers; a chassis provider; a railroad), no key, an unknown key."""
STRANGER_KEY = "key-of-nobody-at-all-3e9d1a7c5b"

MINE = "MSCU1234566"  # MAEU's call, ABCD held it, on APMT
THEIRS = "TGHU7654321"  # CMDU's call, EFGH holds it, on TTI
GONE = "CSQU3054383"  # MAEU's call, gated out of APMT by EFGH
NOWHERE = "ABCU1234560"  # never seen
OWNERS = {MINE: {"maeu", "abcd", "apmt"}, THEIRS: {"cmdu", "efgh", "tti"}, GONE: {"maeu", "efgh"}, NOWHERE: set()}
MY_CONTAINERS = {"maeu": [MINE], "abcd": [MINE], "apmt": [MINE], "cmdu": [THEIRS], "efgh": [THEIRS], "tti": [THEIRS]}
MY_VISITS = {"abcd": ["V-ABCD-1"], "efgh": ["V-EFGH-1"], "apmt": ["V-ABCD-1"], "tti": ["V-EFGH-1"]}
PUBLIC = [
    "/api/indicators",
    "/api/history?scope=USLAX/APMT&indicator=congestion_index",
    "/api/alerts",
    "/api/scopes",
    "/api/openapi.json",
    "/api/events",
    "/metrics",
]
SHELL = ["/", "/static/app.js", "/healthz"]
"""Open even with require_key: the page asks for the key; the probe shows status and counts only."""


@dataclass(frozen=True)
class Answer:
    status: int
    content_type: str
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def fetch(base: str, path: str, party: str | None, bearer: bool = False) -> Answer:
    request = urllib.request.Request(base + path)
    key = STRANGER_KEY if party == "stranger" else (key_of(party) if party else None)
    if key and bearer:
        request.add_header("Authorization", f"Bearer {key}")
    elif key:
        request.add_header("X-API-Key", key)
    try:
        with urllib.request.urlopen(request, timeout=20) as answer:
            streaming = answer.headers.get("Content-Type", "").startswith("text/event-stream")
            return Answer(answer.status, answer.headers.get("Content-Type", ""), b"" if streaming else answer.read())
    except urllib.error.HTTPError as exc:
        return Answer(exc.code, exc.headers.get("Content-Type", ""), exc.read())


def _write(settings: Settings, topics: FeedTopics) -> None:
    """The statuses and gate moves, through the real topics, keyed as the catalog says."""
    codec, producer = Codec(), Producer(producer_config(settings))
    t = BASE_TIME
    statuses = [
        status(MINE, "ON_TERMINAL", terminal="APMT", carrier="MAEU", trucker="ABCD", since=t - hours(50)),
        status(THEIRS, "ON_TERMINAL", terminal="TTI", port="USLGB", carrier="CMDU", trucker="EFGH", since=t),
        status(GONE, "ON_TERMINAL", terminal="APMT", carrier="MAEU", since=t - hours(90), as_of=t - hours(2)),
        status(GONE, "GATED_OUT", terminal="APMT", carrier="MAEU", trucker="EFGH", since=t - hours(90)),
    ]
    for record in statuses:
        producer.produce(topics.container_status, codec.encode(record), key=record["container_id"])
    for move in (
        gate_move("V-ABCD-1", "IN", "ABCD", "APMT", t - hours(1), MINE),
        gate_move("V-EFGH-1", "IN", "EFGH", "TTI", t - hours(1)),
        gate_move("V-EFGH-1", "OUT", "EFGH", "TTI", t - hours(0.5), THEIRS),
    ):
        producer.produce(topics.gate_moves, codec.encode(move), key=move["facility"])
    assert producer.flush(15) == 0


@pytest.fixture(scope="module", params=[False, True], ids=["public-aggregates", "require-key"])
def dashboard(request: pytest.FixtureRequest, broker_settings: Settings) -> Iterator[tuple[ServedDashboard, bool]]:
    require_key = bool(request.param)
    name = f"access-{'closed' if require_key else 'open'}-{id(request)}"
    topics = private_topics(broker_settings, name)
    Publisher(broker_settings, topics).indicators([indicator("USLAX/APMT", "congestion_index", 42.0, "AMBER")])
    _write(broker_settings, topics)
    settings = broker_settings.with_overrides(gateway_keys=keys_json(), dashboard_require_key=require_key)
    subscriptions = private_webhook_topics(broker_settings, f"{name}-wh").subscriptions
    with served_dashboard(settings, DashboardOptions(topics=topics, subscriptions_topic=subscriptions)) as dash:
        dash.wait_ready(90)  # generous: a 3-node cluster on a shared 2-core machine
        wait_for(lambda: dash.running.service.webhooks.book.caught_up.is_set(), 90)
        wait_for(lambda: dash.call(lambda: len(dash.running.service.containers) == 3 or None), 90)
        wait_for(lambda: dash.call(lambda: len(dash.running.service.visits) == 2 or None), 90)
        yield dash, require_key


def _no_container(container_id: str) -> dict[str, Any]:
    return {
        "type": "tag:baystream,2026:no-container",
        "title": "No such container of yours",
        "status": 404,
        "detail": f"no container {container_id} of yours",
    }


def _expect_unauthenticated(answer: Answer) -> None:
    assert answer.status == 401 and answer.content_type.startswith("application/problem+json")
    assert answer.json()["type"] == "tag:baystream,2026:unauthenticated"


def _identified(party: str | None) -> bool:
    return party in PARTIES


@pytest.mark.parametrize("party", ROLES)
@pytest.mark.parametrize("container_id", list(OWNERS))
def test_a_container_answers_its_parties_and_everyone_else_exactly_as_one_that_does_not_exist(
    dashboard: tuple[ServedDashboard, bool], container_id: str, party: str | None
) -> None:
    dash, require_key = dashboard
    answer = fetch(dash.url, f"/api/containers/{container_id}", party)
    if require_key and not _identified(party):
        _expect_unauthenticated(answer)
    elif party in OWNERS[container_id]:
        assert answer.status == 200
        shown = answer.json()
        assert shown["container_id"] == container_id and shown["dwell_days"] is not None
    else:
        assert answer.status == 404 and answer.content_type.startswith("application/problem+json")
        assert answer.json() == _no_container(container_id)  # byte for byte what an unknown number gets:
        unknown = fetch(dash.url, f"/api/containers/{NOWHERE}", party)
        assert answer.body.replace(container_id.encode(), NOWHERE.encode()) == unknown.body
        assert answer.content_type == unknown.content_type


@pytest.mark.parametrize("party", ROLES)
@pytest.mark.parametrize("endpoint", ["/api/my/containers", "/api/my/visits", "/api/webhooks"])
def test_own_lists_hold_exactly_the_partys_own(
    dashboard: tuple[ServedDashboard, bool], endpoint: str, party: str | None
) -> None:
    dash, _ = dashboard
    answer = fetch(dash.url, endpoint, party, bearer=party == "cmdu")  # Bearer works as X-API-Key does
    if not _identified(party):
        _expect_unauthenticated(answer)
        return
    assert answer.status == 200
    body = answer.json()
    if endpoint == "/api/my/containers":
        assert body["party"] == party and [c["container_id"] for c in body["containers"]] == MY_CONTAINERS.get(
            str(party), []
        )
    elif endpoint == "/api/my/visits":
        assert [v["visit_id"] for v in body["visits"]] == MY_VISITS.get(str(party), [])
    else:
        assert body == {"subscriptions": []}


@pytest.mark.parametrize("party", ROLES)
@pytest.mark.parametrize("path", PUBLIC + SHELL)
def test_aggregates_are_public_unless_a_key_is_required(
    dashboard: tuple[ServedDashboard, bool], path: str, party: str | None
) -> None:
    dash, require_key = dashboard
    answer = fetch(dash.url, path, party)
    if require_key and not _identified(party) and path not in SHELL:
        _expect_unauthenticated(answer)
    else:
        assert answer.status == 200, (path, answer)


def test_a_visits_turn_time_and_a_boxs_dwell_as_the_topics_say(dashboard: tuple[ServedDashboard, bool]) -> None:
    dash, _ = dashboard
    visits = fetch(dash.url, "/api/my/visits", "tti").json()["visits"]
    assert visits[0]["turn_minutes"] == 30.0 and visits[0]["container_ids"] == [THEIRS] and not visits[0]["open"]
    mine = fetch(dash.url, f"/api/containers/{MINE}", "maeu").json()
    assert mine["dwell_days"] == round(50 / 24, 2) and mine["carrier"] == "MAEU" and mine["where"] == "ON_TERMINAL"
    gone = fetch(dash.url, f"/api/containers/{GONE}", "efgh").json()
    assert gone["where"] == "GATED_OUT" and gone["trucker_scac"] == "EFGH"  # the newer status won
    assert fetch(dash.url, f"/api/containers/{MINE}", "dcli").status == 404
    metrics = fetch(dash.url, "/metrics", "maeu").body.decode()
    assert 'baystream_dashboard_detail_reads_total{endpoint="container",outcome="shown",party="maeu"}' in metrics
    assert 'baystream_dashboard_detail_reads_total{endpoint="container",outcome="not_found",party="dcli"}' in metrics


# --- hypothesis: random ownership, read over HTTP -------------------------------------------------------------

CARRIERS, TRUCKERS = ("MAEU", "CMDU"), ("ABCD", "EFGH")
TERMINALS = (("APMT", "USLAX"), ("TTI", "USLGB"))
SEEN_AS = {"MAEU": "maeu", "CMDU": "cmdu", "ABCD": "abcd", "EFGH": "efgh", "APMT": "apmt", "TTI": "tti"}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(["ON_TERMINAL", "GATED_OUT", "ON_TRAIN", "ON_VESSEL"]),
            st.sampled_from(TERMINALS),
            st.none() | st.sampled_from(CARRIERS),
            st.none() | st.sampled_from(TRUCKERS),
        ),
        min_size=1,
        max_size=8,
    )
)
def test_random_ownership_over_http_every_party_reads_exactly_its_own(
    dashboard: tuple[ServedDashboard, bool], drawn: list
) -> None:
    dash, _ = dashboard
    service = dash.running.service
    ids = [f"RND{i:07d}" for i in range(len(drawn))]
    batch = PartyBatch(statuses=[(cid, None) for cid in [f"RND{i:07d}" for i in range(8)]])  # earlier draws gone
    owners: dict[str, set[str]] = {}
    for cid, (where, (terminal, port), carrier, trucker) in zip(ids, drawn, strict=True):
        record = status(cid, where, terminal=terminal, port=port, carrier=carrier, trucker=trucker, since=BASE_TIME)
        batch.statuses.append((cid, record))
        found = {SEEN_AS[c] for c in (carrier, trucker) if c}
        owners[cid] = found | ({SEEN_AS[terminal]} if where == "ON_TERMINAL" else set())
    dash.call(lambda: service.apply_party(batch))
    for party in PARTIES:
        readable = {cid for cid in ids if fetch(dash.url, f"/api/containers/{cid}", party).status == 200}
        assert readable == {cid for cid in ids if party in owners[cid]}, party
        listed = {c["container_id"] for c in fetch(dash.url, "/api/my/containers", party).json()["containers"]}
        on_terminal = {cid for cid, d in zip(ids, drawn, strict=True) if d[0] == "ON_TERMINAL"}
        assert {c for c in listed if c.startswith("RND")} == readable & on_terminal, party
