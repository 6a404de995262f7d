"""The dashboard's OpenAPI 3 document: indicators and alerts generated from their `.avsc`, so the two cannot
drift; the rest written here (a test checks every route is in it, with an operationId)."""

from __future__ import annotations

from functools import cache
from typing import Any

from baystream.consumers.webhooks.subscriptions import NOTICES
from baystream.infra.http.openapi import (
    KINDS,
    json_answer,
    problem_answer,
    problem_schema,
    query,
    record_schema,
    ref,
)
from baystream.schemas.fields import fields_of

_TIME = KINDS["timestamp"]
_LEVEL = {"type": "string", "enum": list(next(f for f in fields_of("CongestionAlert") if f.name == "level").symbols)}
_NOTICE = {"type": "string", "enum": list(NOTICES)}
_SCOPE_FILTER = query(
    "scope",
    "Scope ids or patterns, comma-separated or repeated: `USLAX/APMT`, `USLAX`, `SPB`, `USLGB/*`.",
    {"type": "string"},
)
_EXAMPLES = {"scope": {"example": "USLAX/APMT"}, "indicator": {"example": "congestion_index"}}


def _get(operation_id: str, summary: str, responses: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {"get": {"operationId": operation_id, "summary": summary, **more, "responses": responses}}


def _content(description: str, media_type: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {}}}


def _list_of(name: str, item: str) -> dict[str, Any]:
    return {"type": "object", "properties": {name: {"type": "array", "items": ref(item)}}, "required": [name]}


def _schemas() -> dict[str, Any]:
    indicator = record_schema("CongestionIndicator", _EXAMPLES)
    point_fields = ("as_of", "value", "level")
    return {
        "Indicator": indicator,
        "Latest": _list_of("indicators", "Indicator"),
        "Point": {
            "type": "object",
            "description": "One chart point: the newest value of its minute of event time.",
            "properties": {name: indicator["properties"][name] for name in point_fields},
            "required": list(point_fields),
        },
        "History": {
            "type": "object",
            "properties": {
                "scope": {"type": "string"},
                "indicator": {"type": "string"},
                "points": {"type": "array", "items": ref("Point")},
            },
            "required": ["scope", "indicator", "points"],
        },
        "Alert": record_schema("CongestionAlert", {"scope": _EXAMPLES["scope"]}),
        "Alerts": _list_of("alerts", "Alert"),
        "TradeLanes": {
            "type": "object",
            "description": "Laden imports of the last 7 days by the country of their call's last port "
            "(docs/indicators.md); shares of the imports whose last port is known.",
            "properties": {
                "scope": {"type": "string"},
                "as_of": _TIME,
                "days": {"type": "integer"},
                "total": {"type": "integer", "minimum": 0},
                "lanes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "country": {"type": "string", "example": "CN"},
                            "imports": {"type": "integer", "minimum": 1},
                            "share": {"type": "number", "minimum": 0, "maximum": 1},
                        },
                        "required": ["country", "imports", "share"],
                    },
                },
            },
            "required": ["scope", "as_of", "days", "total", "lanes"],
        },
        "Scopes": {
            "type": "object",
            "properties": {
                "scopes": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "properties": {
                            "scope": {"type": "string"},
                            "kind": {"type": "string", "enum": ["complex", "port", "facility"]},
                            "port": {"type": "string", "nullable": True},
                            "name": {"type": "string"},
                            "has_data": {"type": "boolean"},
                        },
                    },
                }
            },
        },
        "NewSubscription": {
            "type": "object",
            "description": "What to send where. docs/webhooks.md",
            "properties": {
                "url": {"type": "string", "format": "uri", "maxLength": 2048, "example": "https://ops.example/hooks"},
                "secret": {
                    "type": "string",
                    "description": "`whsec_` and the base64 of 24 to 64 random bytes; omitted: one is made and "
                    "answered once",
                },
                "scopes": {
                    "type": "array",
                    "items": {"type": "string"},
                    "nullable": True,
                    "description": "Scope ids or shell patterns (`USLGB/*`, `SPB`); null or omitted: every scope",
                },
                "levels": {
                    "type": "array",
                    "items": _LEVEL,
                    "description": "Alerts entering or leaving one of these levels; omitted: all three (none "
                    "when `containers` is given); [] only with `containers`",
                },
                "containers": {
                    "type": "array",
                    "items": _NOTICE,
                    "description": "Notices about your own containers (a carrier or a trucker only)",
                },
            },
            "required": ["url"],
            "additionalProperties": False,
        },
        "Subscription": {
            "type": "object",
            "properties": {
                "id": {"type": "string", "example": "wh_3f1c0e9a7b2d4c5e6f70"},
                "url": {"type": "string"},
                "scopes": {"type": "array", "items": {"type": "string"}, "nullable": True},
                "levels": {"type": "array", "items": _LEVEL},
                "containers": {"type": "array", "items": _NOTICE},
                "created_at": _TIME,
            },
            "required": ["id", "url", "scopes", "levels", "containers", "created_at"],
        },
        "CreatedSubscription": {
            "allOf": [
                ref("Subscription"),
                {
                    "type": "object",
                    "properties": {"secret": {"type": "string", "description": "Shown this once: keep it"}},
                    "required": ["secret"],
                },
            ]
        },
        "Subscriptions": _list_of("subscriptions", "Subscription"),
        "Health": {
            "type": "object",
            "properties": {
                "status": {"type": "string", "enum": ["ok", "warming up"]},
                "reader": {"type": "string"},
                "broker_trouble": {
                    "type": "string",
                    "nullable": True,
                    "description": "The reader's last connection error, until records arrive again",
                },
                "as_of": {**_TIME, "nullable": True},
                "live_clients": {"type": "integer"},
                "indicators": {"type": "integer"},
                "scopes": {"type": "integer"},
                "history_points": {"type": "integer"},
                "alerts": {"type": "integer"},
            },
        },
        "Problem": problem_schema(),
        **_own_schemas(),
    }


