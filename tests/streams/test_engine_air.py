"""Known answers of the air, trade and look-ahead indicators, worked out by hand (docs/indicators.md).

Defaults: kW = 600 + 0.1 x teu_capacity (8,000 when unknown, so 1,400 kW), CO2 690 g/kWh, NOx 11.5 g/kWh.
"""

from __future__ import annotations

from typing import Any

import pytest

from baystream.streams.config import config_from_mapping
from baystream.streams.engine import INDICATORS, PartitionEngine
from baystream.streams.engine.air import AIR_INDICATORS, ORIGIN_PREFIX
from tests.streams.engine_events import DAY, HOUR, box, combine, gate, make, values

AIR = set(AIR_INDICATORS)


def call(minute: float, call_id: str, what: str, where: str, facility: str = "APMT", **fields: Any) -> dict[str, Any]:
    return make("VesselArrival", minute, facility, call_id=call_id, event_type=what, location_type=where, **fields)


def box_of(minute: float, n: int, call_id: str, facility: str, iso: str = "45G1", **fields: Any) -> dict[str, Any]:
    fields.setdefault("event_type", "DISCHARGED")
    fields.setdefault("empty", False)
    return make("ContainerEvent", minute, facility, container_id=box(n), call_id=call_id, iso_type=iso, **fields)


def scenario() -> list[dict[str, Any]]:
    """Calls at APMT, ETS (USLAX), TTI and LBCT (USLGB); "now" is the last ACTUAL event, at 48 h."""
    h = HOUR
    cn = {"last_port": "CNSHA"}
    return [
        # N (TTI): from Shanghai, plugged in, on ammonia; departed 10 days ago: only in the 30-day corridor
        call(-10 * DAY - 10 * h, "N", "ARRIVED", "BERTH", "TTI", **cn, fuel="AMMONIA", teu_capacity=15000),
        box_of(-10 * DAY - 9 * h, 1, "N", "TTI"),
        call(-10 * DAY, "N", "DEPARTED", "BERTH", "TTI", shore_power=True),
        # A (APMT): Shanghai, 14,000 TEU (2,000 kW), LNG; 10 h at anchor, at berth 10 h -> 40 h, plugged in
        # (the departure's true is newer than the arrival's false); 9 TEU moved, 4 laden discharges
        call(0, "A", "ARRIVED", "ANCHORAGE", **cn, teu_capacity=14000, fuel="LNG"),
        call(10 * h, "A", "ARRIVED", "BERTH", shore_power=False),
        box_of(12 * h, 2, "A", "APMT"),
        box_of(12 * h, 3, "A", "APMT"),
        box_of(12 * h, 4, "A", "APMT"),
        box_of(12 * h, 5, "A", "APMT", iso="22G1"),
        box_of(13 * h, 6, "A", "APMT", event_type="LOADED", empty=True),
        call(40 * h, "A", "DEPARTED", "BERTH", shore_power=True),
        # M (TTI): Shanghai on methanol but not plugged in: a corridor call that does not qualify
        call(2 * h, "M", "ARRIVED", "BERTH", "TTI", **cn, fuel="METHANOL", teu_capacity=8000, shore_power=False),
        box_of(3 * h, 7, "M", "TTI"),
        box_of(3 * h, 8, "M", "TTI"),
        call(8 * h, "M", "DEPARTED", "BERTH", "TTI"),
        # B (APMT): nothing known; straight to berth for 10 h, 2 laden discharges of unknown origin
        call(20 * h, "B", "ARRIVED", "BERTH"),
        box_of(21 * h, 9, "B", "APMT"),
        box_of(21 * h, 10, "B", "APMT"),
        call(30 * h, "B", "DEPARTED", "BERTH"),
        # C (TTI): from Busan, 10,000 TEU (1,600 kW), at anchor now
        call(30 * h, "C", "ARRIVED", "ANCHORAGE", "TTI", last_port="KRPUS", teu_capacity=10000, fuel="VLSFO"),
        # D (TTI): from Ho Chi Minh City, 6,000 TEU (1,200 kW), at berth now on its own engines
        call(35 * h, "D", "ARRIVED", "BERTH", "TTI", last_port="VNSGN", teu_capacity=6000, shore_power=False),
        *[box_of(36 * h, 20 + i, "D", "TTI", iso="22G1") for i in range(6)],
        # E (APMT): at anchor now, nothing known; F (APMT): at berth now, plugged in (20,000 TEU, off)
        call(41 * h, "E", "ARRIVED", "ANCHORAGE"),
        call(42 * h, "F", "ARRIVED", "BERTH", teu_capacity=20000, shore_power=True),
        # look-ahead: G (LBCT) estimated 60 h, revised 130 h, revised 100 h (applied last: counts);
        # H (LBCT) planned 70 h but estimated 125 h (the estimate wins: beyond 72 h); I (ETS) planned 50 h;
        # J (ETS) estimated 55 h but berthed (ACTUAL) at 45 h; K: an anchorage estimate; L: estimated in the past
        call(60 * h, "G", "ARRIVED", "BERTH", "LBCT", classifier="ESTIMATED"),
        call(130 * h, "G", "ARRIVED", "BERTH", "LBCT", classifier="ESTIMATED"),
        call(70 * h, "H", "ARRIVED", "BERTH", "LBCT", classifier="PLANNED"),
        call(125 * h, "H", "ARRIVED", "BERTH", "LBCT", classifier="ESTIMATED"),
        call(100 * h, "G", "ARRIVED", "BERTH", "LBCT", classifier="ESTIMATED"),
        call(50 * h, "I", "ARRIVED", "BERTH", "ETS", classifier="PLANNED"),
        call(55 * h, "J", "ARRIVED", "BERTH", "ETS", classifier="ESTIMATED"),
        call(45 * h, "J", "ARRIVED", "BERTH", "ETS"),
        call(60 * h, "K", "ARRIVED", "ANCHORAGE", "APMT", classifier="ESTIMATED"),
        call(30 * h, "L", "ARRIVED", "BERTH", "APMT", classifier="ESTIMATED"),
        # gate moves: APMT 1 of 2 known zero-emission in the last 24 h (one at 20 h is older, one unknown)
        gate(20 * h, "Z0", "IN", zero_emission=True),
        gate(47 * h, "Z1", "IN", zero_emission=True),
        gate(47 * h + 30, "Z1", "OUT", zero_emission=False),
        gate(47 * h, "Z2", "IN"),
        gate(40 * h, "Z3", "IN", "TTI", zero_emission=False),
        gate(48 * h, "Z4", "IN", "LBCT"),
    ]


