"""The OpenAPI 3.0 document of the gateway, generated from the Avro contract so the two cannot drift."""

from __future__ import annotations

from functools import cache
from typing import Any

from baystream.infra.http.openapi import json_answer, problem_answer, problem_schema, record_schema, ref
from baystream.producers.gateway.identities import RULES
from baystream.schemas import identifiers as ids
from baystream.schemas.catalog import INPUT_TYPES

_SIZES = {"oneOf": [{"type": "string", "enum": ["20", "40", "45"]}, {"type": "integer", "enum": [20, 40, 45]}]}
_EXTRA: dict[str, dict[str, Any]] = {
    # The identifiers' own patterns (check digits are checked by the gateway, beyond what a pattern says).
    "event_id": {"format": "uuid", "pattern": ids.schema_pattern(ids.UUID_PATTERN)},
    "port": {"pattern": ids.schema_pattern(ids.UNLOCODE_PATTERN)},
    "facility": {"pattern": ids.schema_pattern(ids.FACILITY_PATTERN)},
    "trucker": {"pattern": ids.schema_pattern(ids.SCAC_PATTERN)},
    "carrier": {"pattern": ids.schema_pattern(ids.SCAC_PATTERN)},
    "container_id": {"pattern": ids.schema_pattern(ids.ISO6346_PATTERN)},
    "chassis_id": {"pattern": ids.schema_pattern(ids.CHASSIS_PATTERN)},
    "vessel_imo": {"pattern": ids.schema_pattern(ids.IMO_PATTERN)},
    "car_count": {"minimum": 1},
    "container_ids": {"items": {"type": "string", "pattern": ids.schema_pattern(ids.ISO6346_PATTERN)}},
    **{
        name: {"maxLength": ids.MAX_IDENTIFIER, "pattern": ids.schema_pattern(ids.IDENTIFIER_PATTERN)}
        for name in ids.IDENTIFIER_FIELDS
    },
    **{name: {"maxLength": ids.MAX_TEXT} for name in ids.TEXT_FIELDS},
}


def event_schema(type_name: str) -> dict[str, Any]:
    """JSON Schema (OpenAPI dialect) of one input event type in the JSON form."""
    schema = record_schema(type_name, _EXTRA, all_required=False)
    fields = schema["properties"]
    if "size" in fields:  # the JSON form also takes the chassis length as a number
        fields["size"] = {**_SIZES, "description": fields["size"]["description"]}
    if "source" in fields:
        fields["source"]["description"] += " Optional here and ignored: the gateway stamps it from the API key's party."
    schema["properties"] = {"type": {"type": "string", "enum": [type_name]}, **fields}
    schema["required"] = ["type", *(name for name in schema["required"] if name != "source")]
    schema["additionalProperties"] = False
    return schema


def _problem_schema() -> dict[str, Any]:
    item = {
        "type": "object",
        "properties": {
            "index": {"type": "integer", "description": "0-based position of the item in the batch"},
            "field": {"type": "string"},
            "reason": {"type": "string"},
            "got": {"description": "the offending value"},
            "event_id": {"type": "string"},
        },
        "required": ["index", "reason"],
    }
    items = {
        "type": "array",
        "items": item,
        "description": "422, 403, 503: one entry per refused event (per problem for 422 and 403)",
    }
    omitted = {
        "type": "integer",
        "minimum": 1,
        "description": "403, 422: problems beyond the first 100 listed in `items`, counted but not listed",
    }
    where = {
        "type": "string",
        "description": "400 bad-interchange: the interchange, message (or transaction set) and segment at fault",
    }
    reason = {"type": "string", "description": "400 bad-interchange: what is wrong there"}
    return problem_schema({"items": items, "items_omitted": omitted, "where": where, "reason": reason})


def _roles_text() -> str:
    lines = [
        f"- `{role.value}`: "
        + ", ".join(f"{t} ({f} = its {rule.identity_field})" if f else t for t, f in rule.own_field.items())
        for role, rule in RULES.items()
    ]
    return "\n".join(lines)


