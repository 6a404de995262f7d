"""Test data for the parties' own views: keys of every role, ContainerStatus and GateMove records as the
topics carry them (schemas/avro/ContainerStatus.avsc, GateMove.avsc)."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta
from typing import Any

from baystream.producers.gateway.identities import Identity, hash_key, identity_from_entry
from baystream.schemas.fields import fields_of
from tests.consumers.dashboard.helpers import BASE_TIME

PARTIES: dict[str, tuple[str, dict[str, str]]] = {
    "apmt": ("key-terminal-apmt-8f3a9c2e71d04b5a", {"role": "terminal", "facility": "APMT", "port": "USLAX"}),
    "tti": ("key-terminal-tti-4b7e1d9a6c2f30e8", {"role": "terminal", "facility": "TTI", "port": "USLGB"}),
    "abcd": ("key-trucker-abcd-2c9f7a1e5b3d08c6", {"role": "trucker", "scac": "ABCD"}),
    "efgh": ("key-trucker-efgh-7d1b4e8a2f6c93a0", {"role": "trucker", "scac": "EFGH"}),
    "maeu": ("key-carrier-maeu-5a0c3f9e1b7d24e6", {"role": "carrier", "scac": "MAEU"}),
    "cmdu": ("key-carrier-cmdu-9e2a6d0c4f8b17b3", {"role": "carrier", "scac": "CMDU"}),
    "dcli": ("key-chassis-dcli-1f8d3b7a9e0c52d4", {"role": "chassis_provider", "provider": "DCLI"}),
    "up": ("key-railroad-up-6b4a0e2d8c1f73f9", {"role": "railroad", "railroad": "UP"}),
}
"""party -> (API key, keys-file entry): two of each role that owns containers, one of the others."""


def keys_json() -> str:
    """The parties as `gateway_keys` (BAYSTREAM_GATEWAY_KEYS)."""
    return json.dumps({party: {**entry, "key_sha256": hash_key(key)} for party, (key, entry) in PARTIES.items()})


def identity(party: str) -> Identity:
    key, entry = PARTIES[party]
    return identity_from_entry(party, {**entry, "key_sha256": hash_key(key)})


def key_of(party: str) -> str:
    return PARTIES[party][0]


def status(
    container_id: str,
    where: str,
    *,
    terminal: str | None = None,
    port: str = "USLAX",
    carrier: str | None = None,
    trucker: str | None = None,
    since: datetime | None = None,
    last_free_day: str | None = None,
    as_of: datetime = BASE_TIME,
    available: bool = False,
) -> dict[str, Any]:
    """A ContainerStatus record: every nullable field null unless given."""
    record: dict[str, Any] = {f.name: None for f in fields_of("ContainerStatus") if f.nullable}
    record.update(
        {
            "type": "ContainerStatus",
            "container_id": container_id,
            "where": where,
            "port": port,
            "terminal": terminal if where == "ON_TERMINAL" else None,
            "last_facility": terminal or "APMT",
            "discharge_terminal": terminal,
            "carrier": carrier,
            "trucker_scac": trucker,
            "on_terminal_since": since if where == "ON_TERMINAL" else None,
            "discharged_at": since,
            "dwell_hours": ((as_of - since).total_seconds() / 3600) if since else None,
            "last_free_day": last_free_day,
            "available_for_pickup": available,
            "last_move": "DISCHARGED" if where == "ON_TERMINAL" else "GATE_OUT",
            "last_mover": terminal or trucker or "APMT",
            "last_mover_role": "TERMINAL" if where == "ON_TERMINAL" else "TRUCKER",
            "updated_at": as_of,
            "as_of": as_of,
        }
    )
    return record


def gate_move(
    visit_id: str, direction: str, trucker: str, facility: str, at: datetime, container_id: str | None = None
) -> dict[str, Any]:
    """A GateMove record (every optional field left out is null)."""
    record: dict[str, Any] = {f.name: None for f in fields_of("GateMove") if f.nullable}
    record.update(
        {
            "type": "GateMove",
            "event_id": str(uuid.uuid4()),
            "event_time": at,
            "classifier": "ACTUAL",
            "source": facility,
            "port": "USLGB" if facility == "TTI" else "USLAX",
            "facility": facility,
            "visit_id": visit_id,
            "direction": direction,
            "move_type": "IMPORT_PICKUP",
            "truck_id": f"CA-{visit_id}",
            "trucker": trucker,
            "container_id": container_id,
        }
    )
    return record


def hours(n: float) -> timedelta:
    return timedelta(hours=n)
