"""`promtool check metrics` finds no problem in what Baystream exposes: the shared registry after real
publishing, and the /metrics of every long-running process (worker, simulator, dashboard, gateway) run as
`baystream <command>` against a private embedded broker, after each has done some real work."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from prometheus_client import REGISTRY, CollectorRegistry, Gauge, generate_latest

from baystream.infra.metrics import set_indicator
from baystream.infra.settings import Settings
from baystream.producers.publisher import Publisher
from baystream.schemas.json_form import parse_event
from tests.brokers import EngineUnderTest
from tests.events import ALL_TYPES, event
from tests.infra.prom import Running, command_available, promtool, start, stop, wait_for_text


def _check(text: str) -> None:
    result = promtool("check", "metrics", stdin=text)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout + result.stderr == "", result.stdout + result.stderr


def test_promtool_check_metrics_does_catch_a_badly_named_metric() -> None:
    """The check below is not vacuous: a gauge in minutes named like a counter is reported."""
    registry = CollectorRegistry()
    Gauge("baystream_turn_minutes_total", "Turn time.", registry=registry).set(1)
    result = promtool("check", "metrics", stdin=generate_latest(registry).decode())
    assert result.returncode != 0
    assert "baystream_turn_minutes_total" in result.stdout + result.stderr


def test_shared_registry_passes_promtool_after_real_publishing(broker_settings: Settings) -> None:
    with Publisher(broker_settings) as publisher:
        delivered = publisher.publish_all(parse_event(event(type_name)) for type_name in ALL_TYPES)
    assert delivered == len(ALL_TYPES)
    set_indicator("USLAX/APMT", "congestion_index", 42.0, "AMBER")
    text = generate_latest(REGISTRY).decode()
    assert 'baystream_events_published_total{event_type="GateMove",topic="gate-moves"}' in text
    assert 'baystream_publish_delivery_seconds_bucket{le="+Inf",topic="gate-moves"}' in text
    assert 'baystream_congestion_level{scope="USLAX/APMT"} 1.0' in text
    _check(text)


# --- every long-running process, over HTTP --------------------------------------------------------------


LONG_RUNNING = ("worker", "simulate", "dashboard", "gateway")


@pytest.fixture(scope="module")
def own_broker(engine: EngineUnderTest) -> Iterator[Settings]:
    """Our own broker: the simulator floods the catalog topics, which other tests must not see."""
    with engine.isolated() as settings:
        yield settings


@pytest.fixture(scope="module")
def processes(own_broker: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Running]]:
    """Every long-running command that exists, started together (their startups overlap)."""
    tmp = tmp_path_factory.mktemp("processes")
    running: dict[str, Running] = {}
    try:
        for command in LONG_RUNNING:
            if command_available(command):  # a missing one fails its test below, by name
                running[command] = start(command, own_broker, tmp)
        yield running
    finally:
        for each in running.values():
            stop(each.process)


def _exercise(command: str, running: Running, settings: Settings) -> str:
    """Make the process do real work; return a series its /metrics must then carry."""
    base = f"http://127.0.0.1:{running.web_port}"
    if command == "worker":
        with Publisher(settings) as publisher:
            publisher.publish_all(parse_event(event(type_name)) for type_name in ALL_TYPES)
        return 'baystream_events_consumed_total{topic="gate-moves"}'
    if command == "simulate":
        return 'baystream_events_published_total{event_type="GateMove",topic="gate-moves"}'
    if command == "dashboard":
        wait_for_text(base + "/", timeout=60, process=running.process)
        return 'baystream_http_requests_total{method="GET",route="/",service="dashboard",status="200"}'
    # gateway: an event without an API key is refused, and counted
    wait_for_text(running.metrics_url, timeout=60, process=running.process)
    request = urllib.request.Request(
        base + "/v1/events",
        data=json.dumps(event("GateMove")).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(request, timeout=10)
    assert refused.value.code == 401
    return 'baystream_http_requests_total{method="POST",route="/v1/events",service="gateway",status="401"}'


@pytest.mark.parametrize("command", LONG_RUNNING)
def test_process_metrics_pass_promtool(command: str, processes: dict[str, Running], own_broker: Settings) -> None:
    assert command in processes, f"`baystream {command}` is not available in this build"
    running = processes[command]
    try:
        wait_for_text(running.metrics_url, timeout=60, until="# TYPE baystream_", process=running.process)
        series = _exercise(command, running, own_broker)
        text = wait_for_text(running.metrics_url, timeout=60, until=series, process=running.process)
    except AssertionError as exc:
        raise AssertionError(f"{exc}\n{running.tail()}") from None
    _check(text)
