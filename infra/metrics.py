"""Prometheus metrics shared by every process: one definition each, named by Prometheus conventions.

Labels are bounded: topics and event types come from the catalog, scopes from the facility config.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, start_http_server

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

EVENTS_PUBLISHED = Counter(
    "baystream_events_published_total", "Events acknowledged by the broker.", ["topic", "event_type"]
)
EVENTS_PUBLISH_FAILED = Counter(
    "baystream_events_publish_failed_total", "Events the broker did not acknowledge.", ["topic", "event_type"]
)
DELIVERY_SECONDS = Histogram(
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


def serve_metrics(port: int, addr: str = "127.0.0.1") -> None:
    """Expose /metrics on `port` (0 disables); every long-running process calls this once."""
    if port:
        start_http_server(port, addr=addr)


EVENTS_CONSUMED = Counter("baystream_events_consumed_total", "Records read from a topic.", ["topic"])
EVENTS_PROCESSED = Counter(
    "baystream_events_processed_total", "Events applied to the indicator state.", ["topic"]
)
EVENTS_DEDUPLICATED = Counter(
    "baystream_events_deduplicated_total", "Events skipped because their event_id was seen.", ["topic"]
)
DEAD_LETTERS = Counter(
    "baystream_dead_letters_total",
    "Records sent to dead-letter, by source topic and stage.",
    ["topic", "stage"],
)
PROCESSING_LAG_SECONDS = Histogram(
    "baystream_processing_lag_seconds",
    "Wall-clock time from an event's arrival on the backbone to the indicator that includes it.",
    buckets=LATENCY_BUCKETS,
)
CONSUMER_LAG = Gauge(
    "baystream_consumer_lag_records", "Records not yet consumed, per partition.", ["topic", "partition"]
)
STATE_ENTRIES = Gauge("baystream_state_entries", "Entities held in the indicator state.", ["kind"])
INDICATOR_VALUE = Gauge(
    "baystream_indicator_value", "Latest value of each congestion indicator.", ["scope", "indicator"]
)
CONGESTION_LEVEL = Gauge(
    "baystream_congestion_level", "Congestion level per scope: 0 GREEN, 1 AMBER, 2 RED.", ["scope"]
)
HTTP_REQUESTS = Counter(
    "baystream_http_requests_total", "HTTP requests served.", ["service", "method", "route", "status"]
)
HTTP_REQUEST_SECONDS = Histogram(
    "baystream_http_request_duration_seconds",
    "HTTP request latency.",
    ["service", "route"],
    buckets=LATENCY_BUCKETS,
)
