"""Known answers of the container status model (streams/containers/status.py), worked out by hand."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

import pytest

from baystream.schemas.json_form import parse_event
from baystream.schemas.wire import Codec
from baystream.streams.containers.status import FreeDays, StatusBook
from tests.events import event

BOX = "APZU4812090"
CALL = "APMT-9321483-418E"


def ev(type_name: str, at: str, **fields: Any) -> dict[str, Any]:
    return parse_event(event(type_name, event_time=at, **fields))


def discharge(
    at: str = "2024-05-01T12:00:00Z", facility: str = "APMT", mode: str = "TRUCK", **f: Any
) -> dict[str, Any]:
    port = "USLGB" if facility in ("MATU", "ITS", "ICTF") else "USLAX"
    return ev("ContainerEvent", at, facility=facility, port=port, container_id=BOX, inland_mode=mode, **f)


def gate(at: str, direction: str, move: str = "IMPORT_PICKUP", facility: str = "APMT", **f: Any) -> dict[str, Any]:
    port = "USLGB" if facility in ("MATU", "ITS", "ICTF") else "USLAX"
    f = {"container_id": BOX, **f}
    return ev("GateMove", at, facility=facility, port=port, direction=direction, move_type=move, **f)


def train(at: str, facility: str, railroad: str = "UP") -> dict[str, Any]:
    port = "USLGB" if facility in ("MATU", "ITS", "ICTF") else "USLAX"
    return ev("RailDeparture", at, facility=facility, port=port, railroad=railroad, container_ids=[BOX])


def arrival(at: str = "2024-05-01T02:00:00Z", carrier: str = "MAEU") -> dict[str, Any]:
    return ev("VesselArrival", at, call_id=CALL, carrier=carrier, voyage="418E")


def fold(events: list[dict[str, Any]], book: StatusBook | None = None) -> dict[str, Any]:
    book = book or StatusBook()
    for e in events:
        book.apply(e)
    return book.status(BOX)


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def test_a_truck_import_from_discharge_to_gate_out() -> None:
    on = fold([arrival(), discharge()])
    assert (on["where"], on["terminal"], on["port"], on["carrier"], on["voyage"]) == (
        "ON_TERMINAL", "APMT", "USLAX", "MAEU", "418E",
    )  # fmt: skip
    assert on["vessel_call"] == CALL and on["discharge_terminal"] == "APMT" and on["inland_mode"] == "TRUCK"
    assert on["on_terminal_since"] == utc("2024-05-01T12:00:00") and on["dwell_hours"] == 0.0
    assert on["last_free_day"] == "2024-05-05"  # 05:00 in Los Angeles on May 1, plus 4 days
    assert on["available_for_pickup"] is True
    assert (on["last_move"], on["last_mover"], on["last_mover_role"]) == ("DISCHARGED", "APMT", "TERMINAL")

    out = fold([arrival(), discharge(), gate("2024-05-03T17:00:00Z", "IN"), gate("2024-05-03T18:00:00Z", "OUT")])
    assert (out["where"], out["terminal"], out["last_facility"]) == ("GATED_OUT", None, "APMT")
    assert out["left_terminal_at"] == utc("2024-05-03T18:00:00") and out["dwell_hours"] == 54.0
    assert (out["trucker_scac"], out["last_mover"], out["last_mover_role"]) == ("ABCD", "ABCD", "TRUCKER")
    assert out["available_for_pickup"] is False and out["on_terminal_since"] is None
    assert out["last_free_day"] == "2024-05-05" and out["carrier"] == "MAEU"
    assert out["updated_at"] == out["as_of"] == utc("2024-05-03T18:00:00")


def test_the_last_free_day_counts_in_port_local_time_and_per_terminal() -> None:
    late_evening = discharge("2024-05-02T05:00:00Z")  # 22:00 on May 1 in Los Angeles
    assert fold([late_evening])["last_free_day"] == "2024-05-05"
    assert fold([late_evening], StatusBook(FreeDays(4, {"APMT": 7})))["last_free_day"] == "2024-05-08"
    assert fold([late_evening], StatusBook(FreeDays(4, {"TTI": 7})))["last_free_day"] == "2024-05-05"
    assert fold([discharge("2024-05-02T07:00:00Z")])["last_free_day"] == "2024-05-06"  # midnight passed there


def test_free_days_from_the_settings_text() -> None:
    assert FreeDays.parse(4, "APMT=5, TTI=3") == FreeDays(4, {"APMT": 5, "TTI": 3})
    assert FreeDays.parse(2, "") == FreeDays(2, {})
    for bad in ("APMT", "APMT=x", "=3", "APMT=-1"):
        with pytest.raises(ValueError, match="CODE=DAYS"):
            FreeDays.parse(4, bad)
    with pytest.raises(ValueError, match="whole number"):
        FreeDays(-1)


def test_any_order_and_any_duplicates_give_the_same_status() -> None:
    events = [arrival(), discharge(), gate("2024-05-03T18:00:00Z", "OUT"), train("2024-05-03T20:00:00Z", "ICTF")]
    expected = fold(events)
    for order in itertools.permutations(events):
        book = StatusBook()
        assert fold([*order, *order[:2]], book) == expected
        assert book.duplicates == sum(1 for e in order[:2] if e["type"] != "VesselArrival")


def test_on_dock_rail() -> None:
    waiting = fold([discharge(mode="RAIL")])
    assert waiting["inland_mode"] == "RAIL" and waiting["available_for_pickup"] is False
    gone = fold([discharge(mode="RAIL"), train("2024-05-04T00:00:00Z", "APMT", "BNSF")])
    assert (gone["where"], gone["inland_mode"], gone["train_id"], gone["rail_destination"]) == (
        "ON_TRAIN", "ON_DOCK_RAIL", "UP-MLAAP-01", "Chicago",
    )  # fmt: skip
    assert (gone["last_mover"], gone["last_mover_role"], gone["dwell_hours"]) == ("BNSF", "RAILROAD", 60.0)


def test_near_dock_rail_through_the_ictf() -> None:
    at_matson = fold([discharge(facility="MATU", mode="RAIL")])  # no on-dock yard at C60
    assert at_matson["inland_mode"] == "NEAR_DOCK_RAIL" and at_matson["available_for_pickup"] is True
    events = [discharge(mode="RAIL"), gate("2024-05-02T09:00:00Z", "IN"), gate("2024-05-02T10:00:00Z", "OUT")]
    drayed = fold(events)
    assert (drayed["where"], drayed["inland_mode"], drayed["trucker_scac"]) == (
        "NEAR_DOCK_YARD",
        "NEAR_DOCK_RAIL",
        "ABCD",
    )
    gone = fold([*events, train("2024-05-02T20:00:00Z", "ICTF")])
    assert (gone["where"], gone["port"], gone["last_facility"], gone["inland_mode"]) == (
        "ON_TRAIN", "USLGB", "ICTF", "NEAR_DOCK_RAIL",
    )  # fmt: skip
    assert gone["dwell_hours"] == 22.0 and gone["trucker_scac"] == "ABCD"  # the terminal stay ended at the gate


def test_an_empty_return_starts_a_stay_that_is_not_an_import() -> None:
    events = [discharge(), gate("2024-05-03T18:00:00Z", "OUT")]
    back = fold([*events, gate("2024-05-06T08:00:00Z", "IN", "EMPTY_RETURN", facility="ITS", trucker="WXYZ")])
    assert (back["where"], back["terminal"], back["port"], back["trucker_scac"]) == (
        "ON_TERMINAL",
        "ITS",
        "USLGB",
        "WXYZ",
    )
    assert back["on_terminal_since"] == utc("2024-05-06T08:00:00") and back["left_terminal_at"] is None
    assert back["last_free_day"] is None and back["available_for_pickup"] is False
    assert back["vessel_call"] == CALL  # still the call that brought it


def test_a_container_never_seen_discharged() -> None:
    status = fold([gate("2024-05-03T18:00:00Z", "OUT", "EMPTY_PICKUP")])
    assert status["where"] == "GATED_OUT" and status["trucker_scac"] == "ABCD"
    for unknown in ("vessel_call", "carrier", "inland_mode", "last_free_day", "discharged_at", "dwell_hours"):
        assert status[unknown] is None, unknown


def test_a_call_reported_after_its_containers_updates_them() -> None:
    book = StatusBook()
    assert book.apply(discharge()) == {BOX}
    assert book.status(BOX)["carrier"] is None
    assert book.apply(arrival("2024-05-01T13:00:00Z", carrier="MSCU")) == {BOX}
    assert book.status(BOX)["carrier"] == "MSCU"
    assert book.apply(arrival("2024-05-01T01:00:00Z", carrier="HLCU")) == set()  # older: the newer one stays
    assert book.status(BOX)["carrier"] == "MSCU"


def test_dwell_grows_with_event_time_while_on_terminal() -> None:
    book = StatusBook()
    book.apply(discharge())
    assert book.status(BOX)["as_of"] == utc("2024-05-01T12:00:00")
    other = {"container_id": "CSQU3054383"}
    assert book.apply(gate("2024-05-01T12:40:00Z", "IN", "EMPTY_RETURN", **other)) == {"CSQU3054383"}  # same hour
    assert BOX in book.apply(gate("2024-05-01T15:30:00Z", "OUT", "EMPTY_PICKUP", **other))  # the clock reached 15:00
    status = book.status(BOX)
    assert status["as_of"] == utc("2024-05-01T15:00:00") and status["dwell_hours"] == 3.0
    assert status["updated_at"] == utc("2024-05-01T12:00:00")
    gone = book.status("CSQU3054383")
    assert gone["as_of"] == gone["updated_at"] == utc("2024-05-01T15:30:00")  # only boxes on terminal move on


def test_estimated_events_and_gate_moves_without_a_box_are_not_moves() -> None:
    book = StatusBook()
    assert book.apply(discharge(classifier="ESTIMATED")) == set()
    assert book.apply(ev("GateMove", "2024-05-01T12:00:00Z", container_id=None, move_type="BOBTAIL")) == set()
    assert book.apply(gate("2024-05-01T12:00:00Z", "IN", "IMPORT_PICKUP")) == set()  # the truck coming for it
    assert book.apply(gate("2024-05-01T12:00:00Z", "OUT", "EMPTY_RETURN")) == set()  # leaving after the drop-off
    assert book.moves == {}


def test_a_status_is_a_valid_record_of_the_contract() -> None:
    codec = Codec()
    for events in ([arrival(), discharge()], [discharge(mode="RAIL"), train("2024-05-04T00:00:00Z", "APMT")]):
        status = fold(events)
        assert codec.decode(codec.encode(status)) == status
