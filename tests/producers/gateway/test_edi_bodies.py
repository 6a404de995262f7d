"""EDIFACT and X12 bodies at POST /v1/events: the feeds' events take the JSON events' path (role, contract,
idempotency, all or nothing), and an interchange that cannot be read gets 400 naming where it is wrong.

The samples are the hand-written ones of tests/producers/feeds/samples. Event ids are made from the events'
content, so each test makes its interchange unique (a fresh visit id or voyage): the topics are shared.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from baystream.infra.http.server import BackgroundServer
from baystream.infra.settings import Settings
from baystream.infra.topics import CONTAINER_EVENTS, GATE_MOVES, RAIL_DEPARTURES
from baystream.producers.feeds.edi import read_edi
from baystream.producers.gateway.app import BAD_INTERCHANGE, FORBIDDEN_EVENTS, GatewayConfig, make_app
from baystream.producers.gateway.batch import BadInterchange, check_batch, split_body
from baystream.producers.gateway.identities import Identity, KeyRing, Role, hash_key, new_key
from baystream.producers.gateway.openapi import document
from baystream.schemas.json_form import to_json
from tests.producers.gateway.live import on_topic, post

SAMPLES = Path(__file__).resolve().parents[1] / "feeds" / "samples"
CODECO = (SAMPLES / "codeco_gate_out_d95b.edi").read_bytes()  # APMT's gate-out, a D.95B with UNA and releases
X12 = (SAMPLES / "terminal_322.x12").read_bytes()
X12_APMT = X12[: X12.index(b"ISA", 3)].strip()  # APMT's in-gate, out-gate and discharge
X12_UP = X12[X12.index(b"ISA", 3) :].strip()  # Union Pacific's rail departure
EDIFACT_TYPE, X12_TYPE = "application/EDIFACT", "application/EDI-X12"

PARTIES = {"apm-terminals": (Role.TERMINAL, "APMT"), "lbct": (Role.TERMINAL, "LBCT")}
PARTIES["union-pacific"] = (Role.RAILROAD, "UP")
KEYS = {party: new_key() for party in PARTIES}
RING = KeyRing(Identity(p, role, code, hash_key(KEYS[p])) for p, (role, code) in PARTIES.items())


def fresh() -> str:
    """A token no other run used: 6 hex digits fit every identifier the samples carry."""
    return uuid.uuid4().hex[:6].upper()


def unique_codeco() -> bytes:
    return CODECO.replace(b"APMT-V0042", f"APMT-{fresh()}".encode())


def unique_x12_apmt() -> bytes:
    token = fresh()
    body = X12_APMT.replace(b"APMT-V0100", f"A0-{token}".encode()).replace(b"APMT-V0101", f"A1-{token}".encode())
    return body.replace(b"*117E*", f"*{token}*".encode())  # the discharge's voyage, so its call id


def expected(feed: str, body: bytes, source: str) -> list[dict[str, Any]]:
    """What the feed's own reader makes of the body, `source` stamped as the gateway does."""
    return [{**event, "source": source} for event in read_edi(feed, body)]


@pytest.fixture(scope="module")
def gateway(broker_settings: Settings) -> Iterator[str]:
    config = GatewayConfig(rate_per_s=10_000, burst=10_000, ack_timeout_s=20)
    with BackgroundServer(make_app(broker_settings, RING, config)) as server:
        yield server.url


# Without a broker: the body parser and the document.


def test_an_edifact_body_becomes_the_json_form_of_the_feeds_events() -> None:
    items = split_body(CODECO, "application/edifact")  # content types are case-insensitive
    assert items == [to_json(e) for e in read_edi("edifact", CODECO)]
    assert [i["facility"] for i in items] == ["APMT"]


@pytest.mark.parametrize(
    ("content_type", "body", "where", "reason"),
    [
        (EDIFACT_TYPE, CODECO.replace(b"UNT+15", b"UNT+14"), "message 1 (CODECO), segment 15 (UNT)", "UNT counts 14"),
        (EDIFACT_TYPE, CODECO.replace(b"EQD+CH", b"EQD+XX"), "segment 13 (EQD)", "unknown equipment qualifier 'XX'"),
        (EDIFACT_TYPE, CODECO[:200], "interchange 4711 from APMT, message 1 (CODECO)", "the interchange is cut"),
        (X12_TYPE, X12_APMT.replace(b"Q5*I*", b"Q5*ZZ*"), "transaction set 0001, segment 3 (Q5)", "'ZZ' (Q501)"),
        (X12_TYPE, CODECO, "interchange", "not X12"),
    ],
)
def test_an_interchange_that_cannot_be_read_names_where(
    content_type: str, body: bytes, where: str, reason: str
) -> None:
    with pytest.raises(BadInterchange) as caught:
        split_body(body, content_type)
    assert where in caught.value.where and reason in caught.value.reason


