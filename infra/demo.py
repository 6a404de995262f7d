"""`baystream demo` (what `make run` starts): embedded broker, topics, and every process of the backbone.

Each process runs as a child `baystream <command>` with its own metrics port; Ctrl-C stops them all,
then the broker. The broker is memory only: the demo starts from nothing every time.
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

from baystream.infra.settings import Settings

HELP = "run the whole backbone on the embedded broker: worker, simulator, dashboard, gateway"


@dataclass(frozen=True)
class Child:
    command: str
    args: tuple[str, ...]
    metrics_port: int
    note: str


def children(settings: Settings, speed: float, scenario: str) -> list[Child]:
    """The processes of the demo, with the metrics port each one serves."""
    return [
        Child("worker", (), 9401, "indicator worker (Faust)"),
        Child(
            "simulate",
            ("--scenario", scenario, "--hours", "720", "--speed", str(speed)),
            9402,
            f"simulator, scenario {scenario}, {speed:g}x real time",
        ),
        Child("dashboard", (), 9403, f"dashboard http://{settings.dashboard_host}:{settings.dashboard_port}/"),
        Child(
            "gateway",
            (),
            9404,
            f"HTTP gateway http://{settings.gateway_host}:{settings.gateway_port}/v1/events",
        ),
    ]


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--scenario", default="normal", help="simulator scenario (default: normal)")
    parser.add_argument("--speed", type=float, default=600.0, help="simulated seconds per second (default 600)")


def run(args: argparse.Namespace, settings: Settings) -> int:
    from baystream.infra.broker import EmbeddedBroker
    from baystream.infra.cli import _available
    from baystream.infra.topics import create_topics

    # Ctrl-C (also when started from a script that ignores SIGINT) and SIGTERM both stop everything.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    available = _available()
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
            if child.command not in available:
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
