"""Hand-written samples, as terminals and a shore AIS receiver send them, with the events worked out by hand.

The samples use what the simulator's writers never write: UNA with release characters, CR/LF, D.00B and
UNOC, composite sender ids, optional segments (NAD, RFF+BN/BM, SEL, MEA, TMP, LOC+147/9/11, FTX, ZC1, M7,
N9*BN), local times, a base-station report, a bad checksum and a stray fragment (docs/feeds.md).
"""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import pytest

from baystream.producers.feeds.ais import Call, read_ais
from baystream.producers.feeds.common import EVENT_ID_NAMESPACE
from baystream.producers.feeds.edifact import read_edifact
from baystream.producers.feeds.x12 import read_x12
from baystream.schemas.json_form import dumps, to_json

SAMPLES = Path(__file__).parent / "samples"

GATE = {"type": "GateMove", "classifier": "ACTUAL"}
BOX = {"type": "ContainerEvent", "classifier": "ACTUAL"}
SHIP = {"type": "VesselArrival", "source": "ZIMU", "port": "USLGB", "facility": "SSATA", "vessel_imo": "9454436"}
SHIP |= {"vessel_name": "ZIM ROTTERDAM", "carrier": "ZIMU", "voyage": "12E", "call_id": "SSATA-9454436-12E"}

EXPECTED: dict[str, list[dict[str, Any]]] = {
    "codeco_gate_out_d95b.edi": [
        # BGM+36 gate-out; EQD 8249=3 import, 8169=5 full, direction OUT: an import pickup; DTM+7 in the EQD group
        GATE
        | {"event_time": "2024-05-01T12:04:00Z", "source": "APMT", "port": "USLAX", "facility": "APMT"}
        | {"visit_id": "APMT-V0042", "direction": "OUT", "move_type": "IMPORT_PICKUP", "truck_id": "CA 7RTY452"}
        | {"trucker": "ABCD", "container_id": "MSKU1234565", "chassis_id": "DCLZ400123", "appointment_id": "APT-88231"},
    ],
    "codeco_gate_in_d00b.edi": [
        # BGM+34 gate-in, export (2) full (5): an export delivery; DTM format 204 (seconds)
        GATE
        | {"event_time": "2024-05-02T08:15:30Z", "source": "LBCT", "port": "USLGB", "facility": "LBCT"}
        | {"visit_id": "LBCT-V7781", "direction": "IN", "move_type": "EXPORT_DELIVERY", "truck_id": "7ABC123"}
        | {"trucker": "WXYZ", "container_id": "TGHU8765436", "chassis_id": "FLXZ77120"},
        # no EQD: the truck comes in empty-handed to pick up an import, as its FTX+AAI says
        GATE
        | {"event_time": "2024-05-02T09:20:00Z", "source": "LBCT", "port": "USLGB", "facility": "LBCT"}
        | {"visit_id": "LBCT-V7782", "direction": "IN", "move_type": "IMPORT_PICKUP", "truck_id": "8DEF456"}
        | {"trucker": "WXYZ", "appointment_id": "APT-9"},
    ],
    "coarri_discharge_d95b.edi": [
        # BGM+44 discharge; TDT+30 mode 2 = leaves by rail; the second is empty (4) with no on-carriage
        BOX
        | {"event_time": "2024-05-01T05:24:00Z", "source": "YUSEN", "port": "USLAX", "facility": "YUSEN"}
        | {"container_id": "MSCU4455663", "event_type": "DISCHARGED", "vessel_imo": "9618537"}
        | {"call_id": "YUSEN-9618537-450E", "iso_type": "45G1", "empty": False, "inland_mode": "RAIL"},
        BOX
        | {"event_time": "2024-05-01T05:28:30Z", "source": "YUSEN", "port": "USLAX", "facility": "YUSEN"}
        | {"container_id": "CSQU3054383", "event_type": "DISCHARGED", "vessel_imo": "9618537"}
        | {"call_id": "YUSEN-9618537-450E", "iso_type": "22G1", "empty": True},
    ],
    "coarri_load_d00b.edi": [
        # BGM+270 loading report; no RFF+ZZZ: the call is facility-IMO-voyage (TDT 8028)
        BOX
        | {"event_time": "2024-05-03T22:09:12Z", "source": "TTI", "port": "USLGB", "facility": "TTI"}
        | {"container_id": "TCNU7788991", "event_type": "LOADED", "vessel_imo": "9337470"}
        | {"call_id": "TTI-9337470-880E", "iso_type": "45R1", "empty": False},
    ],
    "terminal_322.x12": [
        # Q5*I at 07:04 local (LT) = 14:04 UTC in May (PDT); W205 L full, in: an export delivery
        GATE
        | {"event_time": "2024-05-01T14:04:00Z", "source": "APMT", "port": "USLAX", "facility": "APMT"}
        | {"visit_id": "APMT-V0100", "direction": "IN", "move_type": "EXPORT_DELIVERY", "truck_id": "CA 4XYZ881"}
        | {"trucker": "QKHL", "container_id": "ONEU1122334", "appointment_id": "APT-77001"},
        # Q5*OA UT, W205 E empty, out: an empty pickup; the check digit in N717
        GATE
        | {"event_time": "2024-05-01T14:22:30Z", "source": "APMT", "port": "USLAX", "facility": "APMT"}
        | {"visit_id": "APMT-V0101", "direction": "OUT", "move_type": "EMPTY_PICKUP", "truck_id": "CA 9KLM002"}
        | {"trucker": "QKHL", "container_id": "TRLU9988774", "chassis_id": "DCLZ551200"},
        # Q5*UV: discharged, V1 IMO (V108 L) and voyage 117E give the call
        BOX
        | {"event_time": "2024-05-01T09:50:00Z", "source": "APMT", "port": "USLAX", "facility": "APMT"}
        | {"container_id": "MSKU1234565", "event_type": "DISCHARGED", "vessel_imo": "9811000"}
        | {"call_id": "APMT-9811000-117E", "iso_type": "45G1", "empty": False, "inland_mode": "TRUCK"},
        # second interchange, from UP: Q5*RL, a train of three containers
        {"type": "RailDeparture", "event_time": "2024-05-02T22:15:00Z", "classifier": "ACTUAL", "source": "UP"}
        | {"port": "USLGB", "facility": "ICTF", "train_id": "UP-ICTF-00042", "railroad": "UP"}
        | {"destination": "DALLAS MESQUITE", "container_ids": ["TGHU8765436", "CSQU3054383", "MSCU4455663"]}
        | {"car_count": 3},
    ],
}


