"""Fault campaign: killed workers, rebalances, killed Kafka brokers, a killed gateway, a saturated machine,
a killed container-status keeper.

    .venv/bin/python bench/faults.py --engine {tansu,kafka} [--kills 50] [--seed 1] [--hours 24] [--quick]
                                     [--only 1,2,...] [--check-every 10] [--logs DIR] [--keep-logs]

Every scenario publishes a known simulated stream (`simulate("normal", hours, seed)`), injects its faults
while `baystream worker` processes (or `baystream gateway` accepts) it, waits until things settle, and
compares:

- workers: the final `congestion-latest` (every (scope, indicator) value and level) with
  `streams.replay.replay` of the same events, and the event counts of the worker's state (the newest
  partial of each input partition on `<app_id>-partials`, what the combiner holds) with those of one
  engine over the events: a count above the replay's is an event counted twice, below it one lost;
- gateway: every event id on its input topic exactly once at the end (missing: lost, more: twice), and
  every event of a batch answered 202 on its topic;
- container keeper (`baystream containers`): the last status of every container on `container-status` with
  the model's (`StatusBook`) over the same events (missing or different: lost), and its saved moves on
  `<group>-state` (an event id held twice: counted twice).

Scenarios (3 on Kafka only):
1. `--kills` SIGKILLs of one worker (`--checkpoint-interval 0.5`), the events published in `--kills + 1`
   chunks, one before each kill; moments drawn at random: as soon as a reader of the checkpoint changelogs
   sees a checkpoint record (often between a checkpoint's chunks and its header), at a random sub-second
   offset after one, at a random moment after the worker got its partitions, in a quiet period (every
   published record committed: nothing new to read), or during start-up/recovery. Restarted each time.
2. Two and three workers (one app id, separate state dirs): a worker joins or one is killed, and one is
   killed during the rebalance that follows (as soon as a worker prints its new assignment, or at a random
   moment of the join); the killed one restarts.
3. Kafka: the leader broker of input partitions, of the checkpoint and combiner changelogs, of the
   partials topic and the group coordinator SIGKILLed and restarted while events flow; then a full
   cluster restart while the worker runs.
4. The gateway SIGKILLed while three client threads post batches; after each restart the client retries
   every batch that got no answer (or a 503) and about half of those answered 202.
5. Scenario 1's kills with both cores saturated by two busy-loop processes.
6. `baystream containers` SIGKILLed 12 times (2 with `--quick`) over at least 72 simulated hours, the events
   in chunks, one before each kill; moments: 0.3-4 s after its start, 0-2 s after it started reading, as soon
   as its committed offsets moved, in a quiet period (every input committed); restarted each time.

`--quick` runs a small version of each (a few kills). Prints one line per scenario, then
`faults: <k> worker kills, <b> broker kills, <g> gateway kills, <c> container-keeper kills; lost <n>, counted
twice <m>`; exit status 1 when anything was lost, counted twice or differs. Logs (worker, gateway and keeper
output, the schedule of kills with the seed) go to `--logs` (default a temporary folder), kept for failing
scenarios or `--keep-logs`. Details: docs/reliability.md.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from collections import Counter, deque
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import orjson

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from confluent_kafka import OFFSET_BEGINNING, OFFSET_END, Consumer, KafkaError, KafkaException, Message, TopicPartition
from confluent_kafka.admin import AdminClient

from baystream.infra.broker import free_port
from baystream.infra.kafka_config import admin_config, consumer_config
from baystream.infra.reader import read_topic
from baystream.infra.settings import Settings
from baystream.infra.topics import CATALOG, CONTAINER_STATUS, INPUT_TOPICS, reconcile_topics
from baystream.producers.gateway.identities import RULES, Role, hash_key, new_key
from baystream.producers.publisher import Publisher
from baystream.producers.simulator import simulate
from baystream.schemas.json_form import to_json
from baystream.schemas.wire import Codec
from baystream.streams import checkpoint
from baystream.streams.app import ensure_topics, partials_topic
from baystream.streams.config import IndicatorConfig
from baystream.streams.containers.processor import CONTAINER_KEY, book_for
from baystream.streams.containers.processor import INPUTS as CONTAINER_INPUTS
from baystream.streams.containers.processor import state_topic as container_state_topic
from baystream.streams.engine import PartitionEngine
from baystream.streams.replay import replay
from bench.engines import bench_broker, child_env, machine
from tests.brokers import KAFKA_BROKERS, reset_topics, settings_for

ROOT = Path(__file__).resolve().parents[1]
PARTITION_EOF = KafkaError._PARTITION_EOF
CHECKPOINT_INTERVAL = "0.5"
WORKER_LOGLEVEL = os.environ.get("FAULTS_WORKER_LOGLEVEL", "info")
"""Faust's log level in the workers' logs (info: rebalances, recovery, seeks), kept for failing scenarios."""
OUTCOMES = ("VesselArrival", "GateMove", "ContainerEvent", "ChassisCheckout", "RailDeparture")
"""With not_actual, future and too_late: where an applied event is counted, once (PartitionEngine.apply)."""
COUNTED = (*OUTCOMES, "not_actual", "future", "too_late")

Values = dict[tuple[str, str], tuple[float | None, str | None]]
Event = dict[str, Any]


# -- results -----------------------------------------------------------------------------------------------


@dataclass
class Outcome:
    """What one scenario did and found."""

    number: int
    name: str
    events: int = 0
    worker_kills: int = 0
    broker_kills: int = 0
    broker_restarts: int = 0
    gateway_kills: int = 0
    keeper_kills: int = 0
    lost: int = 0
    twice: int = 0
    differences: list[str] = field(default_factory=list)
    details: list[str] = field(default_factory=list)
    """Facts for the scenario's line (kill moments, replays deduplicated, ...)."""
    problems: dict[str, list[str]] = field(default_factory=dict)
    """Things that went wrong besides losses, by kind (a worker exiting by itself, commits lagging, ...):
    every occurrence's detail, in order."""
    seconds: float = 0.0
    logs: Path | None = None

    def problem(self, kind: str, detail: str) -> None:
        self.problems.setdefault(kind, []).append(detail)

    @property
    def failed(self) -> bool:
        return bool(self.lost or self.twice or self.differences)

    def line(self) -> str:
        kills = []
        if self.worker_kills:
            kills.append(f"{self.worker_kills} worker kills")
        if self.broker_kills:
            kills.append(f"{self.broker_kills} broker kills")
        if self.broker_restarts:
            kills.append(f"{self.broker_restarts} cluster restarts")
        if self.gateway_kills:
            kills.append(f"{self.gateway_kills} gateway kills")
        if self.keeper_kills:
            kills.append(f"{self.keeper_kills} container-keeper kills")
        verdict = f"lost {self.lost}, counted twice {self.twice}"
        if self.differences:
            verdict += f", {len(self.differences)} values differ: " + "; ".join(self.differences[:5])
        text = f"{self.number} {self.name}: {', '.join(kills) or 'no kills'}, {self.events:,} events; {verdict}"
        text += f"; {self.seconds:.0f} s"
        if self.details:
            text += " [" + "; ".join(self.details) + "]"
        if self.problems:
            text += " PROBLEMS: " + "; ".join(
                f"{kind} x{len(seen)} (first: {seen[0]})" if len(seen) > 1 else f"{kind} ({seen[0]})"
                for kind, seen in self.problems.items()
            )
        if self.logs is not None:
            text += f" (logs: {self.logs})"
        return text


class Journal:
    """The schedule of one scenario (what was done when), written as it happens to `schedule.txt`."""

    def __init__(self, folder: Path, header: str):
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.started = time.monotonic()
        self._file = open(folder / "schedule.txt", "a", encoding="utf-8")  # noqa: SIM115 - closed by close()
        self.write(header)

    def write(self, text: str) -> None:
        self._file.write(f"{time.monotonic() - self.started:8.2f}s {time.strftime('%H:%M:%S')} {text}\n")
        self._file.flush()

    def close(self) -> None:
        self._file.close()


# -- brokers -----------------------------------------------------------------------------------------------


class Arena:
    """Where scenarios run, each on empty catalog topics (bench/engines.py `bench_broker`): a new embedded
    broker each (tansu), or one Kafka cluster, its topics deleted and recreated before each (`cluster`: an
    infra.kafka_cluster.KafkaCluster, running; scenario 3 kills and restarts its nodes)."""

    def __init__(self, engine: str, cluster: Any = None):
        if engine not in ("tansu", "kafka"):
            raise ValueError(f"engine {engine!r}: tansu or kafka")
        if engine == "kafka" and cluster is None:
            raise ValueError("the kafka engine needs a running KafkaCluster")
        self.engine = engine
        self.cluster = cluster

    @contextmanager
    def fresh(self) -> Iterator[Settings]:
        if self.engine == "tansu":
            with bench_broker("tansu") as broker:
                yield broker.settings
            return
        settings = settings_for("kafka", self.cluster.bootstrap)
        with contextlib.redirect_stdout(io.StringIO()):  # create_topics' notes on topics still being deleted
            reset_topics(settings)
            recreated(settings)
        yield settings