def _own_schemas() -> dict[str, Any]:
    """A container's status (generated from ContainerStatus.avsc) and the parties' own lists."""
    status = record_schema("ContainerStatus", {"container_id": {"example": "MSCU1234566"}})
    dwell = {
        "type": "number",
        "nullable": True,
        "description": "Days of the latest terminal stay: up to the answer's as_of while on terminal, else as recorded",
    }
    container = {
        **status,
        "properties": {**status["properties"], "dwell_days": dwell},
        "required": [*status["required"], "dwell_days"],
    }
    time_or_null = {**_TIME, "nullable": True}
    visit_properties: dict[str, Any] = {
        "visit_id": {"type": "string"},
        "port": {"type": "string"},
        "facility": {"type": "string"},
        "trucker": {"type": "string", "description": "SCAC"},
        "truck_id": {"type": "string"},
        "gate_in": time_or_null,
        "gate_out": time_or_null,
        "open": {"type": "boolean", "description": "In through the gate, not out yet"},
        "turn_minutes": {"type": "number", "nullable": True, "description": "Gate in to gate out"},
        "minutes_on_terminal": {"type": "number", "nullable": True, "description": "Of an open visit, to as_of"},
        "move_types": {"type": "array", "items": {"type": "string"}},
        "container_ids": {"type": "array", "items": {"type": "string"}},
    }
    party = {
        "party": {"type": "string"},
        "role": {"type": "string", "enum": ["terminal", "trucker", "carrier", "chassis_provider", "railroad"]},
        "as_of": _TIME,
    }
    return {
        "Container": container,
        "MyContainers": {
            "type": "object",
            "description": "Your containers on terminal, longest dwell first, then the earliest last free day",
            "properties": {**party, "containers": {"type": "array", "items": ref("Container")}},
            "required": [*party, "containers"],
        },
        "Visit": {"type": "object", "properties": visit_properties, "required": list(visit_properties)},
        "MyVisits": {
            "type": "object",
            "description": "Your open gate visits (longest on terminal first), then the ended ones, newest first",
            "properties": {**party, "visits": {"type": "array", "items": ref("Visit")}},
            "required": [*party, "visits"],
        },
    }


