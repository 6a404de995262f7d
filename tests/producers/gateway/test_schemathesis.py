"""Schemathesis, from the gateway's own OpenAPI document, finds no server error and no answer off the document.

The generated events are mostly refused (422/403: check digits, other parties' facilities); the document's
examples are valid for the terminal used here, so the publishing path runs too (202 and duplicates).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from baystream.infra.http.server import BackgroundServer
from baystream.infra.settings import Settings
from baystream.producers.gateway.app import GatewayConfig, make_app
from baystream.producers.gateway.identities import Identity, KeyRing, Role, hash_key, new_key

pytestmark = pytest.mark.integration

KEY = new_key()
CHECKS = (
    "not_a_server_error,status_code_conformance,content_type_conformance,"
    "response_schema_conformance,response_headers_conformance"
)


@pytest.fixture(scope="module")
def gateway(broker_settings: Settings) -> Iterator[str]:
    ring = KeyRing([Identity("apm-terminals", Role.TERMINAL, "APMT", hash_key(KEY), "USLAX")])
    config = GatewayConfig(rate_per_s=100_000, burst=100_000)
    with BackgroundServer(make_app(broker_settings, ring, config)) as server:
        yield server.url


def test_schemathesis_finds_no_server_error(gateway: str, tmp_path: Path) -> None:
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "run", f"{gateway}/v1/openapi.json"),
        *("-H", f"X-API-Key: {KEY}", "--checks", CHECKS),
        *("--max-examples", "50", "--seed", "20241101", "--request-timeout", "30", "--no-color"),
    ]
    root = str(Path(__file__).resolve().parents[3])
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "SCHEMATHESIS_HOOKS": "tests.producers.gateway.schemathesis_hooks"}
    done = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    assert "passed" in done.stdout and "Failures:" not in done.stdout, done.stdout[-6000:]
