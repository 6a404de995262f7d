"""The shared metrics follow Prometheus's naming conventions, keep bounded labels, are documented, and the
helpers around them (indicator gauges, the /metrics server) do what they say."""

from __future__ import annotations

import re
import socket

import pytest
from prometheus_client import REGISTRY
from prometheus_client.metrics import MetricWrapperBase

import baystream.infra.metrics as metrics
from baystream.infra.broker import free_port
from baystream.infra.settings import Settings
from baystream.streams.model import LEVELS
from tests.infra.prom import ROOT, exposed_names, fetch_text

SHARED = {name: m for name, m in vars(metrics).items() if isinstance(m, MetricWrapperBase)}
NON_BASE_UNITS = {  # Prometheus wants seconds, bytes, ratios; these words betray another unit
    "milliseconds", "millis", "ms", "microseconds", "us", "nanoseconds", "ns", "minutes", "minute", "hours",
    "hour", "days", "day", "percent", "kilobytes", "kb", "megabytes", "mb", "sec", "secs",
}  # fmt: skip
BOUNDED_LABELS = {  # label -> where its values come from (all finite, known in advance)
    "topic": "the topic catalog",
    "event_type": "the schema catalog",
    "partition": "the topic's partition count",
    "stage": "decode / validate / process",
    "kind": "the engine's entity kinds",
    "scope": "the facility config: terminals, ports, the complex",
    "indicator": "the indicator names of the contract",
    "frontend": "publish / gateway / simulator",
    "service": "dashboard / gateway",
    "method": "HTTP methods",
    "route": "route patterns of the app, or 'unmatched'",
    "status": "HTTP status codes",
    "party": "the gateway's keys file, or 'unauthenticated'",
    "outcome": "a fixed list per metric",
    "consumer": "the reading process",
    "endpoint": "the dashboard's detail reads: container, my_containers, my_visits",
}


def _family(metric: MetricWrapperBase) -> tuple[str, str]:
    (family,) = metric.describe()
    return family.name, family.type


def test_the_module_defines_the_metrics_of_the_issue() -> None:
    names = exposed_names()
    for name in (
        "baystream_events_published_total",
        "baystream_events_publish_failed_total",
        "baystream_publish_delivery_seconds_bucket",
        "baystream_events_consumed_total",
        "baystream_events_processed_total",
        "baystream_events_deduplicated_total",
        "baystream_dead_letters_total",
        "baystream_processing_lag_seconds_bucket",
        "baystream_consumer_lag_records",
        "baystream_state_entries",
        "baystream_indicator_value",
        "baystream_congestion_level",
        "baystream_http_requests_total",
        "baystream_http_request_duration_seconds_bucket",
    ):
        assert name in names


@pytest.mark.parametrize("constant", sorted(SHARED))
def test_names_follow_prometheus_conventions(constant: str) -> None:
    metric = SHARED[constant]
    name, kind = _family(metric)
    assert re.fullmatch(r"baystream_[a-z][a-z0-9_]*[a-z0-9]", name), name
    words = set(name.split("_"))
    assert not words & NON_BASE_UNITS, f"{name}: use base units"
    assert not words & {"counter", "gauge", "histogram", "summary"}, f"{name}: no type in the name"
    if kind == "histogram":
        assert name.endswith("_seconds"), f"{name}: durations are histograms in seconds"
    if kind == "gauge":
        assert not name.endswith(("_total", "_count", "_sum", "_bucket")), name
    assert metric._documentation.endswith("."), f"{name}: help text is a sentence"


@pytest.mark.parametrize("constant", sorted(SHARED))
def test_labels_are_bounded(constant: str) -> None:
    labels = set(SHARED[constant]._labelnames)
    assert labels <= set(BOUNDED_LABELS), f"{constant}: unbounded or undocumented labels {labels - set(BOUNDED_LABELS)}"


def test_histogram_buckets_cover_what_they_measure() -> None:
    assert tuple(sorted(metrics.LATENCY_BUCKETS)) == metrics.LATENCY_BUCKETS
    assert tuple(sorted(metrics.LAG_BUCKETS)) == metrics.LAG_BUCKETS
    # lag: indicators go out every publish_interval_s (5 s by default); a backlog is minutes
    assert metrics.LAG_BUCKETS[0] < 1 and metrics.LAG_BUCKETS[-1] >= 600