def test_the_documents_interchange_examples_are_events_a_terminal_may_publish() -> None:
    content = document()["paths"]["/v1/events"]["post"]["requestBody"]["content"]
    apmt = RING.authenticate(KEYS["apm-terminals"])
    assert apmt is not None
    for content_type in (EDIFACT_TYPE, X12_TYPE):
        checked = check_batch(split_body(content[content_type]["example"].encode(), content_type), apmt)
        assert (checked.invalid, checked.forbidden, len(checked.records)) == ([], [], 1), content_type


# Against the broker.


@pytest.mark.integration
def test_a_terminals_codeco_lands_on_gate_moves_once(gateway: str, broker_settings: Settings) -> None:
    body = unique_codeco()
    want = expected("edifact", body, "APMT")
    status, _, answer = post(gateway, body, KEYS["apm-terminals"], EDIFACT_TYPE)
    assert status == 202, answer
    assert answer == {"event_ids": [e["event_id"] for e in want], "published": 1, "duplicates": []}
    found = on_topic(broker_settings, GATE_MOVES, answer["event_ids"])
    assert [record for _, record in found[want[0]["event_id"]]] == want  # field for field, exactly once
    assert found[want[0]["event_id"]][0][0] == "APMT"  # keyed by facility, as a JSON gate move is
    status, _, again = post(gateway, body, KEYS["apm-terminals"], EDIFACT_TYPE)  # a resent interchange
    assert (status, again["published"], again["duplicates"]) == (202, 0, answer["event_ids"])


@pytest.mark.integration
def test_another_terminals_codeco_is_refused_and_nothing_lands(gateway: str, broker_settings: Settings) -> None:
    body = unique_codeco()
    ids = [e["event_id"] for e in expected("edifact", body, "LBCT")]
    status, _, answer = post(gateway, body, KEYS["lbct"], EDIFACT_TYPE)
    assert status == 403 and answer["type"] == FORBIDDEN_EVENTS.uri, answer
    assert answer["items"] == [
        {"index": 0, "field": "facility", "reason": "lbct publishes only as itself (facility LBCT)", "got": "APMT"}
    ]
    assert on_topic(broker_settings, GATE_MOVES, ids) == {}


@pytest.mark.integration
@pytest.mark.parametrize(
    ("content_type", "body", "where"),
    [
        (EDIFACT_TYPE, CODECO.replace(b"EQD+CH", b"EQD+XX"), "message 1 (CODECO), segment 13 (EQD)"),
        (X12_TYPE, X12_APMT.replace(b"Q5*OA*", b"Q5*ZZ*"), "transaction set 0002, segment 2 (Q5)"),
    ],
)
def test_a_broken_interchange_gets_400_naming_the_segment(
    gateway: str, content_type: str, body: bytes, where: str
) -> None:
    status, headers, answer = post(gateway, body, KEYS["apm-terminals"], content_type)
    assert status == 400 and headers["Content-Type"].startswith("application/problem+json"), answer
    assert answer["type"] == BAD_INTERCHANGE.uri and where in answer["where"], answer
    assert answer["detail"] == f"{answer['where']}: {answer['reason']}; nothing published"


@pytest.mark.integration
def test_a_terminals_322_lands_gate_moves_and_the_discharge(gateway: str, broker_settings: Settings) -> None:
    body = unique_x12_apmt()
    want = expected("x12", body, "APMT")
    status, _, answer = post(gateway, body, KEYS["apm-terminals"], X12_TYPE)
    assert status == 202 and answer["published"] == 3, answer
    ids = answer["event_ids"]
    assert ids == [e["event_id"] for e in want]
    moves = on_topic(broker_settings, GATE_MOVES, ids)
    boxes = on_topic(broker_settings, CONTAINER_EVENTS, ids)
    assert [moves[i][0][1] for i in ids[:2]] == want[:2] and [boxes[ids[2]][0][1]] == want[2:]
    assert all(len(found) == 1 for found in (*moves.values(), *boxes.values()))


@pytest.mark.integration
def test_a_322_holding_a_railroads_event_is_refused_whole(gateway: str, broker_settings: Settings) -> None:
    body = unique_x12_apmt() + b"\n" + X12_UP  # the terminal's own moves and Union Pacific's departure
    ids = [e["event_id"] for e in read_edi("x12", body)]
    status, _, answer = post(gateway, body, KEYS["apm-terminals"], X12_TYPE)
    assert status == 403 and [(i["index"], i["got"]) for i in answer["items"]] == [(3, "RailDeparture")], answer
    assert on_topic(broker_settings, GATE_MOVES, ids[:2]) == on_topic(broker_settings, CONTAINER_EVENTS, ids) == {}
    status, _, answer = post(gateway, X12_UP, KEYS["union-pacific"], X12_TYPE)  # the railroad's own: accepted
    assert status == 202 and answer["event_ids"] == [e["event_id"] for e in read_edi("x12", X12_UP)], answer
    assert set(on_topic(broker_settings, RAIL_DEPARTURES, answer["event_ids"])) == set(answer["event_ids"])