_GATE_MOVE = {
    "type": "GateMove",
    "event_id": "2f1c7b0e-8a43-4c1e-9d2a-5b7e6f0a9c11",
    "event_time": "2024-05-01T12:00:00Z",
    "port": "USLAX",
    "facility": "APMT",
    "visit_id": "V-1",
    "direction": "IN",
    "move_type": "IMPORT_PICKUP",
    "truck_id": "CA-1234567",
    "trucker": "ABCD",
    "container_id": "CSQU3054383",
}
_TERMINAL_BATCH = [
    {
        "type": "VesselArrival",
        "event_id": "0b6f3c1e-2a4d-4c1b-9a55-3f0e2d1c4b7a",
        "event_time": "2024-05-01T06:00:00Z",
        "port": "USLAX",
        "facility": "APMT",
        "vessel_imo": "9321483",
        "vessel_name": "EMMA MAERSK",
        "carrier": "MAEU",
        "voyage": "418E",
        "call_id": "APMT-9321483-418E",
        "event_type": "ARRIVED",
        "location_type": "BERTH",
        "berth": "402",
    },
    {
        "type": "ContainerEvent",
        "event_id": "6c2b1f0e-7d3a-4e5b-8c9d-0a1b2c3d4e5f",
        "event_time": "2024-05-01T08:30:00Z",
        "port": "USLAX",
        "facility": "APMT",
        "container_id": "APZU4812090",
        "event_type": "DISCHARGED",
        "vessel_imo": "9321483",
        "call_id": "APMT-9321483-418E",
        "iso_type": "45G1",
        "empty": False,
        "inland_mode": "RAIL",
    },
]


_CODECO = (
    "UNB+UNOA:2+APMT+BAYSTREAM+240501:1210+4711'\n"
    "UNH+1+CODECO:D:95B:UN:ITG14'\n"
    "BGM+36+GO240501-0042+9'\n"
    "TDT+1+APMT-V0042+3+31+ABCD:172:182+++CA 7RTY452'\n"
    "LOC+165+USLAX:139:6+APMT:TER:ZZZ'\n"
    "EQD+CN+MSKU1234565+45G1:102:5++3+5'\n"
    "DTM+7:202405011204:203'\n"
    "UNT+7+1'\n"
    "UNZ+1+4711'\n"
)
_X12_322 = (
    "ISA*00*          *00*          *ZZ*APMT           *ZZ*BAYSTREAM      *240501*1500*U*00401*000000311*0*P*>~\n"
    "GS*SO*APMT*BAYSTREAM*20240501*1500*311*X*004010~\n"
    "ST*322*0001~\n"
    "Q5*OA*20240501*142230*UT~\n"
    "N9*ZZ*APMT-V0101*VISIT~\n"
    "N9*ZZ*CA 9KLM002*TRUCK~\n"
    "N7*TRLU*998877*********CN******4~\n"
    "W2*TRLU*998877**CN*E~\n"
    "R4*5*UN*USLAX*LOS ANGELES*US*APMT~\n"
    "N1*CA*QUICK HAUL INC*2*QKHL~\n"
    "SE*9*0001~\n"
    "GE*1*311~\n"
    "IEA*1*000000311~\n"
)
"""A terminal's gate-out CODECO and out-gate 322 (docs/feeds.md has the mappings)."""


def _interchange(what: str, example: str) -> dict[str, Any]:
    text = (
        f"one {what} interchange (or several, one after the other): every event of every message, all or "
        "nothing; the events then go the JSON events' way (source stamped, contract, role, idempotency). "
        "docs/feeds.md has the mapping"
    )
    return {"schema": {"type": "string", "description": text}, "example": example}


_RETRY_AFTER = {"Retry-After": {"schema": {"type": "integer"}, "description": "seconds"}}