def _paths() -> dict[str, Any]:
    bad = problem_answer("A missing or bad query parameter")
    return {
        "/api/indicators": _get(
            "listIndicators",
            "Latest value of every indicator, optionally filtered",
            {"200": json_answer("Latest values, by scope then indicator", ref("Latest"))},
            parameters=[
                _SCOPE_FILTER,
                query("indicator", "Indicator names, comma-separated or repeated.", {"type": "string"}),
            ],
        ),
        "/api/history": _get(
            "getHistory",
            "Values of one indicator of one scope over time (one point per minute of event time)",
            {
                "200": json_answer("Points, oldest first", ref("History")),
                "400": bad,
                "404": problem_answer("No value of this indicator for this scope yet"),
            },
            parameters=[
                query("scope", "Scope id.", {"type": "string"}, required=True),
                query("indicator", "Indicator name.", {"type": "string"}, required=True),
                query("since", "Only points at or after this event time.", _TIME),
                query("hours", "Only the last N hours before the newest value held.", {"type": "number"}),
            ],
        ),
        "/api/alerts": _get(
            "listAlerts",
            "Recent level changes, newest first",
            {"200": json_answer("Alerts", ref("Alerts")), "400": bad},
            parameters=[
                _SCOPE_FILTER,
                query("limit", "At most this many.", {"type": "integer", "minimum": 1, "maximum": 1000}),
            ],
        ),
        "/api/trade-lanes": _get(
            "getTradeLanes",
            "Laden imports of the last 7 days of one scope by country of the last port, largest first",
            {
                "200": json_answer("Trade lanes", ref("TradeLanes")),
                "400": bad,
                "404": problem_answer("No trade lanes for this scope yet"),
            },
            parameters=[query("scope", "Scope id (SPB, a port or a facility).", {"type": "string"}, required=True)],
        ),
        "/api/scopes": _get(
            "listScopes",
            "Complex, ports and terminals in display order, with whether data has arrived",
            {"200": json_answer("Scopes", ref("Scopes"))},
        ),
        **_webhook_paths(),
        **_own_paths(),
        "/api/events": _get(
            "streamEvents",
            "Live updates as server-sent events",
            {"200": _content("An event stream", "text/event-stream")},
            description=(
                "`event: indicators` carries a JSON list of Indicator objects that changed; `event: alert` "
                "one Alert; `event: status` the health object when the dashboard has warmed up."
            ),
        ),
        "/api/openapi.json": _get(
            "getOpenApi", "This document", {"200": json_answer("OpenAPI 3 document", {"type": "object"})}
        ),
        "/healthz": _get(
            "getHealth",
            "Readiness: 200 once the latest topic has been read to its end at start, 503 before",
            {
                "200": json_answer("Ready", ref("Health")),
                "503": json_answer("Still warming up, or the broker is not reachable", ref("Health")),
            },
        ),
        "/metrics": _get(
            "getMetrics",
            "Prometheus metrics of the dashboard process",
            {"200": _content("Prometheus text format", "text/plain")},
        ),
        "/": _get("getPage", "The dashboard page", {"200": _content("HTML", "text/html")}),
        "/static/{filename}": _get(
            "getStaticFile",
            "The dashboard's scripts and styles (served by the package, no internet needed)",
            {"200": {"description": "A file"}, "404": problem_answer("No such file")},
            parameters=[{"name": "filename", "in": "path", "required": True, "schema": {"type": "string"}}],
        ),
    }


_KEYED: dict[str, Any] = {"security": [{"apiKey": []}, {"bearer": []}]}
_SUBSCRIPTION_ID = {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}


def _links_to_subscription(*operation_ids: str) -> dict[str, Any]:
    """OpenAPI links from an answer holding a subscription to the operations on it (clients and schemathesis's
    stateful tests follow them: create, then get, then delete)."""
    return {
        operation_id[0].upper() + operation_id[1:]: {
            "operationId": operation_id,
            "parameters": {"id": "$response.body#/id"},
        }
        for operation_id in operation_ids
    }


