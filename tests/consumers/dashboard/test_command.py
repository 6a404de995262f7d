"""`baystream dashboard` from the command line: refuses bad configuration, serves until interrupted."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from baystream.infra.broker import free_port
from baystream.infra.cli import main
from baystream.infra.settings import Settings
from tests.cli import cli_env
from tests.consumers.dashboard.helpers import wait_for


def test_webhooks_in_the_settings_are_refused_pointing_at_the_api(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "baystream.toml"
    config.write_text('bootstrap = "127.0.0.1:1"\n[[webhooks]]\nurl = "http://hooks.example/x"\n')
    assert main(["--config", str(config), "dashboard"]) == 2
    err = capsys.readouterr().err
    assert "POST /api/webhooks" in err and "baystream webhooks" in err and "docs/webhooks.md" in err


def test_serves_until_interrupted(broker_settings: Settings, tmp_path: Path) -> None:
    metrics_port = free_port()
    env = cli_env(broker_settings, BAYSTREAM_METRICS_PORT=str(metrics_port))
    process = subprocess.Popen(
        [sys.executable, "-m", "baystream", "dashboard", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert line.startswith("baystream dashboard: http://127.0.0.1:"), line
        url = line.split()[2]

        def healthy() -> dict | None:
            try:
                with urllib.request.urlopen(url + "/healthz", timeout=5) as response:
                    return dict(json.loads(response.read()))
            except OSError:
                return None

        assert wait_for(healthy, timeout=30)["status"] == "ok"
        for metrics_url in (url + "/metrics", f"http://127.0.0.1:{metrics_port}/metrics"):
            with urllib.request.urlopen(metrics_url, timeout=5) as response:
                assert b'baystream_http_requests_total{method="GET",route="/healthz"' in response.read()
        process.send_signal(signal.SIGINT)
        assert process.wait(60) == 0  # a clean stop (its Kafka clients may take seconds to close on a loaded machine)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait(5)


def test_a_port_in_use_is_one_line_naming_the_setting(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The dashboard with its defaults beside something on its port: one line, not an OSError traceback."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        for name, value in {"BOOTSTRAP": "127.0.0.1:1", "EMBEDDED": "1", "METRICS_PORT": "0"}.items():
            monkeypatch.setenv(f"BAYSTREAM_{name}", value)
        monkeypatch.setenv("BAYSTREAM_DASHBOARD_PORT", str(port))
        assert main(["dashboard"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1, err
    assert f"port {port} on 127.0.0.1 is in use, so the dashboard cannot listen there" in err
    assert "--port or BAYSTREAM_DASHBOARD_PORT (setting dashboard_port)" in err