# kWh of departed calls: A 10 h x 2,000 (berth plugged in), B 10 h x 1,400, M 6 h x 1,400; N older than 7 days
APMT = {
    "anchor_co2_kg_per_hour": 1400 * 0.690,  # E
    "anchor_nox_kg_per_hour": 1400 * 0.0115,
    "berth_co2_kg_per_hour": 0.0,  # F is plugged in
    "berth_nox_kg_per_hour": 0.0,
    "ship_co2_kg_per_teu": (20000 + 14000) * 0.690 / (9 + 4),
    "shore_power_share": 1 / 1,  # A true, B unknown
    "zero_emission_truck_share": 1 / 2,
    "china_import_share": 4 / 4,  # B's origin unknown
    "green_corridor_share": 1 / 1,
    "arrivals_expected_72h": 0.0,
}
ETS = {
    **dict.fromkeys(AIR_INDICATORS, None),
    "anchor_co2_kg_per_hour": 0.0,
    "anchor_nox_kg_per_hour": 0.0,
    "berth_co2_kg_per_hour": 1400 * 0.690,  # J, nothing known
    "berth_nox_kg_per_hour": 1400 * 0.0115,
    "arrivals_expected_72h": 1.0,  # I
}
TTI = {
    "anchor_co2_kg_per_hour": 1600 * 0.690,  # C
    "anchor_nox_kg_per_hour": 1600 * 0.0115,
    "berth_co2_kg_per_hour": 1200 * 0.690,  # D
    "berth_nox_kg_per_hour": 1200 * 0.0115,
    "ship_co2_kg_per_teu": 6 * 1400 * 0.690 / 4,  # M
    "shore_power_share": 0 / 1,
    "zero_emission_truck_share": 0 / 1,
    "china_import_share": 2 / (2 + 6),  # M's 2 from CN, D's 6 from VN; N's is older than 7 days
    "green_corridor_share": 1 / 2,  # N qualifies, M does not
    "arrivals_expected_72h": 0.0,
}
LBCT = {
    **dict.fromkeys(AIR_INDICATORS, None),
    **dict.fromkeys([n for n in AIR_INDICATORS if n.endswith("_per_hour")], 0.0),
    "zero_emission_truck_share": None,  # a gate move, zero_emission unknown
    "arrivals_expected_72h": 1.0,  # G
}
USLAX = {**APMT, "berth_co2_kg_per_hour": 1400 * 0.690, "berth_nox_kg_per_hour": 1400 * 0.0115}
USLAX["arrivals_expected_72h"] = 1.0
USLGB = {**TTI, "arrivals_expected_72h": 1.0}
SPB = {
    "anchor_co2_kg_per_hour": (1400 + 1600) * 0.690,
    "anchor_nox_kg_per_hour": (1400 + 1600) * 0.0115,
    "berth_co2_kg_per_hour": (1400 + 1200) * 0.690,
    "berth_nox_kg_per_hour": (1400 + 1200) * 0.0115,
    "ship_co2_kg_per_teu": (20000 + 14000 + 8400) * 0.690 / (9 + 4 + 4),
    "shore_power_share": 1 / 2,
    "zero_emission_truck_share": 1 / 3,
    "china_import_share": (4 + 2) / (4 + 8),
    "green_corridor_share": 2 / 3,
    "arrivals_expected_72h": 2.0,
}