def _webhook_paths() -> dict[str, Any]:
    """Subscriptions: each party its own, with its gateway API key (docs/webhooks.md)."""
    no_key = problem_answer("Missing or unknown API key", {"WWW-Authenticate": {"schema": {"type": "string"}}})
    unavailable = problem_answer("Subscriptions are still being read, or the broker did not store the change")
    not_yours = problem_answer("No such subscription of yours (another party's is not yours either)")
    return {
        "/api/webhooks": {
            "get": {
                "operationId": "listWebhooks",
                "summary": "Your alert webhook subscriptions (never their secrets)",
                **_KEYED,
                "responses": {
                    "200": json_answer("Subscriptions, oldest first", ref("Subscriptions")),
                    "401": no_key,
                    "503": unavailable,
                },
            },
            "post": {
                "operationId": "createWebhook",
                "summary": "Subscribe a URL to alerts; the answer holds the signing secret, shown this once",
                **_KEYED,
                "requestBody": {"required": True, "content": {"application/json": {"schema": ref("NewSubscription")}}},
                "responses": {
                    "201": {
                        **json_answer(
                            "Stored on the broker",
                            ref("CreatedSubscription"),
                            {"Location": {"schema": {"type": "string"}, "description": "/api/webhooks/{id}"}},
                        ),
                        "links": _links_to_subscription("getWebhook", "deleteWebhook"),
                    },
                    "400": problem_answer("The body is not JSON, or a field cannot be used (the detail names it)"),
                    "401": no_key,
                    "409": problem_answer("You hold the most subscriptions one party may"),
                    "503": unavailable,
                },
            },
        },
        "/api/webhooks/{id}": {
            "get": {
                "operationId": "getWebhook",
                "summary": "One of your subscriptions",
                **_KEYED,
                "parameters": [_SUBSCRIPTION_ID],
                "responses": {
                    "200": {
                        **json_answer("The subscription", ref("Subscription")),
                        "links": _links_to_subscription("deleteWebhook"),
                    },
                    "401": no_key,
                    "404": not_yours,
                    "503": unavailable,
                },
            },
            "delete": {
                "operationId": "deleteWebhook",
                "summary": "Unsubscribe: nothing more is sent to it, also no retry under way",
                **_KEYED,
                "parameters": [_SUBSCRIPTION_ID],
                "responses": {
                    "204": {"description": "Deleted (a tombstone on the broker)"},
                    "401": no_key,
                    "404": not_yours,
                    "503": unavailable,
                },
            },
        },
    }


def _own_paths() -> dict[str, Any]:
    """Details shared only with their parties (docs/dashboard.md, "Parties")."""
    no_key = problem_answer("Missing or unknown API key", {"WWW-Authenticate": {"schema": {"type": "string"}}})
    warming = problem_answer("The container statuses are still being read at start")
    return {
        "/api/containers/{id}": _get(
            "getContainer",
            "Where one container is, for its carrier, its trucker (now or last) and the terminal it is on",
            {
                "200": json_answer("The container's status", ref("Container")),
                "404": problem_answer(
                    "No such container of yours: the same answer whether it does not exist or is not yours, "
                    "with or without a key"
                ),
                "503": warming,
            },
            parameters=[
                {
                    "name": "id",
                    "in": "path",
                    "required": True,
                    "description": "ISO 6346 container number",
                    "schema": {"type": "string", "example": "MSCU1234566"},
                }
            ],
            **_KEYED,
        ),
        "/api/my/containers": _get(
            "listMyContainers",
            "Your containers on terminal with dwell and last free day (a carrier: of its calls; a terminal: on it)",
            {
                "200": {
                    **json_answer("Your containers", ref("MyContainers")),
                    "links": {
                        "GetContainer": {
                            "operationId": "getContainer",
                            "parameters": {"id": "$response.body#/containers/0/container_id"},
                        }
                    },
                },
                "401": no_key,
                "503": warming,
            },
            **_KEYED,
        ),
        "/api/my/visits": _get(
            "listMyVisits",
            "Your open and recent gate visits with turn times (a trucker: its trucks; a terminal: at its gate)",
            {"200": json_answer("Your visits", ref("MyVisits")), "401": no_key, "503": warming},
            **_KEYED,
        ),
    }


@cache
def document() -> dict[str, Any]:
    """The whole OpenAPI document served at /api/openapi.json."""
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Baystream dashboard API",
            "version": "1.0.0",
            "description": (
                "Live congestion indicators of the San Pedro Bay port complex, read from the `congestion-latest`, "
                "`congestion-indicators` and `congestion-alerts` topics. Times are event times (ISO-8601 UTC). "
                "Scopes: a terminal (`USLAX/APMT`), a port (`USLAX`, `USLGB`) or the complex (`SPB`). Errors are "
                "problem details (RFC 9457, `application/problem+json`)."
            ),
        },
        "paths": _paths(),
        "components": {
            "schemas": _schemas(),
            "securitySchemes": {
                "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key"},
                "bearer": {"type": "http", "scheme": "bearer"},
            },
        },
    }
