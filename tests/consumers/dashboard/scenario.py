"""A plausible congested afternoon in San Pedro Bay, as indicator records: for the screenshot and demos.

Each terminal has a stress level (0 calm .. 1 crisis) that drifts over the hours; every indicator sits
between its docs/domain.md normal and crisis values according to that stress, ports and the complex aggregate
their terminals, and each change of level becomes an alert, as the worker would publish them.
"""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from baystream.schemas.complex import COMPLEX_ID, PORT_NAMES, TERMINALS
from baystream.schemas.identifiers import with_check_digit
from tests.consumers.dashboard.helpers import alert, indicator
from tests.consumers.dashboard.parties_data import status

STRESS = {
    "APMT": 0.55, "ETS": 0.3, "EAGLE": 0.45, "TRAP": 0.2, "WBCT": 0.36, "YUSEN": 0.25,
    "ITS": 0.3, "LBCT": 0.12, "SSAPCT": 0.82, "SSATA": 0.42, "MATU": 0.08, "TTI": 0.66,
}  # fmt: skip
# indicator: (normal, crisis, aggregate over terminals: "sum" or "mean")
RANGES: dict[str, tuple[float, float, str]] = {
    "vessels_waiting": (0, 9, "sum"),
    "anchor_wait_hours": (6, 96, "mean"),
    "berth_utilization": (0.55, 0.9, "mean"),
    "truck_turn_minutes": (45, 110, "mean"),
    "truck_turn_p90_minutes": (75, 220, "mean"),
    "trucks_on_terminal": (80, 320, "sum"),
    "gate_moves_per_hour": (380, 160, "sum"),
    "import_dwell_days": (2.8, 8.4, "mean"),
    "imports_on_terminal": (6000, 24000, "sum"),
    "long_dwell_share": (0.06, 0.33, "mean"),
    "chassis_on_hand": (2600, 400, "sum"),
    "chassis_out": (1500, 4200, "sum"),
    "chassis_street_dwell_days": (3.5, 8.0, "mean"),
    "rail_backlog": (700, 2400, "sum"),
    "rail_dwell_days": (3.0, 12.0, "mean"),
}
# the air, trade and look-ahead set (docs/indicators.md): beside the index, never in it
AIR_RANGES: dict[str, tuple[float, float, str]] = {
    "anchor_co2_kg_per_hour": (0, 7000, "sum"),
    "anchor_nox_kg_per_hour": (0, 117, "sum"),
    "berth_co2_kg_per_hour": (100, 900, "sum"),
    "berth_nox_kg_per_hour": (1.7, 15, "sum"),
    "ship_co2_kg_per_teu": (2.5, 14, "mean"),
    "shore_power_share": (0.93, 0.8, "mean"),
    "zero_emission_truck_share": (0.03, 0.012, "mean"),
    "china_import_share": (0.37, 0.43, "mean"),
    "green_corridor_share": (0.06, 0.03, "mean"),
    "arrivals_expected_72h": (2, 6, "sum"),
}
LANES = {"CN": 0.40, "VN": 0.14, "KR": 0.10, "TW": 0.09, "JP": 0.08, "US": 0.08, "HK": 0.06, "SG": 0.05}
"""The complex's laden imports of a week by country of the last port (laden_imports_7d_from_<country>)."""
WEEKLY_IMPORTS = 95_000
INDEX_INPUTS = ("anchor_wait_hours", "berth_utilization", "truck_turn_minutes", "import_dwell_days",
                "long_dwell_share", "chassis_street_dwell_days", "rail_dwell_days")  # fmt: skip


def level_of(index: float) -> str:
    return "GREEN" if index < 40 else "AMBER" if index < 70 else "RED"


def _terminal_values(
    stress: float, rnd: random.Random, ranges: dict[str, tuple[float, float, str]]
) -> dict[str, float]:
    values = {}
    for name, (normal, crisis, _) in ranges.items():
        s = min(1.0, max(0.0, stress + rnd.uniform(-0.06, 0.06)))
        value = normal + (crisis - normal) * s
        values[name] = (
            round(value) if name in {"vessels_waiting", "trucks_on_terminal", "arrivals_expected_72h"} else value
        )
    if "vessels_waiting" in values:
        values["vessels_waiting"] = max(0, round(9 * max(0.0, stress - 0.3) * 1.6))
    return values