def recreated(settings: Settings, timeout: float = 90.0) -> None:
    """Until every broker lists the catalog topics and each has the catalog's configs.

    Right after `reset_topics` a broker may still list a deleted topic (create_topics then takes it for an
    existing one) or not list a new one yet (its configs cannot be checked): ask again until all is there.
    """
    deadline = time.monotonic() + timeout
    names = [topic.name for topic in CATALOG]
    addresses = str(settings.kafka.bootstrap).split(",")
    admins = [AdminClient(admin_config(settings.with_overrides(bootstrap=address))) for address in addresses]
    while True:
        # creates what is missing (a broker listing a deleted topic made create_topics skip it), checks configs
        unchecked = [r.name for r in reconcile_topics(settings) if any("not checked" in n for n in r.notes)]
        listed = [admin.list_topics(timeout=15).topics for admin in admins]
        missing = {name for topics in listed for name in names if name not in topics or topics[name].error}
        if not missing and not unchecked:
            return
        if time.monotonic() > deadline:
            what = ", ".join(sorted(missing) or unchecked)
            raise RuntimeError(f"catalog topics not recreated on {settings.kafka.bootstrap}: {what}")
        time.sleep(1.0)


# -- processes ---------------------------------------------------------------------------------------------


def baystream_child(command: Sequence[str], env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    """`python -m baystream <command>` from the working tree, its output (both streams) into `log`."""
    return subprocess.Popen(
        [sys.executable, "-m", "baystream", *command],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


class Worker:
    """One `baystream worker` child, its output in `log_path` (kept after it ends)."""

    def __init__(self, settings: Settings, app_id: str, log_path: Path, state_dir: Path, *args: str):
        args = ("--loglevel", WORKER_LOGLEVEL, *args)
        self.log_path = log_path
        self.spawned = time.monotonic()
        state_dir.mkdir(parents=True, exist_ok=True)
        env = child_env(
            settings,
            BAYSTREAM_APP_ID=app_id,
            BAYSTREAM_TABLE_STORE="memory://",
            BAYSTREAM_STATE_DIR=str(state_dir),
            BAYSTREAM_METRICS_PORT="0",
            BAYSTREAM_WORKER_WEB_PORT="0",
            BAYSTREAM_PUBLISH_INTERVAL_S="1",
        )
        self._log: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - closed when the process is reaped
        self.process = baystream_child(["worker", "--checkpoint-interval", CHECKPOINT_INTERVAL, *args], env, self._log)

    def output(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def assignments(self) -> int:
        """How many times it printed `assigned input partitions` (once per rebalance it took part in)."""
        return self.output().count("assigned input partitions")

    def alive(self) -> bool:
        return self.process.poll() is None

    def kill(self) -> int | None:
        """SIGKILL (None if it was running), else the status it had exited with by itself."""
        code = self.process.poll()
        if code is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self._log.close()
        return code

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


class Burners:
    """Busy-loop processes, one per core, for as long as the context lasts."""

    def __init__(self, count: int):
        self.count = count
        self.processes: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> Burners:
        for _ in range(self.count):
            self.processes.append(subprocess.Popen([sys.executable, "-c", "while True: pass"]))
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            process.kill()
            process.wait(10)


# -- reading the topics ------------------------------------------------------------------------------------


def wait_for_topic(settings: Settings, topic: str, timeout: float = 60.0) -> list[int]:
    """The partitions of `topic` once it exists (a worker creates its changelogs as it starts).

    Asks for the metadata of every topic: a metadata request naming a missing topic makes Tansu (and
    Kafka with auto.create.topics.enable) create it, with the default partition count, under the worker.
    """
    admin = AdminClient(admin_config(settings))
    deadline = time.monotonic() + timeout
    while True:
        with contextlib.suppress(KafkaException):
            metadata = admin.list_topics(timeout=5).topics.get(topic)
            if metadata is not None and metadata.error is None and metadata.partitions:
                return sorted(metadata.partitions)
        if time.monotonic() > deadline:
            raise TimeoutError(f"topic {topic} not there after {timeout:g}s")
        time.sleep(0.2)


class TopicTail:
    """Reads a topic from the beginning, a bit more at each `read()`: up to the end as of that call.

    The end is where ListOffsets says it is and, beyond, where the fetch responses say it is: Tansu's
    ListOffsets answers the base offset of a partition's last batch plus one (7 for a partition whose
    records 6-8 came in one batch), while its fetch responses carry the true high watermark (9)."""

    def __init__(self, settings: Settings, topic: str):
        self.topic = topic
        self.consumer = Consumer(consumer_config(settings, None, **{"fetch.wait.max.ms": 100}))
        self.partitions = wait_for_topic(settings, topic)
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in self.partitions])
        self.next = dict.fromkeys(self.partitions, 0)

    def read(self, timeout: float = 120.0) -> list[Message]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                high = {
                    p: self.consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=10)[1]
                    for p in self.partitions
                }
                break
            except KafkaException:  # a broker restarting: ask again
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.5)
        out: list[Message] = []
        idle = False
        while not idle or any(self.next[p] < high[p] for p in self.partitions):
            messages = self.consumer.consume(2000, 0.3)
            idle = not messages
            for message in messages:
                if message.error() is None:
                    out.append(message)
                    self.next[message.partition() or 0] = (message.offset() or 0) + 1
            for position in self.consumer.position([TopicPartition(self.topic, p) for p in self.partitions]):
                if position.offset >= 0:  # past records compaction removed
                    self.next[position.partition] = max(self.next[position.partition], position.offset)
            for p in self.partitions:  # the high watermark of the last fetch response, when there was one
                fetched = self.consumer.get_watermark_offsets(TopicPartition(self.topic, p), cached=True)
                if fetched is not None and fetched[1] > high[p]:
                    high[p] = fetched[1]
            if time.monotonic() > deadline:
                raise TimeoutError(f"reading {self.topic}: not at {high} after {timeout:g}s (at {self.next})")
        return out

    def close(self) -> None:
        self.consumer.close()


class Latest:
    """The last value per (scope, indicator) on congestion-latest."""

    def __init__(self, settings: Settings):
        self.tail = TopicTail(settings, "congestion-latest")
        self.codec = Codec()
        self.values: Values = {}

    def read(self) -> Values:
        for message in self.tail.read():
            record = self.codec.decode(message.value())
            self.values[(record["scope"], record["indicator"])] = (record["value"], record["level"])
        return dict(self.values)


class PartialBoard:
    """The newest partial of each input partition on `<app_id>-partials`, taken as the combiner takes them
    (`Board.offer`: a lower position than the source's last is stale), and their event counts."""

    def __init__(self, settings: Settings):
        self.tail = TopicTail(settings, partials_topic(settings))
        self.best: dict[str, tuple[int, dict[str, int]]] = {}
        self.history: list[str] = []
        """offset source position applied watermark, one line per partial (for the logs of a failure)."""

    def read(self) -> None:
        for message in self.tail.read():
            data = message.value()
            if data is None:
                continue
            partial = checkpoint.decode(data)
            source, position = str(partial["source"]), int(partial["position"])
            counts = dict(partial["partial"]["counts"])
            applied = sum(counts.get(k, 0) for k in COUNTED)
            stale = position < self.best.get(source, (-1, {}))[0]
            self.history.append(
                f"{message.offset()} {source} position {position} applied {applied} duplicates "
                f"{counts.get('duplicate', 0)} watermark {partial['partial']['watermark']}{' stale' if stale else ''}"
            )
            if not stale:
                self.best[source] = (position, counts)

    def counts(self) -> Counter[str]:
        total: Counter[str] = Counter()
        for _, counts in self.best.values():
            total.update(counts)
        return total


class ChangelogWatch:
    """Sees the next record written to the worker's table changelogs (checkpoints and combiner board)."""

    def __init__(self, settings: Settings, app_id: str):
        self.settings = settings
        self.topics = [f"{app_id}-checkpoints-changelog", f"{app_id}-combiner-changelog"]
        self.consumer: Consumer | None = None

    def arm(self) -> None:
        """From now on: records written before this call do not count."""
        if self.consumer is None:
            self.partitions = [(t, p) for t in self.topics for p in wait_for_topic(self.settings, t)]
            config = consumer_config(
                self.settings,
                None,
                **{"fetch.wait.max.ms": 10, "fetch.error.backoff.ms": 50, "enable.partition.eof": True},
            )
            self.consumer = Consumer(config)
        self.consumer.assign([TopicPartition(t, p, OFFSET_END) for t, p in self.partitions])
        # OFFSET_END comes from ListOffsets, which Tansu may understate (see TopicTail): skip to the true end
        at_end: set[tuple[str, int]] = set()
        deadline = time.monotonic() + 10
        while len(at_end) < len(self.partitions) and time.monotonic() < deadline:
            message = self.consumer.poll(0.05)
            error = None if message is None else message.error()
            if message is not None and error is not None and error.code() == PARTITION_EOF:
                at_end.add((message.topic() or "", message.partition() or 0))

    def next_record(self, timeout: float, alive: Callable[[], bool]) -> tuple[str, int, int, str] | None:
        """(topic, partition, offset, key) of the first record written since `arm()`, None if none in time."""
        assert self.consumer is not None, "arm() first"
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and alive():
            message = self.consumer.poll(0.01)
            if message is not None and message.error() is None:  # (not an end-of-partition event)
                key = (message.key() or b"").decode(errors="replace").strip('"')
                return message.topic() or "", message.partition() or 0, message.offset() or 0, key
        return None

    def header_followed(self, topic: str, partition: int, offset: int, key: str) -> bool:
        """After a kill on a chunk record (`name#slot.i`): did the checkpoint's header `name` reach the log?"""
        name = key.split("#", 1)[0]
        reader = Consumer(consumer_config(self.settings, None))
        try:
            reader.assign([TopicPartition(topic, partition, offset + 1)])
            _, high = reader.get_watermark_offsets(TopicPartition(topic, partition), timeout=10)
            position = offset + 1
            deadline = time.monotonic() + 30
            while position < high and time.monotonic() < deadline:
                message = reader.poll(0.5)
                if message is None or message.error() is not None:
                    continue
                position = (message.offset() or 0) + 1
                if (message.key() or b"").decode(errors="replace").strip('"') == name:
                    return True
            return False
        finally:
            reader.close()

    def close(self) -> None:
        if self.consumer is not None:
            self.consumer.close()


