"""The hand-written OpenAPI document covers exactly the routes the app serves."""

from __future__ import annotations

import re

from aiohttp import web

from baystream.consumers.dashboard.app import build_app
from baystream.consumers.dashboard.openapi import OPENAPI
from baystream.consumers.dashboard.service import DashboardService
from baystream.infra.settings import Settings


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
    app = build_app(DashboardService(Settings(bootstrap="127.0.0.1:1")))
    documented = {(path, method) for path, item in OPENAPI["paths"].items() for method in item}
    assert _served_paths(app) == documented


def test_references_resolve_and_operations_say_what_they_return() -> None:
    text = repr(OPENAPI)
    for ref in set(re.findall(r"#/components/schemas/(\w+)", text)):
        assert ref in OPENAPI["components"]["schemas"], ref
    for path, item in OPENAPI["paths"].items():
        for method, operation in item.items():
            assert operation["summary"] and "200" in operation["responses"], (path, method)
    assert OPENAPI["openapi"].startswith("3.")
