"""The topic catalog of docs/architecture.md: name, partitions, configs, key and value schema, in one place.

`topic_configs` says which configs a topic gets under given settings (a pure function); `reconcile_topics`
creates the missing topics with them and brings the configs of existing topics back to them;
`create_topics` is its short form (name -> 'created' | 'exists' | 'updated').
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from confluent_kafka import KafkaError, KafkaException
from confluent_kafka.admin import AdminClient, AlterConfigOpType, ConfigEntry, ConfigResource, NewTopic, ResourceType

from baystream.infra.kafka_config import admin_config
from baystream.infra.settings import Settings

log = logging.getLogger(__name__)

MINUTE_MS = 60 * 1000
DAY_MS = 24 * 3600 * 1000

INPUT_RETENTION_MS = 7 * DAY_MS
"""How long the five input topics keep events: a week, set on the topic rather than left to the cluster's
default (`log.retention.hours`, which a shared or managed cluster may have lowered).

The input topics are the backbone's source of truth, and several paths re-read them: a worker that restarts
or takes over a partition restores its checkpoint and replays every record after the checkpoint's offsets
(docs/worker.md); a new `BAYSTREAM_APP_ID` (more partitions, a changed indicator configuration) replays the
topics from their start (docs/deploy.md); the gateway's callers and back-fills may re-read what arrived to
check it. A week covers a long weekend's outage with room to spare, and matches the engine's default
deduplication horizon (`dedup_horizon_hours` = 168), so an event re-read from the topic is one the engine
may still remember. A rebuild from the topics alone sees only this last week of events."""

LATEST_SEGMENT_MS = 1 * MINUTE_MS
"""`segment.ms` of `congestion-latest`: its active segment rolls after a minute.

Log compaction never touches the active segment, and Kafka's default rolls it only after 7 days (or 1 GiB),
so on a default topic a dashboard warming up from the beginning would read every value of the last days.
The worker republishes every value every `publish_interval_s` (5 s): 16 scopes x 16 indicators = 256 keys,
about 51 records/s. With one-minute segments and the cleaner's 15 s back-off (`log.cleaner.backoff.ms`)
a warm-up reads one record per key plus at most the last ~75 s of records (about 4,000, some 15 per key,
well under a second), instead of ~31,000 with ten-minute segments and millions with the default. The
price, a segment roll per partition per minute and a compaction of a log of a few thousand small records,
is negligible; the cleaner merges the small segments it cleans into one."""

LATEST_DIRTY_RATIO = "0.01"
"""`min.cleanable.dirty.ratio` of `congestion-latest`: compact as soon as 1% of the log is uncleaned. The
default (0.5) waits until half the log is superseded values; this topic is small, so cleaning after every
roll costs nothing and keeps the log at about one record per key. (`delete.retention.ms` is left at its
default of a day: it only governs tombstones, and the worker never deletes a key.)"""


@dataclass(frozen=True)
class TopicSpec:
    """One topic of the backbone."""

    name: str
    schema: str
    key: str
    """What the key is, for people: 'facility', 'chassis_id', 'scope', 'scope|indicator', 'original'."""
    role: str
    """'input' (events from parties), 'output' (indicators), 'dead-letter', or 'state' (kept by the services)."""
    configs: dict[str, str] = field(default_factory=dict)
    """The topic's own configs; `topic_configs` adds those that depend on the settings."""
    partitions: int | None = None
    """None: the settings' partition count, shared by all input topics."""


VESSEL_ARRIVALS = "vessel-arrivals"
GATE_MOVES = "gate-moves"
CONTAINER_EVENTS = "container-events"
CHASSIS_CHECKOUTS = "chassis-checkouts"
RAIL_DEPARTURES = "rail-departures"
CONGESTION_INDICATORS = "congestion-indicators"
CONGESTION_LATEST = "congestion-latest"
CONGESTION_ALERTS = "congestion-alerts"
DEAD_LETTER = "dead-letter"
WEBHOOK_SUBSCRIPTIONS = "webhook-subscriptions"
CONTAINER_STATUS = "container-status"

_INPUT_CONFIGS = {"retention.ms": str(INPUT_RETENTION_MS)}