def _index(values: dict[str, float]) -> float:
    parts = [(values[n] - RANGES[n][0]) / (RANGES[n][1] - RANGES[n][0]) for n in INDEX_INPUTS]
    return 100 * sum(min(1.0, max(0.0, p)) for p in parts) / len(parts)


def _aggregate(members: list[dict[str, float]]) -> dict[str, float]:
    out = {}
    for name, (_, _, how) in {**RANGES, **AIR_RANGES}.items():
        total = sum(m[name] for m in members)
        out[name] = total if how == "sum" else total / len(members)
    return out


def scenario(end: datetime, hours: float = 6.0, step_minutes: float = 5.0, seed: int = 7) -> tuple[list, list]:
    """(indicator records oldest first, alert records) for every terminal, both ports and the complex."""
    rnd, air_rnd = random.Random(seed), random.Random(seed + 1)  # the air figures leave the others as they were
    steps = int(hours * 60 / step_minutes)
    records: list[dict[str, Any]] = []
    alerts: list[dict[str, Any]] = []
    levels: dict[str, str] = {}
    phase = {t.code: rnd.uniform(0, math.tau) for t in TERMINALS}
    for step in range(steps + 1):
        at = end - timedelta(minutes=step_minutes * (steps - step))
        progress = step / max(1, steps)
        by_scope: dict[str, dict[str, float]] = {}
        for t in TERMINALS:
            drift = 0.12 * math.sin(phase[t.code] + progress * 5) + 0.1 * (progress - 0.5)
            by_scope[t.scope] = _terminal_values(STRESS[t.code] + drift, rnd, RANGES)
            by_scope[t.scope] |= _terminal_values(STRESS[t.code] + drift, air_rnd, AIR_RANGES)
        for port in PORT_NAMES:
            by_scope[port] = _aggregate([v for s, v in by_scope.items() if s.startswith(port + "/")])
        by_scope[COMPLEX_ID] = _aggregate([v for s, v in by_scope.items() if "/" in s])
        by_scope[COMPLEX_ID] |= {
            f"laden_imports_7d_from_{c}": float(round(WEEKLY_IMPORTS * share * (1 + 0.05 * math.sin(progress * 3 + i))))
            for i, (c, share) in enumerate(LANES.items())
        }
        for scope, values in by_scope.items():
            index = _index(values) if "/" in scope else 0.0
            if "/" not in scope:  # ports and the complex: the mean index of their terminals
                members = [s for s in by_scope if "/" in s and (scope == COMPLEX_ID or s.startswith(scope + "/"))]
                index = sum(_index(by_scope[m]) for m in members) / len(members)
            level = level_of(index)
            records.append(indicator(scope, "congestion_index", round(index, 1), level, at))
            records.extend(indicator(scope, name, value, None, at) for name, value in values.items())
            if levels.get(scope) != level:
                if scope in levels:
                    alerts.append(alert(scope, level, levels[scope], index, at))
                levels[scope] = level
    return records, alerts


def party_scenario(end: datetime) -> list[dict[str, Any]]:
    """Container statuses for the party panel's screenshot: the demo carrier MAEU's imports on five terminals
    (dwell 0.3 to 7 days, last free day 4 days after discharge), and other carriers' boxes it must not see."""
    boxes = [
        ("MSKU", 4021, "USLAX/APMT", "MAEU", 168, False),
        ("MRKU", 2604, "USLGB/TTI", "MAEU", 121, False),
        ("MAEU", 8117, "USLAX/APMT", "MAEU", 77, True),
        ("MSKU", 7350, "USLGB/LBCT", "MAEU", 52, True),
        ("MRKU", 1188, "USLAX/TRAP", "MAEU", 30, True),
        ("MAEU", 5542, "USLGB/TTI", "MAEU", 8, True),
        ("CMAU", 5061, "USLAX/APMT", "CMDU", 140, True),
        ("HLXU", 3377, "USLGB/TTI", "HLCU", 60, True),
    ]
    records = []
    for owner, serial, scope, carrier, dwell_h, available in boxes:
        port, terminal = scope.split("/")
        since = end - timedelta(hours=dwell_h)
        free_until = (since + timedelta(days=4)).date().isoformat()
        number = with_check_digit(f"{owner}{serial:04d}{serial * 7 % 100:02d}")
        records.append(
            status(
                number,
                "ON_TERMINAL",
                terminal=terminal,
                port=port,
                carrier=carrier,
                since=since,
                last_free_day=free_until,
                as_of=end,
                available=available,
            )
        )
    return records
