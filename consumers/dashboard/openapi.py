"""The dashboard's OpenAPI 3 document, written by hand (a test checks every route is in it)."""

from __future__ import annotations

from typing import Any

_LEVEL = {"type": "string", "enum": ["GREEN", "AMBER", "RED"]}
_TIME = {"type": "string", "format": "date-time", "example": "2024-05-01T12:00:00Z"}
_ERROR = {
    "description": "Bad or missing parameter, or nothing known yet",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
}


def _json(description: str, ref: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": {"$ref": ref}}}}


def _query(name: str, description: str, schema: dict[str, Any], required: bool = False) -> dict[str, Any]:
    return {"name": name, "in": "query", "required": required, "description": description, "schema": schema}


_SCOPE_FILTER = _query(
    "scope",
    "Scope ids or patterns, comma-separated or repeated: `USLAX/APMT`, `USLAX`, `SPB`, `USLGB/*`.",
    {"type": "string"},
)

OPENAPI: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "Baystream dashboard API",
        "version": "1.0.0",
        "description": (
            "Live congestion indicators of the San Pedro Bay port complex, read from the `congestion-latest`, "
            "`congestion-indicators` and `congestion-alerts` topics. Times are event times (ISO-8601 UTC). "
            "Scopes: a terminal (`USLAX/APMT`), a port (`USLAX`, `USLGB`) or the complex (`SPB`)."
        ),
    },
    "paths": {
        "/api/indicators": {
            "get": {
                "summary": "Latest value of every indicator, optionally filtered",
                "parameters": [
                    _SCOPE_FILTER,
                    _query("indicator", "Indicator names, comma-separated or repeated.", {"type": "string"}),
                ],
                "responses": {"200": _json("Latest values, by scope then indicator", "#/components/schemas/Latest")},
            }
        },
        "/api/history": {
            "get": {
                "summary": "Values of one indicator of one scope over time (one point per minute of event time)",
                "parameters": [
                    _query("scope", "Scope id.", {"type": "string"}, required=True),
                    _query("indicator", "Indicator name.", {"type": "string"}, required=True),
                    _query("since", "Only points at or after this event time.", _TIME),
                    _query("hours", "Only the last N hours before the newest value held.", {"type": "number"}),
                ],
                "responses": {
                    "200": _json("Points, oldest first", "#/components/schemas/History"),
                    "400": _ERROR,
                    "404": _ERROR,
                },
            }
        },
        "/api/alerts": {
            "get": {
                "summary": "Recent level changes, newest first",
                "parameters": [
                    _SCOPE_FILTER,
                    _query("limit", "At most this many.", {"type": "integer", "minimum": 1, "maximum": 1000}),
                ],
                "responses": {"200": _json("Alerts", "#/components/schemas/Alerts"), "400": _ERROR},
            }
        },
        "/api/scopes": {
            "get": {
                "summary": "Complex, ports and terminals in display order, with whether data has arrived",
                "responses": {"200": _json("Scopes", "#/components/schemas/Scopes")},
            }
        },
        "/api/webhooks": {
            "get": {
                "summary": "Alert webhook subscriptions and their delivery counts (URLs without query strings)",
                "responses": {"200": _json("Subscriptions", "#/components/schemas/Webhooks")},
            }
        },
        "/api/events": {
            "get": {
                "summary": "Live updates as server-sent events",
                "description": (
                    "`event: indicators` carries a JSON list of Indicator objects that changed; `event: alert` "
                    "one Alert; `event: status` the health object when the dashboard has warmed up."
                ),
                "responses": {"200": {"description": "An event stream", "content": {"text/event-stream": {}}}},
            }
        },
        "/api/openapi.json": {
            "get": {"summary": "This document", "responses": {"200": {"description": "OpenAPI 3 document"}}}
        },
        "/healthz": {
            "get": {
                "summary": "Readiness: 200 once the latest topic has been read to its end at start, 503 before",
                "responses": {
                    "200": _json("Ready", "#/components/schemas/Health"),
                    "503": _json("Still warming up, or the broker is not reachable", "#/components/schemas/Health"),
                },
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics of the dashboard process",
                "responses": {"200": {"description": "Prometheus text format", "content": {"text/plain": {}}}},
            }
        },
        "/": {
            "get": {
                "summary": "The dashboard page",
                "responses": {"200": {"description": "HTML", "content": {"text/html": {}}}},
            }
        },
        "/static/{filename}": {
            "get": {
                "summary": "The dashboard's scripts and styles (served by the package, no internet needed)",
                "parameters": [{"name": "filename", "in": "path", "required": True, "schema": {"type": "string"}}],
                "responses": {"200": {"description": "A file"}, "404": {"description": "No such file"}},
            }
        },
    },
    "components": {
        "schemas": {
            "Indicator": {
                "type": "object",
                "required": ["scope", "indicator", "value", "level", "as_of", "computed_at"],
                "properties": {
                    "scope": {"type": "string", "example": "USLAX/APMT"},
                    "indicator": {"type": "string", "example": "congestion_index"},
                    "value": {"type": "number", "nullable": True},
                    "level": {**_LEVEL, "nullable": True, "description": "congestion_index only"},
                    "as_of": _TIME,
                    "computed_at": _TIME,
                },
            },
            "Latest": {
                "type": "object",
                "properties": {"indicators": {"type": "array", "items": {"$ref": "#/components/schemas/Indicator"}}},
            },
            "Point": {
                "type": "object",
                "properties": {
                    "as_of": _TIME,
                    "value": {"type": "number", "nullable": True},
                    "level": {**_LEVEL, "nullable": True},
                },
            },
            "History": {
                "type": "object",
                "properties": {
                    "scope": {"type": "string"},
                    "indicator": {"type": "string"},
                    "points": {"type": "array", "items": {"$ref": "#/components/schemas/Point"}},
                },
            },
            "Alert": {
                "type": "object",
                "required": ["alert_id", "scope", "level", "congestion_index", "as_of", "message"],
                "properties": {
                    "alert_id": {"type": "string"},
                    "scope": {"type": "string"},
                    "previous_level": {**_LEVEL, "nullable": True},
                    "level": _LEVEL,
                    "congestion_index": {"type": "number"},
                    "as_of": _TIME,
                    "message": {"type": "string"},
                },
            },
            "Alerts": {
                "type": "object",
                "properties": {"alerts": {"type": "array", "items": {"$ref": "#/components/schemas/Alert"}}},
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
            "Webhooks": {
                "type": "object",
                "properties": {
                    "subscriptions": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "url": {"type": "string"},
                                "scopes": {"type": "array", "items": {"type": "string"}, "nullable": True},
                                "min_level": _LEVEL,
                                "queued": {"type": "integer"},
                                "delivered": {"type": "integer"},
                                "failed_attempts": {"type": "integer"},
                                "gave_up": {"type": "integer"},
                                "dropped": {"type": "integer"},
                            },
                        },
                    }
                },
            },
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
            "Error": {"type": "object", "properties": {"error": {"type": "string"}}},
        }
    },
}