Where = tuple[str, int]


def input_offsets(
    settings: Settings, group: str, timeout: float = 10.0, topics: Sequence[str] = INPUT_TOPICS
) -> tuple[dict[Where, int], dict[Where, int]]:
    """The group's committed offset and the end of every partition (topic, p) of `topics` (the worker's inputs
    unless told); KafkaException when the broker cannot tell. The end is where a fetch from the committed
    offset finds nothing: not ListOffsets', which Tansu may understate (see TopicTail)."""
    consumer = Consumer(consumer_config(settings, group, **{"enable.auto.commit": False, "enable.partition.eof": True}))
    try:
        wanted = [TopicPartition(t, p) for t in topics for p in range(settings.kafka.partitions)]
        committed = {(tp.topic, tp.partition): tp.offset for tp in consumer.committed(wanted, timeout=timeout)}
        consumer.assign([TopicPartition(t, p, max(c, OFFSET_BEGINNING)) for (t, p), c in committed.items()])
        ends = {where: max(offset, 0) for where, offset in committed.items()}
        at_end: set[Where] = set()
        deadline = time.monotonic() + timeout
        while len(at_end) < len(committed):
            if time.monotonic() > deadline:
                raise KafkaException(f"no end of every input partition within {timeout:g}s")
            message = consumer.poll(0.2)
            if message is None:
                continue
            where = (message.topic() or "", message.partition() or 0)
            error = message.error()
            if error is None:
                ends[where] = (message.offset() or 0) + 1
            elif error.code() == PARTITION_EOF:
                at_end.add(where)
        return committed, ends
    finally:
        consumer.close()


def uncommitted(
    settings: Settings, group: str, timeout: float = 10.0, topics: Sequence[str] = INPUT_TOPICS
) -> list[str] | None:
    """The input partitions (of `topics`) whose committed offset (of the group) is not at its end, as
    `topic/p: committed c, end e`; None when the broker could not tell."""
    try:
        committed, ends = input_offsets(settings, group, timeout, topics)
    except KafkaException:  # a broker down or restarting
        return None
    behind = [(where, end) for where, end in sorted(ends.items()) if max(committed[where], 0) < end]
    return [f"{t}/{p}: committed {committed[(t, p)]}, end {end}" for (t, p), end in behind]


def caught_up(settings: Settings, board: PartialBoard) -> bool:
    """True when the newest partial of every input partition covers its end (position: the sum of its topics'
    next offsets): the worker has read, applied and reported everything, whatever it committed."""
    try:
        _, ends = input_offsets(settings, settings.worker.app_id)
    except KafkaException:
        return False
    board.read()
    return all(
        board.best.get(f"p{p}", (-1, {}))[0] == sum(ends[(t, p)] for t in INPUT_TOPICS)
        for p in range(settings.kafka.partitions)
    )


def fully_committed(settings: Settings, group: str) -> bool:
    """True when the group's committed offset of every input partition is at its end."""
    return uncommitted(settings, group) == []


# -- what the events should give ---------------------------------------------------------------------------


def expected_values(events: Sequence[Event]) -> Values:
    """What `indicators replay` ends with (levels checked once: only the final values matter)."""
    snapshot = replay(events, IndicatorConfig(), check_every_minutes=10**9)
    return {(v.scope, v.indicator): (v.value, v.level) for v in snapshot.indicators}


def expected_counts(events: Sequence[Event]) -> Counter[str]:
    """The counts one engine keeps over the events, each applied once."""
    engine = PartitionEngine(IndicatorConfig())
    for event in events:
        engine.apply(event)
    return Counter(engine.counts)


def same(a: Values, b: Values, rel: float = 1e-9) -> bool:
    """Equal keys, levels, and values up to float summation order."""
    return a.keys() == b.keys() and not any(_differs(a[k], b[k], rel) for k in a)


def _differs(x: tuple[float | None, str | None], y: tuple[float | None, str | None], rel: float = 1e-9) -> bool:
    (value, level), (other, other_level) = x, y
    if level != other_level or (value is None) != (other is None):
        return True
    return value is not None and other is not None and abs(value - other) > rel * max(1.0, abs(value), abs(other))


def differences(got: Values, want: Values) -> list[str]:
    """What differs, readable: `scope/indicator: stream (value, level) != replay (value, level)`."""
    out = [f"missing {k[0]}/{k[1]}" for k in sorted(want.keys() - got.keys())]
    out += [f"extra {k[0]}/{k[1]}" for k in sorted(got.keys() - want.keys())]
    out += [
        f"{k[0]}/{k[1]}: stream {got[k]} != replay {want[k]}"
        for k in sorted(got.keys() & want.keys())
        if _differs(got[k], want[k])
    ]
    return out


@dataclass
class Verdict:
    values_equal: bool
    differences: list[str]
    lost: int
    twice: int
    count_deltas: dict[str, int]
    deduplicated: int
    settled_in: float
    committed: bool
    uncommitted: list[str] | None


def settle(
    settings: Settings,
    app_id: str,
    events: Sequence[Event],
    latest: Latest,
    board: PartialBoard,
    timeout: float = 180.0,
    quiet_s: float = 30.0,
    watch: Callable[[], None] | None = None,
    commit_grace_s: float = 20.0,
) -> Verdict:
    """Wait until the group committed every input record and congestion-latest equals the replay; or until
    the values are equal but the commits still lag `commit_grace_s` later, or nothing changed for `quiet_s`
    with everything committed, or `timeout`. Then compare values and counts."""
    want = expected_values(events)
    want_counts = expected_counts(events)
    started = time.monotonic()
    values: Values = {}
    unchanged_since = started
    committed = False
    left: list[str] | None = None
    equal_since: float | None = None
    while True:
        if watch is not None:
            watch()
        seen = latest.read()
        if seen != values:
            values, unchanged_since = seen, time.monotonic()
        left = uncommitted(settings, app_id)
        committed = left == []
        now = time.monotonic()
        equal = same(values, want)
        if equal and committed:
            break
        equal_since = (equal_since or now) if equal else None
        if equal_since is not None and now - equal_since > commit_grace_s:
            break
        if (committed and now - unchanged_since > quiet_s) or now - started > timeout:
            break
        time.sleep(1.0)
    board.read()
    got_counts = board.counts()
    deltas = {k: got_counts.get(k, 0) - want_counts.get(k, 0) for k in COUNTED}
    deltas = {k: d for k, d in deltas.items() if d}
    return Verdict(
        values_equal=same(values, want),
        differences=differences(values, want),
        lost=sum(-d for d in deltas.values() if d < 0),
        twice=sum(d for d in deltas.values() if d > 0),
        count_deltas=deltas,
        deduplicated=got_counts.get("duplicate", 0),
        settled_in=time.monotonic() - started,
        committed=committed,
        uncommitted=left,
    )


def combiner_board(settings: Settings, app_id: str) -> dict[str, Any] | None:
    """The combiner's saved board (positions of the partials it took), read back from its changelog."""
    table: dict[str, bytes] = {}
    topic = f"{app_id}-combiner-changelog"
    if topic not in AdminClient(admin_config(settings)).list_topics(timeout=10).topics:
        return None  # (reading it would create it)
    with contextlib.suppress(Exception):
        for message in read_topic(settings, topic, idle_timeout=3.0):
            key = (message.key() or b"").decode(errors="replace").strip('"')
            value = message.value()
            if value is None:
                table.pop(key, None)
            else:
                table[key] = value
        return checkpoint.read(table, "board")
    return None


def diagnose(settings: Settings, app_id: str, events: Sequence[Event], board: PartialBoard, folder: Path) -> str:
    """After a failed check: a fresh read of congestion-latest (is it the tail?), the combiner's saved
    positions, every partial (partials.txt); one line for the schedule."""
    fresh = Latest(settings)
    try:
        values = fresh.read()
    finally:
        fresh.tail.close()
    saved = combiner_board(settings, app_id)
    (folder / "partials.txt").write_text("\n".join(board.history) + "\n")
    newest = {source: position for source, (position, _) in sorted(board.best.items())}
    positions = saved.get("positions") if saved else None
    return (
        f"diagnosis: a fresh read of congestion-latest equals the replay: {same(values, expected_values(events))}; "
        f"newest partial positions {newest}; the combiner's saved positions {positions}; partials in partials.txt"
    )