def test_docs_list_every_metric_and_nothing_else() -> None:
    text = (ROOT / "docs" / "metrics.md").read_text()
    documented = set(re.findall(r"`(baystream_[a-z0-9_]+)`", text))
    shared = {name for name in exposed_names() if name.startswith("baystream_")}
    defined = {name for name in shared if not name.endswith(("_created", "_bucket", "_count", "_sum"))}
    defined |= {n.removesuffix("_bucket") for n in shared if n.endswith("_bucket")}
    assert defined <= documented, f"undocumented: {defined - documented}"
    assert documented <= defined, f"documented but not defined: {documented - defined}"


def test_level_values_follow_the_model_levels() -> None:
    assert list(metrics.LEVEL_VALUES) == list(LEVELS)
    assert [metrics.LEVEL_VALUES[level] for level in LEVELS] == [0, 1, 2]


def _sample(name: str, **labels: str) -> float | None:
    return REGISTRY.get_sample_value(name, labels)


def test_set_indicator_mirrors_values_and_the_index_level() -> None:
    metrics.set_indicator("TEST/ONE", "truck_turn_minutes", 62.5, None)
    assert _sample("baystream_indicator_value", scope="TEST/ONE", indicator="truck_turn_minutes") == 62.5
    assert _sample("baystream_congestion_level", scope="TEST/ONE") is None
    metrics.set_indicator("TEST/ONE", "truck_turn_minutes", 80.0, "RED")  # only the index's level is the scope's
    assert _sample("baystream_congestion_level", scope="TEST/ONE") is None
    metrics.set_indicator("TEST/ONE", "congestion_index", 71.0, "RED")
    assert _sample("baystream_congestion_level", scope="TEST/ONE") == 2
    metrics.set_indicator("TEST/ONE", "congestion_index", 45.0, "AMBER")
    assert _sample("baystream_congestion_level", scope="TEST/ONE") == 1
    assert _sample("baystream_indicator_value", scope="TEST/ONE", indicator="congestion_index") == 45.0


def test_set_indicator_without_a_value_exports_nothing_rather_than_zero() -> None:
    metrics.set_indicator("TEST/TWO", "anchor_wait_hours", 30.0, None)
    assert _sample("baystream_indicator_value", scope="TEST/TWO", indicator="anchor_wait_hours") == 30.0
    metrics.set_indicator("TEST/TWO", "anchor_wait_hours", None, None)
    assert _sample("baystream_indicator_value", scope="TEST/TWO", indicator="anchor_wait_hours") is None
    metrics.set_indicator("TEST/TWO", "never_seen", None, None)  # removing what was never set is fine
    assert _sample("baystream_indicator_value", scope="TEST/TWO", indicator="never_seen") is None


def test_serve_metrics_serves_the_shared_registry() -> None:
    port = free_port()
    server = metrics.serve_metrics("worker", Settings().with_overrides(metrics_port=port, metrics_host="127.0.0.1"))
    assert server is not None
    try:
        text = fetch_text(f"http://127.0.0.1:{port}/metrics")
    finally:
        server.shutdown()
        server.server_close()
    assert "# TYPE baystream_events_published_total counter" in text
    assert "# TYPE baystream_processing_lag_seconds histogram" in text


def test_serve_metrics_port_zero_disables() -> None:
    assert metrics.serve_metrics("worker", Settings().with_overrides(metrics_port=0)) is None


def test_every_service_has_its_own_default_port_and_the_setting_wins() -> None:
    defaults = metrics.DEFAULT_METRICS_PORTS
    assert set(defaults) == {"worker", "simulator", "dashboard", "gateway", "webhooks", "containers"}
    assert len(set(defaults.values())) == len(defaults)
    assert [metrics.metrics_port(s, Settings()) for s in defaults] == list(defaults.values())
    assert metrics.metrics_port("gateway", Settings().with_overrides(metrics_port=9500)) == 9500


def test_a_metrics_port_in_use_is_one_line_naming_the_setting() -> None:
    from baystream.infra.http.ports import PortInUse

    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = taken.getsockname()[1]
        with pytest.raises(PortInUse) as caught:
            metrics.serve_metrics("dashboard", Settings().with_overrides(metrics_port=port, metrics_host="127.0.0.1"))
    message = str(caught.value)
    assert "\n" not in message and f"port {port} on 127.0.0.1 is in use" in message
    assert "BAYSTREAM_METRICS_PORT" in message and "metrics_port" in message and "dashboard" in message
