"""The real Prometheus server scrapes a real worker fed through the embedded broker, loads the real alert
rules, and answers a Baystream metric back through its HTTP API."""

from __future__ import annotations

import json
import shutil
import subprocess
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from baystream.infra.broker import free_port
from baystream.infra.settings import Settings
from baystream.producers.publisher import Publisher
from baystream.schemas.json_form import parse_event
from tests.events import ALL_TYPES, event
from tests.infra.prom import (
    PROMETHEUS_DIR,
    Running,
    command_available,
    fetch_text,
    start,
    stop,
    tool,
    wait_for_text,
)
from tests.polling import eventually


class PrometheusServer:
    """/usr/bin/prometheus on a free port, scraping one target every second, with the real rules."""

    def __init__(self, tmp: Path, job: str, target: str):
        self.port = free_port()
        shutil.copy(PROMETHEUS_DIR / "rules.yml", tmp / "rules.yml")
        config = {
            "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
            "rule_files": ["rules.yml"],
            "scrape_configs": [{"job_name": job, "static_configs": [{"targets": [target]}]}],
        }
        (tmp / "prometheus.yml").write_text(yaml.safe_dump(config))
        self.log = tmp / "prometheus.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [
                    tool("prometheus"),
                    f"--config.file={tmp / 'prometheus.yml'}",
                    f"--storage.tsdb.path={tmp / 'data'}",
                    f"--web.listen-address=127.0.0.1:{self.port}",
                ],
                stdout=out,
                stderr=subprocess.STDOUT,
            )

    def api(self, path: str, **params: str) -> Any:
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}?{urllib.parse.urlencode(params)}"
        answer = json.loads(fetch_text(url))
        assert answer["status"] == "success", answer
        return answer["data"]

    def value(self, query: str) -> float | None:
        """The single value of an instant query, or None while it has no result."""
        result = self.api("query", query=query)["result"]
        return float(result[0]["value"][1]) if result else None

    def wait_for(self, query: str, timeout: float) -> float:
        """The first value > 0 of `query`; fails at once if Prometheus exits."""
        return eventually(lambda: self.value(query), timeout, f"Prometheus: {query} > 0", every=0.5, alive=self.process)


@pytest.fixture
def worker(isolated_broker: Settings, tmp_path: Path) -> Iterator[tuple[Running, Settings]]:
    assert command_available("worker"), "`baystream worker` is not available in this build"
    running = start("worker", isolated_broker, tmp_path)
    try:
        yield running, isolated_broker
    finally:
        stop(running.process)


def test_prometheus_scrapes_the_worker_and_answers_its_metrics(
    worker: tuple[Running, Settings], tmp_path: Path
) -> None:
    running, settings = worker
    tool("prometheus")
    (tmp_path / "prometheus").mkdir()
    server = PrometheusServer(tmp_path / "prometheus", "baystream-worker", f"127.0.0.1:{running.metrics_port}")
    try:
        wait_for_text(f"http://127.0.0.1:{server.port}/-/ready", timeout=30, process=server.process)
        try:
            wait_for_text(running.metrics_url, timeout=60, until="# TYPE baystream_", process=running.process)
        except AssertionError as exc:
            raise AssertionError(f"{exc}\n{running.tail()}") from None
        assert server.wait_for('up{job="baystream-worker"}', timeout=30) == 1

        with Publisher(settings) as publisher:
            published = publisher.publish_all(parse_event(event(t, facility="APMT")) for t in ALL_TYPES)
        consumed = server.wait_for("sum(baystream_events_consumed_total)", timeout=60)
        assert 0 < consumed <= published  # read from the private broker: only our events exist there
        assert server.wait_for('sum(baystream_events_consumed_total{topic="gate-moves"})', timeout=10) == 1
        # the events reached the published indicators: lag observed, indicator gauges there
        assert server.wait_for("sum(baystream_processing_lag_seconds_count)", timeout=60) <= published
        assert server.wait_for('count(baystream_indicator_value{scope="USLAX/APMT"})', timeout=30) >= 1

        groups = server.api("rules")["groups"]
        loaded = {rule["name"] for group in groups for rule in group["rules"]}
        assert {"BaystreamWorkerDown", "BaystreamTerminalRed"} <= loaded
        # the worker is up: its down alert is not pending or firing on the real server
        alerts = server.api("alerts")["alerts"]
        assert not [a for a in alerts if a["labels"]["alertname"] == "BaystreamWorkerDown"]
    finally:
        stop(server.process)