def check(
    settings: Settings,
    events: Sequence[Event],
    latest: Latest,
    board: PartialBoard,
    outcome: Outcome,
    journal: Journal,
    watch: Callable[[], None],
    label: str = "final",
    timeout: float = 180.0,
) -> Verdict:
    """Settle, compare, write it down; diagnose a failure."""
    verdict = settle(settings, settings.worker.app_id, events, latest, board, timeout=timeout, watch=watch)
    record_verdict(outcome, verdict, journal, label)
    if verdict.differences or verdict.lost or verdict.twice:
        journal.write(diagnose(settings, settings.worker.app_id, events, board, journal.folder))
    return verdict


def record_verdict(outcome: Outcome, verdict: Verdict, journal: Journal, label: str = "final") -> None:
    journal.write(
        f"{label} check: values equal {verdict.values_equal}, lost {verdict.lost}, twice {verdict.twice}, "
        f"count deltas {verdict.count_deltas}, replays deduplicated {verdict.deduplicated}, "
        f"all committed {verdict.committed}, settled in {verdict.settled_in:.1f}s"
        + ("" if verdict.committed else f"; not committed: {verdict.uncommitted}")
    )
    for line in verdict.differences:
        journal.write(f"  differs: {line}")
    if label != "final":
        if verdict.differences or verdict.lost or verdict.twice:
            outcome.problem(
                "an intermediate check differed",
                f"{label}: {len(verdict.differences)} values differ, lost {verdict.lost}, twice {verdict.twice}",
            )
        if not verdict.committed:
            outcome.problem("input not committed at a check", f"{label}: {verdict.uncommitted}")
        return
    outcome.lost += verdict.lost
    outcome.twice += verdict.twice
    outcome.differences = verdict.differences
    outcome.details.append(f"replays deduplicated {verdict.deduplicated}")
    outcome.details.append(f"settled in {verdict.settled_in:.0f} s")
    if not verdict.committed:
        outcome.problem("input not fully committed at the end", str(verdict.uncommitted))


# -- publishing --------------------------------------------------------------------------------------------


def publish(settings: Settings, events: Sequence[Event], timeout: float = 300.0) -> int:
    """Publish and wait for every acknowledgement; events whose delivery failed (a broker down too long)
    are published again (the worker deduplicates by event_id). Returns how many were published again."""
    pending = list(events)
    again = 0
    deadline = time.monotonic() + timeout
    while pending:
        failed: list[Event] = []
        publisher = Publisher(settings, validate=False)
        for event in pending:

            def on_delivery(error: Any, message: Any, event: Event = event, failed: list[Event] = failed) -> None:
                if error is not None:
                    failed.append(event)

            publisher.publish(event, on_delivery=on_delivery)
        with contextlib.suppress(Exception):
            publisher.flush(max(1.0, deadline - time.monotonic()))
        if failed and time.monotonic() > deadline:
            raise RuntimeError(f"{len(failed)} events not acknowledged within {timeout:g}s")
        again += len(failed)
        pending = failed
    return again


def chunks(events: Sequence[Event], n: int) -> list[list[Event]]:
    """`events` cut into `n` consecutive pieces of (nearly) equal size."""
    size, extra = divmod(len(events), n)
    out, start = [], 0
    for i in range(n):
        end = start + size + (1 if i < extra else 0)
        out.append(list(events[start:end]))
        start = end
    return out


# -- scenario 1 and 5: a worker killed again and again -----------------------------------------------------

MODES = (("checkpoint", 3.0), ("checkpoint+", 2.0), ("assigned+", 2.0), ("quiet", 1.5), ("startup", 1.5))
"""Kill moments and their weights: at a changelog record; a random 0-1 s after one; a random 0-2 s after
the worker printed its assignment; in a quiet period (everything published committed); 0.3-4 s after start."""


@dataclass
class Context:
    """What every scenario gets: where to run, the randomness, where logs go, how big."""

    arena: Arena
    seed: int
    hours: int
    logs: Path
    quick: bool
    check_every: int = 0
    say: Callable[[str], None] = print


class Workers:
    """The workers of one scenario: named, respawned under the same name (own state dir, a new log each)."""

    def __init__(self, settings: Settings, app_id: str, folder: Path, journal: Journal, outcome: Outcome):
        self.settings = settings
        self.app_id = app_id
        self.folder = folder
        self.journal = journal
        self.outcome = outcome
        self.live: dict[str, Worker] = {}
        self.runs: Counter[str] = Counter()

    def spawn(self, name: str) -> Worker:
        self.runs[name] += 1
        log = self.folder / f"{name}-{self.runs[name]:02d}.log"
        worker = Worker(self.settings, self.app_id, log, self.folder / f"state-{name}")
        self.live[name] = worker
        self.journal.write(f"spawn {name} (pid {worker.process.pid}, log {log.name})")
        return worker

    def kill(self, name: str, why: str) -> None:
        worker = self.live.pop(name)
        code = worker.kill()
        if code is None:
            self.outcome.worker_kills += 1
            self.journal.write(f"SIGKILL {name} (pid {worker.process.pid}) {why}")
        else:
            self.exited(name, worker, code)

    def exited(self, name: str, worker: Worker, code: int) -> None:
        crashes = re.findall(r"Crashed reason=(.*)", worker.output())
        reason = crashes[0].strip()[:200] if crashes else "no crash reason logged"
        self.outcome.problem("a worker exited by itself", f"{worker.log_path.name}: status {code}, {reason}")
        self.journal.write(f"worker {name} (log {worker.log_path.name}) exited by itself with status {code}: {reason}")

    def check(self) -> None:
        """Respawn any worker that exited by itself (and report it)."""
        for name, worker in list(self.live.items()):
            if not worker.alive():
                self.live.pop(name)
                self.exited(name, worker, worker.kill() or 0)
                self.spawn(name)

    def stop_all(self) -> None:
        for worker in self.live.values():
            worker.stop()
        self.live = {}