CATALOG: tuple[TopicSpec, ...] = (
    TopicSpec(VESSEL_ARRIVALS, "VesselArrival", "facility", "input", dict(_INPUT_CONFIGS)),
    TopicSpec(GATE_MOVES, "GateMove", "facility", "input", dict(_INPUT_CONFIGS)),
    TopicSpec(CONTAINER_EVENTS, "ContainerEvent", "facility", "input", dict(_INPUT_CONFIGS)),
    TopicSpec(CHASSIS_CHECKOUTS, "ChassisCheckout", "chassis_id", "input", dict(_INPUT_CONFIGS)),
    TopicSpec(RAIL_DEPARTURES, "RailDeparture", "facility", "input", dict(_INPUT_CONFIGS)),
    TopicSpec(
        CONGESTION_INDICATORS,
        "CongestionIndicator",
        "scope",
        "output",
        {"retention.ms": str(14 * DAY_MS)},
    ),
    TopicSpec(
        CONGESTION_LATEST,
        "CongestionIndicator",
        "scope|indicator",
        "output",
        {
            "cleanup.policy": "compact",
            "segment.ms": str(LATEST_SEGMENT_MS),
            "min.cleanable.dirty.ratio": LATEST_DIRTY_RATIO,
        },
    ),
    TopicSpec(CONGESTION_ALERTS, "CongestionAlert", "scope", "output", {"retention.ms": str(30 * DAY_MS)}),
    TopicSpec(DEAD_LETTER, "DeadLetter", "original", "dead-letter", {"retention.ms": str(30 * DAY_MS)}),
    TopicSpec(
        WEBHOOK_SUBSCRIPTIONS,
        "WebhookSubscription (JSON)",
        "subscription id",
        "state",
        {"cleanup.policy": "compact", "min.cleanable.dirty.ratio": LATEST_DIRTY_RATIO},
    ),
    TopicSpec(
        CONTAINER_STATUS,
        "ContainerStatus",
        "container_id",
        "output",
        {
            "cleanup.policy": "compact",
            "segment.ms": str(LATEST_SEGMENT_MS),
            "min.cleanable.dirty.ratio": LATEST_DIRTY_RATIO,
        },
    ),
)
"""`webhook-subscriptions` (docs/webhooks.md): the subscriptions made through the dashboard's API, one record per
id, a tombstone when deleted; every dashboard and every `baystream webhooks` reads it whole. Compacted, so it
never loses a live subscription; readers take every partition, so the count does not matter.

`container-status` (docs/containers.md): the newest status of each container, keyed by container number, kept
by `baystream containers` (streams/containers/); compacted like `congestion-latest`, since readers warm up
from its beginning and only the newest status per container matters."""

BY_NAME = {spec.name: spec for spec in CATALOG}
INPUT_TOPICS = tuple(spec.name for spec in CATALOG if spec.role == "input")
TOPIC_FOR_SCHEMA = {spec.schema: spec.name for spec in CATALOG if spec.role == "input"}
KEY_FIELD_FOR_SCHEMA = {spec.schema: spec.key for spec in CATALOG if spec.role == "input"}


def spec(name: str) -> TopicSpec:
    """The catalog entry of a topic, or a clear error listing the known ones."""
    try:
        return BY_NAME[name]
    except KeyError:
        raise KeyError(f"unknown topic {name!r}; known topics: {', '.join(BY_NAME)}") from None


def min_insync_replicas(replication_factor: int) -> int | None:
    """Replicas that must have a write before acks=all answers: 2 of 3 (one broker may be down and writes
    go on; two down and producers wait rather than keep data on a single disk); min(2, rf - 1) generally;
    None for one replica (nothing to set)."""
    return min(2, replication_factor - 1) if replication_factor >= 2 else None


def topic_configs(topic: TopicSpec, settings: Settings, replication_factor: int | None = None) -> dict[str, str]:
    """The configs `topic` gets under `settings`: its own, plus `min.insync.replicas` when replicated.

    `replication_factor` is that of an existing topic when it differs from the settings': a topic with one
    replica must never get min.insync.replicas=2 (every acks=all write to it would fail).
    """
    configs = dict(topic.configs)
    isr = min_insync_replicas(settings.kafka.replication_factor if replication_factor is None else replication_factor)
    if isr is not None:
        configs["min.insync.replicas"] = str(isr)
    return configs


def _same_value(actual: str | None, wanted: str) -> bool:
    """Kafka answers numbers in its own form (1 -> 1.0): compare those as numbers, the rest as text."""
    if actual is None:
        return False
    try:
        return Decimal(actual) == Decimal(wanted)
    except InvalidOperation:
        return actual.strip() == wanted


