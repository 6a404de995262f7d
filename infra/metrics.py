"""Prometheus metrics shared by every process: one definition each, named by Prometheus conventions.

Conventions (checked by tests/infra/test_metrics_names.py and `promtool check metrics`): the `baystream_`
prefix; counters end in `_total`; durations are histograms in seconds (`_seconds`); no other units but
base ones. Labels are bounded: topics and event types come from the catalog, partitions from the topic
configuration, scopes and indicators from the facility config, HTTP routes are route patterns, never
raw paths. Nothing keyed by an entity (event id, container, truck) is ever a label.
docs/metrics.md lists every metric, its labels and which process exposes it.
"""

from __future__ import annotations

import contextlib
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from itertools import repeat
from typing import Final
from wsgiref.simple_server import WSGIServer

from prometheus_client import Counter, Gauge, Histogram, start_http_server

from baystream.infra.settings import Settings

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
"""Request and acknowledgement latencies: milliseconds to seconds."""
LAG_BUCKETS = (
    *(0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1.0),
    *(2.5, 5.0, 10.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0),
)
"""End-to-end lag: indicators are published on a cadence of seconds, a backlog takes minutes; below a second
finely enough to read the worker's p50 and p99 (the target is p99 under one second at a steady load)."""


class BatchHistogram(Histogram):
    """A Histogram that also takes many observations in one call, for per-event latencies on hot paths.

    `observe()` takes two locks and walks the buckets per value (about 1 µs on the benchmark machine, once
    per published event); `observe_many()` counts a batch locally and adds it with one increment per
    bucket touched and one to the sum: the same buckets, count and sum as observing each value (the sum
    may differ from one-by-one in the last bits of the float). Leans on prometheus_client's `_sum`,
    `_buckets` and `_upper_bounds`; tests/infra/test_batch_histogram.py checks it against `observe()`.
    """

    def observe_many(self, amounts: Iterable[float]) -> None:
        """Observe every amount (no exemplars)."""
        self.observe_counted(zip(amounts, repeat(1)))

    def observe_counted(self, amounts: Iterable[tuple[float, int]]) -> None:
        """Observe each amount as many times as its count says (a backlog's events share few arrival times)."""
        self._raise_if_not_observable()
        bounds = self._upper_bounds
        counts = [0] * len(bounds)
        total = 0.0
        for amount, n in amounts:
            total += amount * n
            if amount == amount:  # NaN falls in no bucket, as with observe()
                counts[bisect_left(bounds, amount)] += n  # the first bound >= amount; the last one is +Inf
        self._sum.inc(total)
        for bucket, count in zip(self._buckets, counts, strict=True):
            if count:
                bucket.inc(count)


LEVEL_VALUES = {"GREEN": 0, "AMBER": 1, "RED": 2}
"""Numeric value of a congestion level in the level gauges (alert rules compare with 2 for RED)."""

# --- producers: publisher, file publish, HTTP gateway, simulator ---------------------------------------
EVENTS_PUBLISHED = Counter(
    "baystream_events_published_total", "Events acknowledged by the broker.", ["topic", "event_type"]
)
EVENTS_PUBLISH_FAILED = Counter(
    "baystream_events_publish_failed_total", "Events the broker did not acknowledge.", ["topic", "event_type"]
)
DELIVERY_SECONDS = BatchHistogram(
    "baystream_publish_delivery_seconds",
    "Time from produce() to the broker's acknowledgement.",
    ["topic"],
    buckets=LATENCY_BUCKETS,
)
EVENTS_REJECTED = Counter(
    "baystream_events_rejected_total",
    "Events refused before publishing (invalid), by the front end that refused them.",
    ["frontend", "event_type"],
)
GATEWAY_EVENTS = Counter(
    "baystream_gateway_events_total",
    "Events the HTTP gateway handled, per party (from the keys file) and outcome "
    "(accepted, duplicate, invalid, forbidden, failed, unavailable).",
    ["party", "outcome"],
)
GATEWAY_REQUESTS = Counter(
    "baystream_gateway_requests_total",
    "Requests to POST /v1/events per party (`unauthenticated` without a known key) and status code.",
    ["party", "status"],
)
SIMULATOR_EVENTS = Counter(
    "baystream_simulator_events_total",
    "Events the port-complex simulator generated (before publishing or writing), by event type.",
    ["event_type"],
)

# --- stream processing: the worker ---------------------------------------------------------------------
EVENTS_CONSUMED = Counter("baystream_events_consumed_total", "Records read from a topic.", ["topic"])
EVENTS_PROCESSED = Counter("baystream_events_processed_total", "Events applied to the indicator state.", ["topic"])
EVENTS_DEDUPLICATED = Counter(
    "baystream_events_deduplicated_total", "Events skipped because their event_id was seen.", ["topic"]
)
DEAD_LETTERS = Counter(
    "baystream_dead_letters_total",
    "Records sent to dead-letter, by source topic and stage (decode, validate, process).",
    ["topic", "stage"],
)
PROCESSING_LAG_SECONDS = BatchHistogram(
    "baystream_processing_lag_seconds",
    "Wall-clock time from an event's arrival on the backbone to the indicator that includes it.",
    buckets=LAG_BUCKETS,
)
CONSUMER_LAG = Gauge(
    "baystream_consumer_lag_records", "Records not yet consumed, per partition.", ["topic", "partition"]
)
STATE_ENTRIES = Gauge("baystream_state_entries", "Entities held in the indicator state.", ["kind"])

