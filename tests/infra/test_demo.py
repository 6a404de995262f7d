"""`baystream demo` refuses what it can check before it starts anything: an unknown scenario, a taken port."""

from __future__ import annotations

import socket
import subprocess
import sys

from baystream.infra.demo import children
from baystream.infra.metrics import DEFAULT_METRICS_PORTS
from baystream.infra.settings import Settings
from tests.cli import cli_env


def _demo(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "baystream", "demo", *args]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, env=cli_env(Settings(), **env))


def test_an_unknown_scenario_fails_before_anything_starts() -> None:
    done = _demo("--scenario", "bogus")
    assert done.returncode == 2
    assert "invalid choice: 'bogus'" in done.stderr and "normal" in done.stderr
    assert "broker" not in done.stdout and "dashboard" not in done.stdout


def test_a_taken_port_fails_before_anything_starts() -> None:
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        done = _demo("--speed", "60", BAYSTREAM_DASHBOARD_PORT=str(port))
    assert done.returncode == 2, done.stdout + done.stderr
    assert f"baystream demo: port {port} on 127.0.0.1 is in use, so the dashboard cannot listen there" in done.stderr
    assert "BAYSTREAM_DASHBOARD_PORT (setting dashboard_port)" in done.stderr
    assert "embedded broker" not in done.stdout


def test_every_child_serves_metrics_on_its_service_default_port() -> None:
    """Each service of the demo on its own default port (`baystream webhooks` is not part of the demo: it
    delivers to subscriptions, and the demo has none)."""
    chosen = children(Settings(), speed=1.0, scenario="normal")
    assert {c.service: c.metrics_port for c in chosen} == {
        service: port for service, port in DEFAULT_METRICS_PORTS.items() if service != "webhooks"
    }