def config_differences(
    wanted: Mapping[str, str], actual: Mapping[str, str | None]
) -> dict[str, tuple[str | None, str]]:
    """config -> (value on the topic or None when not set, value wanted), for the wanted ones that differ.

    Only the keys of `wanted` are looked at: configs the catalog does not set stay as they are.
    """
    return {k: (actual.get(k), v) for k, v in wanted.items() if not _same_value(actual.get(k), v)}


@dataclass(frozen=True)
class TopicReport:
    """What `reconcile_topics` found and did for one catalog topic."""

    name: str
    outcome: str
    """'created', 'exists' (left as it was) or 'updated' (configs altered)."""
    changed: tuple[tuple[str, str | None, str], ...] = ()
    """(config, value before or None when it was not set, value now), for every config altered."""
    notes: tuple[str, ...] = ()
    """What differs from the catalog and was not changed, or could not be checked, and why."""


def _reason(exc: BaseException) -> str:
    error = exc.args[0] if exc.args else None
    if isinstance(error, KafkaError):
        return f"{error.name()}: {error.str()}"
    return f"{type(exc).__name__}: {exc}"


def _replication_factor(metadata: Any) -> int | None:
    """The smallest replica count of a topic's partitions (None without partition metadata)."""
    counts = [len(p.replicas) for p in metadata.partitions.values()]
    return min(counts) if counts else None


def create_new_topics(admin: AdminClient, topics: Sequence[NewTopic], timeout: float = 15.0) -> set[str]:
    """Create `topics`; one that another process created meanwhile is no error. The names this call created."""
    created: set[str] = set()
    if not topics:
        return created
    for name, future in admin.create_topics(list(topics), request_timeout=timeout).items():
        try:
            future.result()
            created.add(name)
        except KafkaException as exc:
            if "TOPIC_ALREADY_EXISTS" not in str(exc):
                raise
    return created


def reconcile_topics(settings: Settings, timeout: float = 15.0) -> list[TopicReport]:
    """Create the missing catalog topics; bring the catalog's configs back on those that exist.

    For an existing topic: configs that differ from `topic_configs` are altered (incremental alter configs,
    only the catalog's keys); a partition count or replication factor that differs is reported, never
    changed (more partitions move keys between partitions, and the replication factor needs a partition
    reassignment). A broker that cannot describe or alter configs gets a note ("configs not checked: ...")
    and the topic is left as it is. One report per catalog topic, in catalog order.
    """
    admin = AdminClient(admin_config(settings))
    present = admin.list_topics(timeout=timeout).topics
    reports: dict[str, TopicReport] = {}
    missing = [t for t in CATALOG if t.name not in present]
    raced = False
    if missing:
        wanted = [
            NewTopic(
                t.name,
                num_partitions=t.partitions or settings.kafka.partitions,
                replication_factor=settings.kafka.replication_factor,
                config=topic_configs(t, settings),
            )
            for t in missing
        ]
        created = create_new_topics(admin, wanted, timeout)
        reports.update({name: TopicReport(name, "created") for name in created})
        raced = len(created) < len(wanted)  # created meanwhile by another process: checked like any existing topic
    if raced:
        present = admin.list_topics(timeout=timeout).topics
    existing = [t for t in CATALOG if t.name not in reports]
    reports.update(_reconcile_existing(admin, settings, existing, present, timeout))
    return [reports[t.name] for t in CATALOG]


def _reconcile_existing(
    admin: AdminClient, settings: Settings, topics: list[TopicSpec], present: Mapping[str, Any], timeout: float
) -> dict[str, TopicReport]:
    notes: dict[str, list[str]] = {t.name: [] for t in topics}
    wanted: dict[str, dict[str, str]] = {}
    for t in topics:
        metadata = present.get(t.name)
        rf = _replication_factor(metadata) if metadata is not None else None
        if metadata is not None and metadata.partitions:  # none while the topic is being created or deleted
            partitions, asked = len(metadata.partitions), t.partitions or settings.kafka.partitions
            if partitions != asked:
                notes[t.name].append(
                    f"partitions: {partitions} on the cluster, {asked} in the settings; not changed "
                    "(partitions cannot be removed, and adding some moves keys to other partitions)"
                )
        if rf is not None and rf != settings.kafka.replication_factor:
            notes[t.name].append(
                f"replication factor: {rf} on the cluster, {settings.kafka.replication_factor} in the settings; "
                f"not changed (that needs a partition reassignment); configs follow the topic's {rf}"
            )
        wanted[t.name] = topic_configs(t, settings, rf)

    actual = _describe(admin, [t.name for t in topics], timeout, notes)
    changes = {name: diff for name in actual if (diff := config_differences(wanted[name], actual[name]))}
    altered = _alter(admin, changes, timeout, notes)
    reports = {}
    for t in topics:
        done = altered.get(t.name)
        if done:
            changed = tuple((key, before, after) for key, (before, after) in done.items())
            reports[t.name] = TopicReport(t.name, "updated", changed, tuple(notes[t.name]))
        else:
            reports[t.name] = TopicReport(t.name, "exists", (), tuple(notes[t.name]))
    return reports