# --- indicators: worker (and dashboard, from what it reads) --------------------------------------------
INDICATOR_VALUE = Gauge(
    "baystream_indicator_value",
    "Latest value of each congestion indicator, in the unit its name says (hours, minutes, days, ratio).",
    ["scope", "indicator"],
)
CONGESTION_LEVEL = Gauge(
    "baystream_congestion_level", "Congestion level per scope: 0 GREEN, 1 AMBER, 2 RED.", ["scope"]
)

# --- web endpoints: dashboard, gateway (infra/http/metrics.py) -----------------------------------------
HTTP_REQUESTS = Counter(
    "baystream_http_requests_total", "HTTP requests served.", ["service", "method", "route", "status"]
)
HTTP_REQUEST_SECONDS = Histogram(
    "baystream_http_request_duration_seconds",
    "HTTP request latency.",
    ["service", "route"],
    buckets=LATENCY_BUCKETS,
)

# --- alert webhooks: `baystream webhooks` (consumers/webhooks/) ----------------------------------------
WEBHOOK_DELIVERIES = Counter(
    "baystream_webhook_deliveries_total",
    "Alerts handed to a subscription, by outcome: delivered (a 2xx) or dead_lettered (given up, see dead-letter).",
    ["outcome"],
)
WEBHOOK_ATTEMPT_FAILURES = Counter(
    "baystream_webhook_attempt_failures_total",
    "Delivery attempts that failed, by outcome: http_408, http_429, http_4xx (never retried), http_5xx, "
    "http_other, timeout, connection.",
    ["outcome"],
)
WEBHOOK_RETRIES = Counter("baystream_webhook_retries_total", "Delivery attempts made again after a failed one.")
WEBHOOK_QUEUE_DEPTH = Gauge(
    "baystream_webhook_queue_depth", "Deliveries under way (attempting or waiting to retry), all subscriptions."
)

# --- container status: `baystream containers` (streams/containers/) -------------------------------------
CONTAINER_MOVES = Counter(
    "baystream_container_moves_total",
    "Input events read by the container status process, by outcome: applied (a new move of a container), "
    "duplicate (a move it holds already: a replay), call (a vessel arrival naming a call's carrier), "
    "not_a_move (an ESTIMATED or PLANNED event, a gate move that takes no box through the gate).",
    ["outcome"],
)
CONTAINER_STATUSES_PUBLISHED = Counter(
    "baystream_container_statuses_published_total", "ContainerStatus records sent to container-status."
)
CONTAINERS_ON_TERMINAL = Gauge(
    "baystream_containers_on_terminal", "Containers whose status says ON_TERMINAL, complex-wide."
)

# --- dashboard: live clients, what its reader could not decode ------------------------------------------
CONSUMER_DECODE_ERRORS = Counter(
    "baystream_consumer_decode_errors_total",
    "Records a reader could not decode (skipped with a log line naming topic, partition and offset).",
    ["consumer", "topic"],
)
SSE_CLIENTS = Gauge("baystream_dashboard_live_clients", "Browsers connected to the dashboard's live stream.")
DETAIL_READS = Counter(
    "baystream_dashboard_detail_reads_total",
    "Reads of details shared only with their parties (a container, a party's own containers or visits), by "
    "party (`anonymous` without a known key), endpoint, and outcome: shown, or not_found (also not theirs).",
    ["party", "endpoint", "outcome"],
)

CONGESTION_INDEX = "congestion_index"


def set_indicator(scope: str, indicator: str, value: float | None, level: str | None) -> None:
    """Mirror one published indicator in the gauges; only the congestion index has a level (the scope's).

    A value of None (nothing to average yet) removes the series rather than exporting a fake zero.
    """
    if value is None:
        _forget(INDICATOR_VALUE, scope, indicator)
    else:
        INDICATOR_VALUE.labels(scope, indicator).set(value)
    if indicator == CONGESTION_INDEX and level in LEVEL_VALUES:
        CONGESTION_LEVEL.labels(scope).set(LEVEL_VALUES[level])


def _forget(gauge: Gauge, *labels: str) -> None:
    with contextlib.suppress(KeyError):  # never set: nothing to remove
        gauge.remove(*labels)


DEFAULT_METRICS_PORTS: Final[Mapping[str, int]] = {
    "worker": 9401,
    "simulator": 9402,
    "dashboard": 9403,
    "gateway": 9404,
    "webhooks": 9405,
    "containers": 9406,
}
"""Each service's own /metrics port when the `metrics_port` setting is not given, so that services started
side by side on one machine do not collide; the demo and the local Prometheus configuration use the same."""


def metrics_port(service: str, settings: Settings) -> int:
    """The /metrics port of `service`: the `metrics_port` setting, or the service's own default."""
    return DEFAULT_METRICS_PORTS[service] if settings.metrics_port is None else settings.metrics_port


def serve_metrics(service: str, settings: Settings) -> WSGIServer | None:
    """Expose /metrics of `service` from a daemon thread; every long-running process calls it once.

    Port: `metrics_port(service, settings)`, 0 disables. Address: the `metrics_host` setting, 127.0.0.1 for
    the demo, 0.0.0.0 in containers so Prometheus can reach it from another one. A port in use raises
    `PortInUse`, a one-line error naming the setting. Returns the server (`shutdown()` stops it), or None.
    """
    from baystream.infra.http.ports import PortSetting, bind_error

    port = metrics_port(service, settings)
    if not port:
        return None
    try:
        server, _thread = start_http_server(port, addr=settings.metrics_host)
    except OSError as exc:
        setting = PortSetting("metrics_port", f"the metrics of the {service}", hint="; 0 turns metrics off")
        raise bind_error(exc, setting, settings.metrics_host, port) from None
    return server
