"""The OpenAPI document covers exactly the routes the app serves, and follows the Avro contract."""

from __future__ import annotations

import re

from aiohttp import web

from baystream.consumers.dashboard.app import build_app
from baystream.consumers.dashboard.openapi import document
from baystream.consumers.dashboard.service import DashboardService
from baystream.consumers.dashboard.store import ALERT_FIELDS, INDICATOR_FIELDS
from baystream.infra.http.openapi import operations
from baystream.infra.settings import Settings
from baystream.schemas.fields import fields_of


def _served_paths(app: web.Application) -> set[tuple[str, str]]:
    served = set()
    for route in app.router.routes():
        if route.method == "HEAD":
            continue
        info = route.resource.get_info() if route.resource is not None else {}
        path = info.get("path") or info.get("formatter")
        if "prefix" in info:  # the static directory
            path = info["prefix"].rstrip("/") + "/{filename}"
        served.add((str(path), route.method.lower()))
    return served


def test_every_route_is_documented_and_every_documented_path_is_served() -> None:
    app = build_app(DashboardService(Settings().with_overrides(bootstrap="127.0.0.1:1")))
    documented = {(path, method) for path, method, _ in operations(document())}
    assert _served_paths(app) == documented


def test_references_resolve_and_operations_say_what_they_return() -> None:
    doc = document()
    text = repr(doc)
    for ref in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert ref in doc["components"]["schemas"], ref
    ids = [operation["operationId"] for _, _, operation in operations(doc)]
    assert len(ids) == len(set(ids)) and all(re.fullmatch(r"[a-z][A-Za-z]+", i) for i in ids), ids
    for path, method, operation in operations(doc):
        assert operation["summary"] and any(s.startswith("2") for s in operation["responses"]), (path, method)
        for status, answer in operation["responses"].items():
            if status.startswith(("4", "5")) and "content" in answer and path.startswith("/api"):
                assert list(answer["content"]) == ["application/problem+json"], (path, status)
    assert doc["openapi"].startswith("3.")


def test_indicators_and_alerts_follow_their_avro_schemas() -> None:
    schemas = document()["components"]["schemas"]
    for name, type_name, fields in (
        ("Indicator", "CongestionIndicator", INDICATOR_FIELDS),
        ("Alert", "CongestionAlert", ALERT_FIELDS),
    ):
        schema = schemas[name]
        assert list(schema["properties"]) == [f.name for f in fields_of(type_name)] == list(fields), name
        assert schema["required"] == list(fields)  # the API writes every field, nulls explicit
    indicator, alert = schemas["Indicator"]["properties"], schemas["Alert"]["properties"]
    assert indicator["level"]["enum"] == ["GREEN", "AMBER", "RED"]  # never the reader-only UNKNOWN
    assert indicator["level"]["nullable"] and indicator["value"]["nullable"]
    assert "nullable" not in alert["level"] and alert["previous_level"]["nullable"]
    assert indicator["as_of"]["format"] == "date-time" and alert["congestion_index"]["type"] == "number"
    assert schemas["Point"]["properties"]["level"] == indicator["level"]