def _describe(
    admin: AdminClient, names: list[str], timeout: float, notes: dict[str, list[str]]
) -> dict[str, dict[str, str | None]]:
    """The current configs of each topic the broker described; a note for each it could not."""
    if not names:
        return {}
    resources = [ConfigResource(ResourceType.TOPIC, name) for name in names]
    try:
        futures = admin.describe_configs(resources, request_timeout=timeout)
    except (KafkaException, ValueError, TypeError, NotImplementedError) as exc:
        for name in names:
            notes[name].append(f"configs not checked: {_reason(exc)}")
        return {}
    described: dict[str, dict[str, str | None]] = {}
    for resource, future in futures.items():
        try:
            entries = future.result()
        except KafkaException as exc:
            notes[resource.name].append(f"configs not checked: {_reason(exc)}")
            continue
        described[resource.name] = {key: entry.value for key, entry in entries.items()}
    return described


def _alter(
    admin: AdminClient,
    changes: dict[str, dict[str, tuple[str | None, str]]],
    timeout: float,
    notes: dict[str, list[str]],
) -> dict[str, dict[str, tuple[str | None, str]]]:
    """Set the differing configs of each topic (one request); the changes the broker accepted, by topic."""
    if not changes:
        return {}
    resources = [
        ConfigResource(
            ResourceType.TOPIC,
            name,
            incremental_configs=[
                ConfigEntry(key, after, incremental_operation=AlterConfigOpType.SET) for key, (_, after) in diff.items()
            ],
        )
        for name, diff in changes.items()
    ]
    try:
        futures = admin.incremental_alter_configs(resources, request_timeout=timeout)
    except (KafkaException, ValueError, TypeError, NotImplementedError) as exc:
        for name, diff in changes.items():
            notes[name].append(f"configs not updated ({', '.join(diff)}): {_reason(exc)}")
        return {}
    altered = {}
    for resource, future in futures.items():
        diff = changes[resource.name]
        try:
            future.result()
        except KafkaException as exc:
            notes[resource.name].append(f"configs not updated ({', '.join(diff)}): {_reason(exc)}")
            continue
        altered[resource.name] = diff
    return altered


def create_topics(settings: Settings, timeout: float = 15.0) -> dict[str, str]:
    """Create every catalog topic that does not exist yet and restore the catalog's configs on the others.

    Returns name -> 'created' | 'exists' | 'updated' ('updated': it existed, and configs were altered back
    to the catalog's). What could not be changed or checked is logged as a warning (`reconcile_topics` has it).
    """
    outcome = {}
    for report in reconcile_topics(settings, timeout):
        for key, before, after in report.changed:
            log.info("topic %s: %s %s -> %s", report.name, key, before, after)
        for note in report.notes:
            log.warning("topic %s: %s", report.name, note)
        outcome[report.name] = report.outcome
    return outcome


def wait_until_every_broker_lists(settings: Settings, names: list[str], timeout: float = 30.0) -> None:
    """Until each broker's own metadata (asked one by one) lists `names`: brokers learn of new topics a little
    after the controller made them, and a client asking a broker that has not would be told they do not exist."""
    deadline = time.monotonic() + timeout
    for address in str(settings.kafka.bootstrap).split(","):
        admin = AdminClient(admin_config(settings.with_overrides(bootstrap=address)))
        while True:
            listed = admin.list_topics(timeout=15).topics
            if all(name in listed and not listed[name].error for name in names):
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"{address} does not list {sorted(set(names) - set(listed))} after {timeout:g}s")
            time.sleep(0.2)


def describe_topics(settings: Settings, timeout: float = 15.0) -> list[tuple[str, int, str, str]]:
    """(name, partitions, value schema, key) for the catalog topics present on the cluster."""
    admin = AdminClient(admin_config(settings))
    present = admin.list_topics(timeout=timeout).topics
    return [(t.name, len(present[t.name].partitions), t.schema, t.key) for t in CATALOG if t.name in present]
