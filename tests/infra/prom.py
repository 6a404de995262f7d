"""Helpers for the Prometheus tests: promtool, the deploy files, the metric names a scrape may carry."""

from __future__ import annotations

import shutil
import subprocess
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from prometheus_client import REGISTRY, CollectorRegistry

from baystream.infra.broker import free_port
from baystream.infra.demo import children
from baystream.infra.settings import Settings
from tests.cli import cli_env
from tests.polling import eventually

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "infra" / "deploy"
PROMETHEUS_DIR = DEPLOY / "prometheus"
BAYSTREAM = ROOT / ".venv" / "bin" / "baystream"

_SUFFIXES = {
    "counter": ("_total", "_created"),
    "histogram": ("_bucket", "_count", "_sum", "_created"),
    "summary": ("_count", "_sum", "_created"),
    "gauge": ("",),
    "info": ("_info",),
}


def tool(name: str) -> str:
    """Path of a Prometheus binary (Debian's `prometheus` package), or skip saying how to get it."""
    path = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
    if path is None:
        pytest.skip(f"{name} not installed: run `bash infra/setup/system-deps.sh` (Debian package prometheus)")
    return path


def promtool(*args: str, stdin: str | None = None, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([tool("promtool"), *args], input=stdin, capture_output=True, text=True, cwd=cwd, timeout=60)


def exposed_names(registry: CollectorRegistry = REGISTRY) -> set[str]:
    """Every series name a scrape of `registry` can carry (counters' `_total`, histograms' `_bucket` ...)."""
    names: set[str] = set()
    for family in registry.collect():
        for suffix in _SUFFIXES.get(family.type, ("",)):
            names.add(family.name + suffix)
    return names


def fetch_text(url: str, timeout: float = 2.0) -> str:
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return str(response.read().decode())


def wait_for_text(url: str, timeout: float, until: str = "", process: subprocess.Popen[bytes] | None = None) -> str:
    """Poll `url` until it answers (and contains `until`); fail early if `process` died."""

    def answer() -> str | None:
        text = fetch_text(url)
        return text if until in text else None

    return eventually(answer, timeout, f"{url} answering with {until!r}", every=0.3, retry_on=(OSError,), alive=process)


def stop(process: subprocess.Popen[bytes], grace: float = 10.0) -> None:
    """SIGTERM, then SIGKILL after `grace` seconds: never leave a child behind."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def command_available(command: str) -> bool:
    """Whether `baystream <command>` exists in this build (helpers land their commands during the session)."""
    from baystream.infra.cli import _available

    return command in _available()


@dataclass
class Running:
    """A `baystream <command>` child: its metrics URL, its web port (if it serves one) and its log."""

    command: str
    process: subprocess.Popen[bytes]
    metrics_port: int
    web_port: int
    log: Path

    @property
    def metrics_url(self) -> str:
        return f"http://127.0.0.1:{self.metrics_port}/metrics"

    def tail(self) -> str:
        return f"--- {self.command} log:\n{self.log.read_text(errors='replace')[-3000:]}"


def start(command: str, settings: Settings, tmp: Path) -> Running:
    """Start `baystream <command>` (with the demo's arguments) like the demo does: own ports, the given broker."""
    demo_args = {child.command: child.args for child in children(Settings(), speed=600.0, scenario="normal")}
    metrics_port, web_port = free_port(), free_port()
    env = cli_env(
        settings,
        BAYSTREAM_METRICS_PORT=str(metrics_port),
        BAYSTREAM_METRICS_HOST="127.0.0.1",
        BAYSTREAM_DASHBOARD_PORT=str(web_port),
        BAYSTREAM_GATEWAY_PORT=str(web_port),
        BAYSTREAM_WORKER_WEB_PORT=str(web_port),
        BAYSTREAM_APP_ID=f"metrics-test-{metrics_port}",
        BAYSTREAM_STATE_DIR=str(tmp / f"state-{command}"),
        BAYSTREAM_TABLE_STORE="memory://",
        BAYSTREAM_PUBLISH_INTERVAL_S="1",
    )
    log = tmp / f"{command}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(BAYSTREAM), command, *demo_args.get(command, ())], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    return Running(command, process, metrics_port, web_port, log)