def _read(name: str) -> list[dict[str, Any]]:
    data = (SAMPLES / name).read_bytes()
    return read_x12(data) if name.endswith(".x12") else read_edifact(data.decode("latin-1"))


def _without_id(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in to_json(event).items() if k != "event_id"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_edi_sample_gives_the_events_worked_out_by_hand(name: str) -> None:
    events = _read(name)
    assert [_without_id(e) for e in events] == EXPECTED[name]
    for event in events:  # the id names the content: the same report sent twice is deduplicated
        assert event["event_id"] == str(uuid.uuid5(EVENT_ID_NAMESPACE, dumps({**event, "event_id": None})))


def test_edi_sample_with_crlf_and_una_reads_the_same_without_them() -> None:
    text = (SAMPLES / "codeco_gate_out_d95b.edi").read_bytes().decode("latin-1")
    assert "'\r\nUNB" in text
    plain = text.replace("\r\n", "").replace("UNA:+.? '", "")
    assert read_edifact(plain) == read_edifact(text)


def test_ais_recording_gives_the_milestones_worked_out_by_hand() -> None:
    with (SAMPLES / "receiver.nmea").open() as lines:
        events, rejected = read_ais(lines, [Call("9454436", "ZIMU", "12E", "SSATA")])
    assert [_without_id(e) for e in events] == [
        # the type 5 ETA (May 4, 09:00) once the ship is named; its first fix waited for the type 5
        SHIP
        | {"event_time": "2024-05-04T09:00:00Z", "classifier": "ESTIMATED"}
        | {"event_type": "ARRIVED", "location_type": "BERTH"},
        # slow in the Long Beach anchorage from 03:00, still at 03:12 (type 18): 12 min >= the 10 min dwell
        SHIP
        | {"event_time": "2024-05-04T03:00:00Z", "classifier": "ACTUAL"}
        | {"event_type": "ARRIVED", "location_type": "ANCHORAGE"},
        # alongside berth A92 (SSA Pier A) from 09:10, at 09:25 past the dwell
        SHIP
        | {"event_time": "2024-05-04T09:10:00Z", "classifier": "ACTUAL"}
        | {"event_type": "ARRIVED", "location_type": "BERTH", "berth": "A92"},
        # first fix outside the berth after the arrival
        SHIP
        | {"event_time": "2024-05-05T01:00:00Z", "classifier": "ACTUAL"}
        | {"event_type": "DEPARTED", "location_type": "BERTH", "berth": "A92"},
    ]
    assert [r.reason for r in rejected] == [
        "bad checksum: the sentence says 11, its content gives another",
        "part 2 of 2 without the parts before it",
    ]
    assert "137h5I1P02GS6Q@CBTP00001P000" in rejected[0].sentence


def test_a_file_of_several_interchanges_each_with_its_una() -> None:
    discharge = (SAMPLES / "coarri_discharge_d95b.edi").read_text()
    gate_out = (SAMPLES / "codeco_gate_out_d95b.edi").read_bytes().decode("latin-1")
    events = read_edifact(discharge + gate_out + discharge)
    assert [e["type"] for e in events] == ["ContainerEvent"] * 2 + ["GateMove"] + ["ContainerEvent"] * 2
    assert events[:2] == events[3:]
