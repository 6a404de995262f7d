"""Pieces both OpenAPI 3.0 documents share: JSON Schemas generated from the Avro contract, problem answers.

A record's schema comes from its `.avsc` (field kinds, enums without the reader-only stand-in, nullables,
the fields' docs), so the documents cannot drift from the contract; services add what Avro cannot say
(identifier patterns, examples) through `extra`.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from baystream.infra.http.problems import BLANK, PROBLEM_JSON, TYPE_PREFIX
from baystream.schemas.catalog import catalog
from baystream.schemas.fields import FieldInfo, fields_of

TIME_EXAMPLE = "2024-05-01T12:00:00Z"
KINDS: Mapping[str, Mapping[str, Any]] = {
    "string": {"type": "string", "minLength": 1},
    "timestamp": {"type": "string", "format": "date-time", "example": TIME_EXAMPLE},
    "boolean": {"type": "boolean"},
    "int": {"type": "integer", "format": "int32"},
    "long": {"type": "integer", "format": "int64"},
    "double": {"type": "number"},
    "bytes": {"type": "string", "format": "byte"},
    "string_array": {"type": "array", "items": {"type": "string"}},
}
"""The JSON form of each field kind (schemas/fields.py): times are ISO-8601 strings, as both services write them."""


def field_schema(info: FieldInfo, doc: str, extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The JSON Schema of one field: its kind, enum symbols (never the stand-in), nullable, its doc."""
    schema: dict[str, Any] = (
        {"type": "string", "enum": list(info.symbols)} if info.kind == "enum" else dict(KINDS[info.kind])
    )
    schema.update(extra or {})
    if info.nullable:
        schema["nullable"] = True
    schema["description"] = doc
    return schema


def record_properties(
    type_name: str, extra: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Each field of the current schema of `type_name` -> its JSON Schema; `extra[field]` adds keywords."""
    docs = {f["name"]: f.get("doc", "") for f in catalog().fields(type_name)}
    extra = extra or {}
    return {i.name: field_schema(i, docs[i.name], extra.get(i.name)) for i in fields_of(type_name)}


def record_schema(
    type_name: str, extra: Mapping[str, Mapping[str, Any]] | None = None, all_required: bool = True
) -> dict[str, Any]:
    """The JSON Schema of a record as an API answers it: every field present (nulls explicit) unless
    `all_required` is False, when only the fields without an Avro default are."""
    infos = fields_of(type_name)
    required = [i.name for i in infos if all_required or i.required]
    return {
        "type": "object",
        "description": catalog().schema(type_name).parsed.get("doc", ""),
        "properties": record_properties(type_name, extra),
        "required": required,
    }


def problem_schema(extensions: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """RFC 9457 problem details (infra/http/problems.py), with a service's own members."""
    properties: dict[str, Any] = {
        "type": {
            "type": "string",
            "format": "uri",
            "description": f"the kind of problem: `{BLANK}` (the status says it all) or a `{TYPE_PREFIX}...` "
            "identifier listed in the service's documentation",
        },
        "title": {"type": "string", "description": "short summary of the kind of problem, the same every time"},
        "status": {"type": "integer", "description": "the HTTP status code of the answer"},
        "detail": {"type": "string", "description": "what went wrong with this request, in words"},
    }
    properties.update(extensions or {})
    return {"type": "object", "properties": properties, "required": ["type", "title", "status", "detail"]}


def ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}


def json_answer(
    description: str, schema: Mapping[str, Any], headers: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A response with a JSON body of `schema` (use `ref(...)` for a component)."""
    answer: dict[str, Any] = {"description": description, "content": {"application/json": {"schema": schema}}}
    if headers:
        answer["headers"] = dict(headers)
    return answer


def problem_answer(description: str, headers: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """An error response: problem details, the `Problem` component of the document."""
    answer: dict[str, Any] = {"description": description, "content": {PROBLEM_JSON: {"schema": ref("Problem")}}}
    if headers:
        answer["headers"] = dict(headers)
    return answer


def query(name: str, description: str, schema: Mapping[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": dict(schema)}


def operations(document: Mapping[str, Any]) -> Iterator[tuple[str, str, Mapping[str, Any]]]:
    """(path, method, operation) of every operation of an OpenAPI document."""
    for path, item in document["paths"].items():
        for method, operation in item.items():
            yield path, method, operation