@pytest.mark.parametrize(
    ("scope", "expected"),
    [
        ("USLAX/APMT", APMT),
        ("USLAX/ETS", ETS),
        ("USLGB/TTI", TTI),
        ("USLGB/LBCT", LBCT),
        ("USLAX", USLAX),
        ("USLGB", USLGB),
        ("SPB", SPB),
    ],
)
def test_air_trade_and_look_ahead_known_answers(scope: str, expected: dict[str, float | None]) -> None:
    got = values(scenario())
    assert {name: got[(scope, name)] for name in AIR_INDICATORS} == pytest.approx(expected)


def test_emission_factors_and_power_are_configuration() -> None:
    config = config_from_mapping(
        {"air": {"aux_kw_base": 1000, "aux_kw_per_teu": 0.2, "default_teu": 5000, "factors": {"co2": 700}}}
    )
    got = values(scenario(), config)
    assert got[("USLAX/APMT", "anchor_co2_kg_per_hour")] == pytest.approx((1000 + 0.2 * 5000) * 0.700)  # E
    assert got[("USLAX/APMT", "anchor_nox_kg_per_hour")] == pytest.approx(2000 * 0.0115)  # NOx keeps its default
    assert got[("USLGB/TTI", "berth_co2_kg_per_hour")] == pytest.approx((1000 + 0.2 * 6000) * 0.700)  # D


def test_none_enters_the_congestion_index_and_the_congestion_set_ignores_the_new_fields() -> None:
    """The same events without the new fields (and without estimates) give the same congestion figures."""
    events = scenario()
    new = {"last_port", "teu_capacity", "fuel", "shore_power", "zero_emission"}
    old_shape = [{k: v for k, v in e.items() if k not in new} for e in events if e["classifier"] == "ACTUAL"]
    with_air, without = values(events), values(old_shape)
    congestion = [key for key in with_air if key[1] not in AIR and not key[1].startswith(ORIGIN_PREFIX)]
    assert len(congestion) == 16 * (len(INDICATORS) - len(AIR))
    assert {k: with_air[k] for k in congestion} == {k: without[k] for k in congestion}
    assert with_air[("SPB", "congestion_index")] is not None


def test_split_engines_and_a_checkpoint_give_one_engines_answers() -> None:
    """Events split by facility (as the topics key them) over two engines, one through its state."""
    events = scenario()
    left, right = PartitionEngine(combine([]).config), PartitionEngine(combine([]).config)
    for item in events:
        (left if item["facility"] in {"APMT", "ETS"} else right).apply(item)
    restored = PartitionEngine.from_state(left.to_state(), left.config)
    split = {(v.scope, v.indicator): v.value for v in combine([restored, right]).indicators()}
    one = values(events)
    assert {k: split[k] for k in one if k[1] in AIR} == pytest.approx({k: one[k] for k in one if k[1] in AIR})


def test_trade_lanes_by_country_of_the_last_port() -> None:
    """Laden discharges of the last 7 days by country; a country seen anywhere is a series of every scope."""
    got = values(scenario())
    lanes = {k: v for k, v in got.items() if k[1].startswith(ORIGIN_PREFIX)}
    country = {
        scope: {i.removeprefix(ORIGIN_PREFIX): v for (s, i), v in lanes.items() if s == scope} for scope, _ in lanes
    }
    assert country["SPB"] == {"CN": 6.0, "VN": 6.0}  # A's 4 and M's 2; D's 6; B unknown, N too old
    assert country["USLGB/TTI"] == {"CN": 2.0, "VN": 6.0}
    assert country["USLAX/APMT"] == {"CN": 4.0, "VN": 0.0}
    assert country["USLAX"] == {"CN": 4.0, "VN": 0.0}
    assert country["SPB"]["CN"] / sum(country["SPB"].values()) == got[("SPB", "china_import_share")]