@cache
def document() -> dict[str, Any]:
    """The whole OpenAPI document served at /v1/openapi.json."""
    event_refs = [{"$ref": f"#/components/schemas/{t}"} for t in INPUT_TYPES]
    one_event = {"oneOf": event_refs}
    schemas: dict[str, Any] = {t: event_schema(t) for t in INPUT_TYPES}
    schemas["Event"] = one_event
    schemas["Problem"] = _problem_schema()
    schemas["Accepted"] = {
        "type": "object",
        "properties": {
            "event_ids": {"type": "array", "items": {"type": "string"}, "description": "every event, in order"},
            "published": {"type": "integer", "description": "events put on the backbone by this request"},
            "duplicates": {
                "type": "array",
                "items": {"type": "string"},
                "description": "event ids already accepted within the idempotency window: not published again",
            },
        },
        "required": ["event_ids", "published", "duplicates"],
    }
    schemas["Health"] = {
        "type": "object",
        "properties": {"status": {"type": "string", "enum": ["ok"]}},
        "required": ["status"],
    }
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Baystream gateway",
            "version": "1",
            "description": (
                "Publish port events to the Baystream backbone over HTTP. A batch is all or nothing: every "
                "event is validated and authorized before any is published; 202 means the broker acknowledged "
                "every event (acks=all). If the broker fails part of a batch (503), retry the whole batch: "
                "event ids already accepted are not published twice.\n\nRoles and what each may publish:\n"
                + _roles_text()
            ),
        },
        "servers": [{"url": "/"}],
        "components": {
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
            "schemas": schemas,
        },
        "paths": {
            "/v1/events": {
                "post": {
                    "operationId": "publishEvents",
                    "summary": (
                        "Publish one event, a JSON array of events, NDJSON (application/x-ndjson), or an "
                        "EDIFACT (application/EDIFACT) or X12 (application/EDI-X12) interchange"
                    ),
                    "security": [{"apiKey": []}, {"bearer": []}],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "examples": {
                                    "gateMove": {
                                        "summary": "one gate move (terminal APMT or trucker ABCD)",
                                        "value": _GATE_MOVE,
                                    },
                                    "terminalBatch": {
                                        "summary": "a batch from terminal APMT",
                                        "value": _TERMINAL_BATCH,
                                    },
                                },
                                "schema": {
                                    "oneOf": [
                                        {"$ref": "#/components/schemas/Event"},
                                        {
                                            "type": "array",
                                            "minItems": 1,
                                            "items": {"$ref": "#/components/schemas/Event"},
                                        },
                                    ]
                                },
                            },
                            "application/x-ndjson": {
                                "schema": {"type": "string", "description": "one JSON event per line"}
                            },
                            "application/EDIFACT": _interchange("EDIFACT CODECO/COARRI", _CODECO),
                            "application/EDI-X12": _interchange("ANSI X12 322", _X12_322),
                        },
                    },
                    "responses": {
                        "202": json_answer(
                            "every event acknowledged by the broker (or already accepted)", ref("Accepted")
                        ),
                        "400": problem_answer(
                            "the body is not JSON, not NDJSON, or empty (bad-body); or an EDIFACT/X12 interchange "
                            "that cannot become events, `where` naming interchange, message and segment "
                            "(bad-interchange); nothing published"
                        ),
                        "401": problem_answer("no API key, or an unknown one"),
                        "403": problem_answer("some events are outside the party's role; nothing published"),
                        "408": problem_answer("the body was not received in time (slow-body)"),
                        "413": problem_answer("the body is larger than the limit"),
                        "422": problem_answer("some events break the contract; nothing published"),
                        "429": problem_answer("too many requests for this API key", _RETRY_AFTER),
                        "503": problem_answer(
                            "the broker did not acknowledge some events, or the gateway cannot check which were "
                            "accepted before: retry the whole batch",
                            _RETRY_AFTER,
                        ),
                    },
                }
            },
            "/v1/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "responses": {"200": json_answer("the OpenAPI document", {"type": "object"})},
                }
            },
            "/v1/health": {
                "get": {
                    "operationId": "health",
                    "summary": "Liveness: the gateway answers",
                    "responses": {"200": json_answer("ok", ref("Health"))},
                }
            },
        },
    }