def wait_until(condition: Callable[[], bool], timeout: float, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return False


@dataclass
class Moment:
    description: str
    timed_out: bool = False
    uncommitted: list[str] | None = None
    """At a quiet moment: the input partitions whose committed offsets lag what the worker applied."""
    record: tuple[str, int, int, str] | None = None
    """The changelog record (topic, partition, offset, key) the kill followed, for the checkpoint moments."""


DELAYS = {"checkpoint": (0.0, 0.0), "checkpoint+": (0.0, 1.0), "assigned+": (0.0, 2.0), "quiet": (0.0, 1.5)}
DELAYS["startup"] = (0.3, 4.0)
"""The random part of each moment, in seconds (drawn before waiting, so a seed gives the same draws)."""
WAIT_S = 60.0
"""Longest wait for a moment; a worker that does not get there in time is a finding (Moment.timed_out)."""


def kill_moment(
    mode: str, delay: float, worker: Worker, watch: ChangelogWatch, settings: Settings, board: PartialBoard
) -> Moment:
    """Wait for the moment of `mode` (the chunk just published), then `delay` seconds more."""
    if mode == "startup":
        time.sleep(max(0.0, worker.spawned + delay - time.monotonic()))
        return Moment(f"{time.monotonic() - worker.spawned:.2f}s after start, assigned {worker.assignments() > 0}")
    if mode == "assigned+":
        if not wait_until(lambda: worker.assignments() > 0 or not worker.alive(), WAIT_S):
            return Moment(f"no assignment printed within {WAIT_S:g}s", timed_out=worker.alive())
        time.sleep(delay)
        return Moment(f"{delay:.2f}s after the assignment")
    if mode == "quiet":  # nothing new to read: everything applied and reported (committed or not)
        if not wait_until(lambda: caught_up(settings, board) or not worker.alive(), WAIT_S, 0.2):
            return Moment(f"not caught up within {WAIT_S:g}s", timed_out=worker.alive())
        time.sleep(delay)
        left = uncommitted(settings, settings.worker.app_id)
        return Moment(
            f"quiet: everything read and reported, {delay:.2f}s later; not committed: {left}", uncommitted=left
        )
    seen = watch.next_record(WAIT_S, worker.alive)
    if seen is None:
        alive = worker.alive()
        return Moment(f"no checkpoint record within {WAIT_S:g}s" if alive else "exited", timed_out=alive)
    topic, partition, offset, key = seen
    what = f"{topic} record {key!r} at {partition}/{offset}"
    time.sleep(delay)
    return Moment(f"{delay:.2f}s after {what}" if delay else f"at {what}", record=seen)


def scenario_kills(ctx: Context, number: int, kills: int, burners: int = 0) -> Outcome:
    """A worker SIGKILLed `kills` times at random moments, restarted each time; events in chunks between."""
    name = "worker kills" if not burners else f"worker kills, {burners} busy loops"
    outcome = Outcome(number, name)
    rng = random.Random(ctx.seed * 1000 + number)
    events = list(simulate("normal", ctx.hours, seed=ctx.seed + number))
    outcome.events = len(events)
    folder = ctx.logs / f"scenario-{number}"
    journal = Journal(folder, f"scenario {number} ({name}): seed {ctx.seed}, {ctx.hours} h, {len(events)} events")
    app_id = f"faults-{number}-{ctx.seed}"
    modes: Counter[str] = Counter()
    mid_checkpoint = 0
    quiet_uncommitted = 0
    started = time.monotonic()
    with ctx.arena.fresh() as settings, contextlib.ExitStack() as stack:
        settings = settings.with_overrides(app_id=app_id)
        ensure_topics(settings)
        if burners:
            stack.enter_context(Burners(burners))
            journal.write(f"{burners} busy loops running")
        workers = Workers(settings, app_id, folder, journal, outcome)
        stack.callback(workers.stop_all)
        workers.spawn("w")
        watch = ChangelogWatch(settings, app_id)
        stack.callback(watch.close)
        latest, board = Latest(settings), PartialBoard(settings)
        stack.callback(latest.tail.close)
        stack.callback(board.tail.close)
        pieces = chunks(events, kills + 1)
        published: list[Event] = []
        for index in range(kills):
            mode = rng.choices([m for m, _ in MODES], [w for _, w in MODES])[0]
            delay = rng.uniform(*DELAYS[mode])
            if mode.startswith("checkpoint"):
                watch.arm()
            again = publish(settings, pieces[index])
            published += pieces[index]
            journal.write(f"published chunk {index} ({len(pieces[index])} events, {again} again); moment {mode}")
            workers.check()
            moment = kill_moment(mode, delay, workers.live["w"], watch, settings, board)
            quiet_uncommitted += bool(moment.uncommitted)
            if moment.timed_out:
                outcome.problem(f"no {mode} moment within {WAIT_S:g}s", f"kill {index + 1}: {moment.description}")
            modes[mode] += 1
            workers.kill("w", f"kill {index + 1}/{kills}, {mode}: {moment.description}")
            if moment.record is not None and "#" in moment.record[3] and not watch.header_followed(*moment.record):
                mid_checkpoint += 1
                journal.write("  the kill came between the checkpoint's chunk and its header")
            workers.spawn("w")
            if ctx.check_every and (index + 1) % ctx.check_every == 0 and index + 1 < kills:
                check(settings, published, latest, board, outcome, journal, workers.check, f"after kill {index + 1}")
        publish(settings, pieces[-1])
        published += pieces[-1]
        journal.write(f"published the last chunk ({len(pieces[-1])} events)")
        check(settings, published, latest, board, outcome, journal, workers.check)
    outcome.details.insert(0, "moments " + ", ".join(f"{m} {modes[m]}" for m, _ in MODES if modes[m]))
    outcome.details.insert(1, f"{mid_checkpoint} between a checkpoint's chunk and its header")
    outcome.details.insert(2, f"{quiet_uncommitted} quiet ones before the offsets were committed")
    outcome.seconds = time.monotonic() - started
    journal.write(outcome.line())
    journal.close()
    return outcome


# -- scenario 2: two and three workers, kills during rebalances --------------------------------------------


def scenario_rebalances(ctx: Context, number: int, rounds: int) -> Outcome:
    """Workers join (2, 3) or one is killed (3 -> 2); another is killed during the rebalance that follows."""
    outcome = Outcome(number, "kills during rebalances (2-3 workers)")
    rng = random.Random(ctx.seed * 1000 + number)
    events = list(simulate("normal", ctx.hours, seed=ctx.seed + number))
    outcome.events = len(events)
    folder = ctx.logs / f"scenario-{number}"
    journal = Journal(folder, f"scenario {number} (rebalances): seed {ctx.seed}, {ctx.hours} h, {len(events)} events")
    app_id = f"faults-{number}-{ctx.seed}"
    started = time.monotonic()
    moments: Counter[str] = Counter()
    with ctx.arena.fresh() as settings, contextlib.ExitStack() as stack:
        settings = settings.with_overrides(app_id=app_id)
        ensure_topics(settings)
        workers = Workers(settings, app_id, folder, journal, outcome)
        stack.callback(workers.stop_all)
        latest, board = Latest(settings), PartialBoard(settings)
        stack.callback(latest.tail.close)
        stack.callback(board.tail.close)
        names = iter(f"w{i}" for i in range(1, 100))
        first = workers.spawn(next(names))
        wait_until(lambda: first.assignments() > 0, 120)
        pieces = chunks(events, rounds + 1)
        published: list[Event] = []
        for index in range(rounds):
            publish(settings, pieces[index])
            published += pieces[index]
            journal.write(f"round {index}: published chunk {index} ({len(pieces[index])} events)")
            target = 2 if index % 2 == 0 else 3
            before = {n: w.assignments() for n, w in workers.live.items()}
            if len(workers.live) < target:
                joiner = next(names)
                workers.spawn(joiner)
                before[joiner] = 0
                cause = f"{joiner} joins ({len(workers.live)} workers)"
            else:
                victim = rng.choice(sorted(workers.live))
                workers.kill(victim, f"round {index}: from {len(workers.live)} workers to {len(workers.live) - 1}")
                before.pop(victim)
                cause = f"{victim} killed ({len(workers.live)} left)"
            journal.write(f"round {index}: {cause}")
            mode = rng.choice(("assigned", "assigned+", "joining"))
            moments[mode] += 1

            def reassigned(before: dict[str, int] = before) -> bool:
                return any(w.assignments() > before.get(n, 0) for n, w in workers.live.items())

            if mode == "joining":
                delay = rng.uniform(0.5, 3.0)
                time.sleep(delay)
                moment = f"{delay:.2f}s into the rebalance, reassigned {reassigned()}"
            else:
                came = wait_until(reassigned, 120)
                delay = rng.uniform(0.0, 1.0) if mode == "assigned+" else 0.0
                time.sleep(delay)
                moment = f"{delay:.2f}s after a new assignment was printed" if came else "timeout waiting"
            victim = rng.choice(sorted(workers.live))
            workers.kill(victim, f"round {index}, {mode}: {moment}")
            workers.spawn(victim)
            workers.check()
        publish(settings, pieces[-1])
        published += pieces[-1]
        journal.write(f"published the last chunk ({len(pieces[-1])} events); {len(workers.live)} workers")
        check(settings, published, latest, board, outcome, journal, workers.check)
    outcome.details.insert(0, "moments " + ", ".join(f"{m} {n}" for m, n in sorted(moments.items())))
    outcome.seconds = time.monotonic() - started
    journal.write(outcome.line())
    journal.close()
    return outcome


# -- scenario 3: Kafka brokers killed under a running worker -----------------------------------------------


def java_hash(text: str) -> int:
    """Java's String.hashCode (Kafka picks a group's coordinator partition with it)."""
    h = 0
    for char in text:
        h = (31 * h + ord(char)) & 0xFFFFFFFF
    return h - (1 << 32) if h >= 1 << 31 else h


def coordinator_partition(group: str, partitions: int = 10) -> int:
    """The __consumer_offsets partition of `group` (Utils.abs(hashCode) % partitions)."""
    return (java_hash(group) & 0x7FFFFFFF) % partitions


def leaderships(bootstrap: str, node: int, topics: Sequence[str]) -> str:
    """The partitions of `topics` that `node` leads now, as `topic/p, ...` (for the schedule)."""
    admin = AdminClient({"bootstrap.servers": bootstrap})
    metadata = admin.list_topics(timeout=10).topics
    led = [
        f"{topic}/{number}"
        for topic in topics
        if topic in metadata
        for number, partition in sorted(metadata[topic].partitions.items())
        if partition.leader == node
    ]
    return ", ".join(led) or "nothing else"


def scenario_brokers(ctx: Context, number: int) -> Outcome:
    """Leaders of input, changelog, partials and coordinator partitions killed and restarted while events
    flow to one worker; then a full cluster restart while it runs."""
    outcome = Outcome(number, "Kafka leaders killed" + ("" if ctx.quick else ", cluster restarted"))
    cluster = ctx.arena.cluster
    rng = random.Random(ctx.seed * 1000 + number)
    events = list(simulate("normal", ctx.hours, seed=ctx.seed + number))
    outcome.events = len(events)
    folder = ctx.logs / f"scenario-{number}"
    journal = Journal(folder, f"scenario {number} (brokers): seed {ctx.seed}, {ctx.hours} h, {len(events)} events")
    app_id = f"faults-{number}-{ctx.seed}"
    started = time.monotonic()
    with ctx.arena.fresh() as settings, contextlib.ExitStack() as stack:
        settings = settings.with_overrides(app_id=app_id)
        ensure_topics(settings)
        workers = Workers(settings, app_id, folder, journal, outcome)
        stack.callback(workers.stop_all)
        latest, board = Latest(settings), PartialBoard(settings)
        stack.callback(latest.tail.close)
        stack.callback(board.tail.close)
        worker = workers.spawn("w")
        faults: list[tuple[str, str, int]] = [
            ("checkpoint changelog", f"{app_id}-checkpoints-changelog", rng.randrange(settings.kafka.partitions)),
        ]
        if not ctx.quick:
            faults = [
                ("input", rng.choice(INPUT_TOPICS), rng.randrange(settings.kafka.partitions)),
                *faults,
                ("combiner changelog", f"{app_id}-combiner-changelog", 0),
                ("partials", partials_topic(settings), 0),
                ("group coordinator", "__consumer_offsets", coordinator_partition(app_id)),
                ("input", rng.choice(INPUT_TOPICS), rng.randrange(settings.kafka.partitions)),
                ("checkpoint changelog", f"{app_id}-checkpoints-changelog", rng.randrange(settings.kafka.partitions)),
            ]
        pieces = chunks(events, 2 * len(faults) + 4)
        publish(settings, pieces[0])
        journal.write(f"published chunk 0 ({len(pieces[0])} events)")
        wait_until(lambda: worker.assignments() > 0, 120)
        wait_for_topic(settings, f"{app_id}-checkpoints-changelog")
        wait_until(lambda: caught_up(settings, board), 120, 0.5)
        flow_error: list[BaseException] = []
        flowing = threading.Event()
        republished = Counter[str]()

        def flow() -> None:  # the rest of the events, a chunk every 2 s, across every fault
            try:
                for index, piece in enumerate(pieces[1:], 1):
                    again = publish(settings, piece)
                    republished["events"] += again
                    journal.write(f"published chunk {index} ({len(piece)} events, {again} again)")
                    time.sleep(2.0)
            except BaseException as exc:
                flow_error.append(exc)
            finally:
                flowing.set()

        publisher = threading.Thread(target=flow, name="flow", daemon=True)
        publisher.start()
        for what, topic, partition in faults:
            leader = cluster.leader(topic, partition)
            for _ in range(120):
                if leader >= 0:
                    break
                time.sleep(0.5)
                leader = cluster.leader(topic, partition)
            led = leaderships(cluster.bootstrap, leader, [*INPUT_TOPICS, f"{app_id}-checkpoints-changelog"])
            journal.write(f"SIGKILL broker {leader}: leader of {what} {topic}/{partition} (and of {led})")
            cluster.kill_broker(leader)
            outcome.broker_kills += 1
            down = rng.uniform(3.0, 10.0)
            time.sleep(down)
            workers.check()
            cluster.start_broker(leader)
            journal.write(f"broker {leader} back after {down:.1f}s down")
            time.sleep(rng.uniform(1.0, 4.0))
        if not ctx.quick:
            journal.write("full cluster restart")
            began = time.monotonic()
            cluster.restart()
            outcome.broker_restarts += 1
            journal.write(f"cluster back after {time.monotonic() - began:.1f}s")
            outcome.details.append(f"cluster restart {time.monotonic() - began:.0f} s")
        flowing.wait(600)
        if flow_error:
            outcome.problem("publishing failed", repr(flow_error[0]))
        if republished["events"]:
            outcome.details.append(f"{republished['events']} events published again after failed deliveries")
        check(settings, events, latest, board, outcome, journal, workers.check, timeout=300)
    outcome.seconds = time.monotonic() - started
    journal.write(outcome.line())
    journal.close()
    return outcome


# -- scenario 4: the gateway killed with batches in flight -------------------------------------------------


def gateway_parties(events: Sequence[Event]) -> dict[str, tuple[Role, str]]:
    """A party for each publisher the events name: terminals, chassis providers, railroads."""
    parties: dict[str, tuple[Role, str]] = {}
    for event in events:
        if event["type"] == "ChassisCheckout":
            parties[f"provider-{event['provider']}"] = (Role.CHASSIS_PROVIDER, event["provider"])
        elif event["type"] == "RailDeparture":
            parties[f"railroad-{event['railroad']}"] = (Role.RAILROAD, event["railroad"])
        else:
            parties[f"terminal-{event['facility']}"] = (Role.TERMINAL, event["facility"])
    return parties


def party_of(event: Event) -> str:
    if event["type"] == "ChassisCheckout":
        return f"provider-{event['provider']}"
    if event["type"] == "RailDeparture":
        return f"railroad-{event['railroad']}"
    return f"terminal-{event['facility']}"


class Gateway:
    """`baystream gateway` as its own process, with a keys file."""

    def __init__(self, settings: Settings, keys_file: Path, log_path: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self._log: IO[bytes] = open(log_path, "ab")  # noqa: SIM115 - closed when the process is reaped
        env = child_env(
            settings,
            BAYSTREAM_GATEWAY_RATE_PER_S="100000",
            BAYSTREAM_GATEWAY_BURST="100000",
            BAYSTREAM_METRICS_PORT="0",
        )
        self.process = baystream_child(["gateway", "--port", str(self.port), "--keys", str(keys_file)], env, self._log)

    def wait_ready(self, timeout: float = 120.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"baystream gateway exited with {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.url}/v1/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"baystream gateway not listening after {timeout:g}s")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self._log.close()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self._log.close()


def post(url: str, body: bytes, key: str) -> tuple[int, dict[str, Any]]:
    request = urllib.request.Request(
        f"{url}/v1/events", data=body, headers={"Content-Type": "application/json", "X-API-Key": key}, method="POST"
    )
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def on_topics(settings: Settings) -> Counter[str]:
    """event_id -> how many records carry it, over the five input topics."""
    codec = Codec()
    found: Counter[str] = Counter()
    for topic in INPUT_TOPICS:
        tail = TopicTail(settings, topic)
        try:
            for message in tail.read():
                found[codec.decode(message.value())["event_id"]] += 1
        finally:
            tail.close()
    return found


def scenario_gateway(ctx: Context, number: int, kills: int, batch_size: int = 25, lanes: int = 3) -> Outcome:
    """The gateway SIGKILLed while `lanes` client threads post batches; every batch retried after a restart
    when it got no answer, about half of the answered ones too; each event id must end on its topic once."""
    outcome = Outcome(number, "gateway killed with batches in flight")
    rng = random.Random(ctx.seed * 1000 + number)
    events = list(simulate("normal", ctx.hours, seed=ctx.seed + number))
    outcome.events = len(events)
    folder = ctx.logs / f"scenario-{number}"
    journal = Journal(folder, f"scenario {number} (gateway): seed {ctx.seed}, {ctx.hours} h, {len(events)} events")
    started = time.monotonic()
    parties = gateway_parties(events)
    keys = {party: new_key() for party in parties}
    entries = {
        party: {"key_sha256": hash_key(keys[party]), "role": role.value, RULES[role].identity_field: code}
        for party, (role, code) in parties.items()
    }
    keys_file = folder / "keys.json"
    keys_file.write_text(json.dumps(entries, indent=1))
    by_party: dict[str, list[Event]] = {}
    for event in events:
        by_party.setdefault(party_of(event), []).append(event)
    batches: list[tuple[str, list[str], bytes]] = []
    for party, mine in by_party.items():
        for start in range(0, len(mine), batch_size):
            piece = mine[start : start + batch_size]
            body = json.dumps([to_json(e) for e in piece]).encode()
            batches.append((party, [str(e["event_id"]) for e in piece], body))
    rng.shuffle(batches)
    accepted: set[int] = set()
    """Batches answered 202 at least once."""
    republished = 0
    """Events a retry of a batch already answered 202 published again (the gateway forgot them)."""
    unanswered: Counter[str] = Counter()
    """Requests without an answer: cut by the kill, or refused (the gateway gone)."""
    retried_answered = 0
    queue: deque[int] = deque(range(len(batches)))
    lock = threading.Lock()
    with ctx.arena.fresh() as settings:
        for round_number in range(kills + 1):
            last = round_number == kills
            gateway = Gateway(settings, keys_file, folder / f"gateway-{round_number + 1:02d}.log")
            try:
                began = time.monotonic()
                gateway.wait_ready()
                journal.write(f"gateway {round_number + 1} ready in {time.monotonic() - began:.1f}s")
                answered_now: list[int] = []
                kill_after = 10**9 if last else rng.randint(3, 12)
                stop = threading.Event()

                def client(
                    gateway: Gateway = gateway, answered_now: list[int] = answered_now, stop: threading.Event = stop
                ) -> None:
                    nonlocal republished
                    while not stop.is_set():
                        with lock:
                            if not queue:
                                return
                            index = queue.popleft()
                        party, _, body = batches[index]
                        try:
                            status, answer = post(gateway.url, body, keys[party])
                        except (OSError, ValueError) as exc:  # cut or refused: no answer
                            how = "refused" if isinstance(exc, urllib.error.URLError) else "cut"
                            with lock:
                                unanswered[how] += 1
                                queue.append(index)
                            journal.write(f"  batch {index}: no answer, {how} ({type(exc).__name__})")
                            if stop.is_set() or gateway.process.poll() is not None:
                                return
                            time.sleep(0.05)
                            continue
                        with lock:
                            if status == 202:
                                if index in accepted and answer.get("published"):
                                    republished += int(answer["published"])
                                    journal.write(f"  batch {index}: retry published {answer['published']} again")
                                accepted.add(index)
                                answered_now.append(index)
                            else:
                                queue.append(index)
                                journal.write(f"  batch {index}: {status} {str(answer)[:200]}")

                threads = [threading.Thread(target=client, daemon=True) for _ in range(lanes)]
                for thread in threads:
                    thread.start()
                if not last:
                    enough = kill_after
                    wait_until(lambda: len(answered_now) >= enough or not queue, 300, 0.002)  # noqa: B023
                    gateway.process.send_signal(signal.SIGKILL)
                    stop.set()  # the clients send nothing more to this one
                    gateway.kill()
                    outcome.gateway_kills += 1
                    journal.write(f"SIGKILL gateway {round_number + 1} after {len(answered_now)} answers")
                for thread in threads:
                    thread.join(600 if last else 120)
                with lock:  # retry about half of this round's answered batches as well
                    again = [i for i in answered_now if rng.random() < 0.5] if not last else []
                    queue.extend(again)
                    retried_answered += len(again)
            finally:
                gateway.stop()
        if queue:
            outcome.problem("batches never answered 202", str(len(queue)))
        found = on_topics(settings)
    ids = [i for _, batch_ids, _ in batches for i in batch_ids]
    missing = [i for i in ids if found[i] == 0]
    accepted_missing = [i for b in accepted for i in batches[b][1] if found[i] == 0]
    outcome.lost = len(missing)
    outcome.twice = sum(found[i] - 1 for i in ids if found[i] > 1)
    outcome.details += [
        f"{len(batches)} batches",
        f"requests without an answer: {unanswered['cut']} cut by a kill, {unanswered['refused']} refused",
        f"{retried_answered} answered batches retried",
        f"retries published {republished} events again",
        f"202 but not on the topic: {len(accepted_missing)}",
    ]
    if accepted_missing:
        outcome.problem("events of batches answered 202 not on their topic", str(len(accepted_missing)))
    journal.write(f"on the topics: {len(found)} distinct ids, {sum(found.values())} records")
    outcome.seconds = time.monotonic() - started
    journal.write(outcome.line())
    journal.close()
    return outcome


# -- scenario 6: the container-status keeper killed ----------------------------------------------------------

KEEPER_MODES = (("startup", 1.0), ("reading+", 2.0), ("commit", 2.0), ("quiet", 1.5))
"""Kill moments of `baystream containers` and their weights: 0.3-4 s after it started (starting Python or
restoring its state); a random 0-2 s after it printed `reading on` (applying the chunk just published); as soon as its
committed offsets moved (a checkpoint just made, the next batch's records being written); in a quiet period
(every input record committed: nothing new to read) plus 0-1.5 s."""
KEEPER_DELAYS = {"startup": (0.3, 4.0), "reading+": (0.0, 2.0), "commit": (0.0, 0.0), "quiet": (0.0, 1.5)}
KEEPER_HOURS = 72
"""Scenario 6 simulates at least this many hours: the first trains leave on the third day (rail moves)."""
KEEPER_CHECKPOINT_INTERVAL = "0.5"
"""Its commits every 0.5 s (2 s by default), like the workers' checkpoints here: more of them to kill at."""


class Keeper(Worker):
    """One `baystream containers` child, its output in `log_path` (kill, stop, output: as a worker's)."""

    def __init__(self, settings: Settings, log_path: Path):  # another command, the same handling
        self.log_path = log_path
        self.spawned = time.monotonic()
        c = settings.containers
        env = child_env(  # the model's settings given explicitly: the offline book (book_for) uses the same
            settings,
            BAYSTREAM_CONTAINERS_GROUP_ID=c.group_id,
            BAYSTREAM_CONTAINERS_CHECKPOINT_INTERVAL_S=KEEPER_CHECKPOINT_INTERVAL,
            BAYSTREAM_CONTAINERS_FREE_DAYS=str(c.free_days),
            BAYSTREAM_CONTAINERS_FREE_DAYS_BY_TERMINAL=c.free_days_by_terminal,
            BAYSTREAM_CONTAINERS_DWELL_REFRESH_HOURS=str(c.dwell_refresh_hours),
            BAYSTREAM_METRICS_PORT="0",
        )
        self._log = open(log_path, "ab")  # noqa: SIM115 - closed when the process is reaped
        self.process = baystream_child(["containers"], env, self._log)

    def reading(self) -> bool:
        """Whether it restored its state and reads the inputs (it prints `... restored, reading on`)."""
        return "restored, reading on" in self.output()


def keeper_quiet(settings: Settings) -> bool:
    """Every partition of the keeper's inputs committed to its end: everything read, written and committed."""
    return uncommitted(settings, settings.containers.group_id, topics=CONTAINER_INPUTS) == []


def keeper_moment(mode: str, delay: float, keeper: Keeper, settings: Settings, offsets: Consumer) -> Moment:
    """Wait for the moment of `mode` (the chunk just published), then `delay` seconds more."""
    if mode == "startup":
        time.sleep(max(0.0, keeper.spawned + delay - time.monotonic()))
        return Moment(f"{time.monotonic() - keeper.spawned:.2f}s after start, reading {keeper.reading()}")
    if mode == "reading+":
        if not wait_until(lambda: keeper.reading() or not keeper.alive(), WAIT_S, 0.02):
            return Moment(f"not reading on within {WAIT_S:g}s", timed_out=keeper.alive())
        time.sleep(delay)
        return Moment(f"{delay:.2f}s after `reading on`")
    if mode == "commit":
        partitions = [TopicPartition(t, p) for t in CONTAINER_INPUTS for p in range(settings.kafka.partitions)]

        def committed() -> list[int] | None:
            with contextlib.suppress(KafkaException):
                return [tp.offset for tp in offsets.committed(partitions, timeout=10)]
            return None

        before = committed()
        moved = wait_until(lambda: committed() not in (None, before) or not keeper.alive(), WAIT_S, 0.05)
        if moved:
            return Moment("as soon as its committed offsets moved")
        if keeper_quiet(settings):  # it had committed the whole chunk before the first look
            return Moment("commit moment missed: everything committed already (a quiet kill)")
        return Moment(f"committed offsets unchanged for {WAIT_S:g}s", timed_out=keeper.alive())
    if not wait_until(lambda: keeper_quiet(settings) or not keeper.alive(), WAIT_S, 0.2):
        return Moment(f"not everything committed within {WAIT_S:g}s", timed_out=keeper.alive())
    time.sleep(delay)
    return Moment(f"quiet: every input record committed, {delay:.2f}s later")


def last_records(settings: Settings, topic: str) -> dict[str, bytes]:
    """The last value of every key of `topic`, read to its end (what compaction keeps)."""
    tail = TopicTail(settings, topic)
    found: dict[str, bytes] = {}
    try:
        for message in tail.read():
            key, value = (message.key() or b"").decode(), message.value()
            if value is None:
                found.pop(key, None)
            else:
                found[key] = value
    finally:
        tail.close()
    return found


def scenario_containers(ctx: Context, number: int, kills: int) -> Outcome:
    """`baystream containers` SIGKILLed `kills` times at random moments (at least one right after a start and
    one in a quiet period), restarted each time, the events published in chunks between; then the last status
    of every container on `container-status` against the model (`StatusBook`) over the same events.

    Lost: a container whose status is missing or differs. Counted twice: a container whose saved moves (its
    record on `<group>-state`) hold an event id twice. A status cannot show a move applied twice (it is a
    function of the set of moves; the dwell comes from times, not sums): the saved moves are where it would."""
    if kills < 2:
        raise ValueError("scenario 6 needs 2 kills or more (one right after a start, one in a quiet period)")
    outcome = Outcome(number, "container keeper kills")
    rng = random.Random(ctx.seed * 1000 + number)
    hours = max(ctx.hours, KEEPER_HOURS)
    events = list(simulate("normal", hours, seed=ctx.seed + number))
    outcome.events = len(events)
    folder = ctx.logs / f"scenario-{number}"
    journal = Journal(folder, f"scenario {number} (containers): seed {ctx.seed}, {hours} h, {len(events)} events")
    plan = [rng.choices([m for m, _ in KEEPER_MODES], [w for _, w in KEEPER_MODES])[0] for _ in range(kills)]
    if "startup" not in plan:
        plan[0] = "startup"
    if "quiet" not in plan:
        plan[next(i for i, m in enumerate(plan) if m != "startup" or plan.count("startup") > 1)] = "quiet"
    delays = [rng.uniform(*KEEPER_DELAYS[mode]) for mode in plan]
    modes: Counter[str] = Counter()
    started = time.monotonic()
    runs = 0
    with ctx.arena.fresh() as settings, contextlib.ExitStack() as stack:
        settings = settings.with_overrides(containers_group_id=f"faults-{number}-{ctx.seed}")

        def spawn() -> Keeper:
            nonlocal runs
            runs += 1
            keeper = Keeper(settings, folder / f"keeper-{runs:02d}.log")
            journal.write(f"spawn keeper (pid {keeper.process.pid}, log {keeper.log_path.name})")
            return keeper

        def exited(keeper: Keeper, code: int) -> None:
            tail = keeper.output().strip().splitlines()[-1:] or ["no output"]
            outcome.problem("the keeper exited by itself", f"{keeper.log_path.name}: status {code}, {tail[0][:200]}")
            journal.write(f"keeper (log {keeper.log_path.name}) exited by itself with status {code}")

        keeper = spawn()
        stack.callback(lambda: keeper.stop())
        offsets = Consumer(consumer_config(settings, settings.containers.group_id, **{"enable.auto.commit": False}))
        stack.callback(offsets.close)
        pieces = chunks(events, kills + 1)
        for index, (mode, delay) in enumerate(zip(plan, delays, strict=True)):
            again = publish(settings, pieces[index])
            journal.write(f"published chunk {index} ({len(pieces[index])} events, {again} again); moment {mode}")
            if not keeper.alive():
                exited(keeper, keeper.kill() or 0)
                keeper = spawn()
            moment = keeper_moment(mode, delay, keeper, settings, offsets)
            if moment.timed_out:
                outcome.problem(f"no {mode} moment within {WAIT_S:g}s", f"kill {index + 1}: {moment.description}")
            code = keeper.kill()
            if code is None:
                outcome.keeper_kills += 1
                modes[mode] += 1
                journal.write(
                    f"SIGKILL keeper (pid {keeper.process.pid}) kill {index + 1}/{kills}, {mode}: {moment.description}"
                )
            else:
                exited(keeper, code)
            keeper = spawn()
        publish(settings, pieces[-1])
        journal.write(f"published the last chunk ({len(pieces[-1])} events)")
        began = time.monotonic()
        while not keeper_quiet(settings) and time.monotonic() - began < 300:
            if not keeper.alive():
                exited(keeper, keeper.kill() or 0)
                keeper = spawn()
            time.sleep(0.5)
        settled = keeper_quiet(settings)
        journal.write(f"settled {settled} after {time.monotonic() - began:.1f}s")
        if not settled:
            outcome.problem(
                "input not fully committed at the end",
                str(uncommitted(settings, settings.containers.group_id, topics=CONTAINER_INPUTS)),
            )
        codec = Codec()
        got = {key: codec.decode(value) for key, value in last_records(settings, CONTAINER_STATUS).items()}
        saved = last_records(settings, container_state_topic(settings))
    book = book_for(settings)
    for event in events:
        book.apply(event)
    want = book.statuses()
    missing = sorted(want.keys() - got.keys())
    wrong = sorted(c for c in want.keys() & got.keys() if got[c] != want[c])
    outcome.lost = len(missing) + len(wrong)
    moves = {
        key[len(CONTAINER_KEY) :]: [m["event_id"] for m in orjson.loads(value)]
        for key, value in saved.items()
        if key.startswith(CONTAINER_KEY)
    }
    twice = sorted(c for c, ids in moves.items() if len(ids) != len(set(ids)))
    outcome.twice = len(twice)
    outcome.differences = [f"status of {c} not in the events" for c in sorted(got.keys() - want.keys())]
    outcome.differences += [
        f"saved moves of {c} are not the events' ({len(set(moves.get(c, [])))} event ids, {len(m)} expected)"
        for c, m in sorted(book.moves.items())
        if set(moves.get(c, [])) != {move.event_id for move in m}
    ]
    for c in missing[:5]:
        journal.write(f"  lost: no status of {c}")
    for c in wrong[:5]:
        fields = ", ".join(f"{k} {got[c].get(k)!r} != {v!r}" for k, v in want[c].items() if got[c].get(k) != v)
        journal.write(f"  lost: {c} differs: {fields}")
    for c in twice[:5]:
        journal.write(f"  twice: saved moves of {c}: {moves[c]}")
    for line in outcome.differences[:10]:
        journal.write(f"  differs: {line}")
    outcome.details += [
        "moments " + ", ".join(f"{m} {modes[m]}" for m, _ in KEEPER_MODES if modes[m]),
        f"{len(want):,} containers compared",
        f"{len(missing)} missing, {len(wrong)} differ",
        f"{runs} starts",
    ]
    outcome.seconds = time.monotonic() - started
    journal.write(outcome.line())
    journal.close()
    return outcome


# -- the campaign ------------------------------------------------------------------------------------------

CODE = ("streams", "producers", "infra", "schemas")


def code_state(logs: Path | None = None) -> str:
    """The commit and the uncommitted changes of the packages under test (the diff saved to `logs`)."""
    import hashlib

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout

    try:
        head = git("rev-parse", "--short", "HEAD").strip()
        if not head:
            return "code: not a git checkout"
        diff = git("diff", "HEAD", "--", *CODE)
        changed = git("diff", "HEAD", "--name-only", "--", *CODE).split()
        untracked = git("ls-files", "--others", "--exclude-standard", "--", *CODE).split()
    except (OSError, subprocess.SubprocessError):
        return "code: not a git checkout"
    if logs is not None:
        (logs / "code.diff").write_text(diff)
    if not changed and not untracked:
        return f"code: {head}, no local changes"
    digest = hashlib.sha1(diff.encode()).hexdigest()[:10]
    return f"code: {head} + local changes in {', '.join(changed + untracked)} (diff {digest})"


ALL = (1, 2, 3, 4, 5, 6)


def applicable(engine: str) -> tuple[int, ...]:
    return ALL if engine == "kafka" else tuple(n for n in ALL if n != 3)


def run_scenario(ctx: Context, number: int, kills: int) -> Outcome:
    quick = ctx.quick
    if number == 1:
        return scenario_kills(ctx, 1, kills)
    if number == 2:
        return scenario_rebalances(ctx, 2, 1 if quick else 6)
    if number == 3:
        return scenario_brokers(ctx, 3)
    if number == 4:
        return scenario_gateway(ctx, 4, 1 if quick else 10)
    if number == 5:
        return scenario_kills(ctx, 5, 1 if quick else 3, burners=2)
    if number == 6:
        return scenario_containers(ctx, 6, 2 if quick else 12)
    raise ValueError(f"no scenario {number}")


def run_campaign(ctx: Context, scenarios: Sequence[int], kills: int, keep_logs: bool = False) -> list[Outcome]:
    outcomes = []
    for number in scenarios:
        outcome = run_scenario(ctx, number, kills)
        folder = ctx.logs / f"scenario-{number}"
        if outcome.failed or outcome.problems or keep_logs:
            outcome.logs = folder
        else:
            shutil.rmtree(folder, ignore_errors=True)
        ctx.say(outcome.line())
        outcomes.append(outcome)
    return outcomes


def summary(outcomes: Sequence[Outcome]) -> str:
    k = sum(o.worker_kills for o in outcomes)
    b = sum(o.broker_kills for o in outcomes)
    g = sum(o.gateway_kills for o in outcomes)
    c = sum(o.keeper_kills for o in outcomes)
    lost = sum(o.lost for o in outcomes)
    twice = sum(o.twice for o in outcomes)
    return (
        f"faults: {k} worker kills, {b} broker kills, {g} gateway kills, {c} container-keeper kills; "
        f"lost {lost}, counted twice {twice}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--engine", choices=("tansu", "kafka"), required=True)
    parser.add_argument("--kills", type=int, default=None, help="worker kills of scenario 1 (default 50; 3 quick)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--hours", type=int, default=None, help="simulated hours per scenario (default 24; 12 quick)")
    parser.add_argument("--quick", action="store_true", help="a small version of every scenario (a few kills)")
    parser.add_argument("--only", default="", help="comma-separated scenario numbers (default: all that apply)")
    parser.add_argument("--check-every", type=int, default=None, help="scenario 1: compare after every N kills too")
    parser.add_argument("--logs", type=Path, default=None, help="where logs go (default: a new temporary folder)")
    parser.add_argument("--keep-logs", action="store_true", help="keep the logs of passing scenarios too")
    args = parser.parse_args()
    kills = args.kills if args.kills is not None else (3 if args.quick else 50)
    hours = args.hours if args.hours is not None else (12 if args.quick else 24)
    check_every = args.check_every if args.check_every is not None else (0 if args.quick else 10)
    wanted = tuple(int(n) for n in args.only.split(",") if n.strip()) or applicable(args.engine)
    skipped = [n for n in wanted if n not in applicable(args.engine)]
    scenarios = [n for n in wanted if n in applicable(args.engine)]
    logs = args.logs or Path(tempfile.mkdtemp(prefix=f"baystream-faults-{args.engine}-"))
    logs.mkdir(parents=True, exist_ok=True)
    started = time.monotonic()
    print(
        f"fault campaign on {args.engine}: scenarios {scenarios}, seed {args.seed}, {hours} h per scenario, "
        f"{kills} kills in scenario 1; {machine()}; logs in {logs}",
        flush=True,
    )
    print(code_state(logs), flush=True)
    if skipped:
        print(f"skipped (Kafka only): {skipped}", flush=True)
    ctx = Context(Arena("tansu"), args.seed, hours, logs, args.quick, check_every, say=lambda s: print(s, flush=True))
    if args.engine == "kafka":
        from baystream.infra.kafka_cluster import KafkaCluster

        cluster = KafkaCluster(brokers=KAFKA_BROKERS, log_dir=logs / "kafka")
        (logs / "kafka").mkdir(exist_ok=True)
        began = time.monotonic()
        cluster.start()
        print(
            f"Kafka {cluster.version}: {KAFKA_BROKERS} KRaft nodes up in {time.monotonic() - began:.0f} s", flush=True
        )
        ctx.arena = Arena("kafka", cluster)
        try:
            outcomes = run_campaign(ctx, scenarios, kills, args.keep_logs)
        finally:
            cluster.stop()
    else:
        outcomes = run_campaign(ctx, scenarios, kills, args.keep_logs)
    failed = any(o.failed for o in outcomes)
    if not failed and not any(o.problems for o in outcomes) and not args.keep_logs:
        shutil.rmtree(logs, ignore_errors=True)
    print(f"campaign took {time.monotonic() - started:.0f} s", flush=True)
    print(summary(outcomes), flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
