"""`baystream demo` (what `make run` starts): embedded broker, topics, and every process of the backbone.

Each process runs as a child `baystream <command>` on its service's own metrics port (infra/metrics.py);
Ctrl-C stops them all, then the broker. The broker is memory only: the demo starts from nothing every time.
What can be checked before anything starts is: the scenario (by the parser) and that every port the
children will listen on is free, so a bad start is one line, not a report of services that then die.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass

from baystream.infra.http.ports import PortSetting, is_free
from baystream.infra.metrics import DEFAULT_METRICS_PORTS
from baystream.infra.settings import Settings

HELP = "run the whole backbone on the embedded broker: worker, container status, simulator, dashboard, gateway"


@dataclass(frozen=True)
class Child:
    command: str
    service: str
    """Its name in the metrics (and its default metrics port)."""
    args: tuple[str, ...]
    note: str
    listens: tuple[tuple[str, int, PortSetting], ...] = ()
    """The (host, port, setting) it serves HTTP on, besides its metrics."""

    @property
    def metrics_port(self) -> int:
        return DEFAULT_METRICS_PORTS[self.service]


def children(settings: Settings, speed: float, scenario: str) -> list[Child]:
    """The processes of the demo, each on its service's own metrics port."""
    dashboard = (settings.dashboard.host, settings.dashboard.port, PortSetting("dashboard_port", "the dashboard"))
    gateway = (settings.gateway.host, settings.gateway.port, PortSetting("gateway_port", "the gateway"))
    return [
        Child("worker", "worker", (), "indicator worker (Faust)"),
        Child("containers", "containers", (), "container status (container-status)"),
        Child(
            "simulate",
            "simulator",
            ("--scenario", scenario, "--hours", "720", "--speed", str(speed), "--no-progress"),  # logs, not a bar
            f"simulator, scenario {scenario}, {speed:g}x real time",
        ),
        Child(
            "dashboard",
            "dashboard",
            (),
            f"dashboard http://{settings.dashboard.host}:{settings.dashboard.port}/",
            (dashboard,),
        ),
        Child(
            "gateway",
            "gateway",
            (),
            f"HTTP gateway http://{settings.gateway.host}:{settings.gateway.port}/v1/events",
            (gateway,),
        ),
    ]


def _scenarios() -> list[str] | None:
    """The simulator's scenarios, for the parser to refuse an unknown one at once (None: no simulator here)."""
    try:
        from baystream.producers.simulator.scenarios import SCENARIOS
    except ModuleNotFoundError:
        return None
    return list(SCENARIOS)


def taken_ports(settings: Settings, chosen: list[Child]) -> list[str]:
    """One line per port a child would find in use: its HTTP port (naming the setting) or its metrics port."""
    problems = []
    for child in chosen:
        for host, port, setting in child.listens:
            if not is_free(host, port):
                problems.append(str(setting.in_use(host, port)))
        if not is_free(settings.metrics_host, child.metrics_port):
            problems.append(
                f"port {child.metrics_port} on {settings.metrics_host} is in use, so the demo's {child.service} "
                "cannot serve its metrics there: stop what holds it (the demo uses ports "
                f"{', '.join(str(p) for p in DEFAULT_METRICS_PORTS.values())} for metrics)"
            )
    return problems


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--scenario", default="normal", choices=_scenarios(), help="simulator scenario (default: normal)"
    )
    parser.add_argument("--speed", type=float, default=600.0, help="simulated seconds per second (default 600)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.broker import EmbeddedBroker
    from baystream.infra.cli import _available
    from baystream.infra.topics import create_topics

    available = _available()
    chosen = [child for child in children(settings, args.speed, args.scenario) if child.command in available]
    if args.speed <= 0:
        print("baystream demo: --speed must be positive", file=sys.stderr)
        return 2
    taken = taken_ports(settings, chosen)
    if taken:
        print("\n".join(f"baystream demo: {line}" for line in taken), file=sys.stderr)
        return 2
    # Ctrl-C (also when started from a script that ignores SIGINT) and SIGTERM both stop everything.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    broker = EmbeddedBroker().start()
    settings = settings.with_overrides(bootstrap=broker.bootstrap, embedded=True)
    create_topics(settings)
    print(f"embedded broker on {broker.bootstrap} (memory only: the demo starts empty every time)")
    processes: list[subprocess.Popen[bytes]] = []
    # The broker forgets everything on exit, so the workers' RocksDB stores must too: a store that
    # remembers changelog offsets the new broker never had makes Faust's recovery refuse to start.
    state_dir = tempfile.mkdtemp(prefix="baystream-demo-state-")
    try:
        for child in children(settings, args.speed, args.scenario):
            if child not in chosen:
                print(f"  (skipping {child.command}: not installed in this build)")
                continue
            env = dict(os.environ)
            env.update(
                BAYSTREAM_BOOTSTRAP=broker.bootstrap,
                BAYSTREAM_EMBEDDED="1",
                BAYSTREAM_METRICS_PORT=str(child.metrics_port),
                BAYSTREAM_STATE_DIR=state_dir,
            )
            cmd = [sys.executable, "-m", "baystream", child.command, *child.args]
            processes.append(subprocess.Popen(cmd, env=env))
            print(f"  {child.note}; metrics http://127.0.0.1:{child.metrics_port}/metrics")
        print("Ctrl-C stops everything.", flush=True)
        while all(p.poll() is None for p in processes) and broker.running():
            time.sleep(0.5)
        failed = [p for p in processes if p.poll() not in (None, 0)]
        return 1 if failed else 0
    except KeyboardInterrupt:
        return 0
    finally:
        for process in processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 10
        for process in processes:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
        broker.stop()
        shutil.rmtree(state_dir, ignore_errors=True)
