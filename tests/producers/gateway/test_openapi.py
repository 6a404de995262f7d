"""The OpenAPI document follows the Avro contract and documents every answer of POST /v1/events."""

from __future__ import annotations

import json

from baystream.producers.gateway.openapi import document, event_schema
from baystream.schemas.catalog import INPUT_TYPES
from baystream.schemas.fields import fields_of


def test_every_input_type_with_its_fields_and_required_ones() -> None:
    schemas = document()["components"]["schemas"]
    for type_name in INPUT_TYPES:
        schema = schemas[type_name]
        assert set(schema["properties"]) == {"type"} | {f.name for f in fields_of(type_name)}
        assert "source" not in schema["required"]  # stamped by the gateway
        assert "event_id" in schema["required"] and "classifier" not in schema["required"]


def test_enums_and_nullables_follow_the_avro_schema() -> None:
    gate = event_schema("GateMove")["properties"]
    assert gate["direction"]["enum"] == ["IN", "OUT"]
    assert gate["container_id"]["nullable"] is True
    assert gate["event_time"]["format"] == "date-time"


def test_every_status_is_documented_and_the_document_is_json() -> None:
    post = document()["paths"]["/v1/events"]["post"]
    assert set(post["responses"]) == {"202", "400", "401", "403", "408", "413", "422", "429", "503"}
    assert "Retry-After" in post["responses"]["429"]["headers"]
    json.dumps(document())


def test_the_examples_are_valid_events_a_terminal_may_publish() -> None:
    from baystream.producers.gateway.batch import check_batch
    from baystream.producers.gateway.identities import Identity, Role, hash_key

    terminal = Identity("apm-terminals", Role.TERMINAL, "APMT", hash_key("k"), "USLAX")
    examples = document()["paths"]["/v1/events"]["post"]["requestBody"]["content"]["application/json"]["examples"]
    for example in examples.values():
        value = example["value"]
        checked = check_batch(value if isinstance(value, list) else [value], terminal)
        assert (checked.invalid, checked.forbidden) == ([], [])


def test_every_operation_has_an_operation_id_and_errors_are_problem_details() -> None:
    from baystream.infra.http.openapi import operations

    ids = [operation["operationId"] for _, _, operation in operations(document())]
    assert len(ids) == len(set(ids)) == 3
    post = document()["paths"]["/v1/events"]["post"]
    for status, answer in post["responses"].items():
        expected = ["application/json"] if status == "202" else ["application/problem+json"]
        assert list(answer["content"]) == expected, status
    problem = document()["components"]["schemas"]["Problem"]
    assert problem["required"] == ["type", "title", "status", "detail"] and "items" in problem["properties"]


def test_identifier_patterns_are_the_validators_own() -> None:
    from baystream.schemas import identifiers

    gate = event_schema("GateMove")["properties"]
    assert gate["event_id"]["pattern"] == "^" + identifiers.UUID_PATTERN.pattern + "$"
    assert gate["container_id"]["pattern"] == "^" + identifiers.ISO6346_PATTERN.pattern + "$"
    assert (
        event_schema("VesselArrival")["properties"]["vessel_imo"]["pattern"]
        == "^" + identifiers.IMO_PATTERN.pattern + "$"
    )
    assert gate["visit_id"]["maxLength"] == identifiers.MAX_IDENTIFIER
